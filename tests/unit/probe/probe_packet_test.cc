// Specification of the probe packet: IPv4/UDP to the probe port, every wrapper defect refused.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/checksum.h"
#include "dataplane/packet/ip_protocol.h"
#include "dataplane/packet/ipv4.h"
#include "dataplane/packet/udp.h"
#include "dataplane/probe/probe_packet.h"

using namespace anymesh;
using namespace anymesh::probe;

namespace {

ProbePacket sample() {
  ProbePacket p;
  p.src = *IpAddress::parse("10.200.1.1");
  p.dst = *IpAddress::parse("10.200.3.1");
  p.message.kind = ProbeKind::request;
  p.message.lane = 3;
  p.message.sequence = 77;
  p.message.sent_at = Nanos(123456789);
  p.message.sender = 1;
  return p;
}

std::vector<std::uint8_t> written(const ProbePacket& p) {
  std::vector<std::uint8_t> out(1500);
  auto n = write_probe_packet(out, p);
  REQUIRE(n);
  out.resize(*n);
  return out;
}

// Recomputes both checksums after a test edits a field, so only the intended defect remains.
void fix_checksums(std::vector<std::uint8_t>& packet) {
  std::size_t ihl = std::size_t{packet[0] & 0x0fu} * 4;
  store_be16(packet.data() + 10, 0);
  store_be16(packet.data() + 10, ipv4_header_checksum(std::span(packet).first(ihl)));
  auto datagram = std::span(packet).subspan(ihl);
  store_be16(datagram.data() + 6, 0);
  store_be16(datagram.data() + 6,
             udp_checksum(IpAddress::v4_bytes(packet.data() + 12),
                          IpAddress::v4_bytes(packet.data() + 16), datagram));
}

ProbeError refusal(const std::vector<std::uint8_t>& bytes) {
  auto r = parse_probe_packet(bytes);
  REQUIRE_FALSE(r);
  return r.error();
}

}  // namespace

TEST_CASE("probe packet is IPv4/UDP from and to the probe port with valid checksums") {
  auto bytes = written(sample());
  REQUIRE(bytes.size() == kProbePacketLength);
  auto ip = Ipv4View::parse(bytes);
  REQUIRE(ip);
  CHECK(ip->header_checksum_ok());
  CHECK(ip->protocol() == ip_protocol::udp);
  CHECK(ip->src() == sample().src);
  CHECK(ip->dst() == sample().dst);
  auto udp = UdpView::parse(ip->payload());
  REQUIRE(udp);
  CHECK(udp->src_port() == kProbePort);
  CHECK(udp->dst_port() == kProbePort);
  CHECK(udp->payload().size() == kProbePayloadLength);
  CHECK(l4_checksum_ok(ip->src(), ip->dst(), ip_protocol::udp, udp->datagram()));
}

TEST_CASE("probe request matches, byte for byte, one built by an independent encoder") {
  // Python struct + RFC 1071 checksums (the seed tests/fuzz/seeds/anymesh_fuzz_probe/request.bin).
  const std::string_view expected_hex =
      "4500003c00004000401121200ac801010ac80301f17cf17c0028ccb6"
      "414d5052010100020000000000000029000000003ade68b10000000100000000";
  ProbePacket p;
  p.src = *IpAddress::parse("10.200.1.1");
  p.dst = *IpAddress::parse("10.200.3.1");
  p.message.lane = 2;
  p.message.sequence = 41;
  p.message.sent_at = Nanos(987654321);
  p.message.sender = 1;
  auto bytes = written(p);
  std::string hex;
  for (auto b : bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[b >> 4];
    hex += kDigits[b & 0x0f];
  }
  CHECK(hex == expected_hex);
}

TEST_CASE("probe packet round-trips through write and parse") {
  auto p = sample();
  auto parsed = parse_probe_packet(written(p));
  REQUIRE(parsed);
  CHECK(parsed->src == p.src);
  CHECK(parsed->dst == p.dst);
  CHECK(parsed->message == p.message);
}

TEST_CASE("probe packet parse ignores link padding after the IPv4 total length") {
  auto bytes = written(sample());
  bytes.resize(bytes.size() + 6, 0);
  CHECK(parse_probe_packet(bytes));
}

TEST_CASE("probe packet writer refuses small buffers and non-IPv4 addresses") {
  std::vector<std::uint8_t> small(kProbePacketLength - 1);
  auto r = write_probe_packet(small, sample());
  REQUIRE_FALSE(r);
  CHECK(r.error() == ProbeError::buffer_too_small);

  auto v6 = sample();
  v6.dst = *IpAddress::parse("fd00::1");
  std::vector<std::uint8_t> out(1500);
  auto r6 = write_probe_packet(out, v6);
  REQUIRE_FALSE(r6);
  CHECK(r6.error() == ProbeError::bad_address);
}

TEST_CASE("probe packet parse refuses every defect of the IPv4/UDP wrapper with its reason") {
  auto good = written(sample());

  SECTION("truncated IPv4 header or total length beyond the buffer") {
    for (std::size_t n : {std::size_t{0}, std::size_t{19}, kProbePacketLength - 1}) {
      CHECK(refusal(std::vector<std::uint8_t>(good.begin(), good.begin() + n)) ==
            ProbeError::bad_ip_header);
    }
  }
  SECTION("IPv6 version nibble") {
    auto bad = good;
    bad[0] = 0x65;
    CHECK(refusal(bad) == ProbeError::bad_ip_header);
  }
  SECTION("IPv4 header checksum") {
    auto bad = good;
    bad[10] ^= 0x01;
    CHECK(refusal(bad) == ProbeError::bad_ip_checksum);
  }
  SECTION("fragment") {
    auto bad = good;
    bad[6] = 0x20;  // more fragments
    fix_checksums(bad);
    CHECK(refusal(bad) == ProbeError::fragment);
  }
  SECTION("not UDP") {
    auto bad = good;
    bad[9] = ip_protocol::tcp;
    fix_checksums(bad);
    CHECK(refusal(bad) == ProbeError::not_udp);
  }
  SECTION("UDP length beyond the IP payload") {
    auto bad = good;
    store_be16(bad.data() + 20 + 4, 8 + kProbePayloadLength + 1);
    CHECK(refusal(bad) == ProbeError::bad_udp_header);
  }
  SECTION("another destination port") {
    auto bad = good;
    store_be16(bad.data() + 20 + 2, 51820);
    fix_checksums(bad);
    CHECK(refusal(bad) == ProbeError::not_probe_port);
  }
  SECTION("UDP checksum that does not verify") {
    auto bad = good;
    bad[20 + 8 + kProbeSequenceOffset + 7] ^= 0x40;  // payload changed, checksum not
    CHECK(refusal(bad) == ProbeError::bad_udp_checksum);
  }
  SECTION("UDP checksum absent") {
    auto bad = good;
    store_be16(bad.data() + 20 + 6, 0);
    CHECK(refusal(bad) == ProbeError::bad_udp_checksum);
  }
  SECTION("UDP payload shorter than a probe") {
    auto bad = good;
    bad.resize(bad.size() - 4);
    store_be16(bad.data() + 2, static_cast<std::uint16_t>(bad.size()));
    store_be16(bad.data() + 20 + 4, static_cast<std::uint16_t>(bad.size() - 20));
    fix_checksums(bad);
    CHECK(refusal(bad) == ProbeError::truncated);
  }
  SECTION("UDP payload longer than a probe") {
    auto bad = good;
    bad.push_back(0);
    store_be16(bad.data() + 2, static_cast<std::uint16_t>(bad.size()));
    store_be16(bad.data() + 20 + 4, static_cast<std::uint16_t>(bad.size() - 20));
    fix_checksums(bad);
    CHECK(refusal(bad) == ProbeError::bad_length);
  }
  SECTION("payload defects come through with their own reason") {
    auto magic = good;
    magic[28 + kProbeMagicOffset] ^= 0xff;
    fix_checksums(magic);
    CHECK(refusal(magic) == ProbeError::bad_magic);
    auto version = good;
    version[28 + kProbeVersionOffset] = 9;
    fix_checksums(version);
    CHECK(refusal(version) == ProbeError::bad_version);
    auto kind = good;
    kind[28 + kProbeKindOffset] = 3;
    fix_checksums(kind);
    CHECK(refusal(kind) == ProbeError::bad_kind);
  }
  SECTION("the untouched packet still parses after fix_checksums") {
    auto same = good;
    fix_checksums(same);
    CHECK(same == good);
  }
}
