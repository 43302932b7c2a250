// Specification of the header views: fields read from known packets, malformed input refused
// with the reason a drop counter would show.
#include <catch2/catch.hpp>

#include <vector>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/checksum.h"
#include "dataplane/packet/ethernet.h"
#include "dataplane/packet/icmp.h"
#include "dataplane/packet/ip_protocol.h"
#include "dataplane/packet/ipv4.h"
#include "dataplane/packet/ipv6.h"
#include "dataplane/packet/tcp.h"
#include "dataplane/packet/udp.h"
#include "packet_vectors.h"

using namespace anymesh;
using anymesh::test::from_hex;

namespace {

std::string text(std::span<const std::uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

TEST_CASE("ethernet view reads addresses, one 802.1Q tag and the inner ethertype") {
  auto frame = from_hex(anymesh::test::kEthernetVlanIpv4Udp);
  auto eth = EthernetView::parse(frame);
  REQUIRE(eth);
  CHECK(eth->dst() == MacAddress{2, 0, 0, 0, 0, 2});
  CHECK(eth->src() == MacAddress{2, 0, 0, 0, 0, 1});
  CHECK(eth->has_vlan());
  CHECK(eth->vlan_id() == 100);
  CHECK(eth->vlan_priority() == 3);
  CHECK(eth->ethertype() == ethertype::ipv4);
  CHECK(eth->header_length() == 18);
  CHECK(eth->payload().size() == frame.size() - 18);
}

TEST_CASE("ethernet view of an untagged frame") {
  auto frame = from_hex("02000000000202000000000186dd");
  auto eth = EthernetView::parse(frame);
  REQUIRE(eth);
  CHECK_FALSE(eth->has_vlan());
  CHECK(eth->vlan_id() == 0);
  CHECK(eth->ethertype() == ethertype::ipv6);
  CHECK(eth->payload().empty());
}

TEST_CASE("ethernet view refuses frames cut inside the header or the tag") {
  auto frame = from_hex(anymesh::test::kEthernetVlanIpv4Udp);
  for (std::size_t n = 0; n < 18; ++n) {
    auto eth = EthernetView::parse(std::span(frame).first(n));
    REQUIRE_FALSE(eth);
    REQUIRE(eth.error() == PacketError::truncated);
  }
}

TEST_CASE("ethernet writer emits tagged and untagged headers the view reads back") {
  std::vector<std::uint8_t> out(18);
  EthernetFields fields{{2, 0, 0, 0, 0, 2}, {2, 0, 0, 0, 0, 1}, ethertype::ipv4, 0x6064};
  auto n = write_ethernet(out, fields);
  REQUIRE(n);
  CHECK(*n == 18);
  auto expected = from_hex(anymesh::test::kEthernetVlanIpv4Udp);
  expected.resize(18);
  CHECK(out == expected);
  fields.vlan_tci.reset();
  REQUIRE(*write_ethernet(out, fields) == 14);
  CHECK(load_be16(out.data() + 12) == ethertype::ipv4);
  auto small = write_ethernet(std::span(out).first(13), fields);
  REQUIRE_FALSE(small);
  CHECK(small.error() == BuildError::buffer_too_small);
}

TEST_CASE("ipv4 view reads every field of a known packet") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  auto ip = Ipv4View::parse(packet);
  REQUIRE(ip);
  CHECK(ip->version() == 4);
  CHECK(ip->ihl() == 5);
  CHECK(ip->header_length() == 20);
  CHECK(ip->total_length() == packet.size());
  CHECK(ip->identification() == 0x1c46);
  CHECK(ip->dont_fragment());
  CHECK_FALSE(ip->more_fragments());
  CHECK(ip->fragment_offset() == 0);
  CHECK_FALSE(ip->is_fragment());
  CHECK(ip->ttl() == 64);
  CHECK(ip->protocol() == ip_protocol::udp);
  CHECK(ip->checksum() == 0x3240);
  CHECK(ip->header_checksum_ok());
  CHECK(ip->src() == *IpAddress::parse("192.0.2.1"));
  CHECK(ip->dst() == *IpAddress::parse("198.51.100.7"));
  CHECK(ip->src_u32() == 0xc0000201);
  CHECK(ip->options().empty());
  CHECK(ip->payload().size() == packet.size() - 20);
}

TEST_CASE("ipv4 view honours IHL: options are skipped and exposed") {
  // 24-byte header (IHL 6) with a 4-byte option (router alert 94 04 00 00), then 4 payload bytes;
  // total length 28.
  auto packet = from_hex("4600001c0000000040110000c0000201c000020294040000deadbeef");
  store_be16(packet.data() + 10, ipv4_header_checksum(std::span(packet).first(24)));
  auto ip = Ipv4View::parse(packet);
  REQUIRE(ip);
  CHECK(ip->header_length() == 24);
  CHECK(ip->options().size() == 4);
  CHECK(ip->options()[0] == 0x94);
  CHECK(ip->payload().size() == 4);
  CHECK(ip->payload()[0] == 0xde);
  CHECK(ip->header_checksum_ok());
}

TEST_CASE("ipv4 view ignores bytes after the total length (ethernet padding)") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  auto size = packet.size();
  packet.resize(size + 9, 0);
  auto ip = Ipv4View::parse(packet);
  REQUIRE(ip);
  CHECK(ip->packet().size() == size);
  CHECK(ip->payload().size() == size - 20);
}

TEST_CASE("ipv4 view reports fragment flags and offset") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  store_be16(packet.data() + 6, 0x2000);  // MF, offset 0: first fragment
  auto first = Ipv4View::parse(packet);
  REQUIRE(first);
  CHECK(first->more_fragments());
  CHECK_FALSE(first->dont_fragment());
  CHECK(first->is_fragment());
  store_be16(packet.data() + 6, 0x00b9);  // last fragment at 185 * 8 bytes
  auto last = Ipv4View::parse(packet);
  REQUIRE(last);
  CHECK_FALSE(last->more_fragments());
  CHECK(last->fragment_offset() == 185);
  CHECK(last->is_fragment());
}

TEST_CASE("ipv4 view refuses malformed headers with the right reason") {
  auto good = from_hex(anymesh::test::kIpv4Udp);
  SECTION("shorter than the fixed header") {
    for (std::size_t n = 0; n < 20; ++n) {
      auto ip = Ipv4View::parse(std::span(good).first(n));
      REQUIRE_FALSE(ip);
      REQUIRE(ip.error() == PacketError::truncated);
    }
  }
  SECTION("cut after the header: the total length points past the buffer") {
    for (std::size_t n = 20; n < good.size(); ++n) {
      auto ip = Ipv4View::parse(std::span(good).first(n));
      REQUIRE_FALSE(ip);
      REQUIRE(ip.error() == PacketError::bad_total_length);
    }
  }
  SECTION("version is not 4") {
    for (std::uint8_t v : {0, 1, 5, 6, 15}) {
      auto bad = good;
      bad[0] = static_cast<std::uint8_t>(v << 4 | 5);
      auto ip = Ipv4View::parse(bad);
      REQUIRE_FALSE(ip);
      REQUIRE(ip.error() == PacketError::bad_version);
    }
  }
  SECTION("IHL below 5") {
    for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
      auto bad = good;
      bad[0] = static_cast<std::uint8_t>(0x40 | ihl);
      auto ip = Ipv4View::parse(bad);
      REQUIRE_FALSE(ip);
      REQUIRE(ip.error() == PacketError::bad_ihl);
    }
  }
  SECTION("IHL longer than the packet") {
    auto bad = good;
    bad[0] = 0x4f;  // 60-byte header in a 43-byte packet
    auto ip = Ipv4View::parse(bad);
    REQUIRE_FALSE(ip);
    CHECK(ip.error() == PacketError::bad_ihl);
  }
  SECTION("total length below the minimum header") {
    auto bad = good;
    store_be16(bad.data() + 2, 19);
    auto ip = Ipv4View::parse(bad);
    REQUIRE_FALSE(ip);
    CHECK(ip.error() == PacketError::bad_total_length);
  }
  SECTION("total length one byte beyond the buffer") {
    auto bad = good;
    store_be16(bad.data() + 2, static_cast<std::uint16_t>(good.size() + 1));
    auto ip = Ipv4View::parse(bad);
    REQUIRE_FALSE(ip);
    CHECK(ip.error() == PacketError::bad_total_length);
  }
}

TEST_CASE("ipv4 header writer refuses bad options, wrong families and small buffers") {
  std::vector<std::uint8_t> out(60);
  Ipv4Fields f;
  f.src = *IpAddress::parse("192.0.2.1");
  f.dst = *IpAddress::parse("192.0.2.2");
  std::vector<std::uint8_t> options(3, 1);
  f.options = options;
  CHECK(write_ipv4_header(out, f, 0).error() == BuildError::bad_options);
  options.assign(44, 1);
  f.options = options;
  CHECK(write_ipv4_header(out, f, 0).error() == BuildError::bad_options);
  f.options = {};
  CHECK(write_ipv4_header(std::span(out).first(19), f, 0).error() == BuildError::buffer_too_small);
  CHECK(write_ipv4_header(out, f, 0xffff - 19).error() == BuildError::too_large);
  CHECK(write_ipv4_header(out, f, 0xffff - 20));
  f.dst = *IpAddress::parse("fd00::1");
  CHECK(write_ipv4_header(out, f, 0).error() == BuildError::family_mismatch);
}

TEST_CASE("ipv6 view reads the fixed header and reports the next header as is") {
  auto packet = from_hex(anymesh::test::kIpv6Udp);
  auto ip = Ipv6View::parse(packet);
  REQUIRE(ip);
  CHECK(ip->version() == 6);
  CHECK(ip->traffic_class() == 0);
  CHECK(ip->flow_label() == 0x12345);
  CHECK(ip->payload_length() == packet.size() - 40);
  CHECK(ip->next_header() == ip_protocol::udp);
  CHECK(ip->hop_limit() == 64);
  CHECK(ip->src() == *IpAddress::parse("fd00::1"));
  CHECK(ip->dst() == *IpAddress::parse("fd00::2:3"));
  CHECK(ip->payload().size() == packet.size() - 40);

  packet[6] = ip_protocol::hop_by_hop;  // an extension header is not walked
  auto ext = Ipv6View::parse(packet);
  REQUIRE(ext);
  CHECK(ext->next_header() == ip_protocol::hop_by_hop);
  CHECK(ext->payload().size() == packet.size() - 40);
}

TEST_CASE("ipv6 view reads traffic class across its nibble boundary") {
  auto packet = from_hex(anymesh::test::kIpv6Udp);
  store_be32(packet.data(), 0x6ab12345);
  auto ip = Ipv6View::parse(packet);
  REQUIRE(ip);
  CHECK(ip->traffic_class() == 0xab);
  CHECK(ip->flow_label() == 0x12345);
}

TEST_CASE("ipv6 view refuses malformed headers with the right reason") {
  auto good = from_hex(anymesh::test::kIpv6Udp);
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto ip = Ipv6View::parse(std::span(good).first(n));
    REQUIRE_FALSE(ip);
    REQUIRE(ip.error() == (n < 40 ? PacketError::truncated : PacketError::bad_payload_length));
  }
  auto bad = good;
  bad[0] = 0x40;
  CHECK(Ipv6View::parse(bad).error() == PacketError::bad_version);
  bad = good;
  store_be16(bad.data() + 4, static_cast<std::uint16_t>(good.size() - 40 + 1));
  CHECK(Ipv6View::parse(bad).error() == PacketError::bad_payload_length);
}

TEST_CASE("udp view reads ports, length and payload bounded by the udp length") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  auto segment = std::span<const std::uint8_t>(packet).subspan(20);
  auto udp = UdpView::parse(segment);
  REQUIRE(udp);
  CHECK(udp->src_port() == 51820);
  CHECK(udp->dst_port() == 53);
  CHECK(udp->length() == segment.size());
  CHECK(udp->checksum() == 0x239f);
  CHECK(text(udp->payload()) == "anymesh-udp-v4!");

  auto shorter = packet;
  store_be16(shorter.data() + 24, 8 + 7);  // UDP length below the IP payload: trailing bytes ignored
  auto trimmed = UdpView::parse(std::span<const std::uint8_t>(shorter).subspan(20));
  REQUIRE(trimmed);
  CHECK(text(trimmed->payload()) == "anymesh");
}

TEST_CASE("udp view refuses short segments and bad lengths") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  auto segment = std::span<const std::uint8_t>(packet).subspan(20);
  for (std::size_t n = 0; n < 8; ++n) {
    REQUIRE(UdpView::parse(segment.first(n)).error() == PacketError::truncated);
  }
  for (std::size_t n = 8; n < segment.size(); ++n) {
    REQUIRE(UdpView::parse(segment.first(n)).error() == PacketError::bad_udp_length);
  }
  auto bad = packet;
  for (std::uint16_t length : {0, 7}) {
    store_be16(bad.data() + 24, length);
    CHECK(UdpView::parse(std::span<const std::uint8_t>(bad).subspan(20)).error() ==
          PacketError::bad_udp_length);
  }
}

TEST_CASE("tcp view reads ports, sequence numbers, flags, data offset and options") {
  auto packet = from_hex(anymesh::test::kIpv4Tcp);
  auto tcp = TcpView::parse(std::span<const std::uint8_t>(packet).subspan(20));
  REQUIRE(tcp);
  CHECK(tcp->src_port() == 443);
  CHECK(tcp->dst_port() == 40000);
  CHECK(tcp->seq() == 1000);
  CHECK(tcp->ack() == 2000);
  CHECK(tcp->data_offset() == 7);
  CHECK(tcp->header_length() == 28);
  CHECK(tcp->flags() == (tcp_flag::psh | tcp_flag::ack));
  CHECK(tcp->has_flag(tcp_flag::ack));
  CHECK_FALSE(tcp->has_flag(tcp_flag::syn));
  CHECK(tcp->window() == 501);
  CHECK(tcp->checksum() == 0x6b30);
  CHECK(tcp->urgent_pointer() == 0);
  REQUIRE(tcp->options().size() == 8);
  CHECK(tcp->options()[0] == 2);  // MSS
  CHECK(load_be16(tcp->options().data() + 2) == 1460);
  CHECK(text(tcp->payload()) == "hello tcp");
}

TEST_CASE("tcp view refuses short segments and bad data offsets") {
  auto packet = from_hex(anymesh::test::kIpv4Tcp);
  auto segment = std::span<const std::uint8_t>(packet).subspan(20);
  for (std::size_t n = 0; n < 20; ++n) {
    REQUIRE(TcpView::parse(segment.first(n)).error() == PacketError::truncated);
  }
  for (std::size_t n = 20; n < 28; ++n) {  // options cut off
    REQUIRE(TcpView::parse(segment.first(n)).error() == PacketError::bad_data_offset);
  }
  auto bad = packet;
  for (std::uint8_t offset : {0, 4, 15}) {
    bad[20 + 12] = static_cast<std::uint8_t>(offset << 4);
    CHECK(TcpView::parse(std::span<const std::uint8_t>(bad).subspan(20)).error() ==
          PacketError::bad_data_offset);
  }
}

TEST_CASE("icmp view reads echo id and sequence for both families") {
  auto v4 = from_hex(anymesh::test::kIpv4IcmpEcho);
  auto icmp4 = IcmpView::parse(std::span<const std::uint8_t>(v4).subspan(20), IcmpFamily::v4);
  REQUIRE(icmp4);
  CHECK(icmp4->type() == icmp_type::v4_echo_request);
  CHECK(icmp4->code() == 0);
  CHECK(icmp4->is_echo_request());
  CHECK_FALSE(icmp4->is_echo_reply());
  CHECK(icmp4->echo_id() == 0x4242);
  CHECK(icmp4->echo_seq() == 7);
  CHECK(text(icmp4->payload()) == "ping");

  auto v6 = from_hex(anymesh::test::kIpv6IcmpEcho);
  auto icmp6 = IcmpView::parse(std::span<const std::uint8_t>(v6).subspan(40), IcmpFamily::v6);
  REQUIRE(icmp6);
  CHECK(icmp6->type() == icmp_type::v6_echo_request);
  CHECK(icmp6->is_echo());
  CHECK(icmp6->echo_id() == 0x4242);
  CHECK(icmp6->checksum() == 0x649a);

  // Type 8 is an echo request only in ICMPv4; in ICMPv6 it is unassigned.
  auto as_v6 = IcmpView::parse(std::span<const std::uint8_t>(v4).subspan(20), IcmpFamily::v6);
  REQUIRE(as_v6);
  CHECK_FALSE(as_v6->is_echo());
}

TEST_CASE("icmp view refuses messages shorter than 8 bytes") {
  auto v4 = from_hex(anymesh::test::kIpv4IcmpEcho);
  auto message = std::span<const std::uint8_t>(v4).subspan(20);
  for (std::size_t n = 0; n < 8; ++n) {
    REQUIRE(IcmpView::parse(message.first(n), IcmpFamily::v4).error() == PacketError::truncated);
  }
}
