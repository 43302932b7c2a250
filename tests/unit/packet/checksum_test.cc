// Specification of the checksums: RFC 1071 sums, pseudo-headers, RFC 1624 incremental updates.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/checksum.h"
#include "dataplane/packet/ip_protocol.h"
#include "dataplane/packet/ipv4.h"
#include "packet_vectors.h"

using namespace anymesh;
using anymesh::test::from_hex;

namespace {

std::uint16_t field(const std::vector<std::uint8_t>& b, std::size_t off) {
  return load_be16(b.data() + off);
}

}  // namespace

TEST_CASE("internet checksum matches the RFC 1071 worked example") {
  // RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
  std::vector<std::uint8_t> bytes{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  CHECK(ChecksumAccumulator().add(bytes).folded() == 0xddf2);
  CHECK(internet_checksum(bytes) == 0x220d);
}

TEST_CASE("internet checksum pads an odd trailing byte with zero") {
  std::vector<std::uint8_t> odd{0x12, 0x34, 0x56};
  std::vector<std::uint8_t> padded{0x12, 0x34, 0x56, 0x00};
  CHECK(internet_checksum(odd) == internet_checksum(padded));
  CHECK(internet_checksum(odd) == static_cast<std::uint16_t>(~(0x1234 + 0x5600)));
}

TEST_CASE("checksum of an empty span is all ones") {
  CHECK(internet_checksum({}) == 0xffff);
}

TEST_CASE("accumulating odd-sized pieces equals summing the whole buffer") {
  std::mt19937 rng(1071);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::uint8_t> bytes(rng() % 300);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    ChecksumAccumulator pieces;
    std::size_t at = 0;
    while (at < bytes.size()) {
      std::size_t n = std::min<std::size_t>(rng() % 7, bytes.size() - at);
      pieces.add(std::span(bytes).subspan(at, n));
      at += n;
    }
    REQUIRE(pieces.checksum() == internet_checksum(bytes));
  }
}

TEST_CASE("ipv4 header checksum matches a well-known captured header") {
  // The header used as the example in the IPv4 header checksum literature: checksum 0xb861.
  auto header = from_hex("450000730000400040110000c0a80001c0a800c7");
  CHECK(ipv4_header_checksum(header) == 0xb861);
  store_be16(header.data() + 10, 0xb861);
  CHECK(ipv4_header_checksum_ok(header));
  header[8] ^= 1;
  CHECK_FALSE(ipv4_header_checksum_ok(header));
}

TEST_CASE("ipv4 header checksum ignores whatever sits in the checksum field") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  auto header = std::span(packet).first(20);
  CHECK(ipv4_header_checksum(header) == 0x3240);
  store_be16(packet.data() + 10, 0xbeef);
  CHECK(ipv4_header_checksum(header) == 0x3240);
}

TEST_CASE("udp checksum over the ipv4 pseudo-header matches scapy for an odd-length datagram") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  auto src = IpAddress::v4_bytes(packet.data() + 12);
  auto dst = IpAddress::v4_bytes(packet.data() + 16);
  auto datagram = std::span(packet).subspan(20);
  REQUIRE(datagram.size() % 2 == 1);
  CHECK(l4_checksum_ok(src, dst, ip_protocol::udp, datagram));
  store_be16(packet.data() + 26, 0);
  CHECK(udp_checksum(src, dst, datagram) == 0x239f);
  packet.back() ^= 0x01;
  CHECK(udp_checksum(src, dst, datagram) != 0x239f);
}

TEST_CASE("udp checksum over the ipv6 pseudo-header matches scapy") {
  auto packet = from_hex(anymesh::test::kIpv6Udp);
  auto src = IpAddress::v6_bytes(packet.data() + 8);
  auto dst = IpAddress::v6_bytes(packet.data() + 24);
  auto datagram = std::span(packet).subspan(40);
  CHECK(l4_checksum_ok(src, dst, ip_protocol::udp, datagram));
  store_be16(packet.data() + 46, 0);
  CHECK(udp_checksum(src, dst, datagram) == 0x9393);
}

TEST_CASE("tcp and icmpv6 checksums match scapy; icmpv4 has no pseudo-header") {
  auto tcp4 = from_hex(anymesh::test::kIpv4Tcp);
  store_be16(tcp4.data() + 20 + 16, 0);
  CHECK(l4_checksum(IpAddress::v4_bytes(tcp4.data() + 12), IpAddress::v4_bytes(tcp4.data() + 16),
                    ip_protocol::tcp, std::span(tcp4).subspan(20)) == 0x6b30);

  auto tcp6 = from_hex(anymesh::test::kIpv6Tcp);
  store_be16(tcp6.data() + 40 + 16, 0);
  CHECK(l4_checksum(IpAddress::v6_bytes(tcp6.data() + 8), IpAddress::v6_bytes(tcp6.data() + 24),
                    ip_protocol::tcp, std::span(tcp6).subspan(40)) == 0x90a3);

  auto icmp6 = from_hex(anymesh::test::kIpv6IcmpEcho);
  store_be16(icmp6.data() + 42, 0);
  CHECK(l4_checksum(IpAddress::v6_bytes(icmp6.data() + 8), IpAddress::v6_bytes(icmp6.data() + 24),
                    ip_protocol::icmpv6, std::span(icmp6).subspan(40)) == 0x649a);

  auto icmp4 = from_hex(anymesh::test::kIpv4IcmpEcho);
  store_be16(icmp4.data() + 22, 0);
  CHECK(internet_checksum(std::span(icmp4).subspan(20)) == 0xd6e5);
}

TEST_CASE("a udp checksum that computes to zero is sent as 0xffff") {
  // Search a payload word that makes the raw checksum zero, then check the mapping.
  auto src = IpAddress::v4(0xc0000201);
  auto dst = IpAddress::v4(0xc0000202);
  std::vector<std::uint8_t> datagram{0x00, 0x01, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00};
  std::uint16_t raw = l4_checksum(src, dst, ip_protocol::udp, datagram);
  // Adding the current checksum value as payload drives the complemented sum to zero.
  store_be16(datagram.data() + 8, raw);
  REQUIRE(l4_checksum(src, dst, ip_protocol::udp, datagram) == 0);
  CHECK(udp_checksum(src, dst, datagram) == 0xffff);
  store_be16(datagram.data() + 6, 0xffff);
  CHECK(l4_checksum_ok(src, dst, ip_protocol::udp, datagram));
}

TEST_CASE("incremental update gives 0x0000, not 0xffff, in the RFC 1624 section 5 example") {
  // Other header words sum to 0xcd7a; m = 0x5555 changes to 0x3285. Recomputing gives
  // ~(0xcd7a + 0x3285) = 0x0000; RFC 1141's eqn. 2 would have given 0xffff.
  std::vector<std::uint8_t> header{0xcd, 0x7a, 0x55, 0x55};
  std::uint16_t before = internet_checksum(header);
  REQUIRE(before == 0xdd2f);
  CHECK(checksum_update16(before, 0x5555, 0x3285) == 0x0000);
  store_be16(header.data() + 2, 0x3285);
  CHECK(internet_checksum(header) == 0x0000);
}

TEST_CASE("incremental 16-bit update equals full recomputation (randomised)") {
  std::mt19937 rng(1624);
  for (int round = 0; round < 5000; ++round) {
    std::vector<std::uint8_t> header(20 + 4 * (rng() % 11));
    for (auto& b : header) b = static_cast<std::uint8_t>(rng());
    if (round % 5 == 0) std::fill(header.begin(), header.end(), 0xff);  // sums near -0
    store_be16(header.data() + 10, ipv4_header_checksum(header));
    std::size_t word = 2 * (rng() % (header.size() / 2));
    if (word == 10) word = 8;
    std::uint16_t old_value = load_be16(header.data() + word);
    std::uint16_t new_value = round % 7 == 0 ? 0 : static_cast<std::uint16_t>(rng());
    store_be16(header.data() + word, new_value);
    std::uint16_t updated = checksum_update16(load_be16(header.data() + 10), old_value, new_value);
    REQUIRE(updated == ipv4_header_checksum(header));
  }
}

TEST_CASE("incremental 32-bit update equals full recomputation of an address rewrite") {
  std::mt19937 rng(4242);
  for (int round = 0; round < 5000; ++round) {
    std::vector<std::uint8_t> header(20);
    for (auto& b : header) b = static_cast<std::uint8_t>(rng());
    store_be16(header.data() + 10, ipv4_header_checksum(header));
    std::size_t at = round % 2 ? 12 : 16;  // source or destination address
    std::uint32_t old_value = load_be32(header.data() + at);
    std::uint32_t new_value = round % 9 == 0 ? 0 : static_cast<std::uint32_t>(rng());
    store_be32(header.data() + at, new_value);
    std::uint16_t updated = checksum_update32(load_be16(header.data() + 10), old_value, new_value);
    REQUIRE(updated == ipv4_header_checksum(header));
  }
}

TEST_CASE("incremental update of an ipv6 address keeps the udp checksum valid") {
  std::mt19937 rng(6);
  auto packet = from_hex(anymesh::test::kIpv6Udp);
  for (int round = 0; round < 500; ++round) {
    std::vector<std::uint8_t> new_src(16);
    for (auto& b : new_src) b = static_cast<std::uint8_t>(rng());
    std::vector<std::uint8_t> old_src(packet.begin() + 8, packet.begin() + 24);
    std::copy(new_src.begin(), new_src.end(), packet.begin() + 8);
    std::uint16_t updated = checksum_update_bytes(field(packet, 46), old_src, new_src);
    store_be16(packet.data() + 46, updated);
    REQUIRE(l4_checksum_ok(IpAddress::v6_bytes(packet.data() + 8),
                           IpAddress::v6_bytes(packet.data() + 24), ip_protocol::udp,
                           std::span(packet).subspan(40)));
  }
}

TEST_CASE("udp incremental update leaves an absent checksum absent") {
  CHECK(udp_checksum_update16(0, 0x1234, 0x5678) == 0);
  CHECK(udp_checksum_update32(0, 0xc0000201, 0xc0000202) == 0);
  CHECK(udp_checksum_update16(0x239f, 53, 54) == checksum_update16(0x239f, 53, 54));
}

TEST_CASE("udp incremental update rewrites a port like full recomputation") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  auto src = IpAddress::v4_bytes(packet.data() + 12);
  auto dst = IpAddress::v4_bytes(packet.data() + 16);
  auto datagram = std::span(packet).subspan(20);
  std::mt19937 rng(768);
  for (int round = 0; round < 2000; ++round) {
    std::uint16_t old_port = field(packet, 22);
    auto new_port = static_cast<std::uint16_t>(rng());
    store_be16(packet.data() + 22, new_port);
    store_be16(packet.data() + 26, udp_checksum_update16(field(packet, 26), old_port, new_port));
    std::uint16_t incremental = field(packet, 26);
    store_be16(packet.data() + 26, 0);
    REQUIRE(incremental == udp_checksum(src, dst, datagram));
    store_be16(packet.data() + 26, incremental);
  }
}

TEST_CASE("ttl decrement patches the header checksum incrementally") {
  auto packet = from_hex(anymesh::test::kIpv4Udp);
  auto header = std::span(packet).first(20);
  for (int hop = 64; hop > 1; --hop) {
    REQUIRE(ipv4_decrement_ttl(header));
    REQUIRE(packet[8] == hop - 1);
    REQUIRE(ipv4_header_checksum_ok(header));
    REQUIRE(field(packet, 10) == ipv4_header_checksum(header));
  }
  auto before = packet;
  CHECK_FALSE(ipv4_decrement_ttl(header));  // TTL 1: must not be forwarded
  CHECK(packet == before);
  packet[8] = 0;
  CHECK_FALSE(ipv4_decrement_ttl(header));
  CHECK_FALSE(ipv4_decrement_ttl(std::span(packet).first(19)));
}
