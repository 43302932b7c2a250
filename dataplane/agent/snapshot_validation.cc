// GatewaySnapshot message -> AppliedSnapshot: every field and every cross-reference checked,
// routes built by the routing library, nothing kept from a refused snapshot.
#include "dataplane/agent/snapshot_validation.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "dataplane/agent/region_name.h"
#include "dataplane/wireguard/crypto.h"

namespace anymesh::agent {
namespace {

using Problem = std::optional<SnapshotError>;

std::string at(const std::string& base, std::size_t i) { return base + "[" + std::to_string(i) + "]"; }

// Untrusted text goes into error messages: keep it short and printable.
std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 64;
  std::string out = "'";
  for (char c : text.substr(0, kShown)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > kShown) out += "...";
  return out + "'";
}

std::optional<IpAddress> parse_ipv4(std::string_view text) {
  auto address = IpAddress::parse(text);
  if (!address || !address->is_v4()) return std::nullopt;
  return address;
}

Problem check_region(const std::string& field, const std::string& region) {
  if (is_region_name(region)) return std::nullopt;
  return SnapshotError{field, quoted(region) + " is not a region name: " + std::string(kRegionNameRule)};
}

// Routing reports group names and prefix targets by its own field names; ours say region.
SnapshotError from_route_error(const routing::RouteError& e) {
  std::string field = e.field;
  for (std::string_view old : {std::string_view(".name"), std::string_view(".group")}) {
    if (field.size() > old.size() && field.ends_with(old)) {
      field.replace(field.size() - old.size(), old.size(), ".region");
    }
  }
  return SnapshotError{field, e.problem};
}

}  // namespace

// Friend of AppliedSnapshot: the only place that makes one.
class SnapshotValidator {
 public:
  SnapshotValidator(const v1::GatewaySnapshot& snapshot, const ProbeSettings& fallback)
      : in_(snapshot), fallback_(fallback) {}

  Result<AppliedSnapshot, SnapshotError> run() {
    if (auto e = check_version()) return fail(*e);
    if (auto e = check_self()) return fail(*e);
    if (auto e = check_peers()) return fail(*e);
    if (auto e = check_groups()) return fail(*e);
    if (auto e = check_prefixes()) return fail(*e);
    if (auto e = check_probe()) return fail(*e);
    if (auto e = check_services()) return fail(*e);
    auto table = routing::RouteTable::build(routes_);
    if (!table) return fail(from_route_error(table.error()));
    auto services = anycast::ServiceTable::build(services_);
    if (!services) return fail(from_service_error(services.error()));
    return AppliedSnapshot(in_.version(), std::move(self_), std::move(peers_), std::move(routes_),
                           std::move(*table), probe_,
                           AnycastServices(std::move(services_), std::move(*services), std::move(checks_)));
  }

 private:
  Problem check_version() {
    if (in_.version() == 0) return SnapshotError{"version", "0 is not a version (versions start at 1)"};
    return std::nullopt;
  }

  Problem check_self() {
    if (!in_.has_self()) return SnapshotError{"self", "missing"};
    const auto& self = in_.self();
    if (self.id() == 0) return SnapshotError{"self.id", "must not be 0"};
    if (auto e = check_region("self.region", self.region())) return e;
    auto tunnel = parse_ipv4(self.tunnel_address());
    if (!tunnel) {
      return SnapshotError{"self.tunnel_address", quoted(self.tunnel_address()) + " is not an IPv4 address"};
    }
    self_ = GatewayIdentity{self.id(), self.region(), *tunnel, {}};
    if (self.lane_public_keys_size() > static_cast<int>(probe::kMaxLanesPerPeer)) {
      return SnapshotError{"self.lane_public_keys", "more than " + std::to_string(probe::kMaxLanesPerPeer) + " lanes"};
    }
    for (int i = 0; i < self.lane_public_keys_size(); ++i) {
      std::optional<wg::Key> key;
      if (!self.lane_public_keys(i).empty()) {
        key.emplace();
        if (auto e = check_key(at("self.lane_public_keys", static_cast<std::size_t>(i)), self.lane_public_keys(i), *key)) {
          return e;
        }
      }
      self_.lane_keys.push_back(key);
    }
    tunnel_owners_.emplace(*tunnel, "self");
    return std::nullopt;
  }

  Problem check_peers() {
    std::map<wg::Key, std::size_t> keys;
    std::size_t slots = 0;
    for (int i = 0; i < in_.peers_size(); ++i) {
      const auto& in = in_.peers(i);
      const std::string base = at("peers", static_cast<std::size_t>(i));
      PeerGateway peer;
      if (in.id() == 0) return SnapshotError{base + ".id", "must not be 0"};
      if (in.id() == self_.id) return SnapshotError{base + ".id", std::to_string(in.id()) + " is this gateway's own id"};
      if (auto it = peer_index_.find(in.id()); it != peer_index_.end()) {
        return SnapshotError{base + ".id", std::to_string(in.id()) + " already is " + at("peers", it->second)};
      }
      peer.id = in.id();
      peer.no_probes = in.no_probes();
      if (auto e = check_region(base + ".region", in.region())) return e;
      peer.region = in.region();
      if (auto e = check_key(base + ".public_key", in.public_key(), peer.public_key)) return e;
      if (auto [it, fresh] = keys.try_emplace(peer.public_key, static_cast<std::size_t>(i)); !fresh) {
        return SnapshotError{base + ".public_key", "the same key as " + at("peers", it->second)};
      }
      if (auto e = check_endpoints(base, in, peer)) return e;
      if (auto e = check_peer_tunnel(base, in.tunnel_address(), peer)) return e;
      if (auto e = check_lanes(base, in, slots, peer)) return e;
      slots += peer.lanes.size();
      peer_index_.emplace(peer.id, static_cast<std::size_t>(i));
      peers_.push_back(std::move(peer));
    }
    return std::nullopt;
  }

  static Problem check_key(const std::string& field, const std::string& bytes, wg::Key& key) {
    if (bytes.size() != key.size()) {
      return SnapshotError{field, std::to_string(bytes.size()) + " bytes, a key is " + std::to_string(key.size())};
    }
    std::copy(bytes.begin(), bytes.end(), key.begin());
    if (wg::is_zero(key)) return SnapshotError{field, "all zeros is not a public key"};
    return std::nullopt;
  }

  static Problem check_endpoints(const std::string& base, const v1::PeerGateway& in, PeerGateway& peer) {
    if (in.endpoints_size() == 0) return SnapshotError{base + ".endpoints", "must list at least one ip:port"};
    for (int j = 0; j < in.endpoints_size(); ++j) {
      const std::string field = at(base + ".endpoints", static_cast<std::size_t>(j));
      auto endpoint = wg::Endpoint::parse(in.endpoints(j));
      if (!endpoint) return SnapshotError{field, quoted(in.endpoints(j)) + " is not ip:port"};
      if (endpoint->port == 0) return SnapshotError{field, quoted(in.endpoints(j)) + ": 0 is not a port"};
      peer.endpoints.push_back(*endpoint);
    }
    return std::nullopt;
  }

  Problem check_peer_tunnel(const std::string& base, const std::string& text, PeerGateway& peer) {
    const std::string field = base + ".tunnel_address";
    auto tunnel = parse_ipv4(text);
    if (!tunnel) return SnapshotError{field, quoted(text) + " is not an IPv4 address"};
    auto [it, fresh] = tunnel_owners_.try_emplace(*tunnel, base);
    if (!fresh) return SnapshotError{field, tunnel->to_string() + " already is the address of " + it->second};
    peer.tunnel_address = *tunnel;
    return std::nullopt;
  }

  static Problem check_lanes(const std::string& base, const v1::PeerGateway& in, std::size_t first_slot,
                             PeerGateway& peer) {
    const auto count = static_cast<std::size_t>(in.lanes_size());
    if (count == 0 || count > probe::kMaxLanesPerPeer) {
      return SnapshotError{base + ".lanes", "must list 1 to " + std::to_string(probe::kMaxLanesPerPeer) +
                                                " lanes, got " + std::to_string(count)};
    }
    if (first_slot + count > routing::kMaxLaneSlots) {
      return SnapshotError{base + ".lanes", "more than " + std::to_string(routing::kMaxLaneSlots) +
                                                " lanes over all peers"};
    }
    peer.lanes.resize(count);
    std::vector<int> seen_id(count, -1);
    std::map<std::uint32_t, std::size_t> ports;
    for (std::size_t k = 0; k < count; ++k) {
      const auto& lane = in.lanes(static_cast<int>(k));
      const std::string field = at(base + ".lanes", k);
      if (lane.id() >= count) {
        return SnapshotError{field + ".id", std::to_string(lane.id()) + " is not below the lane count " +
                                                std::to_string(count) + " (lanes are numbered from 0)"};
      }
      if (seen_id[lane.id()] >= 0) {
        return SnapshotError{field + ".id", "lane " + std::to_string(lane.id()) + " already is " +
                                                at(base + ".lanes", static_cast<std::size_t>(seen_id[lane.id()]))};
      }
      seen_id[lane.id()] = static_cast<int>(k);
      if (lane.port() == 0 || lane.port() > 65535) {
        return SnapshotError{field + ".port", std::to_string(lane.port()) + " is not a port"};
      }
      if (auto [it, fresh] = ports.try_emplace(lane.port(), k); !fresh) {
        return SnapshotError{field + ".port", "port " + std::to_string(lane.port()) + " already used by " +
                                                  at(base + ".lanes", it->second)};
      }
      wg::Key key = peer.public_key;
      if (!lane.public_key().empty()) {
        if (auto e = check_key(field + ".public_key", lane.public_key(), key)) return e;
      }
      peer.lanes[lane.id()] = PeerLane{static_cast<probe::LaneId>(lane.id()),
                                       static_cast<std::uint16_t>(lane.port()),
                                       static_cast<routing::LaneSlot>(first_slot + lane.id()), key};
    }
    return std::nullopt;
  }

  // The peer a hop names, or why not.
  Problem find_hop_peer(const std::string& field, std::uint32_t id, const PeerGateway*& peer) const {
    auto it = peer_index_.find(id);
    if (it == peer_index_.end()) return SnapshotError{field, "no peer with id " + std::to_string(id)};
    peer = &peers_[it->second];
    return std::nullopt;
  }

  // Lane ids of `peer` -> lane slots, each id once.
  static Problem map_lanes(const std::string& hop, const google::protobuf::RepeatedField<std::uint32_t>& ids,
                           const PeerGateway& peer, std::vector<routing::LaneSlot>& slots) {
    std::set<std::uint32_t> seen;
    for (int k = 0; k < ids.size(); ++k) {
      const std::string field = at(hop + ".lanes", static_cast<std::size_t>(k));
      std::uint32_t id = ids.Get(k);
      if (id >= peer.lanes.size()) {
        return SnapshotError{field, "peer " + std::to_string(peer.id) + " has no lane " + std::to_string(id) +
                                        " (it has " + std::to_string(peer.lanes.size()) + ")"};
      }
      if (!seen.insert(id).second) return SnapshotError{field, "lane " + std::to_string(id) + " listed twice"};
      slots.push_back(peer.lanes[id].slot);
    }
    return std::nullopt;
  }

  Problem check_groups() {
    std::map<std::string, std::size_t> regions;
    for (int g = 0; g < in_.groups_size(); ++g) {
      const auto& in = in_.groups(g);
      const std::string base = at("groups", static_cast<std::size_t>(g));
      if (auto e = check_region(base + ".region", in.region())) return e;
      if (in.region() == self_.region) {
        return SnapshotError{base + ".region", quoted(in.region()) +
                                                   " is this gateway's own region: its prefixes leave by the inner port"};
      }
      if (auto [it, fresh] = regions.try_emplace(in.region(), static_cast<std::size_t>(g)); !fresh) {
        return SnapshotError{base + ".region", quoted(in.region()) + " already is " + at("groups", it->second)};
      }
      routing::GroupDescription group;
      group.name = in.region();
      for (int j = 0; j < in.next_hops_size(); ++j) {
        if (auto e = check_next_hop(at(base + ".next_hops", static_cast<std::size_t>(j)), in.next_hops(j), group)) {
          return e;
        }
      }
      for (int j = 0; j < in.backups_size(); ++j) {
        if (auto e = check_backup(at(base + ".backups", static_cast<std::size_t>(j)), in.backups(j), group)) {
          return e;
        }
      }
      routes_.groups.push_back(std::move(group));
    }
    return std::nullopt;
  }

  Problem check_next_hop(const std::string& field, const v1::NextHop& in, routing::GroupDescription& group) const {
    const PeerGateway* peer = nullptr;
    if (auto e = find_hop_peer(field + ".gateway", in.gateway(), peer)) return e;
    if (peer->region == self_.region) {
      return SnapshotError{field + ".gateway", "peer " + std::to_string(peer->id) +
                                                   " is in this gateway's own region " + quoted(self_.region)};
    }
    routing::NextHopDescription hop{peer->id, {}, in.weight()};
    if (auto e = map_lanes(field, in.lanes(), *peer, hop.lanes)) return e;
    group.next_hops.push_back(std::move(hop));
    return std::nullopt;
  }

  Problem check_backup(const std::string& field, const v1::Backup& in, routing::GroupDescription& group) const {
    routing::BackupDescription backup;
    switch (in.kind()) {
      case v1::BACKUP_KIND_OTHER_LANE: backup.kind = routing::BackupKind::other_lane; break;
      case v1::BACKUP_KIND_OTHER_GATEWAY: backup.kind = routing::BackupKind::other_gateway; break;
      case v1::BACKUP_KIND_RELAY: backup.kind = routing::BackupKind::relay; break;
      case v1::BACKUP_KIND_UNSPECIFIED: return SnapshotError{field + ".kind", "must be set"};
      default: return SnapshotError{field + ".kind", "unknown backup kind " + std::to_string(static_cast<int>(in.kind()))};
    }
    const PeerGateway* peer = nullptr;
    if (auto e = find_hop_peer(field + ".gateway", in.gateway(), peer)) return e;
    const std::string who = "peer " + std::to_string(peer->id) + " is in region " + quoted(peer->region);
    if (peer->region == self_.region) {
      return SnapshotError{field + ".gateway", who + ", this gateway's own: a backup never goes through it"};
    }
    if (backup.kind == routing::BackupKind::other_gateway && peer->region != group.name) {
      return SnapshotError{field + ".gateway", who + ", not the destination region " + quoted(group.name)};
    }
    if (backup.kind == routing::BackupKind::relay && peer->region == group.name) {
      return SnapshotError{field + ".gateway", who + ", the destination itself: a relay is in a third region"};
    }
    backup.gateway = peer->id;
    if (auto e = map_lanes(field, in.lanes(), *peer, backup.lanes)) return e;
    group.backups.push_back(std::move(backup));
    return std::nullopt;
  }

  Problem check_prefixes() {
    for (int p = 0; p < in_.prefixes_size(); ++p) {
      const auto& in = in_.prefixes(p);
      const std::string base = at("prefixes", static_cast<std::size_t>(p));
      const std::string& text = in.prefix();
      auto slash = text.find('/');
      // IpPrefix::parse() masks host bits; parsing the address apart keeps them, so that the
      // routing rules refuse "10.3.0.1/16" instead of silently routing 10.3.0.0/16.
      auto masked = slash == std::string::npos ? std::nullopt : IpPrefix::parse(text);
      auto address = slash == std::string::npos ? std::nullopt : IpAddress::parse(std::string_view(text).substr(0, slash));
      if (!masked || !address) return SnapshotError{base + ".prefix", quoted(text) + " is not address/length"};
      bool known = std::any_of(routes_.groups.begin(), routes_.groups.end(),
                               [&](const auto& group) { return group.name == in.region(); });
      if (!known) return SnapshotError{base + ".region", "no group for region " + quoted(in.region())};
      routes_.prefixes.push_back(routing::PrefixDescription{IpPrefix{*address, masked->length}, in.region()});
    }
    return std::nullopt;
  }

  Problem check_probe() {
    probe_ = fallback_;
    if (in_.has_probe()) {
      const auto& in = in_.probe();
      if (in.interval_ms() != 0) probe_.interval = std::chrono::milliseconds(in.interval_ms());
      if (in.timeout_ms() != 0) probe_.timeout = std::chrono::milliseconds(in.timeout_ms());
      if (in.miss_threshold() != 0) probe_.miss_threshold = in.miss_threshold();
      if (in.recover_threshold() != 0) probe_.recover_threshold = in.recover_threshold();
    }
    auto problem = check_probe_settings(probe_);
    if (!problem) return std::nullopt;
    const char* field = "probe";
    switch (problem->setting) {
      case ProbeSetting::interval: field = "probe.interval_ms"; break;
      case ProbeSetting::timeout: field = "probe.timeout_ms"; break;
      case ProbeSetting::miss_threshold: field = "probe.miss_threshold"; break;
      case ProbeSetting::recover_threshold: field = "probe.recover_threshold"; break;
    }
    return SnapshotError{field, problem->problem};
  }

  // --- services ---

  Problem check_services() {
    std::set<std::string> names;
    std::map<std::uint32_t, std::string> backend_ids;
    for (int i = 0; i < in_.services_size(); ++i) {
      const auto& in = in_.services(i);
      const std::string base = at("services", static_cast<std::size_t>(i));
      anycast::Service out;
      if (in.name().empty()) return SnapshotError{base + ".name", "must not be empty"};
      if (!names.insert(in.name()).second) return SnapshotError{base + ".name", quoted(in.name()) + " names another service"};
      out.name = in.name();
      if (auto e = check_vips(base, in, out)) return e;
      if (auto e = check_service_protocol(base, in, out)) return e;
      if (auto e = check_limits(base + ".limits", in, out)) return e;
      std::map<std::uint32_t, int> group_index;
      for (int g = 0; g < in.groups_size(); ++g) {
        if (auto e = check_endpoint_group(at(base + ".groups", static_cast<std::size_t>(g)), in.groups(g), out,
                                          group_index)) {
          return e;
        }
      }
      if (in.groups_size() == 0) return SnapshotError{base + ".groups", "must list at least one endpoint group"};
      std::vector<std::vector<IpAddress>> addresses(out.groups.size());
      std::vector<std::size_t> counts(out.groups.size()), weighted(out.groups.size());
      for (int b = 0; b < in.backends_size(); ++b) {
        const std::string field = at(base + ".backends", static_cast<std::size_t>(b));
        if (auto e = check_service_backend(field, in.backends(b), in, out, group_index, backend_ids, addresses)) return e;
        std::size_t g = static_cast<std::size_t>(group_index.at(in.backends(b).group()));
        ++counts[g];
        weighted[g] += in.backends(b).weight() > 0;
      }
      for (std::size_t g = 0; g < out.groups.size(); ++g) {
        if (counts[g] > 0 && weighted[g] == 0) {
          return SnapshotError{at(base + ".groups", g), "every backend of the group has weight 0"};
        }
      }
      std::size_t largest = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
      if (auto e = check_table_size(base, in.maglev_table_size(), largest, out)) return e;
      services_.push_back(std::move(out));
    }
    return std::nullopt;
  }

  static Problem check_vips(const std::string& base, const v1::Service& in, anycast::Service& out) {
    constexpr int kMaxVips = 16;
    if (in.vips_size() == 0 || in.vips_size() > kMaxVips) {
      return SnapshotError{base + ".vips", "must list 1 to " + std::to_string(kMaxVips) + " addresses, got " +
                                               std::to_string(in.vips_size())};
    }
    for (int v = 0; v < in.vips_size(); ++v) {
      const std::string field = at(base + ".vips", static_cast<std::size_t>(v));
      auto vip = IpAddress::parse(in.vips(v));
      if (!vip) return SnapshotError{field, quoted(in.vips(v)) + " is not an IP address"};
      bool seen = *vip == out.vip && v > 0;
      seen = seen || std::find(out.extra_vips.begin(), out.extra_vips.end(), *vip) != out.extra_vips.end();
      if (seen) return SnapshotError{field, vip->to_string() + " is listed twice"};
      if (v == 0) {
        out.vip = *vip;
      } else {
        out.extra_vips.push_back(*vip);
      }
    }
    return std::nullopt;
  }

  static Problem check_rate(const std::string& base, const char* rate_name, std::uint32_t rate,
                            const char* burst_name, std::uint32_t burst) {
    if (rate != 0 && burst == 0) {
      return SnapshotError{base + "." + burst_name, "0 with " + std::string(rate_name) + " " + std::to_string(rate) +
                                                        ": a rate needs a burst of at least 1"};
    }
    if (rate == 0 && burst != 0) {
      return SnapshotError{base + "." + burst_name, std::to_string(burst) + " without " + rate_name + ": a burst needs a rate"};
    }
    return std::nullopt;
  }

  // Absent limits: none. Prefix lengths 0 take the defaults (/24, /64).
  static Problem check_limits(const std::string& base, const v1::Service& in, anycast::Service& out) {
    if (!in.has_limits()) return std::nullopt;
    const auto& l = in.limits();
    if (auto e = check_rate(base, "new_flows_per_second", l.new_flows_per_second(), "new_flows_burst", l.new_flows_burst())) {
      return e;
    }
    if (auto e = check_rate(base, "source_new_flows_per_second", l.source_new_flows_per_second(), "source_new_flows_burst",
                            l.source_new_flows_burst())) {
      return e;
    }
    if (auto e = check_rate(base, "source_packets_per_second", l.source_packets_per_second(), "source_packets_burst",
                            l.source_packets_burst())) {
      return e;
    }
    if (l.source_prefix_v4() > 32) {
      return SnapshotError{base + ".source_prefix_v4", std::to_string(l.source_prefix_v4()) + " is not 0 (24) or 1 .. 32"};
    }
    if (l.source_prefix_v6() > 128) {
      return SnapshotError{base + ".source_prefix_v6", std::to_string(l.source_prefix_v6()) + " is not 0 (64) or 1 .. 128"};
    }
    auto& o = out.limits;
    o.new_flows_per_second = l.new_flows_per_second();
    o.new_flows_burst = l.new_flows_burst();
    o.source_new_flows_per_second = l.source_new_flows_per_second();
    o.source_new_flows_burst = l.source_new_flows_burst();
    o.source_packets_per_second = l.source_packets_per_second();
    o.source_packets_burst = l.source_packets_burst();
    if (l.source_prefix_v4() != 0) o.source_prefix_v4 = static_cast<std::uint8_t>(l.source_prefix_v4());
    if (l.source_prefix_v6() != 0) o.source_prefix_v6 = static_cast<std::uint8_t>(l.source_prefix_v6());
    return std::nullopt;
  }

  static Problem check_service_protocol(const std::string& base, const v1::Service& in, anycast::Service& out) {
    switch (in.protocol()) {
      case v1::PROTOCOL_TCP: out.protocol = 6; break;
      case v1::PROTOCOL_UDP: out.protocol = 17; break;
      default: return SnapshotError{base + ".protocol", "must be PROTOCOL_TCP or PROTOCOL_UDP"};
    }
    if (in.port_first() == 0 || in.port_first() > 65535) {
      return SnapshotError{base + ".port_first", std::to_string(in.port_first()) + " is not a port"};
    }
    std::uint32_t last = in.port_last() == 0 ? in.port_first() : in.port_last();
    if (last < in.port_first() || last > 65535) {
      return SnapshotError{base + ".port_last", std::to_string(in.port_last()) + " is not a port from port_first (" +
                                                    std::to_string(in.port_first()) + ") to 65535"};
    }
    out.ports = {static_cast<std::uint16_t>(in.port_first()), static_cast<std::uint16_t>(last)};
    switch (in.affinity()) {
      case v1::AFFINITY_NONE: out.affinity = anycast::Affinity::none; break;
      case v1::AFFINITY_SOURCE_IP: out.affinity = anycast::Affinity::source_ip; break;
      default: return SnapshotError{base + ".affinity", "unknown affinity " + std::to_string(static_cast<int>(in.affinity()))};
    }
    return std::nullopt;
  }

  static Problem check_health_check(const std::string& field, const v1::HealthCheck& in, HealthCheckSpec& out) {
    switch (in.type()) {
      case v1::HEALTH_CHECK_TCP: out.kind = HealthCheckKind::tcp; break;
      case v1::HEALTH_CHECK_HTTP: out.kind = HealthCheckKind::http; break;
      case v1::HEALTH_CHECK_UDP: out.kind = HealthCheckKind::udp; break;
      default: return SnapshotError{field + ".type", "must be HEALTH_CHECK_TCP, _HTTP or _UDP"};
    }
    if (in.interval_ms() < 10 || in.interval_ms() > 3'600'000) {
      return SnapshotError{field + ".interval_ms", std::to_string(in.interval_ms()) + " is not 10 .. 3600000"};
    }
    if (in.rise() < 1 || in.rise() > 1000) return SnapshotError{field + ".rise", std::to_string(in.rise()) + " is not 1 .. 1000"};
    if (in.fall() < 1 || in.fall() > 1000) return SnapshotError{field + ".fall", std::to_string(in.fall()) + " is not 1 .. 1000"};
    if (in.port() == 0 || in.port() > 65535) return SnapshotError{field + ".port", std::to_string(in.port()) + " is not a port"};
    if (out.kind == HealthCheckKind::http) {
      if (in.path().empty() || in.path().front() != '/') {
        return SnapshotError{field + ".path", quoted(in.path()) + " does not start with /"};
      }
      if (in.path().find_first_of(" \r\n") != std::string::npos) {
        return SnapshotError{field + ".path", quoted(in.path()) + " holds a space or line break"};
      }
      out.path = in.path();
    } else if (!in.path().empty()) {
      return SnapshotError{field + ".path", "only an http check has a path"};
    }
    out.interval = std::chrono::milliseconds(in.interval_ms());
    out.rise = in.rise();
    out.fall = in.fall();
    out.port = static_cast<std::uint16_t>(in.port());
    return std::nullopt;
  }

  Problem check_endpoint_group(const std::string& field, const v1::EndpointGroup& in, anycast::Service& out,
                               std::map<std::uint32_t, int>& group_index) {
    if (in.id() > 65535) return SnapshotError{field + ".id", std::to_string(in.id()) + " is above 65535"};
    if (auto [it, fresh] = group_index.try_emplace(in.id(), static_cast<int>(out.groups.size())); !fresh) {
      return SnapshotError{field + ".id", std::to_string(in.id()) + " is the id of another group of the service"};
    }
    if (auto e = check_region(field + ".region", in.region())) return e;
    for (const auto& g : out.groups) {
      if (g.region == in.region()) return SnapshotError{field + ".region", quoted(in.region()) + " has another group in this service"};
    }
    if (in.weight() > 255) return SnapshotError{field + ".weight", std::to_string(in.weight()) + " is above 255"};
    if (in.dial_percent() > 100) return SnapshotError{field + ".dial_percent", std::to_string(in.dial_percent()) + " is above 100"};
    HealthCheckSpec spec;
    if (auto e = check_health_check(field + ".health_check", in.health_check(), spec)) return e;
    anycast::EndpointGroup g;
    g.id = static_cast<std::uint16_t>(in.id());
    g.region = in.region();
    g.weight = in.weight();
    g.dial_percent = in.dial_percent();
    g.healthy = !in.has_healthy() || in.healthy();
    out.groups.push_back(std::move(g));
    group_specs_.push_back(spec);
    return std::nullopt;
  }

  Problem check_service_backend(const std::string& field, const v1::Backend& in, const v1::Service& service,
                                anycast::Service& out, const std::map<std::uint32_t, int>& group_index,
                                std::map<std::uint32_t, std::string>& backend_ids,
                                std::vector<std::vector<IpAddress>>& addresses) {
    // The XDP backends map is indexed by id (bpf/include/map_layouts.h).
    if (in.id() > 65535) return SnapshotError{field + ".id", std::to_string(in.id()) + " is above 65535"};
    if (auto [it, fresh] = backend_ids.try_emplace(in.id(), field); !fresh) {
      return SnapshotError{field + ".id", std::to_string(in.id()) + " already is " + it->second};
    }
    auto address = IpAddress::parse(in.address());
    if (!address) return SnapshotError{field + ".address", quoted(in.address()) + " is not an IP address"};
    if (in.weight() > 255) return SnapshotError{field + ".weight", std::to_string(in.weight()) + " is above 255"};
    auto g = group_index.find(in.group());
    if (g == group_index.end()) return SnapshotError{field + ".group", "no group with id " + std::to_string(in.group())};
    auto& group = out.groups[static_cast<std::size_t>(g->second)];
    auto& seen = addresses[static_cast<std::size_t>(g->second)];
    if (std::find(seen.begin(), seen.end(), *address) != seen.end()) {
      return SnapshotError{field + ".address", address->to_string() + " appears twice in group " + std::to_string(in.group())};
    }
    seen.push_back(*address);
    bool ours = group.region == self_.region;
    if (in.local() != ours) {
      return SnapshotError{field + ".local", std::string(in.local() ? "set" : "not set") + " but group " +
                                                 std::to_string(in.group()) + " is in region " + quoted(group.region) +
                                                 (ours ? ", this gateway's" : ", not this gateway's " + quoted(self_.region))};
    }
    if (!ours) return std::nullopt;  // another region's: reached through the tunnel, not listed
    group.backends.push_back(anycast::Backend{in.id(), *address, in.weight(), true});
    checks_.push_back(BackendCheck{in.id(), *address, service.name(), group.id,
                                   group_specs_[group_specs_.size() - out.groups.size() + static_cast<std::size_t>(g->second)]});
    return std::nullopt;
  }

  static Problem check_table_size(const std::string& base, std::uint32_t size, std::size_t largest_group,
                                  anycast::Service& out) {
    const std::string field = base + ".maglev_table_size";
    if (size == 0) size = anycast::kDefaultMaglevTableSize;
    if (size > anycast::kMaxMaglevTableSize) return SnapshotError{field, std::to_string(size) + " is above 16777216"};
    if (!anycast::is_prime(size)) return SnapshotError{field, std::to_string(size) + " is not prime"};
    if (static_cast<std::uint64_t>(size) < std::uint64_t{anycast::kMaglevSlotsPerBackend} * largest_group) {
      return SnapshotError{field, std::to_string(size) + " is below 100 slots for each of " +
                                      std::to_string(largest_group) + " backends of a group"};
    }
    out.maglev_table_size = size;
    return std::nullopt;
  }

  // What ServiceTable::build() still finds (VIP and port overlaps between services), in our fields.
  static SnapshotError from_service_error(const anycast::ServiceError& e) {
    std::string field = e.field;
    auto replace_tail = [&field](std::string_view old, const std::string& now) {
      if (field.size() > old.size() && field.ends_with(old)) {
        field.replace(field.size() - old.size(), old.size(), now);
        return true;
      }
      return false;
    };
    if (!replace_tail(".ports", ".port_first")) {
      auto extra = field.find(".extra_vips[");
      if (extra != std::string::npos) {
        auto index = std::stoul(field.substr(extra + 12));
        field = field.substr(0, extra) + ".vips[" + std::to_string(index + 1) + "]";
      }
    }
    return SnapshotError{field, e.reason};
  }

  const v1::GatewaySnapshot& in_;
  const ProbeSettings& fallback_;
  GatewayIdentity self_;
  std::vector<PeerGateway> peers_;
  std::map<GatewayId, std::size_t> peer_index_;
  std::map<IpAddress, std::string> tunnel_owners_;
  routing::RouteDescription routes_;
  ProbeSettings probe_;
  std::vector<anycast::Service> services_;
  std::vector<HealthCheckSpec> group_specs_;  // per group of every service so far, in order
  std::vector<BackendCheck> checks_;
};

Result<AppliedSnapshot, SnapshotError> validate_snapshot(const v1::GatewaySnapshot& snapshot,
                                                         const ProbeSettings& fallback) {
  return SnapshotValidator(snapshot, fallback).run();
}

}  // namespace anymesh::agent
