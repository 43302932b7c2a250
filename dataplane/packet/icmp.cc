// ICMP/ICMPv6 header validation and echo writing.
#include "dataplane/packet/icmp.h"

namespace anymesh {

Result<IcmpView, PacketError> IcmpView::parse(std::span<const std::uint8_t> message,
                                              IcmpFamily family) {
  if (message.size() < kIcmpHeaderLength) return fail(PacketError::truncated);
  return IcmpView(message, family);
}

Result<std::size_t, BuildError> write_icmp_echo(std::span<std::uint8_t> out, IcmpFamily family,
                                                const IcmpEchoFields& fields) {
  if (out.size() < kIcmpHeaderLength) return fail(BuildError::buffer_too_small);
  std::uint8_t* p = out.data();
  if (family == IcmpFamily::v4) {
    p[0] = fields.reply ? icmp_type::v4_echo_reply : icmp_type::v4_echo_request;
  } else {
    p[0] = fields.reply ? icmp_type::v6_echo_reply : icmp_type::v6_echo_request;
  }
  p[1] = 0;
  store_be16(p + 2, 0);
  store_be16(p + 4, fields.id);
  store_be16(p + 6, fields.seq);
  return kIcmpHeaderLength;
}

}  // namespace anymesh
