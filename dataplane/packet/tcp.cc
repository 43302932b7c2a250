// TCP header validation and writing.
#include "dataplane/packet/tcp.h"

#include <cstring>

namespace anymesh {

Result<TcpView, PacketError> TcpView::parse(std::span<const std::uint8_t> segment) {
  if (segment.size() < kTcpMinHeaderLength) return fail(PacketError::truncated);
  std::size_t header_length = static_cast<std::size_t>(segment[12] >> 4) * 4;
  if (header_length < kTcpMinHeaderLength || header_length > segment.size()) {
    return fail(PacketError::bad_data_offset);
  }
  return TcpView(segment);
}

Result<std::size_t, BuildError> write_tcp_header(std::span<std::uint8_t> out,
                                                 const TcpFields& fields) {
  if (fields.options.size() > kTcpMaxOptionsLength || fields.options.size() % 4 != 0) {
    return fail(BuildError::bad_options);
  }
  std::size_t header_length = kTcpMinHeaderLength + fields.options.size();
  if (out.size() < header_length) return fail(BuildError::buffer_too_small);
  std::uint8_t* p = out.data();
  store_be16(p, fields.src_port);
  store_be16(p + 2, fields.dst_port);
  store_be32(p + 4, fields.seq);
  store_be32(p + 8, fields.ack);
  p[12] = static_cast<std::uint8_t>((header_length / 4) << 4);
  p[13] = fields.flags;
  store_be16(p + 14, fields.window);
  store_be16(p + 16, 0);
  store_be16(p + 18, fields.urgent_pointer);
  if (!fields.options.empty()) std::memcpy(p + 20, fields.options.data(), fields.options.size());
  return header_length;
}

}  // namespace anymesh
