// The packet buffer pool of a gateway: one per process, sized from the ports' queues.
#pragma once

#include <cstddef>

struct rte_mempool;

namespace anymesh::dpdk {

// Descriptors per queue. RX is deep enough to absorb a burst of a few thousand new flows while a
// worker sleeps its idle back-off (250 us); the pool holds an mbuf for every descriptor.
inline constexpr unsigned kRxDescriptors = 4096;
inline constexpr unsigned kTxDescriptors = 1024;

struct MbufPoolSize {
  unsigned ports = 2;
  unsigned queues = 1;
  unsigned rx_descriptors = kRxDescriptors;
  unsigned tx_descriptors = kTxDescriptors;
  unsigned workers = 1;
};

// Enough mbufs for every descriptor, every lcore's cache, bursts in flight and the handoff rings,
// rounded to 2^n - 1 as the mempool likes. Throws std::runtime_error when DPDK has no memory.
rte_mempool* create_mbuf_pool(const MbufPoolSize& size);

}  // namespace anymesh::dpdk
