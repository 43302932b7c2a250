// IpAddress and IpPrefix: IPv4 or IPv6 values in network byte order, parsed from and printed as text.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace anymesh {

struct IpAddress {
  enum class Family : std::uint8_t { v4 = 4, v6 = 6 };
  Family family = Family::v4;
  std::array<std::uint8_t, 16> bytes{};  // v4 uses bytes[0..3]

  static IpAddress v4(std::uint32_t host_order);
  static IpAddress v4_bytes(const std::uint8_t* p);
  static IpAddress v6_bytes(const std::uint8_t* p);
  static std::optional<IpAddress> parse(std::string_view text);  // "192.0.2.1" or "fd00::1"

  bool is_v4() const { return family == Family::v4; }
  std::size_t size() const { return is_v4() ? 4 : 16; }
  std::string to_string() const;
  auto operator<=>(const IpAddress&) const = default;
};

struct IpPrefix {
  IpAddress address;  // host bits cleared by parse()
  std::uint8_t length = 0;

  // "10.200.0.0/16", "fd00::/8"; a bare address means a host prefix. Host bits are masked off.
  static std::optional<IpPrefix> parse(std::string_view text);
  bool contains(const IpAddress& a) const;
  std::string to_string() const;
  auto operator<=>(const IpPrefix&) const = default;
};

}  // namespace anymesh
