// IPv4 header validation, writing and TTL decrement.
#include "dataplane/packet/ipv4.h"

#include <cstring>

#include "dataplane/packet/checksum.h"

namespace anymesh {

Result<Ipv4View, PacketError> Ipv4View::parse(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kIpv4MinHeaderLength) return fail(PacketError::truncated);
  const std::uint8_t* p = bytes.data();
  if ((p[0] >> 4) != 4) return fail(PacketError::bad_version);
  std::size_t header_length = std::size_t{p[0] & 0x0fu} * 4;
  if (header_length < kIpv4MinHeaderLength) return fail(PacketError::bad_ihl);
  std::size_t total_length = load_be16(p + 2);
  if (total_length < kIpv4MinHeaderLength || total_length > bytes.size()) {
    return fail(PacketError::bad_total_length);
  }
  if (header_length > total_length) return fail(PacketError::bad_ihl);
  return Ipv4View(bytes.first(total_length));
}

bool Ipv4View::header_checksum_ok() const { return ipv4_header_checksum_ok(header()); }

Result<std::size_t, BuildError> write_ipv4_header(std::span<std::uint8_t> out,
                                                  const Ipv4Fields& fields,
                                                  std::size_t payload_length) {
  if (!fields.src.is_v4() || !fields.dst.is_v4()) return fail(BuildError::family_mismatch);
  if (fields.options.size() > kIpv4MaxOptionsLength || fields.options.size() % 4 != 0) {
    return fail(BuildError::bad_options);
  }
  std::size_t header_length = kIpv4MinHeaderLength + fields.options.size();
  if (payload_length > 0xffff - header_length) return fail(BuildError::too_large);
  if (out.size() < header_length) return fail(BuildError::buffer_too_small);
  std::uint8_t* p = out.data();
  p[0] = static_cast<std::uint8_t>(0x40 | (header_length / 4));
  p[1] = fields.tos;
  store_be16(p + 2, static_cast<std::uint16_t>(header_length + payload_length));
  store_be16(p + 4, fields.identification);
  store_be16(p + 6, fields.dont_fragment ? 0x4000 : 0);
  p[8] = fields.ttl;
  p[9] = fields.protocol;
  store_be16(p + 10, 0);
  std::memcpy(p + 12, fields.src.bytes.data(), 4);
  std::memcpy(p + 16, fields.dst.bytes.data(), 4);
  if (!fields.options.empty()) std::memcpy(p + 20, fields.options.data(), fields.options.size());
  store_be16(p + 10, internet_checksum(out.first(header_length)));
  return header_length;
}

bool ipv4_decrement_ttl(std::span<std::uint8_t> header) {
  if (header.size() < kIpv4MinHeaderLength || header[8] <= 1) return false;
  std::uint16_t old_word = load_be16(header.data() + 8);  // TTL is the high byte of this word
  header[8] = static_cast<std::uint8_t>(header[8] - 1);
  std::uint16_t new_word = load_be16(header.data() + 8);
  store_be16(header.data() + 10, checksum_update16(load_be16(header.data() + 10), old_word, new_word));
  return true;
}

}  // namespace anymesh
