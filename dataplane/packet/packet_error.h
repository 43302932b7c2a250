// Why a header view or flow parse refused its bytes, and why a builder could not write a packet.
#pragma once

#include <cstdint>
#include <string_view>

namespace anymesh {

// One value per drop-reason counter. "truncated" means the buffer is shorter than the fixed part
// of a header; the bad_* values mean a field in the header is inconsistent with itself or with
// the bytes that are actually there (a length that points past the end of the buffer included).
enum class PacketError : std::uint8_t {
  truncated,
  bad_version,         // IP version nibble is not the one the framing or ethertype announced
  bad_ihl,             // IPv4 IHL below 5 or larger than the total length
  bad_total_length,    // IPv4 total length below 20 or beyond the buffer
  bad_payload_length,  // IPv6 payload length beyond the buffer
  bad_udp_length,      // UDP length below 8 or beyond the IP payload
  bad_data_offset,     // TCP data offset below 5 or beyond the segment
  fragment,            // IPv4 MF/offset set, or IPv6 next header is a Fragment header
  unsupported_ethertype,  // not IPv4/IPv6 (ARP, a second VLAN tag, ...)
};

constexpr std::string_view to_string(PacketError e) {
  switch (e) {
    case PacketError::truncated: return "truncated";
    case PacketError::bad_version: return "bad_version";
    case PacketError::bad_ihl: return "bad_ihl";
    case PacketError::bad_total_length: return "bad_total_length";
    case PacketError::bad_payload_length: return "bad_payload_length";
    case PacketError::bad_udp_length: return "bad_udp_length";
    case PacketError::bad_data_offset: return "bad_data_offset";
    case PacketError::fragment: return "fragment";
    case PacketError::unsupported_ethertype: return "unsupported_ethertype";
  }
  return "unknown";
}

enum class BuildError : std::uint8_t {
  buffer_too_small,  // the caller's span cannot hold the packet
  too_large,         // the packet would not fit the 16-bit length fields
  family_mismatch,   // source and destination addresses (or the builder) disagree on v4/v6
  bad_options,       // IPv4/TCP options longer than 40 bytes or not a multiple of 4
};

constexpr std::string_view to_string(BuildError e) {
  switch (e) {
    case BuildError::buffer_too_small: return "buffer_too_small";
    case BuildError::too_large: return "too_large";
    case BuildError::family_mismatch: return "family_mismatch";
    case BuildError::bad_options: return "bad_options";
  }
  return "unknown";
}

}  // namespace anymesh
