// ClientTraffic: the crafted client frames of the anycast paths: Ethernet/IPv4/UDP to one VIP and
// port from many client 5-tuples, either cycling over a fixed set of flows or a new flow per packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/crypto/workload.h"
#include "dataplane/pipeline/neighbor_table.h"

namespace anymesh::bench {

class ClientTraffic {
 public:
  // Clients are 192.0.2.1 .. 192.0.2.254 with UDP source ports 1024 .., so 254 * 64512 distinct
  // tuples before a new-flow run repeats one.
  static constexpr std::uint32_t kClientBase = 0xc0000200;  // 192.0.2.0
  static constexpr std::uint32_t kTuples = 254u * 64512u;

  // vip in host order. flows > 0: packet i belongs to flow i % flows (a warm flow table); 0: packet
  // i is flow i, every packet the first of a new flow.
  ClientTraffic(const Workload& workload, std::uint32_t vip, std::uint16_t port, std::uint32_t flows);

  // Writes packet i behind an Ethernet header; returns the frame length.
  std::size_t write_frame(std::uint64_t i, std::uint8_t* at, const pipeline::MacAddress& dst,
                          const pipeline::MacAddress& src) const;
  const Workload& workload() const { return workload_; }
  std::uint32_t flows() const { return flows_; }

 private:
  Workload workload_;
  std::uint32_t vip_;
  std::uint16_t port_;
  std::uint32_t flows_;
  std::vector<std::vector<std::uint8_t>> payloads_;  // UDP payload per size of the workload
};

}  // namespace anymesh::bench
