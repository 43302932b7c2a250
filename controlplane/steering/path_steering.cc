// PathSteering: measurements of pairs, direct paths and relays; hysteresis steps; routes rebuilt from decisions.
#include "controlplane/steering/path_steering.h"

#include <algorithm>
#include <tuple>

namespace anymesh::steering {
namespace {

constexpr std::size_t kMaxNextHops = 8;  // what a snapshot's NextHopGroup allows
constexpr std::size_t kMaxBackups = 8;

// Up when any part is up (mean RTT of the up parts), else down when any is down, else unknown.
class PathSum {
 public:
  void add(const PathMeasurement& m) {
    if (m.state == PathState::up) {
      ++up_;
      rtt_ += m.rtt;
    } else if (m.state == PathState::down) {
      any_down_ = true;
    }
  }
  PathMeasurement result() const {
    if (up_ > 0) return {PathState::up, rtt_ / up_};
    return {any_down_ ? PathState::down : PathState::unknown, Nanos(0)};
  }

 private:
  Nanos::rep up_ = 0;
  Nanos rtt_{0};
  bool any_down_ = false;
};

}  // namespace

PathSteering::PathSteering(const model::Model& model, std::chrono::nanoseconds report_window)
    : model_(std::make_unique<const model::Model>(model)),
      topology_(*model_),
      probes_(ProbeStoreConfig{report_window, model.policy.loss_threshold_percent}) {
  for (GatewayId g : topology_.gateways()) {
    const auto& own = topology_.gateway(g)->region;
    for (const auto& region : topology_.regions()) {
      if (region != own) decisions_[g][region] = PathDecision{};
    }
  }
  state_ = build_state();
}

const PathDecision* PathSteering::decision(GatewayId gateway, const std::string& region) const {
  auto g = decisions_.find(gateway);
  if (g == decisions_.end()) return nullptr;
  auto r = g->second.find(region);
  return r == g->second.end() ? nullptr : &r->second;
}

bool PathSteering::goes_direct(GatewayId gateway, const std::string& region) const {
  const auto* d = decision(gateway, region);
  return d && d->via.empty();
}

PathMeasurement PathSteering::pair(GatewayId from, GatewayId to) const { return probes_.path(from, to, now_); }

PathMeasurement PathSteering::direct(GatewayId from, const std::string& region) const {
  PathSum sum;
  for (GatewayId to : topology_.gateways_in(region)) sum.add(pair(from, to));
  return sum.result();
}

PathMeasurement PathSteering::relay_leg(GatewayId from, GatewayId relay, const std::string& region) const {
  if (!goes_direct(relay, region)) return {PathState::down, Nanos(0)};
  const auto first = pair(from, relay);
  const auto second = direct(relay, region);
  if (first.state == PathState::down || second.state == PathState::down) return {PathState::down, Nanos(0)};
  if (first.state == PathState::unknown || second.state == PathState::unknown) return {};
  return {PathState::up, first.rtt + second.rtt};
}

PathMeasurement PathSteering::relay(GatewayId from, const std::string& via, const std::string& region) const {
  PathSum sum;
  for (GatewayId c : topology_.gateways_in(via)) sum.add(relay_leg(from, c, region));
  return sum.result();
}

std::vector<CandidatePath> PathSteering::candidates(GatewayId from, const std::string& region) const {
  std::vector<CandidatePath> out;
  out.push_back({"", direct(from, region)});
  if (!model_->policy.relay) return out;
  const auto& own = topology_.gateway(from)->region;
  for (const auto& via : topology_.regions()) {
    if (via == own || via == region) continue;
    out.push_back({via, relay(from, via, region)});
  }
  return out;
}

std::optional<GatewayId> PathSteering::best_relay_gateway(GatewayId from, const std::string& region,
                                                          const std::string& excluded) const {
  if (!model_->policy.relay) return std::nullopt;
  const auto& own = topology_.gateway(from)->region;
  // (not measured up, rtt, region, id): the smallest wins. Regions and ids are visited in order.
  std::optional<std::tuple<bool, Nanos, GatewayId>> best;
  for (const auto& via : topology_.regions()) {
    if (via == own || via == region || via == excluded) continue;
    for (GatewayId c : topology_.gateways_in(via)) {
      const auto leg = relay_leg(from, c, region);
      if (leg.state == PathState::down) continue;
      std::tuple<bool, Nanos, GatewayId> rank{leg.state != PathState::up, leg.rtt, c};
      if (!best || std::get<0>(rank) < std::get<0>(*best) ||
          (std::get<0>(rank) == std::get<0>(*best) && std::get<1>(rank) < std::get<1>(*best))) {
        best = rank;
      }
    }
  }
  if (!best) return std::nullopt;
  return std::get<2>(*best);
}

RegionRoute PathSteering::build_route(GatewayId from, const std::string& region) const {
  RegionRoute route;
  route.relay_region = decisions_.at(from).at(region).via;
  const auto& destination = topology_.gateways_in(region);
  std::vector<GatewayId> hops;
  if (!route.relayed()) {
    for (GatewayId to : destination) {
      if (pair(from, to).state != PathState::down) hops.push_back(to);
    }
    if (hops.empty()) hops = destination;
  } else {
    const auto& relays = topology_.gateways_in(route.relay_region);
    for (PathState wanted : {PathState::up, PathState::unknown}) {
      for (GatewayId c : relays) {
        const auto state = relay_leg(from, c, region).state;
        if (state == PathState::up || (wanted == PathState::unknown && state == PathState::unknown)) {
          hops.push_back(c);
        }
      }
      if (!hops.empty()) break;
    }
    if (hops.empty()) hops = relays;  // unreachable: forced_move() leaves a relay with no fit gateway
  }
  if (hops.size() > kMaxNextHops) hops.resize(kMaxNextHops);
  for (GatewayId h : hops) route.next_hops.push_back({h, kEcmpWeight});
  for (GatewayId to : destination) {
    if (std::find(hops.begin(), hops.end(), to) == hops.end()) {
      route.backups.push_back({RouteBackupKind::other_gateway, to});
    }
  }
  // The relay backup survives a destination with many gateways: it is the way around the region.
  const auto relay_backup = best_relay_gateway(from, region, route.relay_region);
  const std::size_t room = kMaxBackups - (relay_backup ? 1 : 0);
  if (route.backups.size() > room) route.backups.resize(room);
  if (relay_backup) route.backups.push_back({RouteBackupKind::relay, *relay_backup});
  return route;
}

SteeringState PathSteering::build_state() const {
  SteeringState state;
  for (const auto& [gateway, regions] : decisions_) {
    for (const auto& [region, decision] : regions) state.routes[gateway][region] = build_route(gateway, region);
  }
  return state;
}

bool PathSteering::update(GatewayId reporter, const v1::Report& report, Nanos now) {
  auto own = decisions_.find(reporter);
  if (own == decisions_.end()) return false;
  now_ = std::max(now_, now);
  probes_.add(reporter, report, now_);
  for (auto& [region, decision] : own->second) {
    decision = next_decision(decision, candidates(reporter, region), model_->policy.hysteresis);
  }
  changed_.clear();
  if (!model_->policy.relay) {
    // Every decision stays direct and no backup is a relay: nothing outside the reporter's routes moves.
    bool changed = false;
    auto& routes = state_.routes[reporter];
    for (const auto& entry : own->second) {
      const std::string& region = entry.first;
      auto route = build_route(reporter, region);
      auto& current = routes[region];
      if (route != current) {
        current = std::move(route);
        changed = true;
      }
    }
    if (changed) changed_.push_back(reporter);
    return changed;
  }
  // A move can make another gateway's relay unfit, and its move another's; each pass settles at
  // least one route on a fit path, so a bounded number of passes reaches a fixed point.
  const std::size_t max_passes = topology_.gateways().size() + 1;
  for (std::size_t pass = 0; pass < max_passes; ++pass) {
    bool moved = false;
    for (auto& [gateway, regions] : decisions_) {
      for (auto& [region, decision] : regions) {
        if (auto forced = forced_move(decision, candidates(gateway, region))) {
          if (*forced != decision) moved = true;
          decision = *forced;
        }
      }
    }
    if (!moved) break;
  }
  auto next = build_state();
  for (const auto& [gateway, routes] : next.routes) {
    auto before = state_.routes.find(gateway);
    if (before == state_.routes.end() || before->second != routes) changed_.push_back(gateway);
  }
  state_ = std::move(next);
  return !changed_.empty();
}

std::optional<Nanos> PathSteering::path_rtt(GatewayId gateway, const std::string& region) const {
  const auto* d = decision(gateway, region);
  if (!d) return std::nullopt;
  const auto m = d->via.empty() ? direct(gateway, region) : relay(gateway, d->via, region);
  if (m.state != PathState::up) return std::nullopt;
  return m.rtt;
}

}  // namespace anymesh::steering
