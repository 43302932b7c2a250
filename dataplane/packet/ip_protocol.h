// IANA protocol / next-header numbers that the packet layer looks at.
#pragma once

#include <cstdint>

namespace anymesh::ip_protocol {

inline constexpr std::uint8_t hop_by_hop = 0;  // IPv6 extension header
inline constexpr std::uint8_t icmp = 1;
inline constexpr std::uint8_t tcp = 6;
inline constexpr std::uint8_t udp = 17;
inline constexpr std::uint8_t ipv6_fragment = 44;  // IPv6 Fragment extension header
inline constexpr std::uint8_t icmpv6 = 58;

}  // namespace anymesh::ip_protocol
