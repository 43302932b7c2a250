// Probe packet framing over dataplane/packet: build_ipv4_udp out, Ipv4View/UdpView in.
#include "dataplane/probe/probe_packet.h"

#include <array>

#include "dataplane/packet/builder.h"
#include "dataplane/packet/checksum.h"
#include "dataplane/packet/ip_protocol.h"
#include "dataplane/packet/ipv4.h"
#include "dataplane/packet/udp.h"

namespace anymesh::probe {

Result<std::size_t, ProbeError> write_probe_packet(std::span<std::uint8_t> out,
                                                   const ProbePacket& packet) {
  if (!packet.src.is_v4() || !packet.dst.is_v4()) return fail(ProbeError::bad_address);
  if (out.size() < kProbePacketLength) return fail(ProbeError::buffer_too_small);
  // Encoded aside first: the builder moves the payload into place and it must not overlap the
  // headers, which it would if it were written at the start of out.
  std::array<std::uint8_t, kProbePayloadLength> payload{};
  auto encoded = encode_probe_message(packet.message, payload);
  if (!encoded) return encoded;
  IpFields ip;
  ip.src = packet.src;
  ip.dst = packet.dst;
  ip.ttl = kProbeTtl;
  auto written = build_ipv4_udp(out, ip, UdpPorts{kProbePort, kProbePort}, payload);
  if (!written) return fail(ProbeError::buffer_too_small);  // the only failure left possible
  return *written;
}

Result<ProbePacket, ProbeError> parse_probe_packet(std::span<const std::uint8_t> bytes) {
  auto ip = Ipv4View::parse(bytes);
  if (!ip) return fail(ProbeError::bad_ip_header);
  if (!ip->header_checksum_ok()) return fail(ProbeError::bad_ip_checksum);
  if (ip->is_fragment()) return fail(ProbeError::fragment);
  if (ip->protocol() != ip_protocol::udp) return fail(ProbeError::not_udp);
  auto udp = UdpView::parse(ip->payload());
  if (!udp) return fail(ProbeError::bad_udp_header);
  if (udp->dst_port() != kProbePort) return fail(ProbeError::not_probe_port);
  // We always send a checksum, so a zero ("none") one marks a packet that is not ours.
  if (udp->checksum() == 0 ||
      !l4_checksum_ok(ip->src(), ip->dst(), ip_protocol::udp, udp->datagram())) {
    return fail(ProbeError::bad_udp_checksum);
  }
  auto message = decode_probe_message(udp->payload());
  if (!message) return fail(message.error());
  return ProbePacket{ip->src(), ip->dst(), *message};
}

}  // namespace anymesh::probe
