// Known packets for the packet tests, as hex, produced once by scapy 2.5 (python3-scapy) so the
// expected bytes and checksums do not come from the code under test.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace anymesh::test {

inline std::vector<std::uint8_t> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    return static_cast<std::uint8_t>(c - 'a' + 10);
  };
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

// IP(src="192.0.2.1",dst="198.51.100.7",id=0x1c46,flags="DF",ttl=64)
//   /UDP(sport=51820,dport=53)/Raw(b"anymesh-udp-v4!")  -> IP checksum 0x3240, UDP 0x239f
inline constexpr std::string_view kIpv4Udp =
    "4500002b1c46400040113240c0000201c6336407ca6c00350017239f616e796d6573682d7564702d763421";

// IPv6(src="fd00::1",dst="fd00::2:3",hlim=64,fl=0x12345)/UDP(sport=4000,dport=6080)
//   /Raw(b"v6 payload odd")  -> UDP checksum 0x9393
inline constexpr std::string_view kIpv6Udp =
    "6001234500161140fd000000000000000000000000000001fd0000000000000000000000000200030fa017c00016"
    "93937636207061796c6f6164206f6464";

// IP(src="203.0.113.9",dst="10.200.1.2",ttl=57)/TCP(sport=443,dport=40000,seq=1000,ack=2000,
//   flags="PA",window=501,options=[MSS 1460,NOP,NOP])/Raw(b"hello tcp")  -> TCP checksum 0x6b30
inline constexpr std::string_view kIpv4Tcp =
    "4500003900010000390639ebcb0071090ac8010201bb9c40000003e8000007d0701801f56b300000020405b40101"
    "000068656c6c6f20746370";

// IPv6(src="fd00::a",dst="fd00::b")/TCP(sport=1234,dport=80,seq=7,flags="S")  -> 0x90a3
inline constexpr std::string_view kIpv6Tcp =
    "6000000000140640fd00000000000000000000000000000afd00000000000000000000000000000b04d200500000"
    "0007000000005002200090a30000";

// IP(src="192.0.2.1",dst="192.0.2.2")/ICMP(type=8,id=0x4242,seq=7)/Raw(b"ping")  -> 0xd6e5
inline constexpr std::string_view kIpv4IcmpEcho =
    "45000020000100004001f6d8c0000201c00002020800d6e54242000770696e67";

// IPv6(src="fd00::1",dst="fd00::2")/ICMPv6EchoRequest(id=0x4242,seq=7,data=b"ping")  -> 0x649a
inline constexpr std::string_view kIpv6IcmpEcho =
    "60000000000c3a40fd000000000000000000000000000001fd0000000000000000000000000000028000649a4242"
    "000770696e67";

// Ether(dst="02:00:00:00:00:02",src="02:00:00:00:00:01")/Dot1Q(vlan=100,prio=3)/<kIpv4Udp>
inline constexpr std::string_view kEthernetVlanIpv4Udp =
    "0200000000020200000000018100606408004500002b1c46400040113240c0000201c6336407ca6c00350017239f"
    "616e796d6573682d7564702d763421";

}  // namespace anymesh::test
