// Specification of parse_flow(): 5-tuples and offsets from TUN packets and Ethernet frames, and
// the reason for every packet it refuses.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/flow.h"
#include "dataplane/packet/ip_protocol.h"
#include "packet_vectors.h"

using namespace anymesh;
using anymesh::test::from_hex;

namespace {

std::vector<std::uint8_t> untagged(std::uint16_t type, const std::vector<std::uint8_t>& l3) {
  auto frame = from_hex("020000000002020000000001");
  frame.push_back(static_cast<std::uint8_t>(type >> 8));
  frame.push_back(static_cast<std::uint8_t>(type));
  frame.insert(frame.end(), l3.begin(), l3.end());
  return frame;
}

}  // namespace

TEST_CASE("flow of an ipv4 udp packet read from a tun device") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  auto flow = parse_flow(packet, Framing::ip);
  REQUIRE(flow);
  CHECK(flow->key.src == *IpAddress::parse("192.0.2.1"));
  CHECK(flow->key.dst == *IpAddress::parse("198.51.100.7"));
  CHECK(flow->key.protocol == ip_protocol::udp);
  CHECK(flow->key.src_port == 51820);
  CHECK(flow->key.dst_port == 53);
  CHECK(flow->l3_offset == 0);
  CHECK(flow->l4_offset == 20);
  CHECK(flow->payload_offset == 28);
  CHECK(flow->end_offset == packet.size());
  CHECK(flow->vlan_id == 0);
}

TEST_CASE("flow of a tagged ethernet frame has the offsets shifted by the l2 header") {
  auto frame = from_hex(anymesh::test::kEthernetVlanIpv4Udp);
  frame.resize(64, 0);  // padded to the Ethernet minimum: padding belongs to no layer
  auto flow = parse_flow(frame, Framing::ethernet);
  REQUIRE(flow);
  CHECK(flow->vlan_id == 100);
  CHECK(flow->l3_offset == 18);
  CHECK(flow->l4_offset == 38);
  CHECK(flow->payload_offset == 46);
  CHECK(flow->end_offset == 18 + from_hex(anymesh::test::kIpv4Udp).size());
  CHECK(flow->key.dst_port == 53);
}

TEST_CASE("flow of ipv6 tcp, from tun and from ethernet, gives the same key") {
  auto packet = from_hex(anymesh::test::kIpv6Tcp);
  auto from_tun = parse_flow(packet, Framing::ip);
  auto from_eth = parse_flow(untagged(0x86dd, packet), Framing::ethernet);
  REQUIRE(from_tun);
  REQUIRE(from_eth);
  CHECK(from_tun->key == from_eth->key);
  CHECK(from_tun->key.protocol == ip_protocol::tcp);
  CHECK(from_tun->key.src_port == 1234);
  CHECK(from_tun->key.dst_port == 80);
  CHECK(from_tun->l4_offset == 40);
  CHECK(from_tun->payload_offset == 60);
  CHECK(from_eth->l4_offset == 54);
}

TEST_CASE("flow of tcp honours the data offset when locating the payload") {
  auto packet = from_hex(anymesh::test::kIpv4Tcp);
  auto flow = parse_flow(packet, Framing::ip);
  REQUIRE(flow);
  CHECK(flow->key.src_port == 443);
  CHECK(flow->key.dst_port == 40000);
  CHECK(flow->payload_offset == 20 + 28);
}

TEST_CASE("icmp echo request and reply share one flow through their identifier") {
  auto v4 = from_hex(anymesh::test::kIpv4IcmpEcho);
  auto request = parse_flow(v4, Framing::ip);
  REQUIRE(request);
  CHECK(request->key.protocol == ip_protocol::icmp);
  CHECK(request->key.src_port == 0x4242);
  CHECK(request->key.dst_port == 0x4242);
  CHECK(request->payload_offset == 28);

  auto v6 = from_hex(anymesh::test::kIpv6IcmpEcho);
  auto v6_request = parse_flow(v6, Framing::ip);
  REQUIRE(v6_request);
  CHECK(v6_request->key.protocol == ip_protocol::icmpv6);
  CHECK(v6_request->key.src_port == 0x4242);

  v4[20] = 3;  // destination unreachable: no identifier, a 3-tuple
  auto unreachable = parse_flow(v4, Framing::ip);
  REQUIRE(unreachable);
  CHECK(unreachable->key.src_port == 0);
  CHECK(unreachable->key.dst_port == 0);
}

TEST_CASE("other protocols and ipv6 extension headers give a 3-tuple") {
  auto v4 = from_hex(anymesh::test::kIpv4Udp);
  v4[9] = 47;  // GRE
  auto gre = parse_flow(v4, Framing::ip);
  REQUIRE(gre);
  CHECK(gre->key.protocol == 47);
  CHECK(gre->key.src_port == 0);
  CHECK(gre->l4_offset == 20);
  CHECK(gre->payload_offset == 20);

  auto v6 = from_hex(anymesh::test::kIpv6Udp);
  v6[6] = ip_protocol::hop_by_hop;
  auto hbh = parse_flow(v6, Framing::ip);
  REQUIRE(hbh);
  CHECK(hbh->key.protocol == ip_protocol::hop_by_hop);
  CHECK(hbh->key.dst_port == 0);
}

TEST_CASE("flow refuses a tun packet truncated at every length") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  for (std::size_t n = 0; n < packet.size(); ++n) {
    auto flow = parse_flow(std::span(packet).first(n), Framing::ip);
    REQUIRE_FALSE(flow);
    REQUIRE(flow.error() == (n < 20 ? PacketError::truncated : PacketError::bad_total_length));
  }
  auto v6 = from_hex(anymesh::test::kIpv6Udp);
  for (std::size_t n = 0; n < v6.size(); ++n) {
    auto flow = parse_flow(std::span(v6).first(n), Framing::ip);
    REQUIRE_FALSE(flow);
    REQUIRE(flow.error() == (n < 40 ? PacketError::truncated : PacketError::bad_payload_length));
  }
}

TEST_CASE("flow refuses an ethernet frame truncated at every length") {
  auto frame = from_hex(anymesh::test::kEthernetVlanIpv4Udp);
  for (std::size_t n = 0; n < frame.size(); ++n) {
    auto flow = parse_flow(std::span(frame).first(n), Framing::ethernet);
    REQUIRE_FALSE(flow);
    REQUIRE(flow.error() == (n < 38 ? PacketError::truncated : PacketError::bad_total_length));
  }
}

TEST_CASE("flow refuses l4 headers that do not fit the ip packet") {
  SECTION("ip packet too short for the udp header") {
    auto packet = from_hex(anymesh::test::kIpv4Udp);
    store_be16(packet.data() + 2, 20 + 7);
    CHECK(parse_flow(packet, Framing::ip).error() == PacketError::truncated);
  }
  SECTION("udp length beyond the ip payload") {
    auto packet = from_hex(anymesh::test::kIpv4Udp);
    store_be16(packet.data() + 2, static_cast<std::uint16_t>(packet.size() - 1));
    CHECK(parse_flow(packet, Framing::ip).error() == PacketError::bad_udp_length);
  }
  SECTION("tcp data offset beyond the ip payload") {
    auto packet = from_hex(anymesh::test::kIpv6Tcp);
    packet[40 + 12] = 0x60;  // 24-byte header in a 20-byte segment
    CHECK(parse_flow(packet, Framing::ip).error() == PacketError::bad_data_offset);
  }
  SECTION("icmp message shorter than its header") {
    auto packet = from_hex(anymesh::test::kIpv6IcmpEcho);
    store_be16(packet.data() + 4, 7);
    CHECK(parse_flow(packet, Framing::ip).error() == PacketError::truncated);
  }
}

TEST_CASE("flow refuses a version nibble that is neither 4 nor 6, or disagrees with the ethertype") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  for (std::uint8_t v : {0, 1, 5, 7, 15}) {
    packet[0] = static_cast<std::uint8_t>(v << 4 | 5);
    REQUIRE(parse_flow(packet, Framing::ip).error() == PacketError::bad_version);
  }
  auto v6 = from_hex(anymesh::test::kIpv6Udp);
  CHECK(parse_flow(untagged(0x0800, v6), Framing::ethernet).error() == PacketError::bad_version);
  auto v4 = from_hex(anymesh::test::kIpv4Udp);
  CHECK(parse_flow(untagged(0x86dd, v4), Framing::ethernet).error() == PacketError::bad_version);
}

TEST_CASE("flow refuses bad IHL and bad total length") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  packet[0] = 0x44;
  CHECK(parse_flow(packet, Framing::ip).error() == PacketError::bad_ihl);
  packet[0] = 0x4f;
  CHECK(parse_flow(packet, Framing::ip).error() == PacketError::bad_ihl);
  packet[0] = 0x45;
  store_be16(packet.data() + 2, 0xffff);
  CHECK(parse_flow(packet, Framing::ip).error() == PacketError::bad_total_length);
}

TEST_CASE("flow refuses fragments of both families") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  store_be16(packet.data() + 6, 0x2000);  // first fragment
  CHECK(parse_flow(packet, Framing::ip).error() == PacketError::fragment);
  store_be16(packet.data() + 6, 0x0010);  // a later fragment
  CHECK(parse_flow(packet, Framing::ip).error() == PacketError::fragment);
  store_be16(packet.data() + 6, 0x4000);  // DF alone is not a fragment
  CHECK(parse_flow(packet, Framing::ip));

  auto v6 = from_hex(anymesh::test::kIpv6Udp);
  v6[6] = ip_protocol::ipv6_fragment;
  CHECK(parse_flow(v6, Framing::ip).error() == PacketError::fragment);
}

TEST_CASE("flow refuses non-ip ethertypes and a second vlan tag") {
  auto v4 = from_hex(anymesh::test::kIpv4Udp);
  CHECK(parse_flow(untagged(0x0806, v4), Framing::ethernet).error() ==
        PacketError::unsupported_ethertype);
  auto qinq = from_hex("02000000000202000000000181000064810000c8");
  qinq.insert(qinq.end(), {0x08, 0x00});
  qinq.insert(qinq.end(), v4.begin(), v4.end());
  CHECK(parse_flow(qinq, Framing::ethernet).error() == PacketError::unsupported_ethertype);
}

TEST_CASE("flow refuses an empty tun read") {
  CHECK(parse_flow({}, Framing::ip).error() == PacketError::truncated);
  CHECK(parse_flow({}, Framing::ethernet).error() == PacketError::truncated);
}

TEST_CASE("every packet error has a distinct counter name") {
  std::vector<std::string_view> names;
  for (int e = 0; e <= static_cast<int>(PacketError::unsupported_ethertype); ++e) {
    names.push_back(to_string(static_cast<PacketError>(e)));
  }
  std::sort(names.begin(), names.end());
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
  CHECK(std::find(names.begin(), names.end(), "unknown") == names.end());
}
