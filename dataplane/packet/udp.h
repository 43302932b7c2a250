// UDP header view and writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/packet_error.h"
#include "dataplane/packet/result.h"

namespace anymesh {

inline constexpr std::size_t kUdpHeaderLength = 8;

class UdpView {
 public:
  // segment is the IP payload. The UDP length must be at least 8 and fit in it; bytes after the
  // datagram (allowed by RFC 768) are ignored.
  static Result<UdpView, PacketError> parse(std::span<const std::uint8_t> segment);

  std::uint16_t src_port() const { return load_be16(datagram_.data()); }
  std::uint16_t dst_port() const { return load_be16(datagram_.data() + 2); }
  std::uint16_t length() const { return load_be16(datagram_.data() + 4); }
  std::uint16_t checksum() const { return load_be16(datagram_.data() + 6); }
  std::span<const std::uint8_t> datagram() const { return datagram_; }  // header + payload
  std::span<const std::uint8_t> payload() const { return datagram_.subspan(kUdpHeaderLength); }

 private:
  explicit UdpView(std::span<const std::uint8_t> datagram) : datagram_(datagram) {}

  std::span<const std::uint8_t> datagram_;
};

// Writes the 8-byte header with a zero checksum (fill it in once the payload is in place, e.g.
// with udp_checksum()); returns 8.
Result<std::size_t, BuildError> write_udp_header(std::span<std::uint8_t> out,
                                                 std::uint16_t src_port, std::uint16_t dst_port,
                                                 std::size_t payload_length);

}  // namespace anymesh
