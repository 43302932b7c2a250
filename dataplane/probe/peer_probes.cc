// Probing one peer: tick the schedule, feed echoes to their lane, report which lanes are up.
#include "dataplane/probe/peer_probes.h"

#include "dataplane/probe/probe_packet.h"

namespace anymesh::probe {
namespace {

std::array<LaneHealth, kMaxLanesPerPeer> lanes_with(const LaneHealthConfig& config) {
  std::array<LaneHealth, kMaxLanesPerPeer> lanes;
  for (auto& lane : lanes) lane = LaneHealth(config);
  return lanes;
}

}  // namespace

PeerProbes::PeerProbes(const ProbeSenderConfig& sender, const LaneHealthConfig& health, Nanos start)
    : config_(sender), sender_(sender, start), lanes_(lanes_with(health)) {}

std::size_t PeerProbes::tick(Nanos now, std::span<OutgoingProbe> out) {
  for (std::size_t i = 0; i < sender_.lanes(); ++i) {
    if (owns(i)) lanes_[i].advance(now);
  }
  std::size_t due = sender_.collect_due(now, out);
  std::size_t n = 0;
  for (std::size_t i = 0; i < due; ++i) {
    if (!owns(out[i].lane)) continue;  // another lcore's prober sends that lane's probes
    lanes_[out[i].lane].on_sent(out[i].sequence, out[i].sent_at);
    out[n++] = out[i];
  }
  return n;
}

Result<EchoVerdict, ProbeError> PeerProbes::on_packet(std::span<const std::uint8_t> packet,
                                                      Nanos now) {
  auto parsed = parse_probe_packet(packet);
  ProbeError reason{};
  if (!parsed) {
    reason = parsed.error();
  } else if (parsed->message.kind != ProbeKind::echo) {
    reason = ProbeError::unexpected_kind;
  } else if (parsed->message.sender != config_.self || parsed->message.lane >= sender_.lanes() ||
             !owns(parsed->message.lane)) {
    reason = ProbeError::not_our_probe;
  } else if (parsed->src != config_.peer_tunnel_address ||
             parsed->dst != config_.local_tunnel_address) {
    reason = ProbeError::not_for_us;
  } else {
    const ProbeMessage& m = parsed->message;
    return lanes_[m.lane].on_echo(m.sequence, m.sent_at, now);
  }
  ++refused_;
  return fail(reason);
}

LaneUpBits PeerProbes::up_lanes() const {
  LaneUpBits bits = 0;
  for (std::size_t i = 0; i < sender_.lanes(); ++i) {
    if (owns(i) && lanes_[i].is_up()) bits |= LaneUpBits{1} << i;
  }
  return bits;
}

}  // namespace anymesh::probe
