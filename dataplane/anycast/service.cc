// ServiceTable::build (validation naming the field, Maglev per group) and the lookups over it.
#include "dataplane/anycast/service.h"

#include <algorithm>
#include <set>
#include <unordered_set>
#include <utility>

#include "dataplane/packet/ip_protocol.h"

namespace anymesh::anycast {
namespace {

inline constexpr std::uint32_t kMaxWeight = 255;
inline constexpr std::uint32_t kMaxDial = 100;
inline constexpr std::uint32_t kNoBackendId = AM_MAGLEV_EMPTY;

std::string at(std::string_view base, std::string_view member, std::size_t index) {
  return std::string(base) + "." + std::string(member) + "[" + std::to_string(index) + "]";
}

Failure<ServiceError> error(std::string field, std::string reason) {
  return fail(ServiceError{std::move(field), std::move(reason)});
}

std::optional<ServiceError> check_backends(const EndpointGroup& g, const std::string& path,
                                           std::unordered_set<std::uint32_t>& ids) {
  std::set<IpAddress> addresses;
  bool any_weight = false;
  for (std::size_t b = 0; b < g.backends.size(); ++b) {
    const auto& backend = g.backends[b];
    auto here = at(path, "backends", b);
    if (backend.id == kNoBackendId) {
      return ServiceError{here + ".id", "4294967295 is reserved"};
    }
    if (!ids.insert(backend.id).second) {
      return ServiceError{here + ".id", std::to_string(backend.id) + " is used by another backend"};
    }
    if (!addresses.insert(backend.address).second) {
      return ServiceError{here + ".address",
                          backend.address.to_string() + " appears twice in the group"};
    }
    if (backend.weight > kMaxWeight) {
      return ServiceError{here + ".weight", std::to_string(backend.weight) + " is above 255"};
    }
    any_weight = any_weight || backend.weight > 0;
  }
  if (!g.backends.empty() && !any_weight) {
    return ServiceError{path + ".backends", "every backend has weight 0"};
  }
  return std::nullopt;
}

std::optional<ServiceError> check_group(const EndpointGroup& g, const std::string& path) {
  if (g.region.empty()) return ServiceError{path + ".region", "is empty"};
  if (g.weight > kMaxWeight) {
    return ServiceError{path + ".weight", std::to_string(g.weight) + " is above 255"};
  }
  if (g.dial_percent > kMaxDial) {
    return ServiceError{path + ".dial_percent", std::to_string(g.dial_percent) + " is above 100"};
  }
  return std::nullopt;
}

// A table given slot by slot: prime size, every slot one of the group's backends.
std::optional<ServiceError> check_given_slots(const EndpointGroup& g, const std::string& path) {
  if (g.maglev_slots.empty()) return std::nullopt;
  auto field = path + ".maglev_slots";
  if (g.backends.empty()) return ServiceError{field, "given for a group without backends"};
  auto size = g.maglev_slots.size();
  if (size > kMaxMaglevTableSize || !is_prime(static_cast<std::uint32_t>(size))) {
    return ServiceError{field, std::to_string(size) + " slots is not a prime size up to 16777216"};
  }
  for (std::size_t i = 0; i < size; ++i) {
    auto id = g.maglev_slots[i];
    bool known = std::any_of(g.backends.begin(), g.backends.end(),
                             [id](const Backend& b) { return b.id == id; });
    if (!known) {
      return ServiceError{field + "[" + std::to_string(i) + "]",
                          std::to_string(id) + " is not a backend of the group"};
    }
  }
  return std::nullopt;
}

// A rate needs a burst; a burst without its rate would silently do nothing.
std::optional<ServiceError> check_rate(const std::string& path, const char* rate_name, std::uint32_t rate,
                                       const char* burst_name, std::uint32_t burst) {
  if (rate != 0 && burst == 0) {
    return ServiceError{path + "." + burst_name, "0 with " + std::string(rate_name) + " " + std::to_string(rate) +
                                                    ": a rate needs a burst of at least 1"};
  }
  if (rate == 0 && burst != 0) {
    return ServiceError{path + "." + burst_name,
                        std::to_string(burst) + " without " + rate_name + ": a burst needs a rate"};
  }
  return std::nullopt;
}

std::optional<ServiceError> check_limits(const ServiceLimits& l, const std::string& path) {
  if (auto e = check_rate(path, "new_flows_per_second", l.new_flows_per_second, "new_flows_burst", l.new_flows_burst)) {
    return e;
  }
  if (auto e = check_rate(path, "source_new_flows_per_second", l.source_new_flows_per_second,
                          "source_new_flows_burst", l.source_new_flows_burst)) {
    return e;
  }
  if (auto e = check_rate(path, "source_packets_per_second", l.source_packets_per_second,
                          "source_packets_burst", l.source_packets_burst)) {
    return e;
  }
  if (l.source_prefix_v4 < 1 || l.source_prefix_v4 > 32) {
    return ServiceError{path + ".source_prefix_v4", std::to_string(l.source_prefix_v4) + " is not 1 .. 32"};
  }
  if (l.source_prefix_v6 < 1 || l.source_prefix_v6 > 128) {
    return ServiceError{path + ".source_prefix_v6", std::to_string(l.source_prefix_v6) + " is not 1 .. 128"};
  }
  return std::nullopt;
}

std::optional<ServiceError> check_service(const Service& s, const std::string& path,
                                          std::unordered_set<std::uint32_t>& backend_ids) {
  if (s.name.empty()) return ServiceError{path + ".name", "is empty"};
  if (s.protocol != ip_protocol::tcp && s.protocol != ip_protocol::udp) {
    return ServiceError{path + ".protocol",
                        std::to_string(s.protocol) + " is neither tcp (6) nor udp (17)"};
  }
  if (s.ports.first > s.ports.last) {
    return ServiceError{path + ".ports", "first port " + std::to_string(s.ports.first) +
                                             " is above last port " + std::to_string(s.ports.last)};
  }
  if (auto e = check_limits(s.limits, path + ".limits")) return e;
  if (s.groups.empty()) return ServiceError{path + ".groups", "is empty"};
  std::unordered_set<std::string> regions;
  std::unordered_set<std::uint16_t> group_ids;
  std::size_t largest_group = 0;
  for (std::size_t i = 0; i < s.groups.size(); ++i) {
    const auto& g = s.groups[i];
    auto here = at(path, "groups", i);
    if (auto e = check_group(g, here)) return e;
    if (!regions.insert(g.region).second) {
      return ServiceError{here + ".region", g.region + " has another group in this service"};
    }
    if (!group_ids.insert(g.id).second) {
      return ServiceError{here + ".id", std::to_string(g.id) + " is used by another group"};
    }
    if (auto e = check_backends(g, here, backend_ids)) return e;
    if (auto e = check_given_slots(g, here)) return e;
    if (g.maglev_slots.empty()) largest_group = std::max(largest_group, g.backends.size());
  }
  auto size_field = path + ".maglev_table_size";
  if (s.maglev_table_size > kMaxMaglevTableSize) {
    return ServiceError{size_field, std::to_string(s.maglev_table_size) + " is above 16777216"};
  }
  if (!is_prime(s.maglev_table_size)) {
    return ServiceError{size_field, std::to_string(s.maglev_table_size) + " is not prime"};
  }
  // Checked against every backend, not the healthy ones, so a health change never invalidates it.
  if (static_cast<std::uint64_t>(s.maglev_table_size) <
      static_cast<std::uint64_t>(kMaglevSlotsPerBackend) * largest_group) {
    return ServiceError{size_field, std::to_string(s.maglev_table_size) +
                                        " is below 100 slots for each of " +
                                        std::to_string(largest_group) + " backends"};
  }
  return std::nullopt;
}

// Healthy backends with weight, or (fail open) every backend with weight when none is healthy.
std::vector<MaglevBackend> maglev_members(const EndpointGroup& g, std::vector<std::uint32_t>& index) {
  bool any_healthy = std::any_of(g.backends.begin(), g.backends.end(),
                                 [](const Backend& b) { return b.healthy && b.weight > 0; });
  std::vector<MaglevBackend> members;
  for (std::uint32_t i = 0; i < g.backends.size(); ++i) {
    const auto& b = g.backends[i];
    if (b.weight == 0 || (any_healthy && !b.healthy)) continue;
    members.push_back({b.address.to_string(), b.weight});
    index.push_back(i);
  }
  return members;
}

Result<GroupState, ServiceError> compile_group(const EndpointGroup& g, std::uint32_t table_size,
                                               const std::string& path) {
  GroupState state;
  bool backend_healthy = std::any_of(g.backends.begin(), g.backends.end(),
                                     [](const Backend& b) { return b.healthy; });
  state.serving = g.healthy && (g.backends.empty() || backend_healthy);
  if (g.backends.empty()) return state;
  if (!g.maglev_slots.empty()) {  // checked by check_given_slots: every id is in g.backends
    std::vector<std::uint32_t> positions;
    positions.reserve(g.maglev_slots.size());
    for (auto id : g.maglev_slots) {
      auto b = std::find_if(g.backends.begin(), g.backends.end(),
                            [id](const Backend& backend) { return backend.id == id; });
      positions.push_back(static_cast<std::uint32_t>(b - g.backends.begin()));
    }
    state.maglev = MaglevTable::of_slots(std::move(positions));
    return state;
  }
  std::vector<std::uint32_t> index;  // member -> position in g.backends
  auto members = maglev_members(g, index);
  auto table = build_maglev(members, table_size);
  if (!table) return error(path + ".backends", std::string(to_string(table.error())));
  table->renumber(index);  // slots name positions in g.backends, not in members
  state.maglev = std::move(*table);
  return state;
}

}  // namespace

std::size_t ServiceTable::VipKeyHash::operator()(const VipKey& k) const {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](std::uint8_t byte) {
    h ^= byte;
    h *= 0x100000001b3ull;
  };
  for (auto byte : k.vip.bytes) mix(byte);
  mix(static_cast<std::uint8_t>(k.vip.family));
  mix(k.protocol);
  return static_cast<std::size_t>(h);
}

Result<ServiceTable, ServiceError> ServiceTable::build(std::vector<Service> services) {
  ServiceTable table;
  std::unordered_set<std::string> names;
  std::unordered_set<std::uint32_t> backend_ids;
  for (std::size_t i = 0; i < services.size(); ++i) {
    auto path = "services[" + std::to_string(i) + "]";
    const auto& s = services[i];
    if (auto e = check_service(s, path, backend_ids)) return fail(*e);
    if (!names.insert(s.name).second) {
      return error(path + ".name", s.name + " names another service");
    }
    for (std::size_t v = 0; v <= s.extra_vips.size(); ++v) {
      const auto& vip = v == 0 ? s.vip : s.extra_vips[v - 1];
      auto field = v == 0 ? path + ".ports" : at(path, "extra_vips", v - 1);
      auto& slices = table.by_vip_[VipKey{vip, s.protocol}];
      for (const auto& other : slices) {
        if (other.ports.first <= s.ports.last && s.ports.first <= other.ports.last) {
          return error(field, other.service == i
                                  ? vip.to_string() + " is listed twice"
                                  : "overlaps services[" + std::to_string(other.service) +
                                        "] on the same VIP");
        }
      }
      slices.push_back({s.ports, static_cast<std::uint32_t>(i)});
    }
  }
  for (auto& [key, slices] : table.by_vip_) {
    std::sort(slices.begin(), slices.end(),
              [](const PortSlice& a, const PortSlice& b) { return a.ports.first < b.ports.first; });
  }

  table.entries_.reserve(services.size());
  for (std::uint32_t i = 0; i < services.size(); ++i) {
    ServiceEntry entry;
    entry.id = i;
    entry.service = std::move(services[i]);
    auto path = "services[" + std::to_string(i) + "]";
    for (std::uint32_t g = 0; g < entry.service.groups.size(); ++g) {
      const auto& group = entry.service.groups[g];
      auto state = compile_group(group, entry.service.maglev_table_size, at(path, "groups", g));
      if (!state) return fail(state.error());
      entry.candidates.push_back({group.weight, group.dial_percent, state->serving});
      entry.groups.push_back(std::move(*state));
      for (std::uint32_t b = 0; b < group.backends.size(); ++b) {
        table.by_backend_id_[group.backends[b].id] = BackendPlace{i, g, b};
      }
    }
    table.entries_.push_back(std::move(entry));
  }
  return table;
}

const ServiceEntry* ServiceTable::classify(const IpAddress& dst, std::uint8_t protocol,
                                           std::uint16_t dst_port) const {
  auto it = by_vip_.find(VipKey{dst, protocol});
  if (it == by_vip_.end()) return nullptr;
  const auto& slices = it->second;
  // The last slice starting at or below the port is the only one that can hold it (no overlaps).
  auto after = std::upper_bound(slices.begin(), slices.end(), dst_port,
                                [](std::uint16_t p, const PortSlice& s) { return p < s.ports.first; });
  if (after == slices.begin()) return nullptr;
  const auto& slice = *(after - 1);
  return slice.ports.contains(dst_port) ? &entries_[slice.service] : nullptr;
}

std::optional<SteeringTarget> ServiceTable::find(const ServiceEntry& entry, std::uint16_t group_id,
                                                 std::uint32_t backend_id) const {
  const auto& groups = entry.service.groups;
  auto g = std::find_if(groups.begin(), groups.end(),
                        [group_id](const EndpointGroup& eg) { return eg.id == group_id; });
  if (g == groups.end()) return std::nullopt;
  if (g->backends.empty()) {
    if (backend_id != kNoBackendId) return std::nullopt;
    return SteeringTarget{&*g, nullptr};
  }
  auto place = by_backend_id_.find(backend_id);
  if (place == by_backend_id_.end() || place->second.service != entry.id ||
      &groups[place->second.group] != &*g) {
    return std::nullopt;
  }
  return SteeringTarget{&*g, &g->backends[place->second.backend]};
}

}  // namespace anymesh::anycast
