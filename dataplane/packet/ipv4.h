// IPv4 header view (IHL and options honoured, fragment fields), header writer and in-place TTL
// decrement with an incremental checksum update.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/packet_error.h"
#include "dataplane/packet/result.h"

namespace anymesh {

inline constexpr std::size_t kIpv4MinHeaderLength = 20;
inline constexpr std::size_t kIpv4MaxOptionsLength = 40;

class Ipv4View {
 public:
  // The buffer may run past the packet (Ethernet padding): everything is bounded by the total
  // length field, which must not exceed the buffer. Fragments parse; is_fragment() tells.
  static Result<Ipv4View, PacketError> parse(std::span<const std::uint8_t> bytes);

  std::uint8_t version() const { return p_[0] >> 4; }
  std::uint8_t ihl() const { return p_[0] & 0x0f; }
  std::size_t header_length() const { return std::size_t{ihl()} * 4; }
  std::uint8_t tos() const { return p_[1]; }
  std::uint8_t dscp() const { return p_[1] >> 2; }
  std::uint8_t ecn() const { return p_[1] & 0x03; }
  std::uint16_t total_length() const { return load_be16(p_ + 2); }
  std::uint16_t identification() const { return load_be16(p_ + 4); }
  bool dont_fragment() const { return (p_[6] & 0x40) != 0; }
  bool more_fragments() const { return (p_[6] & 0x20) != 0; }
  std::uint16_t fragment_offset() const { return load_be16(p_ + 6) & 0x1fff; }  // 8-byte units
  bool is_fragment() const { return more_fragments() || fragment_offset() != 0; }
  std::uint8_t ttl() const { return p_[8]; }
  std::uint8_t protocol() const { return p_[9]; }
  std::uint16_t checksum() const { return load_be16(p_ + 10); }
  std::uint32_t src_u32() const { return load_be32(p_ + 12); }
  std::uint32_t dst_u32() const { return load_be32(p_ + 16); }
  IpAddress src() const { return IpAddress::v4_bytes(p_ + 12); }
  IpAddress dst() const { return IpAddress::v4_bytes(p_ + 16); }

  std::span<const std::uint8_t> header() const { return packet_.first(header_length()); }
  std::span<const std::uint8_t> options() const {
    return packet_.subspan(kIpv4MinHeaderLength, header_length() - kIpv4MinHeaderLength);
  }
  std::span<const std::uint8_t> payload() const { return packet_.subspan(header_length()); }
  std::span<const std::uint8_t> packet() const { return packet_; }  // total_length bytes
  bool header_checksum_ok() const;

 private:
  explicit Ipv4View(std::span<const std::uint8_t> packet) : packet_(packet), p_(packet.data()) {}

  std::span<const std::uint8_t> packet_;
  const std::uint8_t* p_;
};

struct Ipv4Fields {
  IpAddress src;
  IpAddress dst;
  std::uint8_t protocol = 0;
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  std::uint16_t identification = 0;
  bool dont_fragment = true;
  std::span<const std::uint8_t> options;  // multiple of 4, at most 40 bytes
};

// Writes the header for a payload of payload_length bytes, header checksum included; returns the
// header length. The payload itself is the caller's.
Result<std::size_t, BuildError> write_ipv4_header(std::span<std::uint8_t> out,
                                                  const Ipv4Fields& fields,
                                                  std::size_t payload_length);

// Decrements the TTL of the IPv4 header at the start of header (at least 20 bytes) and patches
// the header checksum incrementally. Returns false, changing nothing, when the TTL is 0 or 1
// (the packet must not be forwarded) or the span is too short.
bool ipv4_decrement_ttl(std::span<std::uint8_t> header);

}  // namespace anymesh
