// UDP header validation and writing.
#include "dataplane/packet/udp.h"

namespace anymesh {

Result<UdpView, PacketError> UdpView::parse(std::span<const std::uint8_t> segment) {
  if (segment.size() < kUdpHeaderLength) return fail(PacketError::truncated);
  std::size_t length = load_be16(segment.data() + 4);
  if (length < kUdpHeaderLength || length > segment.size()) return fail(PacketError::bad_udp_length);
  return UdpView(segment.first(length));
}

Result<std::size_t, BuildError> write_udp_header(std::span<std::uint8_t> out,
                                                 std::uint16_t src_port, std::uint16_t dst_port,
                                                 std::size_t payload_length) {
  if (payload_length > 0xffff - kUdpHeaderLength) return fail(BuildError::too_large);
  if (out.size() < kUdpHeaderLength) return fail(BuildError::buffer_too_small);
  store_be16(out.data(), src_port);
  store_be16(out.data() + 2, dst_port);
  store_be16(out.data() + 4, static_cast<std::uint16_t>(kUdpHeaderLength + payload_length));
  store_be16(out.data() + 6, 0);
  return kUdpHeaderLength;
}

}  // namespace anymesh
