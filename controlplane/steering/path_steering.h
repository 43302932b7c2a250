// PathSteering: probe reports in, per gateway and destination region a direct or one-hop relay route out.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/model/model.h"
#include "controlplane/proto/anymesh.pb.h"
#include "controlplane/steering/mesh_topology.h"
#include "controlplane/steering/path_hysteresis.h"
#include "controlplane/steering/probe_store.h"
#include "controlplane/steering/steering_state.h"

namespace anymesh::steering {

// How steering sees the paths (all in PathMeasurement terms, at a time `now`):
// - gateway pair g -> h: ProbeStore::path (usable lanes' mean RTT; lossy or down lanes excluded).
// - direct g -> region R: over R's gateways: up when any pair is up (mean RTT of those, as ECMP
//   spreads flows over them), else down when any is down, else unknown.
// - relay g -> region C -> region R: per gateway c of C, the pair g -> c plus c's direct path to R,
//   counted only while c's own route to R is direct (so a relay is never relayed again and routes
//   cannot loop); summed over C's gateways like direct.
// Routes (SteeringState):
// - direct: next hops = R's gateways not measured down (all of them when every one is), equal
//   weights; backups = the other R gateways (OTHER_GATEWAY), then the best relay gateway (RELAY).
// - relay via C: next hops = C's gateways whose relay path is up (else those not down), equal
//   weights; backups = every R gateway (the direct path, OTHER_GATEWAY), then the best relay
//   gateway of another third region (RELAY).
// - "best relay gateway": a gateway of a third region whose own route to R is direct; up relay
//   paths by RTT first, then unmeasured ones by (region, id); none when policy.relay is off.
// Decisions follow next_decision() (path_hysteresis.h) with the model's policy.
class PathSteering {
 public:
  // The state starts with every route direct, as compiled from the model alone.
  explicit PathSteering(const model::Model& model, std::chrono::nanoseconds report_window = std::chrono::seconds(3));

  // Stores a gateway's report and takes one hysteresis step for each of its routes; routes of
  // other gateways only move when the report made their path dead or unfit (a relay whose relay
  // gateway stopped going direct). True when any route in state() changed. Reports from unknown
  // gateways are ignored (false). `now` must not go backwards.
  // Without relays (policy.relay off) a route depends on its own gateway's measurements alone, so
  // only the reporter's routes are stepped and rebuilt: O(regions x gateways per region) a report,
  // which is what lets one controller serve a thousand gateways. (Another gateway's route whose
  // down samples aged out meanwhile follows at that gateway's next report.) With relays every
  // route may hang on the reporter's measurements (relay legs and relay backups), and the whole
  // state is rebuilt: O(gateways^2 x regions) a report.
  bool update(GatewayId reporter, const v1::Report& report, Nanos now);
  // The gateways whose routes the last update() changed, ascending.
  const std::vector<GatewayId>& changed_gateways() const { return changed_; }

  const SteeringState& state() const { return state_; }
  // The decision behind state(); null for an unknown gateway or its own region.
  const PathDecision* decision(GatewayId gateway, const std::string& region) const;
  // The RTT of the path in use from a gateway to a region, when measured up at the last update.
  std::optional<Nanos> path_rtt(GatewayId gateway, const std::string& region) const;
  const MeshTopology& topology() const { return topology_; }

 private:
  PathMeasurement pair(GatewayId from, GatewayId to) const;
  PathMeasurement direct(GatewayId from, const std::string& region) const;
  PathMeasurement relay_leg(GatewayId from, GatewayId relay, const std::string& region) const;
  PathMeasurement relay(GatewayId from, const std::string& via, const std::string& region) const;
  std::vector<CandidatePath> candidates(GatewayId from, const std::string& region) const;
  std::optional<GatewayId> best_relay_gateway(GatewayId from, const std::string& region,
                                              const std::string& excluded) const;
  RegionRoute build_route(GatewayId from, const std::string& region) const;
  SteeringState build_state() const;
  bool goes_direct(GatewayId gateway, const std::string& region) const;

  std::unique_ptr<const model::Model> model_;  // owned, so the topology's pointer survives moves
  MeshTopology topology_;
  ProbeStore probes_;
  Nanos now_{0};
  std::map<GatewayId, std::map<std::string, PathDecision>> decisions_;
  SteeringState state_;
  std::vector<GatewayId> changed_;
};

}  // namespace anymesh::steering
