// Specification of the gateway's framing: outer Ethernet/IPv4/UDP written and parsed back, inner
// frames located, and every malformed frame refused with its reason.
#include <catch2/catch.hpp>

#include <vector>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/checksum.h"
#include "dataplane/pipeline/frames.h"

using namespace anymesh;
using namespace anymesh::pipeline;

namespace {

std::vector<std::uint8_t> outer_frame(std::size_t payload) {
  std::vector<std::uint8_t> f(kOuterHeaders + payload, 0x5a);
  OuterAddressing a;
  a.src_mac = {2, 0, 0, 0, 0, 1};
  a.dst_mac = {2, 0, 0, 0, 0, 2};
  a.src = 0xc6336401;  // 198.51.100.1
  a.dst = 0xc6336402;
  a.src_port = 51821;
  a.dst_port = 51820;
  write_outer_headers(f.data(), a, payload);
  return f;
}

}  // namespace

TEST_CASE("an outer frame written by the gateway parses back to its addresses and payload") {
  auto f = outer_frame(148);
  auto d = parse_outer_frame(f);
  REQUIRE(d);
  CHECK(d->src == 0xc6336401);
  CHECK(d->dst == 0xc6336402);
  CHECK(d->src_port == 51821);
  CHECK(d->dst_port == 51820);
  CHECK(d->payload_offset == kOuterHeaders);
  CHECK(d->payload_length == 148);
  CHECK(ipv4_header_checksum_ok({f.data() + 14, 20}));
  CHECK(load_be16(f.data() + 12) == kEtherTypeIpv4);
  CHECK((f[14 + 6] & 0x40) != 0);  // DF
}

TEST_CASE("outer frames that are not whole IPv4 UDP datagrams are refused with their reason") {
  auto f = outer_frame(32);
  CHECK(parse_outer_frame({f.data(), 13}).error() == FrameError::truncated);
  CHECK(parse_outer_frame({f.data(), 40}).error() == FrameError::truncated);
  auto arp = f;
  store_be16(arp.data() + 12, 0x0806);
  CHECK(parse_outer_frame(arp).error() == FrameError::not_ipv4);
  auto tcp = f;
  tcp[14 + 9] = 6;
  CHECK(parse_outer_frame(tcp).error() == FrameError::not_udp);
  auto fragment = f;
  fragment[14 + 6] |= 0x20;  // more fragments
  CHECK(parse_outer_frame(fragment).error() == FrameError::fragment);
  auto bad_udp_length = f;
  store_be16(bad_udp_length.data() + 14 + 20 + 4, 4000);
  CHECK(parse_outer_frame(bad_udp_length).error() == FrameError::truncated);
  auto bad_version = f;
  bad_version[14] = 0x65;
  CHECK(parse_outer_frame(bad_version).error() == FrameError::bad_ipv4);
  auto short_ihl = f;
  short_ihl[14] = 0x44;
  CHECK(parse_outer_frame(short_ihl).error() == FrameError::bad_ipv4);
}

TEST_CASE("an inner frame with a VLAN tag and Ethernet padding yields the IPv4 packet only") {
  std::vector<std::uint8_t> f(18 + 28 + 10, 0);
  store_be16(f.data() + 12, kEtherTypeVlan);
  store_be16(f.data() + 14, 42);
  store_be16(f.data() + 16, kEtherTypeIpv4);
  std::uint8_t* ip = f.data() + 18;
  ip[0] = 0x45;
  store_be16(ip + 2, 28);
  store_be32(ip + 12, 0x0ac80101);
  store_be32(ip + 16, 0x0ac80301);
  auto p = parse_inner_frame(f);
  REQUIRE(p);
  CHECK(p->ip_offset == 18);
  CHECK(p->ip_length == 28);
  CHECK(p->src == 0x0ac80101);
  CHECK(p->dst == 0x0ac80301);
  auto v6 = f;
  store_be16(v6.data() + 16, kEtherTypeIpv6);
  CHECK(parse_inner_frame(v6).error() == FrameError::not_ipv4);
}

TEST_CASE("write_ethernet puts destination, source and type in wire order") {
  std::array<std::uint8_t, 14> h{};
  write_ethernet(h.data(), {1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}, kEtherTypeIpv4);
  CHECK(h == std::array<std::uint8_t, 14>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00});
}
