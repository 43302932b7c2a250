// Parsing and writing the frames of the gateway's two ports.
#include "dataplane/pipeline/frames.h"

#include <cstring>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/checksum.h"

namespace anymesh::pipeline {
namespace {

struct Ipv4Span {
  std::size_t offset;
  std::size_t header_length;
  std::size_t total_length;
};

Result<Ipv4Span, FrameError> ipv4_after_ethernet(std::span<const std::uint8_t> f) {
  if (f.size() < kEthernetHeader) return fail(FrameError::truncated);
  std::size_t at = 12;
  std::uint16_t type = load_be16(f.data() + at);
  if (type == kEtherTypeVlan) {
    if (f.size() < kEthernetHeader + 4) return fail(FrameError::truncated);
    at += 4;
    type = load_be16(f.data() + at);
  }
  if (type != kEtherTypeIpv4) return fail(FrameError::not_ipv4);
  std::size_t ip = at + 2;
  if (f.size() < ip + 20) return fail(FrameError::truncated);
  const std::uint8_t* p = f.data() + ip;
  if ((p[0] >> 4) != 4) return fail(FrameError::bad_ipv4);
  std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
  std::size_t total = load_be16(p + 2);
  if (ihl < 20 || total < ihl) return fail(FrameError::bad_ipv4);
  if (f.size() < ip + total) return fail(FrameError::truncated);
  return Ipv4Span{ip, ihl, total};
}

}  // namespace

Result<InnerPacket, FrameError> parse_inner_frame(std::span<const std::uint8_t> frame) {
  auto ip = ipv4_after_ethernet(frame);
  if (!ip) return fail(ip.error());
  const std::uint8_t* p = frame.data() + ip->offset;
  return InnerPacket{ip->offset, ip->total_length, load_be32(p + 12), load_be32(p + 16)};
}

Result<OuterDatagram, FrameError> parse_outer_frame(std::span<const std::uint8_t> frame) {
  auto ip = ipv4_after_ethernet(frame);
  if (!ip) return fail(ip.error());
  const std::uint8_t* p = frame.data() + ip->offset;
  if ((load_be16(p + 6) & 0x3fff) != 0) return fail(FrameError::fragment);
  if (p[9] != 17) return fail(FrameError::not_udp);
  if (ip->total_length < ip->header_length + 8) return fail(FrameError::truncated);
  const std::uint8_t* udp = p + ip->header_length;
  std::size_t udp_length = load_be16(udp + 4);
  if (udp_length < 8 || udp_length > ip->total_length - ip->header_length) return fail(FrameError::truncated);
  OuterDatagram d;
  d.src = load_be32(p + 12);
  d.dst = load_be32(p + 16);
  d.src_port = load_be16(udp);
  d.dst_port = load_be16(udp + 2);
  d.payload_offset = ip->offset + ip->header_length + 8;
  d.payload_length = udp_length - 8;
  return d;
}

void write_ethernet(std::uint8_t* at, const MacAddress& dst, const MacAddress& src, std::uint16_t ether_type) {
  std::memcpy(at, dst.data(), 6);
  std::memcpy(at + 6, src.data(), 6);
  store_be16(at + 12, ether_type);
}

void write_outer_headers(std::uint8_t* at, const OuterAddressing& a, std::size_t payload_length) {
  write_ethernet(at, a.dst_mac, a.src_mac, kEtherTypeIpv4);
  std::uint8_t* ip = at + kEthernetHeader;
  ip[0] = 0x45;
  ip[1] = 0;
  store_be16(ip + 2, static_cast<std::uint16_t>(20 + 8 + payload_length));
  store_be16(ip + 4, 0);
  store_be16(ip + 6, 0x4000);  // DF: the tunnel's MTU keeps datagrams below the path MTU
  ip[8] = 64;
  ip[9] = 17;
  store_be16(ip + 10, 0);
  store_be32(ip + 12, a.src);
  store_be32(ip + 16, a.dst);
  store_be16(ip + 10, ipv4_header_checksum(std::span<const std::uint8_t>(ip, 20)));
  std::uint8_t* udp = ip + 20;
  store_be16(udp, a.src_port);
  store_be16(udp + 2, a.dst_port);
  store_be16(udp + 4, static_cast<std::uint16_t>(8 + payload_length));
  store_be16(udp + 6, 0);
}

}  // namespace anymesh::pipeline
