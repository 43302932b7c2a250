// PlainForward: the benchmark's I/O ceiling: a worker lcore moves mbufs from one port's rx queue to
// another port's tx queue in bursts of 32, as DPDK's io forwarding does: no parsing, no crypto,
// nothing written. The gateway's pipeline cannot beat it over the same rings.
#pragma once

#include <atomic>
#include <cstdint>

namespace anymesh::bench {

struct PlainForward {
  std::uint16_t from_port = 0;
  std::uint16_t to_port = 0;
  std::atomic<bool> stop{false};
  std::uint64_t forwarded = 0;  // read after the lcore returned
  std::uint64_t dropped = 0;    // tx ring full
};

// rte_eal_remote_launch entry point; arg is a PlainForward*.
int run_plain_forward(void* arg);

}  // namespace anymesh::bench
