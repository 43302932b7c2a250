// AnycastControl: the agent's side of anycast ingress: health checks of this region's backends,
// the health-marked service table the workers steer by, VIP announcements through BIRD, and the
// group health the controller's reports carry.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/proto/anymesh.pb.h"
#include "dataplane/agent/applied_snapshot.h"
#include "dataplane/agent/bgp_announcer.h"
#include "dataplane/agent/gateway_options.h"
#include "dataplane/agent/health_checker.h"

namespace anymesh::gateway {

class AnycastControl {
 public:
  explicit AnycastControl(const std::optional<agent::BgpSettings>& bgp);
  ~AnycastControl();  // withdraws every VIP it announced (a stopped gateway serves nothing)

  // The table to publish with this snapshot (null when it has no services); a new snapshot also
  // gives the health checker its new work list.
  std::shared_ptr<const anycast::ServiceTable> table_for(const std::shared_ptr<const agent::AppliedSnapshot>& snapshot);
  // True when a health verdict changed since the last table_for() (a new check list alone, or
  // checks that only confirm the verdicts, do not count).
  bool health_changed();

  // Announces exactly the VIPs servable with this table (withdrawing the rest); repeats a failed
  // attempt at most every few seconds. Returns a line for the log when something changed or failed.
  std::optional<std::string> announce(const agent::AppliedSnapshot* snapshot, const anycast::ServiceTable* table);

  void fill_report(v1::Report& report) const;  // any thread
  std::string status_text() const;            // any thread

 private:
  agent::HealthChecker checker_;
  std::optional<agent::BgpAnnouncer> announcer_;
  mutable std::mutex mutex_;  // guards snapshot_ (read by the report and status threads)
  std::shared_ptr<const agent::AppliedSnapshot> snapshot_;
  std::uint64_t generation_ = 0;
  std::vector<std::pair<std::uint32_t, bool>> verdicts_;  // (backend id, healthy) the table was built with
  std::vector<IpAddress> wanted_;
  bool announced_ok_ = false;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::string last_problem_;
};

}  // namespace anymesh::gateway
