// Internet checksum (RFC 1071), IPv4 header and UDP/TCP/ICMPv6 pseudo-header checksums, and
// incremental updates (RFC 1624) for rewriting one field without summing the packet again.
//
// Checksums are returned as host integers holding the big-endian 16-bit value: write them with
// store_be16 and compare them with load_be16 of the checksum field.
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/packet/ip_address.h"

namespace anymesh {

// Running one's-complement sum over any number of byte runs, which may have odd lengths: a byte
// left over from one run pairs with the first byte of the next, as if the runs were contiguous.
class ChecksumAccumulator {
 public:
  ChecksumAccumulator& add(std::span<const std::uint8_t> bytes);
  ChecksumAccumulator& add_be16(std::uint16_t v);
  ChecksumAccumulator& add_be32(std::uint32_t v);
  std::uint16_t folded() const;  // the one's-complement sum itself
  std::uint16_t checksum() const { return static_cast<std::uint16_t>(~folded()); }

 private:
  std::uint64_t sum_ = 0;
  bool odd_ = false;  // an odd number of bytes so far: the next byte is a low-order byte
};

// RFC 1071: complement of the one's-complement sum of the 16-bit words (odd tail zero-padded).
std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes);

// Checksum of an IPv4 header, computed as if its checksum field (bytes 10-11) were zero.
std::uint16_t ipv4_header_checksum(std::span<const std::uint8_t> header);
bool ipv4_header_checksum_ok(std::span<const std::uint8_t> header);

// Sum of the IPv4 or IPv6 pseudo-header; l4_length counts the L4 header and payload.
ChecksumAccumulator pseudo_header_sum(const IpAddress& src, const IpAddress& dst,
                                      std::uint8_t protocol, std::uint32_t l4_length);

// Checksum of a UDP/TCP/ICMPv6 segment with its pseudo-header. The segment's own checksum field
// must be zero while computing. src and dst must be of the same family.
std::uint16_t l4_checksum(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                          std::span<const std::uint8_t> segment);
// True when the segment, checksum field included, sums to all ones.
bool l4_checksum_ok(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                    std::span<const std::uint8_t> segment);

// UDP sends a computed zero as 0xffff, because zero on the wire means "no checksum" (IPv4).
std::uint16_t udp_checksum(const IpAddress& src, const IpAddress& dst,
                           std::span<const std::uint8_t> datagram);

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a 16-bit field changing from old_value to
// new_value. Unlike eqn. 2 it never turns a valid 0x0000 into 0xffff.
std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_value,
                                std::uint16_t new_value);
// The same for a 32-bit field, e.g. an IPv4 address rewrite.
std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                std::uint32_t new_value);
// The same for an even-length run of bytes (an IPv6 address); old and new have equal sizes.
std::uint16_t checksum_update_bytes(std::uint16_t checksum, std::span<const std::uint8_t> old_bytes,
                                    std::span<const std::uint8_t> new_bytes);

// UDP flavour of checksum_update16: an absent checksum (0) stays absent, a zero result is 0xffff.
std::uint16_t udp_checksum_update16(std::uint16_t checksum, std::uint16_t old_value,
                                    std::uint16_t new_value);
std::uint16_t udp_checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                    std::uint32_t new_value);

}  // namespace anymesh
