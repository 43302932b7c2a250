// IPv6 fixed-header validation and writing.
#include "dataplane/packet/ipv6.h"

#include <cstring>

namespace anymesh {

Result<Ipv6View, PacketError> Ipv6View::parse(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kIpv6HeaderLength) return fail(PacketError::truncated);
  if ((bytes[0] >> 4) != 6) return fail(PacketError::bad_version);
  std::size_t total = kIpv6HeaderLength + load_be16(bytes.data() + 4);
  if (total > bytes.size()) return fail(PacketError::bad_payload_length);
  return Ipv6View(bytes.first(total));
}

Result<std::size_t, BuildError> write_ipv6_header(std::span<std::uint8_t> out,
                                                  const Ipv6Fields& fields,
                                                  std::size_t payload_length) {
  if (fields.src.is_v4() || fields.dst.is_v4()) return fail(BuildError::family_mismatch);
  if (payload_length > 0xffff) return fail(BuildError::too_large);
  if (out.size() < kIpv6HeaderLength) return fail(BuildError::buffer_too_small);
  std::uint8_t* p = out.data();
  store_be32(p, (6u << 28) | (std::uint32_t{fields.traffic_class} << 20) |
                    (fields.flow_label & 0x000fffff));
  store_be16(p + 4, static_cast<std::uint16_t>(payload_length));
  p[6] = fields.next_header;
  p[7] = fields.hop_limit;
  std::memcpy(p + 8, fields.src.bytes.data(), 16);
  std::memcpy(p + 24, fields.dst.bytes.data(), 16);
  return kIpv6HeaderLength;
}

}  // namespace anymesh
