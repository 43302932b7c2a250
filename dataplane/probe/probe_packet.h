// Probe packets: a ProbeMessage inside inner IPv4/UDP between two gateways' tunnel addresses,
// written with the packet library's builder and read with its views.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/result.h"
#include "dataplane/probe/probe_error.h"
#include "dataplane/probe/probe_message.h"

namespace anymesh::probe {

struct ProbePacket {
  IpAddress src;  // tunnel address of the gateway that sent this packet
  IpAddress dst;
  ProbeMessage message;
};

// Writes the whole IPv4/UDP probe (kProbePacketLength bytes) at the start of out, checksums
// included. Both addresses must be IPv4.
Result<std::size_t, ProbeError> write_probe_packet(std::span<std::uint8_t> out,
                                                   const ProbePacket& packet);

// Accepts exactly what write_probe_packet() writes, modulo IPv4 options and trailing bytes past
// the IPv4 total length (link padding); anything else is refused with the first reason found, in
// the order IPv4 header, IPv4 checksum, fragment, protocol, UDP header, port, UDP checksum, payload.
Result<ProbePacket, ProbeError> parse_probe_packet(std::span<const std::uint8_t> bytes);

}  // namespace anymesh::probe
