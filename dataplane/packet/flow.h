// parse_flow(): the 5-tuple and layer offsets of one packet, from an IP packet (as read from a
// TUN device) or an Ethernet frame, or the reason it cannot be classified.
#pragma once

#include <compare>
#include <cstdint>
#include <span>

#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/packet_error.h"
#include "dataplane/packet/result.h"

namespace anymesh {

enum class Framing : std::uint8_t {
  ip,        // starts with the IP header; the version nibble picks IPv4 or IPv6
  ethernet,  // Ethernet II, optionally one 802.1Q tag, carrying IPv4 or IPv6
};

// Ports are those of TCP and UDP. ICMP/ICMPv6 echo messages put their identifier in both ports,
// so a request and its reply share a flow; other ICMP messages and other protocols get zero ports
// (a 3-tuple). For IPv6 the protocol is the next header after the fixed header, extension headers
// included: they are not walked.
struct FlowKey {
  IpAddress src;
  IpAddress dst;
  std::uint8_t protocol = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  auto operator<=>(const FlowKey&) const = default;
};

// Offsets count from the start of the parsed buffer. end_offset is where the IP packet ends per
// its length field; bytes beyond it (Ethernet padding) belong to no layer.
struct Flow {
  FlowKey key;
  std::uint32_t l3_offset = 0;
  std::uint32_t l4_offset = 0;
  std::uint32_t payload_offset = 0;
  std::uint32_t end_offset = 0;
  std::uint16_t vlan_id = 0;  // 0 when untagged
};

// Fragments (IPv4 MF or non-zero offset, IPv6 Fragment header) are refused: only the first one
// would carry ports, so they could not hash like the rest of their flow.
Result<Flow, PacketError> parse_flow(std::span<const std::uint8_t> bytes, Framing framing);

}  // namespace anymesh
