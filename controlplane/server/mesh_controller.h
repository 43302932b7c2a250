// MeshController: the controller's moving parts in one object: the mesh model, path steering on
// the gateways' reports, drained regions, endpoint-group health from reports, the gateway ledger,
// and the operator's queries over them. anymesh-controller and the convergence benchmark run it.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "controlplane/model/model.h"
#include "controlplane/server/gateway_ledger.h"
#include "controlplane/server/key_rotation.h"
#include "controlplane/server/mesh_queries.h"
#include "controlplane/server/snapshot_compiler.h"
#include "controlplane/steering/endpoint_group_weights.h"
#include "controlplane/steering/mesh_topology.h"
#include "controlplane/steering/path_steering.h"

namespace anymesh::server {

struct MeshControllerConfig {
  // A lane report older than this no longer counts (steering's probe window).
  std::chrono::nanoseconds report_window = std::chrono::seconds(3);
  // Shown by `anymesh weights` next to the data plane's shares; snapshots do not carry it.
  steering::LatencyPreference latency;
  // Signing-key rotation: the previous key's endorsement of the current one, sent with every
  // snapshot so gateways still pinning the previous key accept them.
  std::optional<v1::KeyEndorsement> endorsement;
};

class MeshController final : public MeshQueries {
 public:
  // `mesh` must have passed snapshot_limits_problem(). Compiles every gateway once; throws
  // std::runtime_error when the state dir's state file is corrupt (GatewayLedger).
  MeshController(const model::Model& mesh, SigningKey key, std::filesystem::path state_dir,
                 MeshControllerConfig config = {});
  ~MeshController() override;
  MeshController(const MeshController&) = delete;
  MeshController& operator=(const MeshController&) = delete;

  GatewayLedger& ledger() { return *ledger_; }
  // The ReportSink of the Control service: steering, group health and counters. Any thread.
  void on_report(GatewayId gateway, const v1::Report& report);
  // Compiles the gateways whose snapshot inputs changed since the last call (their routes, or
  // everyone's after a health change) and issues the changed ones; returns the versions issued.
  // anymesh-controller calls it every 200 ms; it batches whatever reports arrived meanwhile.
  std::size_t refresh();

  Result<v1::RoutesReply, std::string> routes(std::uint32_t gateway) const override;
  v1::ServicesReply services() const override;
  Result<v1::WeightsReply, std::string> weights(std::uint32_t gateway) const override;
  // Drained: every endpoint group in the region is compiled with dial 0; issued at once.
  Result<v1::DrainReply, std::string> drain(const std::string& region, bool on) override;
  v1::CountersReply counters() const override;
  // Key rotation (KeyRotation): started here, advanced by refresh(); finished rotations are kept
  // in the state dir (gateway-keys) and compiled in after a restart.
  Result<v1::KeyRotationView, std::string> rotate_key(std::uint32_t gateway, const std::string& public_key) override;
  std::optional<v1::KeyRotationView> rotation() const override;
  // How long one lane may stay draining or switching before the rotation fails.
  static constexpr std::chrono::seconds kRotationPhaseLimit{60};

 private:
  using Clock = std::chrono::steady_clock;
  struct GroupHealth {
    std::string service;
    std::uint32_t group = 0;
    std::uint32_t healthy = 0;
    std::uint32_t total = 0;
    bool operator==(const GroupHealth&) const = default;
  };
  struct Reported {
    std::uint64_t reports = 0;
    Clock::time_point at{};
    std::uint64_t applied_version = 0;
    std::map<std::string, std::uint64_t> counters;
    std::vector<GroupHealth> groups;
    std::map<std::pair<std::uint32_t, std::uint32_t>, bool> lanes;  // (peer, lane) -> up
  };

  std::optional<v1::GatewaySnapshot> compile(GatewayId gateway) const;
  std::set<GroupKey> unhealthy_from_reports() const;   // mutex_ held
  void rebuild_compiled_model();                        // mutex_ held
  v1::RouteDecision route_view(GatewayId gateway, const std::string& region,
                               const steering::RegionRoute& route) const;  // mutex_ held
  void weights_of(GatewayId gateway, v1::GatewayWeights& out) const;       // mutex_ held
  void advance_rotation();  // refresh(), before compiling
  KeyRotation::Progress rotation_progress(const v1::StatusReply& status) const;  // mutex_ held
  void save_rotated_keys() const;                                               // mutex_ held

  const model::Model mesh_;
  const steering::MeshTopology topology_;  // over mesh_
  const MeshControllerConfig config_;

  mutable std::mutex mutex_;
  steering::PathSteering steering_;
  std::set<std::string> drained_;
  std::shared_ptr<const model::Model> compiled_model_;  // mesh_ with the drained regions' dials at 0
  std::map<GatewayId, Reported> reported_;
  std::set<GroupKey> unhealthy_;
  std::set<GatewayId> dirty_;
  bool all_dirty_ = false;
  // Key rotations by gateway: at most one running; finished ones stay (their keys are in force).
  std::map<GatewayId, KeyRotation> rotations_;
  std::optional<GatewayId> rotating_;                    // the running (or last) rotation
  std::map<GatewayId, std::uint64_t> rotation_wanted_;   // versions issued for the current phase
  bool rotation_issued_ = false;                         // rotation_wanted_ must be taken after this refresh
  Clock::time_point rotation_acked_at_{};                // when every gateway acked the phase
  const std::filesystem::path state_dir_;

  // What refresh() copied under one lock for the gateways it compiles, so a thousand compiles do
  // not queue for mutex_ behind a thousand sessions' reports. Guarded by refresh_mutex_.
  struct Prepared {
    steering::SteeringState routes;
    std::shared_ptr<const model::Model> model;
    std::set<GroupKey> unhealthy;
    std::map<GatewayId, KeyRotation> rotations;
  };
  std::optional<Prepared> prepared_;
  std::mutex refresh_mutex_;  // one refresh at a time, so a stale compile is never issued last
  std::unique_ptr<GatewayLedger> ledger_;  // last: its constructor compiles through compile()
};

}  // namespace anymesh::server
