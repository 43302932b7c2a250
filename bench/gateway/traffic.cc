// Building the benchmark's inner packets once, then copying them into frames.
#include "bench/gateway/traffic.h"

#include <cstring>
#include <stdexcept>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/ipv4.h"
#include "dataplane/pipeline/frames.h"

namespace anymesh::bench {
namespace {

constexpr std::size_t kIpHeader = 20;
constexpr std::size_t kUdpHeader = 8;
constexpr std::uint16_t kDestinationPort = 5201;
constexpr std::uint16_t kFirstSourcePort = 40000;

}  // namespace

Traffic::Traffic(const Workload& workload, std::uint32_t src, std::uint32_t dst_base)
    : workload_(workload), dst_base_(dst_base) {
  std::size_t sizes = workload_.lengths.size();
  packets_.resize(std::size_t{kFlows} * sizes);
  for (unsigned flow = 0; flow < kFlows; ++flow) {
    for (std::size_t s = 0; s < sizes; ++s) {
      std::size_t len = workload_.lengths[s];
      if (len < kIpHeader + kUdpHeader) throw std::runtime_error("packets shorter than IPv4 + UDP");
      std::vector<std::uint8_t>& p = packets_[flow * sizes + s];
      p.resize(len);
      Ipv4Fields ip;
      ip.src = IpAddress::v4(src);
      ip.dst = IpAddress::v4(dst_base + flow % kHosts);
      ip.protocol = 17;
      ip.identification = static_cast<std::uint16_t>(flow);
      if (!write_ipv4_header(p, ip, len - kIpHeader)) throw std::runtime_error("cannot build an IPv4 header");
      std::uint8_t* udp = p.data() + kIpHeader;
      store_be16(udp, static_cast<std::uint16_t>(kFirstSourcePort + flow));
      store_be16(udp + 2, kDestinationPort);
      store_be16(udp + 4, static_cast<std::uint16_t>(len - kIpHeader));
      store_be16(udp + 6, 0);  // no UDP checksum: nothing on the path reads the payload
      for (std::size_t i = kIpHeader + kUdpHeader; i < len; ++i) p[i] = static_cast<std::uint8_t>(i * 131 + flow);
    }
  }
}

const std::vector<std::uint8_t>& Traffic::packet(std::uint64_t i) const {
  std::size_t sizes = workload_.lengths.size();
  return packets_[(i % kFlows) * sizes + i % sizes];
}

std::size_t Traffic::write_packet(std::uint64_t i, std::uint8_t* at) const {
  const auto& p = packet(i);
  std::memcpy(at, p.data(), p.size());
  return p.size();
}

std::size_t Traffic::write_frame(std::uint64_t i, std::uint8_t* at, const pipeline::MacAddress& dst,
                                 const pipeline::MacAddress& src) const {
  pipeline::write_ethernet(at, dst, src, pipeline::kEtherTypeIpv4);
  return pipeline::kEthernetHeader + write_packet(i, at + pipeline::kEthernetHeader);
}

std::vector<std::uint32_t> Traffic::destinations() const {
  std::vector<std::uint32_t> out;
  for (unsigned h = 0; h < kHosts; ++h) out.push_back(dst_base_ + h);
  return out;
}

}  // namespace anymesh::bench
