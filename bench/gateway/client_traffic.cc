// Writing the anycast paths' client frames: IPv4 header per packet (the tuple changes), payload copied.
#include "bench/gateway/client_traffic.h"

#include <cstring>
#include <span>
#include <stdexcept>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/ipv4.h"
#include "dataplane/pipeline/frames.h"

namespace anymesh::bench {
namespace {

constexpr std::size_t kIpHeader = 20;
constexpr std::size_t kUdpHeader = 8;
constexpr std::uint16_t kFirstSourcePort = 1024;

}  // namespace

ClientTraffic::ClientTraffic(const Workload& workload, std::uint32_t vip, std::uint16_t port, std::uint32_t flows)
    : workload_(workload), vip_(vip), port_(port), flows_(flows) {
  for (std::size_t len : workload_.lengths) {
    if (len < kIpHeader + kUdpHeader) throw std::runtime_error("packets shorter than IPv4 + UDP");
    std::vector<std::uint8_t> p(len - kIpHeader - kUdpHeader);
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(i * 131 + 7);
    payloads_.push_back(std::move(p));
  }
}

std::size_t ClientTraffic::write_frame(std::uint64_t i, std::uint8_t* at, const pipeline::MacAddress& dst,
                                       const pipeline::MacAddress& src) const {
  std::uint32_t flow = static_cast<std::uint32_t>(flows_ > 0 ? i % flows_ : i % kTuples);
  const std::vector<std::uint8_t>& payload = payloads_[i % payloads_.size()];
  std::size_t len = kIpHeader + kUdpHeader + payload.size();
  pipeline::write_ethernet(at, dst, src, pipeline::kEtherTypeIpv4);
  std::uint8_t* ip = at + pipeline::kEthernetHeader;
  Ipv4Fields fields;
  fields.src = IpAddress::v4(kClientBase + 1 + flow % 254);
  fields.dst = IpAddress::v4(vip_);
  fields.protocol = 17;
  fields.identification = static_cast<std::uint16_t>(i);
  if (!write_ipv4_header(std::span<std::uint8_t>(ip, len), fields, len - kIpHeader)) {
    throw std::runtime_error("cannot build an IPv4 header");
  }
  std::uint8_t* udp = ip + kIpHeader;
  store_be16(udp, static_cast<std::uint16_t>(kFirstSourcePort + flow / 254));
  store_be16(udp + 2, port_);
  store_be16(udp + 4, static_cast<std::uint16_t>(len - kIpHeader));
  store_be16(udp + 6, 0);
  std::memcpy(udp + kUdpHeader, payload.data(), payload.size());
  return pipeline::kEthernetHeader + len;
}

}  // namespace anymesh::bench
