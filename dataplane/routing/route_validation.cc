// Route description rules, each failure reported with the path of the field that breaks it.
#include "dataplane/routing/route_validation.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace anymesh::routing {
namespace {

std::string at(const std::string& base, const char* name, std::size_t index) {
  return base + "." + name + "[" + std::to_string(index) + "]";
}

// Remembers which gateway (and where) first used each lane slot.
struct SlotOwners {
  std::map<LaneSlot, std::pair<GatewayId, std::string>> owner;
};

std::optional<RouteError> check_lanes(const std::string& hop, GatewayId gateway,
                                      const std::vector<LaneSlot>& lanes, SlotOwners& owners) {
  const std::string field = hop + ".lanes";
  if (lanes.empty()) return RouteError{field, "must list at least one lane"};
  if (lanes.size() > kMaxLanesPerHop) {
    return RouteError{field, "more than " + std::to_string(kMaxLanesPerHop) + " lanes"};
  }
  std::set<LaneSlot> seen;
  for (std::size_t k = 0; k < lanes.size(); ++k) {
    const std::string lane = field + "[" + std::to_string(k) + "]";
    LaneSlot slot = lanes[k];
    if (slot >= kMaxLaneSlots) {
      return RouteError{lane, "lane slot " + std::to_string(slot) + " is not below " +
                                  std::to_string(kMaxLaneSlots)};
    }
    if (!seen.insert(slot).second) {
      return RouteError{lane, "lane slot " + std::to_string(slot) + " listed twice"};
    }
    auto [it, fresh] = owners.owner.try_emplace(slot, gateway, hop);
    if (!fresh && it->second.first != gateway) {
      return RouteError{lane, "lane slot " + std::to_string(slot) + " belongs to gateway " +
                                  std::to_string(it->second.first) + " (" + it->second.second + ")"};
    }
  }
  return std::nullopt;
}

std::optional<RouteError> check_group(const GroupDescription& group, const std::string& base,
                                      SlotOwners& owners) {
  if (group.name.empty()) return RouteError{base + ".name", "must not be empty"};
  if (group.next_hops.empty()) return RouteError{base + ".next_hops", "must not be empty"};
  if (group.next_hops.size() > kMaxNextHops) {
    return RouteError{base + ".next_hops", "more than " + std::to_string(kMaxNextHops)};
  }
  if (group.backups.size() > kMaxBackups) {
    return RouteError{base + ".backups", "more than " + std::to_string(kMaxBackups)};
  }
  std::map<GatewayId, std::size_t> primaries;  // gateway -> index
  for (std::size_t j = 0; j < group.next_hops.size(); ++j) {
    const auto& hop = group.next_hops[j];
    const std::string field = at(base, "next_hops", j);
    if (hop.gateway == 0) return RouteError{field + ".gateway", "must not be 0"};
    auto [it, fresh] = primaries.try_emplace(hop.gateway, j);
    if (!fresh) {
      return RouteError{field + ".gateway",
                        "gateway " + std::to_string(hop.gateway) + " already is next_hops[" +
                            std::to_string(it->second) + "]; list its lanes there"};
    }
    if (hop.weight == 0 || hop.weight > kMaxWeight) {
      return RouteError{field + ".weight", "must be between 1 and " + std::to_string(kMaxWeight)};
    }
    if (auto e = check_lanes(field, hop.gateway, hop.lanes, owners)) return e;
  }
  for (std::size_t j = 0; j < group.backups.size(); ++j) {
    const auto& backup = group.backups[j];
    const std::string field = at(base, "backups", j);
    if (backup.gateway == 0) return RouteError{field + ".gateway", "must not be 0"};
    auto primary = primaries.find(backup.gateway);
    if (backup.kind == BackupKind::other_lane) {
      if (primary == primaries.end()) {
        return RouteError{field + ".gateway", "other_lane backup must name a gateway of next_hops"};
      }
      const auto& used = group.next_hops[primary->second].lanes;
      for (std::size_t k = 0; k < backup.lanes.size(); ++k) {
        if (std::find(used.begin(), used.end(), backup.lanes[k]) != used.end()) {
          return RouteError{field + ".lanes[" + std::to_string(k) + "]",
                            "other_lane backup reuses a lane of next_hops[" +
                                std::to_string(primary->second) + "]"};
        }
      }
    } else if (primary != primaries.end()) {
      return RouteError{field + ".gateway", std::string(to_string(backup.kind)) +
                                                " backup must not be a gateway of next_hops"};
    }
    if (auto e = check_lanes(field, backup.gateway, backup.lanes, owners)) return e;
  }
  return std::nullopt;
}

bool host_bits_clear(const IpPrefix& p) {
  std::size_t bits = p.address.size() * 8;
  for (std::size_t i = p.length; i < bits; ++i) {
    if ((p.address.bytes[i / 8] >> (7 - i % 8)) & 1u) return false;
  }
  return true;
}

}  // namespace

std::optional<RouteError> validate_routes(const RouteDescription& description) {
  SlotOwners owners;
  std::map<std::string, std::size_t> names;
  for (std::size_t i = 0; i < description.groups.size(); ++i) {
    const auto& group = description.groups[i];
    const std::string base = "groups[" + std::to_string(i) + "]";
    if (auto e = check_group(group, base, owners)) return e;
    auto [it, fresh] = names.try_emplace(group.name, i);
    if (!fresh) {
      return RouteError{base + ".name", "\"" + group.name + "\" already names groups[" +
                                            std::to_string(it->second) + "]"};
    }
  }
  std::map<IpPrefix, std::size_t> prefixes;
  for (std::size_t i = 0; i < description.prefixes.size(); ++i) {
    const auto& route = description.prefixes[i];
    const std::string base = "prefixes[" + std::to_string(i) + "]";
    if (route.prefix.length > route.prefix.address.size() * 8) {
      return RouteError{base + ".prefix", "length " + std::to_string(route.prefix.length) +
                                              " is too long for the address family"};
    }
    if (!host_bits_clear(route.prefix)) {
      return RouteError{base + ".prefix", route.prefix.to_string() + " has host bits set"};
    }
    auto [it, fresh] = prefixes.try_emplace(route.prefix, i);
    if (!fresh) {
      return RouteError{base + ".prefix", route.prefix.to_string() + " duplicates prefixes[" +
                                              std::to_string(it->second) + "]"};
    }
    if (names.find(route.group) == names.end()) {
      return RouteError{base + ".group", "no group named \"" + route.group + "\""};
    }
  }
  return std::nullopt;
}

}  // namespace anymesh::routing
