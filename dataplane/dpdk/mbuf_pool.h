// The packet buffer pool of a gateway: one per process, sized from the ports' queues.
#pragma once

#include <cstddef>

struct rte_mempool;

namespace anymesh::dpdk {

struct MbufPoolSize {
  unsigned ports = 2;
  unsigned queues = 1;
  unsigned rx_descriptors = 1024;
  unsigned tx_descriptors = 1024;
  unsigned workers = 1;
};

// Enough mbufs for every descriptor, every lcore's cache, bursts in flight and the handoff rings,
// rounded to 2^n - 1 as the mempool likes. Throws std::runtime_error when DPDK has no memory.
rte_mempool* create_mbuf_pool(const MbufPoolSize& size);

}  // namespace anymesh::dpdk
