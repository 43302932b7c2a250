// Test packets and services for the anycast stage: client frames with headroom, a small service table.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dataplane/anycast/service.h"
#include "dataplane/packet/builder.h"
#include "dataplane/packet/ethernet.h"
#include "dataplane/pipeline/anycast_stage.h"

namespace anymesh::pipeline::test {

inline IpAddress ip(const std::string& text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a.has_value());
  return *a;
}

// A packet in a buffer with room in front, as an mbuf has.
struct TestPacket {
  static constexpr std::size_t kHeadroom = 128;
  std::vector<std::uint8_t> buffer;
  std::size_t length = 0;
  std::span<std::uint8_t> bytes() { return {buffer.data() + kHeadroom, length}; }
  std::vector<std::uint8_t> copy() const {
    return {buffer.begin() + kHeadroom, buffer.begin() + static_cast<std::ptrdiff_t>(kHeadroom + length)};
  }
};

inline TestPacket packet_of(const std::vector<std::uint8_t>& bytes) {
  TestPacket p;
  p.buffer.assign(TestPacket::kHeadroom, 0xee);
  p.buffer.insert(p.buffer.end(), bytes.begin(), bytes.end());
  p.length = bytes.size();
  return p;
}

inline const MacAddress kClientMac{{0x02, 0, 0, 0, 0, 0x02}};
inline const MacAddress kGatewayMac{{0x02, 0, 0, 0, 0, 0x01}};

// A UDP (or TCP) packet from src:sport to dst:dport, Ethernet-framed unless `ip_only`.
inline TestPacket client_packet(const std::string& src, const std::string& dst, std::uint16_t sport,
                                std::uint16_t dport, bool tcp = false, bool ip_only = false,
                                std::size_t payload_bytes = 18) {
  std::vector<std::uint8_t> out(2048);
  std::size_t l2 = 0;
  IpFields f;
  f.src = ip(src);
  f.dst = ip(dst);
  if (!ip_only) {
    EthernetFields e;
    e.dst = kGatewayMac;
    e.src = kClientMac;
    e.ethertype = f.src.is_v4() ? ethertype::ipv4 : ethertype::ipv6;
    auto w = write_ethernet(out, e);
    REQUIRE(w.ok());
    l2 = *w;
  }
  std::vector<std::uint8_t> payload(payload_bytes, 0x61);
  std::span<std::uint8_t> rest(out.data() + l2, out.size() - l2);
  Result<std::size_t, BuildError> n = fail(BuildError{});
  if (tcp) {
    TcpFields t;
    t.src_port = sport;
    t.dst_port = dport;
    n = f.src.is_v4() ? build_ipv4_tcp(rest, f, t, payload) : build_ipv6_tcp(rest, f, t, payload);
  } else {
    n = build_ip_udp(rest, f, UdpPorts{sport, dport}, payload);
  }
  REQUIRE(n.ok());
  out.resize(l2 + *n);
  return packet_of(out);
}

// A service on vip:port/udp with a local group (r1) of `local` backends 10.200.1.1..
// (ids first_backend_id..) and, when remote_weight > 0, a remote group r2 without backends.
inline anycast::Service service(const std::string& vip, std::uint16_t port, int local,
                                std::uint32_t local_weight = 128, std::uint32_t remote_weight = 0,
                                std::uint8_t protocol = 17, std::uint32_t first_backend_id = 100) {
  anycast::Service s;
  s.name = "svc-" + vip + "-" + std::to_string(port);
  s.vip = ip(vip);
  s.protocol = protocol;
  s.ports = anycast::PortRange::single(port);
  s.maglev_table_size = 1009;
  if (local > 0) {
    anycast::EndpointGroup g;
    g.id = 1;
    g.region = "r1";
    g.weight = local_weight;
    for (int i = 0; i < local; ++i) {
      anycast::Backend b;
      b.id = first_backend_id + static_cast<std::uint32_t>(i);
      b.address = ip("10.200.1." + std::to_string(i + 1));
      g.backends.push_back(b);
    }
    s.groups.push_back(g);
  }
  if (remote_weight > 0) {
    anycast::EndpointGroup g;
    g.id = 2;
    g.region = "r2";
    g.weight = remote_weight;
    s.groups.push_back(g);
  }
  return s;
}

inline anycast::ServiceTable table_of(std::vector<anycast::Service> services) {
  auto t = anycast::ServiceTable::build(std::move(services));
  if (!t) FAIL(t.error().to_string());
  return std::move(*t);
}

inline AnycastStageConfig stage_config() {
  AnycastStageConfig c;
  c.gateway_v4 = ip("10.200.1.254");
  c.gateway_v6 = ip("fd00:1::fe");
  c.flows.capacity = 4096;
  return c;
}

}  // namespace anymesh::pipeline::test
