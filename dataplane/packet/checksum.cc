// One's-complement sums: the RFC 1071 checksum, pseudo-headers and RFC 1624 incremental updates.
#include "dataplane/packet/checksum.h"

#include "dataplane/packet/bytes.h"

namespace anymesh {

ChecksumAccumulator& ChecksumAccumulator::add(std::span<const std::uint8_t> bytes) {
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  if (n == 0) return *this;
  if (odd_) {
    sum_ += p[0];
    ++p;
    --n;
    odd_ = false;
  }
  // Summing 32-bit big-endian words and folding later gives the same one's-complement sum as
  // 16-bit words (2^16 = 1 mod 2^16-1); 64 bits of headroom outlast any packet.
  while (n >= 4) {
    sum_ += load_be32(p);
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    sum_ += load_be16(p);
    p += 2;
    n -= 2;
  }
  if (n == 1) {
    sum_ += std::uint64_t{p[0]} << 8;
    odd_ = true;
  }
  return *this;
}

ChecksumAccumulator& ChecksumAccumulator::add_be16(std::uint16_t v) {
  std::uint8_t b[2];
  store_be16(b, v);
  return add(b);
}

ChecksumAccumulator& ChecksumAccumulator::add_be32(std::uint32_t v) {
  std::uint8_t b[4];
  store_be32(b, v);
  return add(b);
}

std::uint16_t ChecksumAccumulator::folded() const {
  std::uint64_t s = sum_;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes) {
  return ChecksumAccumulator().add(bytes).checksum();
}

std::uint16_t ipv4_header_checksum(std::span<const std::uint8_t> header) {
  if (header.size() < 12) return internet_checksum(header);
  return ChecksumAccumulator().add(header.first(10)).add(header.subspan(12)).checksum();
}

bool ipv4_header_checksum_ok(std::span<const std::uint8_t> header) {
  return ChecksumAccumulator().add(header).folded() == 0xffff;
}

ChecksumAccumulator pseudo_header_sum(const IpAddress& src, const IpAddress& dst,
                                      std::uint8_t protocol, std::uint32_t l4_length) {
  ChecksumAccumulator acc;
  acc.add(std::span(src.bytes.data(), src.size()));
  acc.add(std::span(dst.bytes.data(), dst.size()));
  if (src.is_v4()) {
    acc.add_be16(protocol);  // zero byte, protocol
    acc.add_be16(static_cast<std::uint16_t>(l4_length));
  } else {
    acc.add_be32(l4_length);
    acc.add_be32(protocol);  // three zero bytes, next header
  }
  return acc;
}

std::uint16_t l4_checksum(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                          std::span<const std::uint8_t> segment) {
  auto acc = pseudo_header_sum(src, dst, protocol, static_cast<std::uint32_t>(segment.size()));
  return acc.add(segment).checksum();
}

bool l4_checksum_ok(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                    std::span<const std::uint8_t> segment) {
  auto acc = pseudo_header_sum(src, dst, protocol, static_cast<std::uint32_t>(segment.size()));
  return acc.add(segment).folded() == 0xffff;
}

std::uint16_t udp_checksum(const IpAddress& src, const IpAddress& dst,
                           std::span<const std::uint8_t> datagram) {
  std::uint16_t c = l4_checksum(src, dst, 17, datagram);
  return c == 0 ? 0xffff : c;
}

namespace {

std::uint16_t fold32(std::uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

}  // namespace

std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_value,
                                std::uint16_t new_value) {
  std::uint32_t s = static_cast<std::uint16_t>(~checksum);
  s += static_cast<std::uint16_t>(~old_value);
  s += new_value;
  return static_cast<std::uint16_t>(~fold32(s));
}

std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                std::uint32_t new_value) {
  std::uint32_t s = static_cast<std::uint16_t>(~checksum);
  s += static_cast<std::uint16_t>(~(old_value >> 16));
  s += static_cast<std::uint16_t>(~old_value);
  s += new_value >> 16;
  s += new_value & 0xffff;
  return static_cast<std::uint16_t>(~fold32(s));
}

std::uint16_t checksum_update_bytes(std::uint16_t checksum, std::span<const std::uint8_t> old_bytes,
                                    std::span<const std::uint8_t> new_bytes) {
  std::uint64_t s = static_cast<std::uint16_t>(~checksum);
  std::size_t n = old_bytes.size() < new_bytes.size() ? old_bytes.size() : new_bytes.size();
  for (std::size_t i = 0; i + 1 < n; i += 2) {
    s += static_cast<std::uint16_t>(~load_be16(old_bytes.data() + i));
    s += load_be16(new_bytes.data() + i);
  }
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(~s);
}

std::uint16_t udp_checksum_update16(std::uint16_t checksum, std::uint16_t old_value,
                                    std::uint16_t new_value) {
  if (checksum == 0) return 0;
  std::uint16_t c = checksum_update16(checksum, old_value, new_value);
  return c == 0 ? 0xffff : c;
}

std::uint16_t udp_checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                    std::uint32_t new_value) {
  if (checksum == 0) return 0;
  std::uint16_t c = checksum_update32(checksum, old_value, new_value);
  return c == 0 ? 0xffff : c;
}

}  // namespace anymesh
