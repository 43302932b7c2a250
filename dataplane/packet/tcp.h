// TCP header view (ports, sequence numbers, flags, data offset and options) and writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/packet_error.h"
#include "dataplane/packet/result.h"

namespace anymesh {

inline constexpr std::size_t kTcpMinHeaderLength = 20;
inline constexpr std::size_t kTcpMaxOptionsLength = 40;

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
inline constexpr std::uint8_t urg = 0x20;
inline constexpr std::uint8_t ece = 0x40;
inline constexpr std::uint8_t cwr = 0x80;
}  // namespace tcp_flag

class TcpView {
 public:
  // segment is the IP payload; the data offset must be at least 5 and fit in it.
  static Result<TcpView, PacketError> parse(std::span<const std::uint8_t> segment);

  std::uint16_t src_port() const { return load_be16(p_); }
  std::uint16_t dst_port() const { return load_be16(p_ + 2); }
  std::uint32_t seq() const { return load_be32(p_ + 4); }
  std::uint32_t ack() const { return load_be32(p_ + 8); }
  std::uint8_t data_offset() const { return p_[12] >> 4; }  // 32-bit words
  std::size_t header_length() const { return std::size_t{data_offset()} * 4; }
  std::uint8_t flags() const { return p_[13]; }
  bool has_flag(std::uint8_t flag) const { return (flags() & flag) == flag; }
  std::uint16_t window() const { return load_be16(p_ + 14); }
  std::uint16_t checksum() const { return load_be16(p_ + 16); }
  std::uint16_t urgent_pointer() const { return load_be16(p_ + 18); }
  std::span<const std::uint8_t> options() const {
    return segment_.subspan(kTcpMinHeaderLength, header_length() - kTcpMinHeaderLength);
  }
  std::span<const std::uint8_t> payload() const { return segment_.subspan(header_length()); }
  std::span<const std::uint8_t> segment() const { return segment_; }

 private:
  explicit TcpView(std::span<const std::uint8_t> segment) : segment_(segment), p_(segment.data()) {}

  std::span<const std::uint8_t> segment_;
  const std::uint8_t* p_;
};

struct TcpFields {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 65535;
  std::uint16_t urgent_pointer = 0;
  std::span<const std::uint8_t> options;  // multiple of 4, at most 40 bytes
};

// Writes the header with a zero checksum (fill it in with l4_checksum() once the payload is in
// place); returns the header length.
Result<std::size_t, BuildError> write_tcp_header(std::span<std::uint8_t> out,
                                                 const TcpFields& fields);

}  // namespace anymesh
