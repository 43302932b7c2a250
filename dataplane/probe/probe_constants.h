// Every constant of the in-tunnel probe protocol: port, magic, version, layout, default timings.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace anymesh::probe {

using Nanos = std::chrono::nanoseconds;
using LaneId = std::uint16_t;     // index of a lane within one peer gateway (0 .. lanes - 1)
using GatewayId = std::uint32_t;  // the snapshot's id of a gateway

// Inner UDP port of probes (source and destination), addressed to the peer gateway's tunnel
// address so that they take the data path itself. 61820 sits in the IANA dynamic range
// (49152-65535), where IANA never assigns a service, and above Linux's default ephemeral range
// (32768-60999), so no host's outgoing connection ever borrows it. The gateway intercepts it
// before inner delivery.
inline constexpr std::uint16_t kProbePort = 61820;

// "AMPR" in ASCII: anymesh probe.
inline constexpr std::uint32_t kProbeMagic = 0x414d5052;
inline constexpr std::uint8_t kProbeVersion = 1;

// Payload layout, all fields big-endian; the payload is exactly kProbePayloadLength bytes.
//   0  magic            u32
//   4  version          u8
//   5  kind             u8   1 request, 2 echo
//   6  lane             u16
//   8  sequence         u64  per lane, from 0, +1 per request
//  16  sent_at_ns       u64  sender's monotonic clock; the echo carries it back untouched
//  24  sender           u32  gateway that sent the request (kept in the echo)
//  28  responder        u32  gateway that echoed it (0 in a request)
inline constexpr std::size_t kProbeMagicOffset = 0;
inline constexpr std::size_t kProbeVersionOffset = 4;
inline constexpr std::size_t kProbeKindOffset = 5;
inline constexpr std::size_t kProbeLaneOffset = 6;
inline constexpr std::size_t kProbeSequenceOffset = 8;
inline constexpr std::size_t kProbeSentAtOffset = 16;
inline constexpr std::size_t kProbeSenderOffset = 24;
inline constexpr std::size_t kProbeResponderOffset = 28;
inline constexpr std::size_t kProbePayloadLength = 32;

// Probe packets are IPv4 without options: 20 + 8 + 32 bytes.
inline constexpr std::size_t kProbePacketLength = 20 + 8 + kProbePayloadLength;
inline constexpr std::uint8_t kProbeTtl = 64;

// Limits of the fixed per-lane arrays (no allocation per probe).
inline constexpr std::size_t kMaxLanesPerPeer = 16;
inline constexpr std::size_t kMaxProbesInFlight = 64;  // per lane: timeout / interval must fit
inline constexpr std::size_t kMaxLossWindow = 256;     // probes remembered for the loss estimate

// Defaults. The failover budget is 50 ms: a lane is declared down at most
//   interval (until the first probe after the break) + (misses - 1) * interval + timeout
// after the break, i.e. 10 + 2 * 10 + 20 = 50 ms with these values.
inline constexpr Nanos kDefaultProbeInterval = std::chrono::milliseconds(10);
inline constexpr Nanos kDefaultProbeTimeout = std::chrono::milliseconds(20);
inline constexpr unsigned kDefaultMissesToDown = 3;
inline constexpr unsigned kDefaultGoodsToUp = 5;
inline constexpr std::size_t kDefaultLossWindow = 100;
inline constexpr unsigned kDefaultRttEwmaShift = 3;  // EWMA gain 1/8, as TCP's SRTT (RFC 6298)

}  // namespace anymesh::probe
