// Why a probe packet or payload was refused: one value per drop-reason counter.
#pragma once

#include <cstdint>
#include <string_view>

namespace anymesh::probe {

enum class ProbeError : std::uint8_t {
  // IPv4/UDP wrapper
  bad_ip_header,      // not a well-formed IPv4 header (truncated, version, IHL, total length)
  bad_ip_checksum,    // IPv4 header checksum does not verify
  fragment,           // probes are never fragmented
  not_udp,            // IPv4 protocol is not UDP
  bad_udp_header,     // UDP header truncated or its length inconsistent with the IP payload
  not_probe_port,     // destination port is not kProbePort
  bad_udp_checksum,   // UDP checksum missing (zero) or not verifying
  not_for_us,         // destination is not this gateway's tunnel address (responder)
  // payload
  truncated,          // shorter than the fixed payload
  bad_length,         // longer than the fixed payload
  bad_magic,
  bad_version,
  bad_kind,           // neither request nor echo
  unexpected_kind,    // an echo given to the responder, or a request taken for an echo
  not_our_probe,      // an echo of a request we did not send (other sender id, lane out of range)
  // writing
  buffer_too_small,
  bad_address,        // a tunnel address that is not IPv4
};

constexpr std::string_view to_string(ProbeError e) {
  switch (e) {
    case ProbeError::bad_ip_header: return "bad_ip_header";
    case ProbeError::bad_ip_checksum: return "bad_ip_checksum";
    case ProbeError::fragment: return "fragment";
    case ProbeError::not_udp: return "not_udp";
    case ProbeError::bad_udp_header: return "bad_udp_header";
    case ProbeError::not_probe_port: return "not_probe_port";
    case ProbeError::bad_udp_checksum: return "bad_udp_checksum";
    case ProbeError::not_for_us: return "not_for_us";
    case ProbeError::truncated: return "truncated";
    case ProbeError::bad_length: return "bad_length";
    case ProbeError::bad_magic: return "bad_magic";
    case ProbeError::bad_version: return "bad_version";
    case ProbeError::bad_kind: return "bad_kind";
    case ProbeError::unexpected_kind: return "unexpected_kind";
    case ProbeError::not_our_probe: return "not_our_probe";
    case ProbeError::buffer_too_small: return "buffer_too_small";
    case ProbeError::bad_address: return "bad_address";
  }
  return "unknown";
}

}  // namespace anymesh::probe
