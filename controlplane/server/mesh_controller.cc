// MeshController: reports into steering and health, drains, incremental refreshes, and the operator's views.
#include "controlplane/server/mesh_controller.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "dataplane/wireguard/key.h"

namespace anymesh::server {
namespace {

constexpr const char* kRotatedKeysFile = "gateway-keys";

std::uint64_t age_ms(std::chrono::steady_clock::time_point since) {
  const auto age = std::chrono::steady_clock::now() - since;
  return static_cast<std::uint64_t>(
      std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(age).count()));
}

v1::BackupKind backup_kind(steering::RouteBackupKind kind) {
  return kind == steering::RouteBackupKind::relay ? v1::BACKUP_KIND_RELAY : v1::BACKUP_KIND_OTHER_GATEWAY;
}

double percent(std::uint64_t part, std::uint64_t total) {
  return total == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(total);
}

}  // namespace

MeshController::MeshController(const model::Model& mesh, SigningKey key, std::filesystem::path state_dir,
                               MeshControllerConfig config)
    : mesh_(mesh), topology_(mesh_), config_(config), steering_(mesh_, config.report_window), state_dir_(state_dir) {
  rebuild_compiled_model();
  // Keys rotated in an earlier run stay in force: "ID BASE64" lines.
  if (std::ifstream in(state_dir_ / kRotatedKeysFile); in) {
    std::uint32_t id = 0;
    std::string text;
    while (in >> id >> text) {
      const model::Gateway* g = nullptr;
      for (const auto& candidate : mesh_.gateways) g = candidate.id == id ? &candidate : g;
      auto key = wg::key_from_base64(text);
      if (g == nullptr || !key) {
        std::fprintf(stderr, "anymesh-controller: %s: ignoring gateway %u (not in the mesh, or not a key)\n",
                     (state_dir_ / kRotatedKeysFile).c_str(), id);
        continue;
      }
      if (*key != g->public_key) rotations_.insert_or_assign(id, KeyRotation::completed(id, g->public_key, *key, g->lanes));
    }
  }
  std::vector<GatewayId> ids(topology_.gateways().begin(), topology_.gateways().end());
  ledger_ = std::make_unique<GatewayLedger>(
      std::move(ids), [this](GatewayId id) { return compile(id); }, std::move(key), std::move(state_dir),
      config_.endorsement);
}

MeshController::~MeshController() = default;

void MeshController::rebuild_compiled_model() {
  auto compiled = std::make_shared<model::Model>(mesh_);
  for (auto& service : compiled->services) {
    for (auto& group : service.service.groups) {
      if (drained_.count(group.region) != 0) group.dial_percent = 0;
    }
  }
  compiled_model_ = std::move(compiled);
}

std::optional<v1::GatewaySnapshot> MeshController::compile(GatewayId gateway) const {
  // Only this gateway's routes are read by the compiler: copy those and compile outside the lock,
  // so reports keep flowing into steering meanwhile.
  if (prepared_) {  // called from refresh(): everything was copied already
    try {
      auto snapshot = compile_snapshot(*prepared_->model, prepared_->routes, gateway, 1, prepared_->unhealthy);
      for (const auto& [id, rotation] : prepared_->rotations) rotation.apply(snapshot);
      return snapshot;
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "anymesh-controller: gateway %u: no snapshot: %s\n", gateway, e.what());
      return std::nullopt;
    }
  }
  steering::SteeringState own;
  std::shared_ptr<const model::Model> model;
  std::set<GroupKey> unhealthy;
  std::map<GatewayId, KeyRotation> rotations;
  {
    std::lock_guard lock(mutex_);
    if (auto it = steering_.state().routes.find(gateway); it != steering_.state().routes.end()) {
      own.routes[gateway] = it->second;
    }
    model = compiled_model_;
    unhealthy = unhealthy_;
    rotations = rotations_;
  }
  try {
    // The ledger numbers versions; 1 is a placeholder.
    auto snapshot = compile_snapshot(*model, own, gateway, 1, unhealthy);
    for (const auto& [id, rotation] : rotations) rotation.apply(snapshot);
    return snapshot;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "anymesh-controller: gateway %u: no snapshot: %s\n", gateway, e.what());
    return std::nullopt;
  }
}

std::set<GroupKey> MeshController::unhealthy_from_reports() const {
  // A group is unhealthy when its region's gateways reported it with backends and none healthy;
  // a group nobody reported keeps its configured verdict.
  std::set<GroupKey> out;
  for (const auto& s : mesh_.services) {
    for (const auto& g : s.service.groups) {
      std::uint32_t healthy = 0, total = 0;
      for (GatewayId id : topology_.gateways_in(g.region)) {
        auto it = reported_.find(id);
        if (it == reported_.end()) continue;
        for (const auto& h : it->second.groups) {
          if (h.service == s.service.name && h.group == g.id) {
            healthy += h.healthy;
            total += h.total;
          }
        }
      }
      if (total > 0 && healthy == 0) out.emplace(s.service.name, g.id);
    }
  }
  return out;
}

void MeshController::on_report(GatewayId gateway, const v1::Report& report) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  if (topology_.gateway(gateway) == nullptr) return;
  if (steering_.update(gateway, report, now.time_since_epoch())) {
    dirty_.insert(steering_.changed_gateways().begin(), steering_.changed_gateways().end());
  }
  auto& r = reported_[gateway];
  ++r.reports;
  r.at = now;
  r.applied_version = report.applied_version();
  r.counters.clear();
  for (const auto& [name, value] : report.counters()) r.counters.emplace(name, value);
  r.lanes.clear();
  for (const auto& lane : report.lanes()) r.lanes[{lane.peer(), lane.lane()}] = lane.up();
  std::vector<GroupHealth> groups;
  for (const auto& g : report.groups()) groups.push_back({g.service(), g.group(), g.healthy_backends(), g.total_backends()});
  if (groups != r.groups) {
    r.groups = std::move(groups);
    auto unhealthy = unhealthy_from_reports();
    if (unhealthy != unhealthy_) {
      unhealthy_ = std::move(unhealthy);
      all_dirty_ = true;  // every gateway's snapshot lists every service
    }
  }
}

std::size_t MeshController::refresh() {
  std::lock_guard serial(refresh_mutex_);
  advance_rotation();
  std::vector<GatewayId> ids;
  bool all = false;
  bool take_wanted = false;
  Prepared prepared;
  {
    std::lock_guard lock(mutex_);
    all = all_dirty_;
    take_wanted = rotation_issued_;
    if (all) {
      ids = topology_.gateways();
    } else {
      ids.assign(dirty_.begin(), dirty_.end());
    }
    dirty_.clear();
    all_dirty_ = false;
    if (ids.empty()) return 0;
    const auto& routes = steering_.state().routes;
    for (GatewayId id : ids) {
      if (auto it = routes.find(id); it != routes.end()) prepared.routes.routes.emplace(id, it->second);
    }
    prepared.model = compiled_model_;
    prepared.unhealthy = unhealthy_;
    prepared.rotations = rotations_;
  }
  prepared_ = std::move(prepared);
  const std::size_t issued = ledger_->refresh(ids);
  prepared_.reset();
  if (take_wanted) {
    // What every gateway must ack before the rotation's phase counts as applied.
    auto wanted = ledger_->issued_versions();
    std::lock_guard lock(mutex_);
    rotation_wanted_ = std::move(wanted);
    rotation_issued_ = false;
  }
  return issued;
}

void MeshController::advance_rotation() {
  {
    std::lock_guard lock(mutex_);
    if (!rotating_ || !rotations_.at(*rotating_).running() || rotation_issued_) return;
  }
  const auto status = ledger_->status();  // the ledger's lock, never inside mutex_
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  KeyRotation& rotation = rotations_.at(*rotating_);
  auto progress = rotation_progress(status);
  if (progress.all_acked && rotation_acked_at_ == Clock::time_point{}) {
    rotation_acked_at_ = now;  // lane evidence must come from reports after this
    progress.lane_up_both_ways = false;
  }
  if (!rotation.advance(progress, now, kRotationPhaseLimit)) return;
  all_dirty_ = true;
  rotation_issued_ = true;
  rotation_acked_at_ = {};
  const auto view = rotation.view(now);
  std::fprintf(stderr, "anymesh-controller: key rotation of gateway %u: lane %u of %u %s after %llu ms%s%s\n",
               rotation.gateway(), view.lane(), view.lanes(), view.phase().c_str(),
               static_cast<unsigned long long>(view.elapsed_ms()), view.error().empty() ? "" : ": ",
               view.error().c_str());
  if (rotation.phase() == KeyRotation::Phase::done) save_rotated_keys();
}

KeyRotation::Progress MeshController::rotation_progress(const v1::StatusReply& status) const {
  KeyRotation::Progress p;
  const KeyRotation& rotation = rotations_.at(*rotating_);
  p.all_acked = true;
  std::vector<GatewayId> connected;
  for (const auto& g : status.gateways()) {
    if (!g.connected()) continue;
    connected.push_back(g.gateway_id());
    auto it = rotation_wanted_.find(g.gateway_id());
    const std::uint64_t wanted = it == rotation_wanted_.end() ? 0 : it->second;
    if (g.version_acked() < wanted) p.all_acked = false;
    if (g.nack_version() != 0 && g.nack_version() >= wanted) {
      p.nack = "gateway " + std::to_string(g.gateway_id()) + ": " + g.nack_reason();
    }
  }
  const GatewayId self = rotation.gateway();
  auto self_report = reported_.find(self);
  if (!p.all_acked || rotation_acked_at_ == Clock::time_point{} || self_report == reported_.end() ||
      std::find(connected.begin(), connected.end(), self) == connected.end()) {
    return p;
  }
  auto up = [&](const Reported& r, GatewayId peer) {
    auto lane = r.lanes.find({peer, rotation.lane()});
    return r.at > rotation_acked_at_ && lane != r.lanes.end() && lane->second;
  };
  p.lane_up_both_ways = true;
  for (GatewayId peer : connected) {
    if (peer == self) continue;
    auto peer_report = reported_.find(peer);
    if (!up(self_report->second, peer) || peer_report == reported_.end() || !up(peer_report->second, self)) {
      p.lane_up_both_ways = false;
    }
  }
  return p;
}

void MeshController::save_rotated_keys() const {
  std::ostringstream text;
  for (const auto& [id, rotation] : rotations_) {
    if (rotation.phase() == KeyRotation::Phase::done) text << id << " " << wg::key_to_base64(rotation.new_key()) << "\n";
  }
  const auto path = state_dir_ / kRotatedKeysFile;
  const auto temporary = state_dir_ / (std::string(kRotatedKeysFile) + ".new");
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text.str();
    out.flush();
    if (!out) {
      std::fprintf(stderr, "anymesh-controller: cannot write %s: the rotated key is in force until a restart\n",
                   temporary.c_str());
      return;
    }
  }
  std::error_code e;
  std::filesystem::rename(temporary, path, e);
  if (e) std::fprintf(stderr, "anymesh-controller: cannot replace %s: %s\n", path.c_str(), e.message().c_str());
}

Result<v1::KeyRotationView, std::string> MeshController::rotate_key(std::uint32_t gateway, const std::string& public_key) {
  const model::Gateway* g = nullptr;
  for (const auto& candidate : mesh_.gateways) g = candidate.id == gateway ? &candidate : g;
  if (g == nullptr) return fail("gateway " + std::to_string(gateway) + " is not in the mesh");
  if (g->lanes < 2) {
    return fail("gateway " + std::to_string(gateway) + " has " + std::to_string(g->lanes) +
                " lane(s): a lane can only be rotated without loss while another one carries its traffic "
                "(give it lanes: 2 or more)");
  }
  if (public_key.size() != 32) return fail(std::string("the new public key must be 32 bytes"));
  wg::Key next{};
  std::copy(public_key.begin(), public_key.end(), next.begin());
  if (wg::is_zero(next)) return fail(std::string("all zeros is not a public key"));
  {
    std::lock_guard lock(mutex_);
    if (rotating_ && rotations_.at(*rotating_).running()) {
      return fail("gateway " + std::to_string(*rotating_) + "'s key is being rotated; one rotation at a time");
    }
    wg::Key current = g->public_key;
    if (auto it = rotations_.find(gateway); it != rotations_.end() && it->second.phase() == KeyRotation::Phase::done) {
      current = it->second.new_key();
    }
    if (next == current) return fail(std::string("that is the gateway's current key"));
    for (const auto& other : mesh_.gateways) {
      auto it = rotations_.find(other.id);
      const bool rotated = it != rotations_.end() && it->second.phase() == KeyRotation::Phase::done;
      if (other.id != gateway && (rotated ? it->second.new_key() : other.public_key) == next) {
        return fail("that key belongs to gateway " + std::to_string(other.id));
      }
    }
    rotations_.insert_or_assign(gateway, KeyRotation(gateway, current, next, g->lanes, Clock::now()));
    rotating_ = gateway;
    rotation_acked_at_ = {};
    rotation_issued_ = true;
    all_dirty_ = true;
  }
  refresh();
  std::lock_guard lock(mutex_);
  return rotations_.at(gateway).view(Clock::now());
}

std::optional<v1::KeyRotationView> MeshController::rotation() const {
  std::lock_guard lock(mutex_);
  if (!rotating_) return std::nullopt;
  return rotations_.at(*rotating_).view(Clock::now());
}

Result<v1::DrainReply, std::string> MeshController::drain(const std::string& region, bool on) {
  if (std::find(topology_.regions().begin(), topology_.regions().end(), region) == topology_.regions().end()) {
    return fail("region \"" + region + "\" is not in the mesh");
  }
  v1::DrainReply reply;
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    changed = on ? drained_.insert(region).second : drained_.erase(region) != 0;
    if (changed) {
      rebuild_compiled_model();
      all_dirty_ = true;
    }
    for (const auto& r : drained_) reply.add_drained_regions(r);
  }
  std::uint32_t groups = 0;
  for (const auto& s : mesh_.services) {
    for (const auto& g : s.service.groups) groups += g.region == region ? 1 : 0;
  }
  reply.set_groups(groups);
  if (changed) reply.set_versions_issued(refresh());
  return reply;
}

v1::RouteDecision MeshController::route_view(GatewayId gateway, const std::string& region,
                                             const steering::RegionRoute& route) const {
  v1::RouteDecision out;
  out.set_region(region);
  out.set_via(route.relay_region);
  for (const auto& h : route.next_hops) {
    auto* hop = out.add_next_hops();
    hop->set_gateway(h.gateway);
    hop->set_weight(h.weight);
  }
  for (const auto& b : route.backups) {
    auto* backup = out.add_backups();
    backup->set_kind(backup_kind(b.kind));
    backup->set_gateway(b.gateway);
  }
  if (const auto* d = steering_.decision(gateway, region); d && d->sustained > 0) {
    out.set_challenger(d->challenger);
    out.set_sustained(d->sustained);
  }
  if (auto rtt = steering_.path_rtt(gateway, region)) out.set_rtt_ns(static_cast<std::uint64_t>(rtt->count()));
  return out;
}

Result<v1::RoutesReply, std::string> MeshController::routes(std::uint32_t gateway) const {
  if (gateway != 0 && topology_.gateway(gateway) == nullptr) {
    return fail("gateway " + std::to_string(gateway) + " is not in the mesh");
  }
  v1::RoutesReply reply;
  std::lock_guard lock(mutex_);
  for (GatewayId id : topology_.gateways()) {
    if (gateway != 0 && id != gateway) continue;
    auto* out = reply.add_gateways();
    out->set_gateway_id(id);
    out->set_region(topology_.gateway(id)->region);
    auto it = steering_.state().routes.find(id);
    if (it == steering_.state().routes.end()) continue;
    for (const auto& [region, route] : it->second) *out->add_routes() = route_view(id, region, route);
  }
  return reply;
}

v1::ServicesReply MeshController::services() const {
  v1::ServicesReply reply;
  std::vector<const model::ServiceModel*> sorted;
  for (const auto& s : mesh_.services) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->service.name < b->service.name; });
  std::lock_guard lock(mutex_);
  for (const auto* model_service : sorted) {
    const auto& s = model_service->service;
    auto* out = reply.add_services();
    out->set_name(s.name);
    out->add_vips(s.vip.to_string());
    for (const auto& vip : s.extra_vips) out->add_vips(vip.to_string());
    out->set_protocol(s.protocol == 17 ? v1::PROTOCOL_UDP : v1::PROTOCOL_TCP);
    out->set_port_first(s.ports.first);
    out->set_port_last(s.ports.last);
    std::vector<const anycast::EndpointGroup*> groups;
    for (const auto& g : s.groups) groups.push_back(&g);
    std::sort(groups.begin(), groups.end(), [](auto* a, auto* b) { return a->id < b->id; });
    for (const auto* g : groups) {
      auto* group = out->add_groups();
      group->set_id(g->id);
      group->set_region(g->region);
      group->set_weight(g->weight);
      group->set_dial_percent(g->dial_percent);
      const bool drained = drained_.count(g->region) != 0;
      group->set_drained(drained);
      group->set_effective_dial_percent(drained ? 0 : g->dial_percent);
      group->set_healthy(g->healthy && unhealthy_.count(GroupKey{s.name, g->id}) == 0);
      group->set_backends(static_cast<std::uint32_t>(g->backends.size()));
      std::uint32_t healthy = 0, total = 0;
      bool reported = false;
      for (GatewayId id : topology_.gateways_in(g->region)) {
        auto it = reported_.find(id);
        if (it == reported_.end()) continue;
        for (const auto& h : it->second.groups) {
          if (h.service == s.name && h.group == g->id) {
            reported = true;
            healthy += h.healthy;
            total += h.total;
          }
        }
      }
      group->set_health_source(reported ? "reports" : "configured");
      group->set_healthy_backends(reported ? healthy : 0);
      group->set_total_backends(reported ? total : static_cast<std::uint32_t>(g->backends.size()));
    }
  }
  for (const auto& r : drained_) reply.add_drained_regions(r);
  return reply;
}

void MeshController::weights_of(GatewayId gateway, v1::GatewayWeights& out) const {
  const auto& own_region = topology_.gateway(gateway)->region;
  out.set_gateway_id(gateway);
  out.set_region(own_region);
  std::vector<const model::ServiceModel*> sorted;
  for (const auto& s : compiled_model_->services) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->service.name < b->service.name; });
  for (const auto* model_service : sorted) {
    const auto& s = model_service->service;
    std::vector<const anycast::EndpointGroup*> groups;
    for (const auto& g : s.groups) groups.push_back(&g);
    std::sort(groups.begin(), groups.end(), [](auto* a, auto* b) { return a->id < b->id; });
    std::vector<steering::EndpointGroupInput> inputs;
    for (const auto* g : groups) {
      steering::EndpointGroupInput in;
      in.weight = g->weight;
      in.dial_percent = g->dial_percent;  // the compiled model's: 0 when drained
      in.healthy = g->healthy && unhealthy_.count(GroupKey{s.name, g->id}) == 0;
      if (g->region == own_region) {
        in.rtt = std::chrono::nanoseconds(0);  // local backends: no tunnel on the way
      } else {
        in.rtt = steering_.path_rtt(gateway, g->region);
      }
      inputs.push_back(in);
    }
    const auto shares = steering::endpoint_group_weights(inputs);
    const auto latency_shares = steering::endpoint_group_weights(inputs, config_.latency);
    std::uint64_t total = 0, latency_total = 0;
    for (std::size_t i = 0; i < shares.size(); ++i) {
      total += shares[i];
      latency_total += latency_shares[i];
    }
    auto* service = out.add_services();
    service->set_service(s.name);
    for (std::size_t i = 0; i < groups.size(); ++i) {
      auto* w = service->add_groups();
      w->set_id(groups[i]->id);
      w->set_region(groups[i]->region);
      w->set_share(shares[i]);
      w->set_latency_share(latency_shares[i]);
      if (inputs[i].rtt) w->set_rtt_ns(static_cast<std::uint64_t>(inputs[i].rtt->count()));
      w->set_percent(percent(shares[i], total));
      w->set_latency_percent(percent(latency_shares[i], latency_total));
    }
  }
  if (auto it = steering_.state().routes.find(gateway); it != steering_.state().routes.end()) {
    for (const auto& [region, route] : it->second) *out.add_routes() = route_view(gateway, region, route);
  }
}

Result<v1::WeightsReply, std::string> MeshController::weights(std::uint32_t gateway) const {
  if (gateway != 0 && topology_.gateway(gateway) == nullptr) {
    return fail("gateway " + std::to_string(gateway) + " is not in the mesh");
  }
  v1::WeightsReply reply;
  reply.set_half_share_rtt_ns(static_cast<std::uint64_t>(config_.latency.half_share_rtt.count()));
  std::lock_guard lock(mutex_);
  for (GatewayId id : topology_.gateways()) {
    if (gateway == 0 || id == gateway) weights_of(id, *reply.add_gateways());
  }
  return reply;
}

v1::CountersReply MeshController::counters() const {
  v1::CountersReply reply;
  std::lock_guard lock(mutex_);
  for (GatewayId id : topology_.gateways()) {
    auto* out = reply.add_gateways();
    out->set_gateway_id(id);
    out->set_region(topology_.gateway(id)->region);
    auto it = reported_.find(id);
    if (it == reported_.end()) continue;
    out->set_reports(it->second.reports);
    out->set_report_age_ms(age_ms(it->second.at));
    out->set_applied_version(it->second.applied_version);
    for (const auto& [name, value] : it->second.counters) (*out->mutable_counters())[name] = value;
  }
  return reply;
}

}  // namespace anymesh::server
