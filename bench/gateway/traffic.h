// Traffic: the crafted inner packets of one workload: IPv4/UDP packets of the workload's sizes over
// many flows, from a host of the local region to hosts inside a remote region's prefix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/crypto/workload.h"
#include "dataplane/pipeline/neighbor_table.h"

namespace anymesh::bench {

class Traffic {
 public:
  // Flows differ in UDP source port and destination host, so the flow hash spreads them over lanes.
  static constexpr unsigned kFlows = 64;
  static constexpr unsigned kHosts = 8;

  // src and dst_base in host order; destinations are dst_base + 0 .. kHosts - 1.
  Traffic(const Workload& workload, std::uint32_t src, std::uint32_t dst_base);

  // The IP length of packet i (the workload's sizes are IP packet lengths, as in anymesh-bench-seal).
  std::size_t length(std::uint64_t i) const { return workload_.lengths[i % workload_.lengths.size()]; }
  // Writes packet i (IPv4 header with checksum, UDP header, payload) at `at`; returns its length.
  std::size_t write_packet(std::uint64_t i, std::uint8_t* at) const;
  // Writes packet i behind an Ethernet header; returns the frame length.
  std::size_t write_frame(std::uint64_t i, std::uint8_t* at, const pipeline::MacAddress& dst,
                          const pipeline::MacAddress& src) const;
  std::vector<std::uint32_t> destinations() const;
  const Workload& workload() const { return workload_; }

 private:
  const std::vector<std::uint8_t>& packet(std::uint64_t i) const;

  Workload workload_;
  std::uint32_t dst_base_;
  std::vector<std::vector<std::uint8_t>> packets_;  // [flow * sizes + size index]
};

}  // namespace anymesh::bench
