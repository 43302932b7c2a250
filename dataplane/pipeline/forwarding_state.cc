// Building a RouteState: the snapshot's IPv4 region prefixes in an rte_lpm.
#include "dataplane/pipeline/forwarding_state.h"

#include <rte_errno.h>
#include <rte_lpm.h>

#include <atomic>
#include <stdexcept>
#include <string>

#include "dataplane/packet/bytes.h"

namespace anymesh::pipeline {

RouteState::RouteState(std::shared_ptr<const agent::AppliedSnapshot> snapshot,
                       std::shared_ptr<const anycast::ServiceTable> services, std::vector<wg::Key> lane_keys)
    : snapshot_(std::move(snapshot)),
      slots_(routing::kMaxLaneSlots),
      lane_keys_(std::move(lane_keys)),
      services_owner_(std::move(services)) {
  static std::atomic<unsigned> serial{0};
  const auto& description = snapshot_->route_description();
  std::size_t v4 = 0;
  for (const auto& p : description.prefixes) v4 += p.prefix.address.is_v4() ? 1 : 0;
  rte_lpm_config config{};
  config.max_rules = static_cast<std::uint32_t>(std::max<std::size_t>(16, (v4 + snapshot_->peers().size()) * 2));
  config.number_tbl8s = 256;
  std::string name = "anymesh_lpm" + std::to_string(serial.fetch_add(1));
  lpm_ = rte_lpm_create(name.c_str(), SOCKET_ID_ANY, &config);
  if (lpm_ == nullptr) throw std::runtime_error("cannot create an LPM table: " + std::string(rte_strerror(rte_errno)));
  for (const auto& p : description.prefixes) {
    if (!p.prefix.address.is_v4()) continue;  // IPv6 inner routing is not built yet (rte_lpm6)
    std::uint32_t group = UINT32_MAX;
    for (std::size_t i = 0; i < description.groups.size(); ++i) {
      if (description.groups[i].name == p.group) group = static_cast<std::uint32_t>(i);
    }
    if (group == UINT32_MAX) continue;  // validation guarantees it exists
    if (rte_lpm_add(lpm_, load_be32(p.prefix.address.bytes.data()), p.prefix.length, group) != 0) {
      rte_lpm_free(lpm_);
      throw std::runtime_error("cannot add " + p.prefix.to_string() + " to the LPM table");
    }
  }
  const auto& peers = snapshot_->peers();
  for (std::size_t i = 0; i < peers.size(); ++i) {
    for (const auto& lane : peers[i].lanes) slots_[lane.slot] = SlotLane{static_cast<std::uint32_t>(i), lane.id};
  }
  self_tunnel_ = load_be32(snapshot_->self().tunnel_address.bytes.data());
  own_region_addresses_.push_back(self_tunnel_);
  // Every peer's tunnel address routes like its region's prefixes: anycast packets steered to a
  // region travel inside the tunnel addressed to that region's gateway, also through relays.
  for (const auto& peer : peers) {
    const std::uint32_t address = load_be32(peer.tunnel_address.bytes.data());
    if (peer.region == snapshot_->self().region) {
      own_region_addresses_.push_back(address);
      continue;
    }
    for (std::size_t g = 0; g < description.groups.size(); ++g) {
      if (description.groups[g].name != peer.region) continue;
      if (rte_lpm_add(lpm_, address, 32, static_cast<std::uint32_t>(g)) != 0) {
        rte_lpm_free(lpm_);
        throw std::runtime_error("cannot add " + peer.tunnel_address.to_string() + "/32 to the LPM table");
      }
    }
  }

  services_ = services_owner_ ? services_owner_.get() : &snapshot_->anycast().table();
  if (services_->services().empty()) services_ = nullptr;
  if (services_ == nullptr) return;
  for (const auto& entry : services_->services()) {
    auto& routes = region_routes_.emplace_back();
    for (const auto& group : entry.service.groups) {
      RegionRoute route;
      for (std::size_t i = 0; i < description.groups.size(); ++i) {
        const auto& d = description.groups[i];
        if (d.name != group.region) continue;
        route.group = &snapshot_->routes().group(i);
      }
      // A gateway of that region (the lowest id): any gateway of the region accepts it, and a
      // relay in between routes it by this address (never by the relay's own).
      routing::GatewayId lowest = 0;
      for (const auto& peer : peers) {
        if (peer.region != group.region || (lowest != 0 && peer.id > lowest)) continue;
        lowest = peer.id;
        route.target = load_be32(peer.tunnel_address.bytes.data());
      }
      routes.push_back(route);
    }
  }
}

const routing::NextHopGroup* RouteState::region_route(const anycast::ServiceEntry& entry,
                                                      const anycast::EndpointGroup& group) const {
  if (entry.id >= region_routes_.size()) return nullptr;
  const auto& routes = region_routes_[entry.id];
  auto index = static_cast<std::size_t>(&group - entry.service.groups.data());
  return index < routes.size() ? routes[index].group : nullptr;
}

std::uint32_t RouteState::region_target(const anycast::ServiceEntry& entry, const anycast::EndpointGroup& group) const {
  if (entry.id >= region_routes_.size()) return 0;
  const auto& routes = region_routes_[entry.id];
  auto index = static_cast<std::size_t>(&group - entry.service.groups.data());
  return index < routes.size() ? routes[index].target : 0;
}

RouteState::~RouteState() {
  rte_lpm_free(lpm_);
  for (auto& key : lane_keys_) wg::secure_zero(key);
}

const routing::NextHopGroup* RouteState::lookup(std::uint32_t ipv4) const {
  std::uint32_t group = 0;
  if (rte_lpm_lookup(lpm_, ipv4, &group) != 0) return nullptr;
  const auto& routes = snapshot_->routes();
  return group < routes.group_count() ? &routes.group(group) : nullptr;
}

}  // namespace anymesh::pipeline
