// IPv6 fixed-header view and writer. Extension headers are not walked: next_header() reports
// whatever follows the fixed header and payload() starts right after it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/packet_error.h"
#include "dataplane/packet/result.h"

namespace anymesh {

inline constexpr std::size_t kIpv6HeaderLength = 40;

class Ipv6View {
 public:
  // The buffer may run past the packet; payload() is bounded by the payload length field, which
  // must fit the buffer. A zero payload length (jumbogram) gives an empty payload.
  static Result<Ipv6View, PacketError> parse(std::span<const std::uint8_t> bytes);

  std::uint8_t version() const { return p_[0] >> 4; }
  std::uint8_t traffic_class() const {
    return static_cast<std::uint8_t>((load_be16(p_) >> 4) & 0xff);
  }
  std::uint32_t flow_label() const { return load_be32(p_) & 0x000fffff; }
  std::uint16_t payload_length() const { return load_be16(p_ + 4); }
  std::uint8_t next_header() const { return p_[6]; }
  std::uint8_t hop_limit() const { return p_[7]; }
  IpAddress src() const { return IpAddress::v6_bytes(p_ + 8); }
  IpAddress dst() const { return IpAddress::v6_bytes(p_ + 24); }

  std::span<const std::uint8_t> header() const { return packet_.first(kIpv6HeaderLength); }
  std::span<const std::uint8_t> payload() const { return packet_.subspan(kIpv6HeaderLength); }
  std::span<const std::uint8_t> packet() const { return packet_; }

 private:
  explicit Ipv6View(std::span<const std::uint8_t> packet) : packet_(packet), p_(packet.data()) {}

  std::span<const std::uint8_t> packet_;
  const std::uint8_t* p_;
};

struct Ipv6Fields {
  IpAddress src;
  IpAddress dst;
  std::uint8_t next_header = 0;
  std::uint8_t hop_limit = 64;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;  // low 20 bits used
};

// Writes the 40-byte fixed header for a payload of payload_length bytes; returns 40.
Result<std::size_t, BuildError> write_ipv6_header(std::span<std::uint8_t> out,
                                                  const Ipv6Fields& fields,
                                                  std::size_t payload_length);

}  // namespace anymesh
