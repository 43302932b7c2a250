// decide_new_flow and steer: the flow table in front of group choice and Maglev.
#include "dataplane/anycast/steering.h"

namespace anymesh::anycast {
namespace {

// A pin to an unhealthy backend or a non-serving remote group still stands while nothing in the
// service serves (fail open): moving it would land on something no better.
bool still_good(const ServiceEntry& entry, const SteeringTarget& t) {
  auto position = static_cast<std::size_t>(t.group - entry.service.groups.data());
  bool good = t.backend != nullptr ? t.backend->healthy : entry.groups[position].serving;
  if (good) return true;
  for (const auto& c : entry.candidates) {
    if (c.serving) return false;
  }
  return true;
}

}  // namespace

std::optional<FlowDecision> decide_new_flow(const ServiceEntry& entry, std::uint32_t decision_hash) {
  auto g = choose_group(entry.candidates, decision_hash);
  if (!g) return std::nullopt;
  const auto& group = entry.service.groups[*g];
  const auto& state = entry.groups[*g];
  if (!state.maglev) return FlowDecision{group.id, kRemoteBackend};
  return FlowDecision{group.id, group.backends[state.maglev->lookup(decision_hash)].id};
}

Result<Steering, SteerError> steer(const ServiceTable& table, FlowTable& flows,
                                   const FlowTuple& tuple, FlowTime now) {
  const auto* entry = table.classify(tuple_destination(tuple), tuple.proto,
                                     tuple_destination_port(tuple));
  if (entry == nullptr) return fail(SteerError::not_a_vip);
  return steer(table, *entry, flows, tuple, now, nullptr);
}

Result<Steering, SteerError> steer(const ServiceTable& table, const ServiceEntry& entry, FlowTable& flows,
                                   const FlowTuple& tuple, FlowTime now, NewFlowGate* gate) {
  auto flow_hash = am_flow_hash(&tuple);
  auto outcome = SteerOutcome::new_flow;
  if (auto pinned = flows.find(tuple, flow_hash, now)) {
    auto target = table.find(entry, pinned->group_id, pinned->backend_id);
    if (target && still_good(entry, *target)) {
      return Steering{&entry, *target, *pinned, SteerOutcome::pinned};
    }
    outcome = SteerOutcome::repinned;
  }
  if (outcome == SteerOutcome::new_flow && gate != nullptr && !gate->admit(entry, tuple, now)) {
    return fail(SteerError::refused);
  }
  auto decision = decide_new_flow(entry, am_decision_hash(&tuple, static_cast<std::uint32_t>(
                                                                      entry.service.affinity)));
  if (!decision) return fail(SteerError::no_capacity);
  auto target = table.find(entry, decision->group_id, decision->backend_id);
  flows.pin(tuple, flow_hash, *decision, now);
  return Steering{&entry, *target, *decision, outcome};
}

}  // namespace anymesh::anycast
