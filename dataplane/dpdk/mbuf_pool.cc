// Creating the gateway's mbuf pool.
#include "dataplane/dpdk/mbuf_pool.h"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <bit>
#include <stdexcept>
#include <string>

namespace anymesh::dpdk {

rte_mempool* create_mbuf_pool(const MbufPoolSize& s) {
  constexpr unsigned kCache = 256;
  constexpr unsigned kInFlight = 4096;  // bursts, handoff rings, staged handshakes and probes
  std::size_t need = std::size_t{s.ports} * s.queues * (s.rx_descriptors + s.tx_descriptors) +
                     std::size_t{s.workers + 1} * kCache + kInFlight;
  unsigned n = static_cast<unsigned>(std::bit_ceil(need)) - 1;
  rte_mempool* pool = rte_pktmbuf_pool_create("anymesh_mbufs", n, kCache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(rte_socket_id()));
  if (pool == nullptr) {
    throw std::runtime_error("cannot create a pool of " + std::to_string(n) +
                             " packet buffers: " + rte_strerror(rte_errno) +
                             " (reserve hugepages, or pass --no-huge -m MB in dpdk-args)");
  }
  return pool;
}

}  // namespace anymesh::dpdk
