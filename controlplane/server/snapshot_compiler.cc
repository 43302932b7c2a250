// compile_snapshot(): identity, peers with lanes, one next-hop group per other region, prefixes, probe settings.
#include "controlplane/server/snapshot_compiler.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "controlplane/steering/mesh_topology.h"

namespace anymesh::server {
namespace {

using steering::GatewayId;
using steering::MeshTopology;

constexpr std::size_t kMaxNextHops = 8;    // NextHopGroup.next_hops
constexpr std::size_t kMaxLaneSlots = 1024;  // lanes over all of a gateway's peers
constexpr std::uint32_t kMaxBackendId = 65535;  // Backend.id (the XDP backends map is indexed by it)

const model::Gateway& known(const MeshTopology& topology, GatewayId id) {
  const auto* g = topology.gateway(id);
  if (!g) throw std::invalid_argument("gateway " + std::to_string(id) + " is not in the mesh model");
  return *g;
}

template <typename Lanes>
void add_all_lanes(const model::Gateway& g, Lanes* lanes) {
  for (std::uint32_t i = 0; i < g.lanes; ++i) lanes->Add(i);
}

void fill_peer(const model::Gateway& g, v1::PeerGateway& peer) {
  peer.set_id(g.id);
  peer.set_region(g.region);
  peer.set_public_key(std::string(g.public_key.begin(), g.public_key.end()));
  for (const auto& e : g.endpoints) peer.add_endpoints(e.to_string());
  peer.set_tunnel_address(g.tunnel_address.to_string());
  const std::uint32_t first_port = g.endpoints.empty() ? 0 : g.endpoints.front().port;
  for (std::uint32_t i = 0; i < g.lanes; ++i) {
    auto* lane = peer.add_lanes();
    lane->set_id(i);
    lane->set_port(first_port + i);
  }
}

v1::BackupKind backup_kind(steering::RouteBackupKind kind) {
  switch (kind) {
    case steering::RouteBackupKind::other_gateway: return v1::BACKUP_KIND_OTHER_GATEWAY;
    case steering::RouteBackupKind::relay: return v1::BACKUP_KIND_RELAY;
  }
  return v1::BACKUP_KIND_UNSPECIFIED;
}

void fill_group(const MeshTopology& topology, const steering::RegionRoute* route, const std::string& region,
                v1::NextHopGroup& group) {
  group.set_region(region);
  if (!route) {
    for (GatewayId id : topology.gateways_in(region)) {
      auto* hop = group.add_next_hops();
      hop->set_gateway(id);
      hop->set_weight(steering::kEcmpWeight);
      add_all_lanes(known(topology, id), hop->mutable_lanes());
    }
    return;
  }
  for (const auto& h : route->next_hops) {
    auto* hop = group.add_next_hops();
    hop->set_gateway(h.gateway);
    hop->set_weight(h.weight);
    add_all_lanes(known(topology, h.gateway), hop->mutable_lanes());
  }
  for (const auto& b : route->backups) {
    auto* backup = group.add_backups();
    backup->set_kind(backup_kind(b.kind));
    backup->set_gateway(b.gateway);
    add_all_lanes(known(topology, b.gateway), backup->mutable_lanes());
  }
}

v1::HealthCheckType check_type(model::HealthCheckType type) {
  switch (type) {
    case model::HealthCheckType::tcp: return v1::HEALTH_CHECK_TCP;
    case model::HealthCheckType::http: return v1::HEALTH_CHECK_HTTP;
    case model::HealthCheckType::udp: return v1::HEALTH_CHECK_UDP;
  }
  return v1::HEALTH_CHECK_UNSPECIFIED;
}

void fill_health_check(const model::HealthCheck& in, v1::HealthCheck& out) {
  out.set_type(check_type(in.type));
  out.set_interval_ms(static_cast<std::uint32_t>(in.interval.count()));
  out.set_rise(in.rise);
  out.set_fall(in.fall);
  out.set_port(in.port);
  if (in.type == model::HealthCheckType::http) out.set_path(in.path);
}

// Groups by id and backends by id, so the model's order of services, groups and backends
// changes no byte.
void fill_service(const model::ServiceModel& in, const std::string& self_region,
                  const std::set<GroupKey>& unhealthy_groups, v1::Service& out) {
  const auto& s = in.service;
  out.set_name(s.name);
  out.add_vips(s.vip.to_string());
  for (const auto& vip : s.extra_vips) out.add_vips(vip.to_string());
  out.set_protocol(s.protocol == 17 ? v1::PROTOCOL_UDP : v1::PROTOCOL_TCP);
  out.set_port_first(s.ports.first);
  out.set_port_last(s.ports.last);
  out.set_affinity(s.affinity == anycast::Affinity::source_ip ? v1::AFFINITY_SOURCE_IP : v1::AFFINITY_NONE);
  out.set_maglev_table_size(s.maglev_table_size);
  if (s.limits.any()) {  // absent otherwise: a service without limits compiles to the same bytes as before
    auto* l = out.mutable_limits();
    l->set_new_flows_per_second(s.limits.new_flows_per_second);
    l->set_new_flows_burst(s.limits.new_flows_burst);
    l->set_source_new_flows_per_second(s.limits.source_new_flows_per_second);
    l->set_source_new_flows_burst(s.limits.source_new_flows_burst);
    l->set_source_packets_per_second(s.limits.source_packets_per_second);
    l->set_source_packets_burst(s.limits.source_packets_burst);
    l->set_source_prefix_v4(s.limits.source_prefix_v4);
    l->set_source_prefix_v6(s.limits.source_prefix_v6);
  }
  std::vector<std::size_t> order(s.groups.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s.groups[a].id < s.groups[b].id; });
  std::vector<std::pair<const anycast::Backend*, const anycast::EndpointGroup*>> backends;
  for (std::size_t i : order) {
    const auto& g = s.groups[i];
    auto* group = out.add_groups();
    group->set_id(g.id);
    group->set_region(g.region);
    group->set_weight(g.weight);
    group->set_dial_percent(g.dial_percent);
    group->set_healthy(g.healthy && unhealthy_groups.count(GroupKey{s.name, g.id}) == 0);
    if (i < in.health_checks.size()) fill_health_check(in.health_checks[i], *group->mutable_health_check());
    for (const auto& b : g.backends) backends.emplace_back(&b, &g);
  }
  std::sort(backends.begin(), backends.end(), [](const auto& a, const auto& b) { return a.first->id < b.first->id; });
  for (const auto& [b, g] : backends) {
    auto* backend = out.add_backends();
    backend->set_id(b->id);
    backend->set_address(b->address.to_string());
    backend->set_weight(b->weight);
    backend->set_group(g->id);
    backend->set_local(g->region == self_region);
  }
}

}  // namespace

std::optional<std::string> snapshot_limits_problem(const model::Model& model) {
  const MeshTopology topology(model);
  for (const auto& region : topology.regions()) {
    if (topology.gateways_in(region).size() > kMaxNextHops) {
      return "region \"" + region + "\" has " + std::to_string(topology.gateways_in(region).size()) +
             " gateways; a snapshot group takes at most " + std::to_string(kMaxNextHops);
    }
  }
  std::size_t all_lanes = 0;
  for (const auto& g : model.gateways) {
    all_lanes += g.lanes;
    if (g.endpoints.empty()) return "gateway " + std::to_string(g.id) + " has no endpoint";
    if (g.endpoints.front().port + static_cast<std::size_t>(g.lanes) - 1 > 65535) {
      return "gateway " + std::to_string(g.id) + ": " + std::to_string(g.lanes) + " lanes from port " +
             std::to_string(g.endpoints.front().port) + " go beyond port 65535";
    }
  }
  for (const auto& s : model.services) {
    for (const auto& g : s.service.groups) {
      for (const auto& b : g.backends) {
        if (b.id > kMaxBackendId) {
          return "service \"" + s.service.name + "\": backend id " + std::to_string(b.id) +
                 " is above " + std::to_string(kMaxBackendId) + " (the XDP backends map)";
        }
      }
    }
  }
  for (const auto& g : model.gateways) {
    if (all_lanes - g.lanes > kMaxLaneSlots) {
      return "gateway " + std::to_string(g.id) + " would have " + std::to_string(all_lanes - g.lanes) +
             " lanes to its peers; a snapshot takes at most " + std::to_string(kMaxLaneSlots);
    }
  }
  return std::nullopt;
}

v1::GatewaySnapshot compile_snapshot(const model::Model& model, const steering::SteeringState& state,
                                     std::uint32_t gateway, std::uint64_t version,
                                     const std::set<GroupKey>& unhealthy_groups) {
  if (version == 0) throw std::invalid_argument("snapshot version 0: versions start at 1");
  const MeshTopology topology(model);
  const auto& self = known(topology, gateway);

  v1::GatewaySnapshot out;
  out.set_version(version);
  out.mutable_self()->set_id(self.id);
  out.mutable_self()->set_region(self.region);
  out.mutable_self()->set_tunnel_address(self.tunnel_address.to_string());
  for (GatewayId id : topology.gateways()) {
    if (id != gateway) fill_peer(known(topology, id), *out.add_peers());
  }
  for (const auto& region : topology.regions()) {
    if (region == self.region || topology.gateways_in(region).empty()) continue;
    fill_group(topology, state.route(gateway, region), region, *out.add_groups());
    for (const auto& prefix : topology.prefixes_of(region)) {
      auto* p = out.add_prefixes();
      p->set_prefix(prefix.to_string());
      p->set_region(region);
    }
  }
  const auto& probe = model.policy.probe;
  out.mutable_probe()->set_interval_ms(static_cast<std::uint32_t>(probe.interval.count()));
  out.mutable_probe()->set_miss_threshold(probe.miss_threshold);
  out.mutable_probe()->set_recover_threshold(probe.recover_threshold);
  out.mutable_probe()->set_timeout_ms(static_cast<std::uint32_t>(probe.timeout.count()));
  std::vector<const model::ServiceModel*> services;
  for (const auto& s : model.services) services.push_back(&s);
  std::sort(services.begin(), services.end(),
            [](const auto* a, const auto* b) { return a->service.name < b->service.name; });
  for (const auto* s : services) fill_service(*s, self.region, unhealthy_groups, *out.add_services());
  return out;
}

std::string serialize_snapshot(const v1::GatewaySnapshot& snapshot) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    snapshot.SerializeToCodedStream(&coded);
  }
  return bytes;
}

}  // namespace anymesh::server
