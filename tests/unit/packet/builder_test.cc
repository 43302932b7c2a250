// Specification of the builders: byte-exact against scapy, round trips through the parsers,
// and refusals instead of overruns.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string_view>
#include <vector>

#include "dataplane/packet/builder.h"
#include "dataplane/packet/bytes.h"
#include "dataplane/packet/checksum.h"
#include "dataplane/packet/ethernet.h"
#include "dataplane/packet/flow.h"
#include "dataplane/packet/ip_protocol.h"
#include "dataplane/packet/ipv4.h"
#include "dataplane/packet/ipv6.h"
#include "dataplane/packet/udp.h"
#include "packet_vectors.h"

using namespace anymesh;
using anymesh::test::from_hex;

namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

IpFields ip_fields(std::string_view src, std::string_view dst) {
  IpFields ip;
  ip.src = *IpAddress::parse(src);
  ip.dst = *IpAddress::parse(dst);
  return ip;
}

std::vector<std::uint8_t> built(std::vector<std::uint8_t> out, std::size_t n) {
  out.resize(n);
  return out;
}

}  // namespace

TEST_CASE("build_ipv4_udp writes the same bytes as scapy") {
  auto ip = ip_fields("192.0.2.1", "198.51.100.7");
  ip.ipv4_identification = 0x1c46;
  std::vector<std::uint8_t> out(1500);
  auto n = build_ipv4_udp(out, ip, {51820, 53}, bytes_of("anymesh-udp-v4!"));
  REQUIRE(n);
  CHECK(built(out, *n) == from_hex(anymesh::test::kIpv4Udp));
}

TEST_CASE("build_ipv6_udp writes the same bytes as scapy") {
  auto ip = ip_fields("fd00::1", "fd00::2:3");
  ip.ipv6_flow_label = 0x12345;
  std::vector<std::uint8_t> out(1500);
  auto n = build_ipv6_udp(out, ip, {4000, 6080}, bytes_of("v6 payload odd"));
  REQUIRE(n);
  CHECK(built(out, *n) == from_hex(anymesh::test::kIpv6Udp));
}

TEST_CASE("build_ipv4_tcp and build_ipv6_tcp write the same bytes as scapy") {
  auto ip = ip_fields("203.0.113.9", "10.200.1.2");
  ip.ttl = 57;
  ip.ipv4_identification = 1;
  ip.ipv4_dont_fragment = false;
  auto options = from_hex("020405b401010000");  // MSS 1460, NOP, NOP, EOL padding as scapy writes it
  TcpFields tcp{443, 40000, 1000, 2000, tcp_flag::psh | tcp_flag::ack, 501, 0, options};
  std::vector<std::uint8_t> out(1500);
  auto n = build_ipv4_tcp(out, ip, tcp, bytes_of("hello tcp"));
  REQUIRE(n);
  CHECK(built(out, *n) == from_hex(anymesh::test::kIpv4Tcp));

  TcpFields syn{1234, 80, 7, 0, tcp_flag::syn, 8192, 0, {}};
  auto n6 = build_ipv6_tcp(out, ip_fields("fd00::a", "fd00::b"), syn, {});
  REQUIRE(n6);
  CHECK(built(out, *n6) == from_hex(anymesh::test::kIpv6Tcp));
}

TEST_CASE("icmp echo builders write the same bytes as scapy") {
  std::vector<std::uint8_t> out(1500);
  auto ip4 = ip_fields("192.0.2.1", "192.0.2.2");
  ip4.ipv4_identification = 1;
  ip4.ipv4_dont_fragment = false;
  auto n4 = build_ipv4_icmp_echo(out, ip4, {0x4242, 7, false}, bytes_of("ping"));
  REQUIRE(n4);
  CHECK(built(out, *n4) == from_hex(anymesh::test::kIpv4IcmpEcho));
  auto n6 = build_ipv6_icmp_echo(out, ip_fields("fd00::1", "fd00::2"), {0x4242, 7, false},
                                 bytes_of("ping"));
  REQUIRE(n6);
  CHECK(built(out, *n6) == from_hex(anymesh::test::kIpv6IcmpEcho));
}

TEST_CASE("builders round-trip through parse_flow and the views (randomised)") {
  std::mt19937 rng(2024);
  std::vector<std::uint8_t> out(2048);
  std::vector<std::uint8_t> payload(1500);
  for (int round = 0; round < 400; ++round) {
    bool v6 = round % 2 == 1;
    IpFields ip;
    if (v6) {
      std::uint8_t a[16], b[16];
      for (auto& x : a) x = static_cast<std::uint8_t>(rng());
      for (auto& x : b) x = static_cast<std::uint8_t>(rng());
      ip.src = IpAddress::v6_bytes(a);
      ip.dst = IpAddress::v6_bytes(b);
    } else {
      ip.src = IpAddress::v4(static_cast<std::uint32_t>(rng()));
      ip.dst = IpAddress::v4(static_cast<std::uint32_t>(rng()));
    }
    ip.ttl = static_cast<std::uint8_t>(rng());
    auto sport = static_cast<std::uint16_t>(rng());
    auto dport = static_cast<std::uint16_t>(rng());
    auto body = std::span(payload).first(rng() % payload.size());
    for (auto& x : body) x = static_cast<std::uint8_t>(rng());
    int kind = static_cast<int>(rng() % 3);
    Result<std::size_t, BuildError> n = fail(BuildError::too_large);
    std::uint8_t protocol = 0;
    if (kind == 0) {
      n = v6 ? build_ipv6_udp(out, ip, {sport, dport}, body) : build_ipv4_udp(out, ip, {sport, dport}, body);
      protocol = ip_protocol::udp;
    } else if (kind == 1) {
      TcpFields tcp{sport, dport, static_cast<std::uint32_t>(rng()), 0, tcp_flag::ack, 1000, 0, {}};
      n = v6 ? build_ipv6_tcp(out, ip, tcp, body) : build_ipv4_tcp(out, ip, tcp, body);
      protocol = ip_protocol::tcp;
    } else {
      IcmpEchoFields echo{sport, dport, round % 4 == 0};
      n = v6 ? build_ipv6_icmp_echo(out, ip, echo, body) : build_ipv4_icmp_echo(out, ip, echo, body);
      protocol = v6 ? ip_protocol::icmpv6 : ip_protocol::icmp;
      dport = sport;  // echo flows carry the identifier in both ports
    }
    REQUIRE(n);
    auto packet = std::span<const std::uint8_t>(out).first(*n);
    auto flow = parse_flow(packet, Framing::ip);
    REQUIRE(flow);
    CHECK(flow->key.src == ip.src);
    CHECK(flow->key.dst == ip.dst);
    CHECK(flow->key.protocol == protocol);
    CHECK(flow->key.src_port == sport);
    CHECK(flow->key.dst_port == dport);
    CHECK(flow->end_offset == *n);
    REQUIRE(flow->payload_offset + body.size() == *n);
    CHECK(std::equal(body.begin(), body.end(), packet.begin() + flow->payload_offset));
    auto l4 = packet.subspan(flow->l4_offset);
    if (protocol == ip_protocol::icmp) {
      CHECK(internet_checksum(l4) == 0);
    } else {
      CHECK(l4_checksum_ok(ip.src, ip.dst, protocol, l4));
    }
    if (v6) {
      auto view = Ipv6View::parse(packet);
      REQUIRE(view);
      CHECK(view->hop_limit() == ip.ttl);
    } else {
      auto view = Ipv4View::parse(packet);
      REQUIRE(view);
      CHECK(view->header_checksum_ok());
      CHECK(view->ttl() == ip.ttl);
    }
  }
}

TEST_CASE("ipv4 options given to the builder come back through the view") {
  std::vector<std::uint8_t> options{0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00};
  auto ip = ip_fields("192.0.2.1", "192.0.2.2");
  ip.ipv4_options = options;
  std::vector<std::uint8_t> out(100);
  auto n = build_ipv4_udp(out, ip, {1, 2}, bytes_of("x"));
  REQUIRE(n);
  CHECK(*n == 28 + 8 + 1);
  auto view = Ipv4View::parse(std::span(out).first(*n));
  REQUIRE(view);
  CHECK(view->ihl() == 7);
  CHECK(std::equal(options.begin(), options.end(), view->options().begin(), view->options().end()));
  CHECK(view->header_checksum_ok());
  auto flow = parse_flow(std::span(out).first(*n), Framing::ip);
  REQUIRE(flow);
  CHECK(flow->l4_offset == 28);
  CHECK(flow->key.dst_port == 2);
}

TEST_CASE("an ethernet header then a built packet parses as a tagged frame") {
  std::vector<std::uint8_t> out(200);
  EthernetFields eth{{2, 0, 0, 0, 0, 2}, {2, 0, 0, 0, 0, 1}, ethertype::ipv6, 0x0123};
  auto l2 = write_ethernet(out, eth);
  REQUIRE(l2);
  auto l3 = build_ipv6_udp(std::span(out).subspan(*l2), ip_fields("fd00::1", "fd00::2"), {5, 6},
                           bytes_of("abc"));
  REQUIRE(l3);
  auto flow = parse_flow(std::span(out).first(*l2 + *l3), Framing::ethernet);
  REQUIRE(flow);
  CHECK(flow->vlan_id == 0x123);
  CHECK(flow->l3_offset == 18);
  CHECK(flow->l4_offset == 58);
  CHECK(flow->payload_offset == 66);
  CHECK(flow->end_offset == 69);
}

TEST_CASE("builders refuse a buffer one byte too small at every size") {
  auto ip4 = ip_fields("192.0.2.1", "192.0.2.2");
  auto ip6 = ip_fields("fd00::1", "fd00::2");
  std::vector<std::uint8_t> out(200);
  auto payload = bytes_of("0123456789");
  auto full4 = *build_ipv4_udp(out, ip4, {1, 2}, payload);
  auto full6 = *build_ipv6_tcp(out, ip6, TcpFields{}, payload);
  for (std::size_t n = 0; n < full4; ++n) {
    auto r = build_ipv4_udp(std::span(out).first(n), ip4, {1, 2}, payload);
    REQUIRE_FALSE(r);
    REQUIRE(r.error() == BuildError::buffer_too_small);
  }
  for (std::size_t n = 0; n < full6; ++n) {
    auto r = build_ipv6_tcp(std::span(out).first(n), ip6, TcpFields{}, payload);
    REQUIRE_FALSE(r);
    REQUIRE(r.error() == BuildError::buffer_too_small);
  }
  CHECK(build_ipv4_udp(std::span(out).first(full4), ip4, {1, 2}, payload));
}

TEST_CASE("builders refuse mixed or wrong address families") {
  std::vector<std::uint8_t> out(200);
  auto mixed = ip_fields("192.0.2.1", "fd00::2");
  CHECK(build_ipv4_udp(out, mixed, {1, 2}, {}).error() == BuildError::family_mismatch);
  CHECK(build_ipv6_udp(out, mixed, {1, 2}, {}).error() == BuildError::family_mismatch);
  CHECK(build_ipv6_udp(out, ip_fields("192.0.2.1", "192.0.2.2"), {1, 2}, {}).error() ==
        BuildError::family_mismatch);
  CHECK(build_ipv4_tcp(out, ip_fields("fd00::1", "fd00::2"), TcpFields{}, {}).error() ==
        BuildError::family_mismatch);
}

TEST_CASE("builders refuse packets that overflow the 16-bit length fields") {
  std::vector<std::uint8_t> out(70000);
  std::vector<std::uint8_t> payload(65535 - 20 - 8 + 1);
  auto ip4 = ip_fields("192.0.2.1", "192.0.2.2");
  CHECK(build_ipv4_udp(out, ip4, {1, 2}, payload).error() == BuildError::too_large);
  payload.pop_back();
  auto n = build_ipv4_udp(out, ip4, {1, 2}, payload);
  REQUIRE(n);
  CHECK(*n == 65535);
  std::vector<std::uint8_t> payload6(65535 - 8 + 1);
  CHECK(build_ipv6_udp(out, ip_fields("fd00::1", "fd00::2"), {1, 2}, payload6).error() ==
        BuildError::too_large);
}

TEST_CASE("builders refuse tcp options that are not whole words or exceed 40 bytes") {
  std::vector<std::uint8_t> out(200);
  std::vector<std::uint8_t> options(6, 1);
  TcpFields tcp;
  tcp.options = options;
  CHECK(build_ipv4_tcp(out, ip_fields("192.0.2.1", "192.0.2.2"), tcp, {}).error() ==
        BuildError::bad_options);
  options.assign(44, 1);
  tcp.options = options;
  CHECK(build_ipv4_tcp(out, ip_fields("192.0.2.1", "192.0.2.2"), tcp, {}).error() ==
        BuildError::bad_options);
}

TEST_CASE("build_ip_udp picks the family from the source address") {
  std::vector<std::uint8_t> out(200);
  auto n4 = build_ip_udp(out, ip_fields("192.0.2.1", "192.0.2.2"), {1, 2}, {});
  REQUIRE(n4);
  CHECK(*n4 == 28);
  CHECK(out[0] >> 4 == 4);
  auto n6 = build_ip_udp(out, ip_fields("fd00::1", "fd00::2"), {1, 2}, {});
  REQUIRE(n6);
  CHECK(*n6 == 48);
  CHECK(out[0] >> 4 == 6);
}

TEST_CASE("a payload already in place in the buffer is kept") {
  std::vector<std::uint8_t> out(100, 0);
  const std::string_view text = "in place";
  std::copy(text.begin(), text.end(), out.begin() + 28);
  auto ip = ip_fields("192.0.2.1", "192.0.2.2");
  auto n = build_ipv4_udp(out, ip, {7, 9}, std::span(out).subspan(28, text.size()));
  REQUIRE(n);
  auto flow = parse_flow(std::span(out).first(*n), Framing::ip);
  REQUIRE(flow);
  CHECK(std::string_view(reinterpret_cast<const char*>(out.data()) + flow->payload_offset,
                         text.size()) == text);
  CHECK(l4_checksum_ok(ip.src, ip.dst, ip_protocol::udp, std::span(out).subspan(20, *n - 20)));
}
