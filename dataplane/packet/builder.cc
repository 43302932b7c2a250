// Whole-packet builders: L3 header, L4 header, payload, then the L4 checksum over all of it.
#include "dataplane/packet/builder.h"

#include <cstring>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/checksum.h"
#include "dataplane/packet/ip_protocol.h"
#include "dataplane/packet/ipv4.h"
#include "dataplane/packet/ipv6.h"
#include "dataplane/packet/udp.h"

namespace anymesh {
namespace {

enum class Family { v4, v6 };

Result<std::size_t, BuildError> write_l3(std::span<std::uint8_t> out, Family family,
                                         const IpFields& ip, std::uint8_t protocol,
                                         std::size_t l4_length) {
  if (family == Family::v4) {
    Ipv4Fields f;
    f.src = ip.src;
    f.dst = ip.dst;
    f.protocol = protocol;
    f.ttl = ip.ttl;
    f.tos = ip.tos;
    f.identification = ip.ipv4_identification;
    f.dont_fragment = ip.ipv4_dont_fragment;
    f.options = ip.ipv4_options;
    return write_ipv4_header(out, f, l4_length);
  }
  Ipv6Fields f;
  f.src = ip.src;
  f.dst = ip.dst;
  f.next_header = protocol;
  f.hop_limit = ip.ttl;
  f.traffic_class = ip.tos;
  f.flow_label = ip.ipv6_flow_label;
  return write_ipv6_header(out, f, l4_length);
}

// Writes the L3 header and moves the payload behind an L4 header of l4_header_length bytes.
// Returns the L3 header length; the caller writes the L4 header and checksum.
Result<std::size_t, BuildError> frame(std::span<std::uint8_t> out, Family family,
                                      const IpFields& ip, std::uint8_t protocol,
                                      std::size_t l4_header_length,
                                      std::span<const std::uint8_t> payload) {
  if (payload.size() > 0xffff) return fail(BuildError::too_large);
  std::size_t l4_length = l4_header_length + payload.size();
  auto l3 = write_l3(out, family, ip, protocol, l4_length);
  if (!l3) return l3;
  if (out.size() - *l3 < l4_length) return fail(BuildError::buffer_too_small);
  if (!payload.empty()) {
    std::memmove(out.data() + *l3 + l4_header_length, payload.data(), payload.size());
  }
  return *l3;
}

Result<std::size_t, BuildError> build_udp(std::span<std::uint8_t> out, Family family,
                                          const IpFields& ip, const UdpPorts& ports,
                                          std::span<const std::uint8_t> payload) {
  auto l3 = frame(out, family, ip, ip_protocol::udp, kUdpHeaderLength, payload);
  if (!l3) return l3;
  auto datagram = out.subspan(*l3, kUdpHeaderLength + payload.size());
  auto l4 = write_udp_header(datagram, ports.src_port, ports.dst_port, payload.size());
  if (!l4) return l4;
  store_be16(datagram.data() + 6, udp_checksum(ip.src, ip.dst, datagram));
  return *l3 + datagram.size();
}

Result<std::size_t, BuildError> build_tcp(std::span<std::uint8_t> out, Family family,
                                          const IpFields& ip, const TcpFields& tcp,
                                          std::span<const std::uint8_t> payload) {
  if (tcp.options.size() > kTcpMaxOptionsLength || tcp.options.size() % 4 != 0) {
    return fail(BuildError::bad_options);
  }
  std::size_t header_length = kTcpMinHeaderLength + tcp.options.size();
  auto l3 = frame(out, family, ip, ip_protocol::tcp, header_length, payload);
  if (!l3) return l3;
  auto segment = out.subspan(*l3, header_length + payload.size());
  auto l4 = write_tcp_header(segment, tcp);
  if (!l4) return l4;
  store_be16(segment.data() + 16, l4_checksum(ip.src, ip.dst, ip_protocol::tcp, segment));
  return *l3 + segment.size();
}

Result<std::size_t, BuildError> build_icmp_echo(std::span<std::uint8_t> out, Family family,
                                                const IpFields& ip, const IcmpEchoFields& echo,
                                                std::span<const std::uint8_t> payload) {
  std::uint8_t protocol = family == Family::v4 ? ip_protocol::icmp : ip_protocol::icmpv6;
  auto l3 = frame(out, family, ip, protocol, kIcmpHeaderLength, payload);
  if (!l3) return l3;
  auto message = out.subspan(*l3, kIcmpHeaderLength + payload.size());
  auto l4 = write_icmp_echo(message, family == Family::v4 ? IcmpFamily::v4 : IcmpFamily::v6, echo);
  if (!l4) return l4;
  std::uint16_t checksum = family == Family::v4 ? internet_checksum(message)
                                                : l4_checksum(ip.src, ip.dst, protocol, message);
  store_be16(message.data() + 2, checksum);
  return *l3 + message.size();
}

}  // namespace

Result<std::size_t, BuildError> build_ipv4_udp(std::span<std::uint8_t> out, const IpFields& ip,
                                               const UdpPorts& ports,
                                               std::span<const std::uint8_t> payload) {
  return build_udp(out, Family::v4, ip, ports, payload);
}

Result<std::size_t, BuildError> build_ipv6_udp(std::span<std::uint8_t> out, const IpFields& ip,
                                               const UdpPorts& ports,
                                               std::span<const std::uint8_t> payload) {
  return build_udp(out, Family::v6, ip, ports, payload);
}

Result<std::size_t, BuildError> build_ipv4_tcp(std::span<std::uint8_t> out, const IpFields& ip,
                                               const TcpFields& tcp,
                                               std::span<const std::uint8_t> payload) {
  return build_tcp(out, Family::v4, ip, tcp, payload);
}

Result<std::size_t, BuildError> build_ipv6_tcp(std::span<std::uint8_t> out, const IpFields& ip,
                                               const TcpFields& tcp,
                                               std::span<const std::uint8_t> payload) {
  return build_tcp(out, Family::v6, ip, tcp, payload);
}

Result<std::size_t, BuildError> build_ipv4_icmp_echo(std::span<std::uint8_t> out,
                                                     const IpFields& ip,
                                                     const IcmpEchoFields& echo,
                                                     std::span<const std::uint8_t> payload) {
  return build_icmp_echo(out, Family::v4, ip, echo, payload);
}

Result<std::size_t, BuildError> build_ipv6_icmp_echo(std::span<std::uint8_t> out,
                                                     const IpFields& ip,
                                                     const IcmpEchoFields& echo,
                                                     std::span<const std::uint8_t> payload) {
  return build_icmp_echo(out, Family::v6, ip, echo, payload);
}

Result<std::size_t, BuildError> build_ip_udp(std::span<std::uint8_t> out, const IpFields& ip,
                                             const UdpPorts& ports,
                                             std::span<const std::uint8_t> payload) {
  return build_udp(out, ip.src.is_v4() ? Family::v4 : Family::v6, ip, ports, payload);
}

}  // namespace anymesh
