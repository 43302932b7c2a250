// The I/O ceiling loop.
#include "bench/gateway/plain_forward.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

namespace anymesh::bench {

int run_plain_forward(void* arg) {
  auto& f = *static_cast<PlainForward*>(arg);
  rte_mbuf* burst[32];
  std::uint64_t forwarded = 0, dropped = 0;
  while (!f.stop.load(std::memory_order_relaxed)) {
    std::uint16_t n = rte_eth_rx_burst(f.from_port, 0, burst, 32);
    if (n == 0) continue;
    std::uint16_t sent = rte_eth_tx_burst(f.to_port, 0, burst, n);
    forwarded += sent;
    for (std::uint16_t i = sent; i < n; ++i) rte_pktmbuf_free(burst[i]);
    dropped += n - sent;
  }
  f.forwarded = forwarded;
  f.dropped = dropped;
  return 0;
}

}  // namespace anymesh::bench
