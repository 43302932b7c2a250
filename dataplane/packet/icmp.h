// ICMP (v4) and ICMPv6 header view: type, code, checksum and the echo identifier/sequence.
// Both share the 8-byte layout; only the echo type numbers differ.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/packet_error.h"
#include "dataplane/packet/result.h"

namespace anymesh {

inline constexpr std::size_t kIcmpHeaderLength = 8;

namespace icmp_type {
inline constexpr std::uint8_t v4_echo_reply = 0;
inline constexpr std::uint8_t v4_destination_unreachable = 3;
inline constexpr std::uint8_t v4_echo_request = 8;
inline constexpr std::uint8_t v4_time_exceeded = 11;
inline constexpr std::uint8_t v6_destination_unreachable = 1;
inline constexpr std::uint8_t v6_packet_too_big = 2;
inline constexpr std::uint8_t v6_time_exceeded = 3;
inline constexpr std::uint8_t v6_echo_request = 128;
inline constexpr std::uint8_t v6_echo_reply = 129;
}  // namespace icmp_type

enum class IcmpFamily : std::uint8_t { v4, v6 };

class IcmpView {
 public:
  // message is the IP payload; it needs the full 8-byte header.
  static Result<IcmpView, PacketError> parse(std::span<const std::uint8_t> message,
                                             IcmpFamily family);

  IcmpFamily family() const { return family_; }
  std::uint8_t type() const { return p_[0]; }
  std::uint8_t code() const { return p_[1]; }
  std::uint16_t checksum() const { return load_be16(p_ + 2); }
  bool is_echo_request() const {
    return type() == (family_ == IcmpFamily::v4 ? icmp_type::v4_echo_request
                                                : icmp_type::v6_echo_request);
  }
  bool is_echo_reply() const {
    return type() ==
           (family_ == IcmpFamily::v4 ? icmp_type::v4_echo_reply : icmp_type::v6_echo_reply);
  }
  bool is_echo() const { return is_echo_request() || is_echo_reply(); }
  // Meaningful for echo messages only (the 4 bytes are something else for other types).
  std::uint16_t echo_id() const { return load_be16(p_ + 4); }
  std::uint16_t echo_seq() const { return load_be16(p_ + 6); }
  std::span<const std::uint8_t> payload() const { return message_.subspan(kIcmpHeaderLength); }
  std::span<const std::uint8_t> message() const { return message_; }

 private:
  IcmpView(std::span<const std::uint8_t> message, IcmpFamily family)
      : message_(message), p_(message.data()), family_(family) {}

  std::span<const std::uint8_t> message_;
  const std::uint8_t* p_;
  IcmpFamily family_;
};

struct IcmpEchoFields {
  std::uint16_t id = 0;
  std::uint16_t seq = 0;
  bool reply = false;
};

// Writes an echo request/reply header with a zero checksum; returns 8. ICMPv4 checksums cover
// the message only (internet_checksum), ICMPv6 ones add the pseudo-header (l4_checksum).
Result<std::size_t, BuildError> write_icmp_echo(std::span<std::uint8_t> out, IcmpFamily family,
                                                const IcmpEchoFields& fields);

}  // namespace anymesh
