// Parsing and printing of IpAddress and IpPrefix through inet_pton/inet_ntop.
#include "dataplane/packet/ip_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace anymesh {

IpAddress IpAddress::v4(std::uint32_t host_order) {
  IpAddress a;
  a.family = Family::v4;
  a.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<std::uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::v4_bytes(const std::uint8_t* p) {
  IpAddress a;
  a.family = Family::v4;
  std::memcpy(a.bytes.data(), p, 4);
  return a;
}

IpAddress IpAddress::v6_bytes(const std::uint8_t* p) {
  IpAddress a;
  a.family = Family::v6;
  std::memcpy(a.bytes.data(), p, 16);
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = Family::v4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = Family::v6;
    return a;
  }
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  unsigned max = addr->is_v4() ? 32 : 128;
  unsigned len = max;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
    if (ec != std::errc{} || p != digits.data() + digits.size() || len > max) return std::nullopt;
  }
  IpPrefix prefix{*addr, static_cast<std::uint8_t>(len)};
  for (unsigned bit = len; bit < max; ++bit) {
    prefix.address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  return prefix;
}

bool IpPrefix::contains(const IpAddress& a) const {
  if (a.family != address.family) return false;
  unsigned full = length / 8;
  if (std::memcmp(a.bytes.data(), address.bytes.data(), full) != 0) return false;
  unsigned rest = length % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
  return (a.bytes[full] & mask) == (address.bytes[full] & mask);
}

std::string IpPrefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

}  // namespace anymesh
