// libFuzzer harness: probe decoders on arbitrary bytes must refuse or round-trip, the responder
// must only ever emit a valid echo, and lane health must keep its invariants under any script.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "dataplane/probe/lane_health.h"
#include "dataplane/probe/peer_probes.h"
#include "dataplane/probe/probe_message.h"
#include "dataplane/probe/probe_packet.h"
#include "dataplane/probe/probe_responder.h"

namespace {

using namespace anymesh;
using namespace anymesh::probe;
using Bytes = std::span<const std::uint8_t>;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void fuzz_message(Bytes data) {
  auto m = decode_probe_message(data);
  if (!m) return;
  std::array<std::uint8_t, kProbePayloadLength> again{};
  require(encode_probe_message(*m, again).ok());
  require(std::memcmp(again.data(), data.data(), kProbePayloadLength) == 0);
}

void fuzz_packet(Bytes data) {
  auto p = parse_probe_packet(data);
  if (p) {
    std::array<std::uint8_t, kProbePacketLength> again{};
    require(write_probe_packet(again, *p).ok());
    auto back = parse_probe_packet(again);
    require(back.ok() && back->message == p->message && back->src == p->src && back->dst == p->dst);
  }
  // The responder answers for whatever address the packet is sent to, if it is a request.
  IpAddress self = data.size() >= 20 ? IpAddress::v4_bytes(data.data() + 16) : IpAddress::v4(0);
  ProbeResponder responder(self, 3);
  std::array<std::uint8_t, 2048> out{};
  auto echo = responder.respond(data, out);
  require(echo.ok() == (p.ok() && p->message.kind == ProbeKind::request && p->dst == self));
  if (echo) {
    auto e = parse_probe_packet(std::span(out).first(*echo));
    require(e.ok() && e->message.kind == ProbeKind::echo && e->dst == p->src);
  }
  ProbeSenderConfig c;
  c.self = 1;
  c.local_tunnel_address = IpAddress::v4(0x0ac80101);
  c.peer_tunnel_address = IpAddress::v4(0x0ac80301);
  c.lanes = 4;
  PeerProbes peer(c, LaneHealthConfig{}, Nanos(0));
  std::array<OutgoingProbe, 4> due{};
  peer.tick(Nanos(1'000'000), due);
  (void)peer.on_packet(data, Nanos(2'000'000));
}

// Each 4-byte step: op, sequence delta, time delta (two bytes, in 100 us units).
void fuzz_lane_health(Bytes data) {
  LaneHealthConfig config;
  config.loss_window = 1 + (data.empty() ? 0 : data[0] % kMaxLossWindow);
  LaneHealth health(config);
  Nanos now{1'000'000'000};
  std::uint64_t next = 0;
  for (std::size_t i = 1; i + 4 <= data.size(); i += 4) {
    now += Nanos(100'000) * ((data[i + 2] << 8) | data[i + 3]);
    std::uint64_t back = data[i + 1];
    switch (data[i] % 3) {
      case 0:
        require(health.on_sent(next, now));
        ++next;
        break;
      case 1:
        if (next > back) {
          // Echo of an earlier probe; its send time is not known here, so often "unknown".
          (void)health.on_echo(next - 1 - back, now - Nanos(back * 1'000'000), now);
        }
        break;
      default:
        health.advance(now);
    }
    require(health.outstanding() <= kMaxProbesInFlight);
    require(health.loss() >= 0.0 && health.loss() <= 1.0);
    require(health.decided_in_window() <= config.loss_window);
    const auto& k = health.counters();
    require(k.answered + k.missed <= k.sent);
    require(k.went_down <= k.went_up);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes input(data, size);
  fuzz_message(input);
  fuzz_packet(input);
  fuzz_lane_health(input);
  return 0;
}
