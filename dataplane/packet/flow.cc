// Classifies a packet into its flow: Ethernet (optional), IPv4/IPv6, then TCP/UDP/ICMP ports.
#include "dataplane/packet/flow.h"

#include "dataplane/packet/ethernet.h"
#include "dataplane/packet/icmp.h"
#include "dataplane/packet/ip_protocol.h"
#include "dataplane/packet/ipv4.h"
#include "dataplane/packet/ipv6.h"
#include "dataplane/packet/tcp.h"
#include "dataplane/packet/udp.h"

namespace anymesh {
namespace {

std::uint32_t offset_of(std::span<const std::uint8_t> whole, std::span<const std::uint8_t> part) {
  return static_cast<std::uint32_t>(part.data() - whole.data());
}

// Fills ports and payload offset from the L4 bytes (already bounded by the IP length).
Result<Flow, PacketError> parse_l4(std::span<const std::uint8_t> whole, Flow flow,
                                   std::span<const std::uint8_t> l4, IcmpFamily icmp_family) {
  flow.l4_offset = offset_of(whole, l4);
  flow.payload_offset = flow.l4_offset;
  std::uint8_t icmp_protocol = icmp_family == IcmpFamily::v4 ? ip_protocol::icmp : ip_protocol::icmpv6;
  if (flow.key.protocol == ip_protocol::udp) {
    auto udp = UdpView::parse(l4);
    if (!udp) return fail(udp.error());
    flow.key.src_port = udp->src_port();
    flow.key.dst_port = udp->dst_port();
    flow.payload_offset = offset_of(whole, udp->payload());
  } else if (flow.key.protocol == ip_protocol::tcp) {
    auto tcp = TcpView::parse(l4);
    if (!tcp) return fail(tcp.error());
    flow.key.src_port = tcp->src_port();
    flow.key.dst_port = tcp->dst_port();
    flow.payload_offset = offset_of(whole, tcp->payload());
  } else if (flow.key.protocol == icmp_protocol) {
    auto icmp = IcmpView::parse(l4, icmp_family);
    if (!icmp) return fail(icmp.error());
    if (icmp->is_echo()) {
      flow.key.src_port = icmp->echo_id();
      flow.key.dst_port = icmp->echo_id();
    }
    flow.payload_offset = offset_of(whole, icmp->payload());
  }
  return flow;
}

Result<Flow, PacketError> parse_ipv4(std::span<const std::uint8_t> whole,
                                     std::span<const std::uint8_t> l3, Flow flow) {
  auto ip = Ipv4View::parse(l3);
  if (!ip) return fail(ip.error());
  if (ip->is_fragment()) return fail(PacketError::fragment);
  flow.key.src = ip->src();
  flow.key.dst = ip->dst();
  flow.key.protocol = ip->protocol();
  flow.end_offset = offset_of(whole, ip->packet()) + ip->total_length();
  return parse_l4(whole, flow, ip->payload(), IcmpFamily::v4);
}

Result<Flow, PacketError> parse_ipv6(std::span<const std::uint8_t> whole,
                                     std::span<const std::uint8_t> l3, Flow flow) {
  auto ip = Ipv6View::parse(l3);
  if (!ip) return fail(ip.error());
  if (ip->next_header() == ip_protocol::ipv6_fragment) return fail(PacketError::fragment);
  flow.key.src = ip->src();
  flow.key.dst = ip->dst();
  flow.key.protocol = ip->next_header();
  flow.end_offset = offset_of(whole, ip->packet()) + static_cast<std::uint32_t>(ip->packet().size());
  return parse_l4(whole, flow, ip->payload(), IcmpFamily::v6);
}

}  // namespace

Result<Flow, PacketError> parse_flow(std::span<const std::uint8_t> bytes, Framing framing) {
  Flow flow;
  std::span<const std::uint8_t> l3 = bytes;
  int version = 0;
  if (framing == Framing::ethernet) {
    auto eth = EthernetView::parse(bytes);
    if (!eth) return fail(eth.error());
    flow.vlan_id = eth->vlan_id();
    l3 = eth->payload();
    if (eth->ethertype() == ethertype::ipv4) {
      version = 4;
    } else if (eth->ethertype() == ethertype::ipv6) {
      version = 6;
    } else {
      return fail(PacketError::unsupported_ethertype);
    }
    // The version nibble must agree with the ethertype; the IP views check their own nibble.
  } else {
    if (l3.empty()) return fail(PacketError::truncated);
    version = l3[0] >> 4;
    if (version != 4 && version != 6) return fail(PacketError::bad_version);
  }
  flow.l3_offset = offset_of(bytes, l3);
  return version == 4 ? parse_ipv4(bytes, l3, flow) : parse_ipv6(bytes, l3, flow);
}

}  // namespace anymesh
