// Probe schedule: per-lane slots on a fixed grid, advanced past `now` on every send.
#include "dataplane/probe/probe_sender.h"

#include <stdexcept>
#include <string>

#include "dataplane/probe/probe_packet.h"

namespace anymesh::probe {

ProbeSender::ProbeSender(const ProbeSenderConfig& config, Nanos start) : config_(config) {
  if (config.lanes == 0 || config.lanes > kMaxLanesPerPeer) {
    throw std::invalid_argument("probe lanes: must be between 1 and " +
                                std::to_string(kMaxLanesPerPeer));
  }
  if (config.interval <= Nanos(0)) throw std::invalid_argument("probe interval: must be positive");
  if (!config.local_tunnel_address.is_v4() || !config.peer_tunnel_address.is_v4()) {
    throw std::invalid_argument("probe tunnel addresses: must be IPv4");
  }
  for (std::size_t lane = 0; lane < config.lanes; ++lane) {
    due_[lane] = start + config.interval * static_cast<Nanos::rep>(lane) /
                             static_cast<Nanos::rep>(config.lanes);
  }
}

std::size_t ProbeSender::collect_due(Nanos now, std::span<OutgoingProbe> out) {
  std::size_t n = 0;
  for (std::size_t lane = 0; lane < config_.lanes && n < out.size(); ++lane) {
    if (now < due_[lane]) continue;
    out[n++] = OutgoingProbe{static_cast<LaneId>(lane), next_sequence_[lane]++, now};
    auto missed_slots = (now - due_[lane]) / config_.interval;
    due_[lane] += config_.interval * (missed_slots + 1);
  }
  return n;
}

Result<std::size_t, ProbeError> ProbeSender::write(const OutgoingProbe& probe,
                                                   std::span<std::uint8_t> out) const {
  ProbePacket packet;
  packet.src = config_.local_tunnel_address;
  packet.dst = config_.peer_tunnel_address;
  packet.message.kind = ProbeKind::request;
  packet.message.lane = probe.lane;
  packet.message.sequence = probe.sequence;
  packet.message.sent_at = probe.sent_at;
  packet.message.sender = config_.self;
  return write_probe_packet(out, packet);
}

Nanos ProbeSender::next_due() const {
  Nanos earliest = due_[0];
  for (std::size_t lane = 1; lane < config_.lanes; ++lane) {
    if (due_[lane] < earliest) earliest = due_[lane];
  }
  return earliest;
}

}  // namespace anymesh::probe
