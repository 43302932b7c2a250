// Whole-packet builders: IPv4/IPv6 + UDP, TCP or ICMP echo, written into a caller's buffer with
// every length and checksum filled in. No allocation; an Ethernet header, if wanted, is written
// first with write_ethernet() and the IP packet built into the rest of the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/packet/icmp.h"
#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/packet_error.h"
#include "dataplane/packet/result.h"
#include "dataplane/packet/tcp.h"

namespace anymesh {

// L3 fields shared by both families; the ones that exist in only one family are named for it.
struct IpFields {
  IpAddress src;
  IpAddress dst;
  std::uint8_t ttl = 64;  // hop limit on IPv6
  std::uint8_t tos = 0;   // traffic class on IPv6
  std::uint16_t ipv4_identification = 0;
  bool ipv4_dont_fragment = true;
  std::span<const std::uint8_t> ipv4_options;  // multiple of 4, at most 40 bytes
  std::uint32_t ipv6_flow_label = 0;
};

struct UdpPorts {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
};

// Each returns the number of bytes written from the start of out. The payload may already sit
// where it belongs in out (it is moved, not copied) but must not overlap the headers.
Result<std::size_t, BuildError> build_ipv4_udp(std::span<std::uint8_t> out, const IpFields& ip,
                                               const UdpPorts& ports,
                                               std::span<const std::uint8_t> payload);
Result<std::size_t, BuildError> build_ipv6_udp(std::span<std::uint8_t> out, const IpFields& ip,
                                               const UdpPorts& ports,
                                               std::span<const std::uint8_t> payload);
Result<std::size_t, BuildError> build_ipv4_tcp(std::span<std::uint8_t> out, const IpFields& ip,
                                               const TcpFields& tcp,
                                               std::span<const std::uint8_t> payload);
Result<std::size_t, BuildError> build_ipv6_tcp(std::span<std::uint8_t> out, const IpFields& ip,
                                               const TcpFields& tcp,
                                               std::span<const std::uint8_t> payload);
Result<std::size_t, BuildError> build_ipv4_icmp_echo(std::span<std::uint8_t> out,
                                                     const IpFields& ip,
                                                     const IcmpEchoFields& echo,
                                                     std::span<const std::uint8_t> payload);
Result<std::size_t, BuildError> build_ipv6_icmp_echo(std::span<std::uint8_t> out,
                                                     const IpFields& ip,
                                                     const IcmpEchoFields& echo,
                                                     std::span<const std::uint8_t> payload);

// The family follows ip.src.
Result<std::size_t, BuildError> build_ip_udp(std::span<std::uint8_t> out, const IpFields& ip,
                                             const UdpPorts& ports,
                                             std::span<const std::uint8_t> payload);

}  // namespace anymesh
