// AnycastControl: health checks -> service table -> workers; servable VIPs -> BIRD.
#include "dataplane/gateway/anycast_control.h"

#include <sstream>

#include "dataplane/agent/group_health_report.h"
#include "dataplane/agent/vip_announcements.h"

namespace anymesh::gateway {
namespace {

constexpr std::chrono::seconds kRetryAnnounce{3};

std::vector<std::pair<std::uint32_t, bool>> verdicts_of(const agent::HealthSnapshot& health) {
  std::vector<std::pair<std::uint32_t, bool>> out;
  for (const auto& b : health.backends) out.emplace_back(b.backend_id, b.healthy);
  return out;
}

std::string vip_list(const std::vector<IpAddress>& vips) {
  std::string out;
  for (const auto& v : vips) out += (out.empty() ? "" : " ") + v.to_string();
  return out.empty() ? "none" : out;
}

}  // namespace

AnycastControl::AnycastControl(const std::optional<agent::BgpSettings>& bgp) {
  if (!bgp) return;
  agent::BgpAnnouncerConfig config;
  config.include_v4 = bgp->vips_file;
  config.include_v6 = bgp->vips6_file;
  config.control_socket = bgp->control_socket;
  announcer_.emplace(config);
}

AnycastControl::~AnycastControl() {
  if (announcer_ && !announcer_->announced().empty()) (void)announcer_->withdraw_all();
}

std::shared_ptr<const anycast::ServiceTable> AnycastControl::table_for(
    const std::shared_ptr<const agent::AppliedSnapshot>& snapshot) {
  bool fresh;
  {
    std::lock_guard lock(mutex_);
    fresh = snapshot != snapshot_;
    snapshot_ = snapshot;
  }
  if (!snapshot) return nullptr;
  const agent::AnycastServices& services = snapshot->anycast();
  if (fresh) checker_.set_checks(services.checks());
  generation_ = checker_.generation();
  if (services.services().empty()) return nullptr;
  agent::HealthSnapshot health = checker_.snapshot();
  verdicts_ = verdicts_of(health);
  return std::make_shared<const anycast::ServiceTable>(
      services.with_health([&health](std::uint32_t id) { return health.healthy(id); }));
}

bool AnycastControl::health_changed() {
  const std::uint64_t generation = checker_.generation();
  if (generation == generation_) return false;
  generation_ = generation;
  return verdicts_of(checker_.snapshot()) != verdicts_;
}

std::optional<std::string> AnycastControl::announce(const agent::AppliedSnapshot* snapshot,
                                                    const anycast::ServiceTable* table) {
  if (!announcer_) return std::nullopt;
  std::vector<IpAddress> wanted;
  if (snapshot != nullptr && table != nullptr) wanted = agent::servable_vips(*table, snapshot->self().region);
  auto now = std::chrono::steady_clock::now();
  if (wanted == wanted_ && (announced_ok_ || now < next_attempt_)) return std::nullopt;
  wanted_ = wanted;
  auto outcome = announcer_->announce(wanted);
  if (!outcome) {
    announced_ok_ = false;
    next_attempt_ = now + kRetryAnnounce;
    bool repeat = outcome.error() == last_problem_;
    last_problem_ = outcome.error();
    if (repeat) return std::nullopt;
    return "BGP: cannot announce " + vip_list(wanted) + ": " + outcome.error();
  }
  announced_ok_ = true;
  last_problem_.clear();
  if (*outcome == agent::AnnounceOutcome::unchanged) return std::nullopt;
  return "BGP: announcing " + vip_list(wanted);
}

void AnycastControl::fill_report(v1::Report& report) const {
  std::shared_ptr<const agent::AppliedSnapshot> snapshot;
  {
    std::lock_guard lock(mutex_);
    snapshot = snapshot_;
  }
  if (!snapshot) return;
  agent::fill_group_health(snapshot->anycast(), checker_.snapshot(), report);
}

std::string AnycastControl::status_text() const {
  std::shared_ptr<const agent::AppliedSnapshot> snapshot;
  {
    std::lock_guard lock(mutex_);
    snapshot = snapshot_;
  }
  if (!snapshot || snapshot->anycast().services().empty()) return {};
  std::ostringstream out;
  agent::HealthSnapshot health = checker_.snapshot();
  out << "backends (health checks):\n";
  for (const auto& b : health.backends) {
    out << "  " << b.backend_id << " " << b.address.to_string() << " " << (b.healthy ? "healthy" : "UNHEALTHY")
        << ", " << b.checks << " checks" << (b.last_problem.empty() ? "" : ", last problem: " + b.last_problem) << "\n";
  }
  if (announcer_) out << "BGP announces: " << vip_list(announcer_->announced()) << "\n";
  return out.str();
}

}  // namespace anymesh::gateway
