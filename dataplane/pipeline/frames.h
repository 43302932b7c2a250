// Frames: the Ethernet/IPv4/UDP framing of tunnel datagrams and of inner packets on the wire,
// over plain bytes (no DPDK) so it is unit-tested and fuzzed on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/packet/result.h"
#include "dataplane/pipeline/neighbor_table.h"

namespace anymesh::pipeline {

inline constexpr std::size_t kEthernetHeader = 14;
inline constexpr std::size_t kOuterHeaders = kEthernetHeader + 20 + 8;  // Ethernet, IPv4, UDP
inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;

enum class FrameError : std::uint8_t {
  truncated,     // shorter than its headers say
  not_ipv4,      // another EtherType (ARP, IPv6 outer: not carried yet)
  bad_ipv4,      // version, header length or total length wrong
  fragment,      // tunnel datagrams are never fragmented by us; reassembly is not done
  not_udp,
};

// Where a frame's IP packet is (after Ethernet and at most one 802.1Q tag).
struct InnerPacket {
  std::size_t ip_offset = 0;
  std::size_t ip_length = 0;  // the IPv4 total length (Ethernet padding excluded)
  std::uint32_t src = 0;      // host order
  std::uint32_t dst = 0;
};

// An IPv4 packet inside an Ethernet frame; IPv6 is refused with not_ipv4 (the inner IPv6 path is
// not built yet).
Result<InnerPacket, FrameError> parse_inner_frame(std::span<const std::uint8_t> frame);

// A UDP datagram inside an Ethernet/IPv4 frame.
struct OuterDatagram {
  std::uint32_t src = 0;  // host order
  std::uint32_t dst = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::size_t payload_offset = 0;
  std::size_t payload_length = 0;
};

Result<OuterDatagram, FrameError> parse_outer_frame(std::span<const std::uint8_t> frame);

struct OuterAddressing {
  MacAddress src_mac{};
  MacAddress dst_mac{};
  std::uint32_t src = 0;  // host order
  std::uint32_t dst = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
};

// Writes Ethernet + IPv4 (DF, TTL 64, checksum) + UDP (checksum 0, allowed over IPv4: WireGuard
// authenticates every byte it carries) into the kOuterHeaders bytes at `at`, for a UDP payload of
// payload_length bytes that follows them.
void write_outer_headers(std::uint8_t* at, const OuterAddressing& a, std::size_t payload_length);

// Writes an Ethernet II header at `at`.
void write_ethernet(std::uint8_t* at, const MacAddress& dst, const MacAddress& src, std::uint16_t ether_type);

}  // namespace anymesh::pipeline
