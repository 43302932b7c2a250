// steer(): one flow's ingress decision: classify, flow table, else group choice + Maglev, then pin.
#pragma once

#include <cstdint>
#include <optional>

#include "dataplane/anycast/flow_table.h"
#include "dataplane/anycast/flow_tuple.h"
#include "dataplane/anycast/service.h"

namespace anymesh::anycast {

// A new decision for a flow of this service; nullopt when no group has a non-zero share.
std::optional<FlowDecision> decide_new_flow(const ServiceEntry& entry, std::uint32_t decision_hash);

enum class SteerOutcome : std::uint8_t {
  pinned,     // flow table hit, decision still valid in this snapshot
  new_flow,   // miss: decided and pinned now
  repinned,   // hit, but its group or backend is gone or unhealthy: decided again and pinned
};

struct Steering {
  const ServiceEntry* service = nullptr;
  SteeringTarget target;
  FlowDecision decision;
  SteerOutcome outcome = SteerOutcome::new_flow;
};

enum class SteerError : std::uint8_t {
  not_a_vip,     // no service covers the destination: not ours to steer
  no_capacity,   // the service's groups all have weight or dial 0
  refused,       // a new flow the NewFlowGate did not admit (an ingress limit)
};

// Asked before a flow the table does not hold (a miss, or idle past the timeout) is decided;
// never for a pinned or re-pinned flow. false refuses the packet: nothing is pinned.
class NewFlowGate {
 public:
  virtual bool admit(const ServiceEntry& entry, const FlowTuple& tuple, FlowTime now) = 0;

 protected:
  ~NewFlowGate() = default;
};

// The whole ingress decision for one packet's tuple. Pinned flows keep their backend across weight,
// dial and backend-set changes; they are decided again only when the pinned backend (or remote
// group) left the snapshot or is no longer healthy.
Result<Steering, SteerError> steer(const ServiceTable& table, FlowTable& flows,
                                   const FlowTuple& tuple, FlowTime now);

// The same for a tuple already classified to entry (a service of table), with an optional gate
// on new flows.
Result<Steering, SteerError> steer(const ServiceTable& table, const ServiceEntry& entry, FlowTable& flows,
                                   const FlowTuple& tuple, FlowTime now, NewFlowGate* gate);

}  // namespace anymesh::anycast
