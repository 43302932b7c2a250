// The snapshot compiler: the mesh model and steering's routes -> one gateway's GatewaySnapshot, deterministically.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "controlplane/model/model.h"
#include "controlplane/proto/anymesh.pb.h"
#include "controlplane/steering/steering_state.h"

namespace anymesh::server {

// The first reason this model cannot be compiled into snapshots a gateway accepts, or nullopt:
// more than 8 gateways in a region (a group has at most 8 next hops), a lane port beyond 65535
// (lane i listens on the first endpoint's port + i), more than 1024 lanes over one gateway's peers,
// a backend id above 65535.
// Check it once at start-up; compile_snapshot() assumes it passed.
std::optional<std::string> snapshot_limits_problem(const model::Model& model);

// The snapshot for `gateway`:
// - self: id, region, tunnel address;
// - peers: every other gateway, by id, with public key, endpoints (as configured), tunnel address
//   and lanes {i, first endpoint's port + i};
// - groups: one per other region, by name: next hops and backups from state.route(gateway, region)
//   with every lane of each named gateway; a route the state lacks is direct to all of the
//   region's gateways with equal weights and no backups (so SteeringState{} compiles too);
// - prefixes: every other region's prefixes, by region then prefix;
// - probe: the model's policy.probe;
// - services: every service of the model, by name: its VIP, protocol, ports, affinity, Maglev
//   table size; groups by id with weight, dial, health check and healthy (false only for groups in
//   `unhealthy_groups`, as (service name, group id)); every backend of every group by id, `local`
//   exactly for the groups of the gateway's own region.
// The same inputs, in whatever order the model lists them, give the same message and bytes
// (serialize_snapshot). Throws std::invalid_argument for version 0, a gateway the model lacks,
// or a state naming a gateway the model lacks (a state from another model).
using GroupKey = std::pair<std::string, std::uint16_t>;  // (service name, endpoint group id)

v1::GatewaySnapshot compile_snapshot(const model::Model& model, const steering::SteeringState& state,
                                     std::uint32_t gateway, std::uint64_t version,
                                     const std::set<GroupKey>& unhealthy_groups = {});

// Deterministic binary serialization: what the signer signs and the gateway loads.
std::string serialize_snapshot(const v1::GatewaySnapshot& snapshot);

}  // namespace anymesh::server
