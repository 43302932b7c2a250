// Building next-hop tables from the kernel: route lookups, the neighbour cache, resolution requests.
#include "dataplane/gateway/neighbor_resolver.h"

#include <map>

#include "dataplane/agent/kernel_routes.h"
#include "dataplane/packet/bytes.h"

namespace anymesh::gateway {
namespace {

constexpr std::size_t kMaxWanted = 4096;

std::uint32_t v4(const IpAddress& a) { return load_be32(a.bytes.data()); }

}  // namespace

void NeighborResolver::add_misses(const std::vector<pipeline::NeighborMiss>& misses) {
  for (const auto& m : misses) {
    auto& wanted = m.side == pipeline::PortSide::outer ? outer_wanted_ : inner_wanted_;
    if (wanted.size() < kMaxWanted) wanted.insert(m.ipv4);
  }
}

pipeline::NeighborState NeighborResolver::build(const agent::AppliedSnapshot* snapshot, bool refresh) {
  problems_.clear();
  std::map<std::pair<int, std::uint32_t>, pipeline::MacAddress> known;
  std::vector<pipeline::NeighborEntry> inner_entries;
  if (auto dump = agent::dump_neighbors(0)) {
    for (const auto& n : *dump) {
      if (!n.usable || !n.address.is_v4()) continue;
      known[{n.ifindex, v4(n.address)}] = n.mac;
      if (n.ifindex == inner_) inner_entries.push_back({v4(n.address), n.mac});
    }
  } else {
    problems_.push_back("neighbour dump: " + dump.error());
  }

  std::set<std::uint32_t> outer_targets = outer_wanted_;
  if (snapshot) {
    for (const auto& peer : snapshot->peers()) {
      for (const auto& e : peer.endpoints) {
        if (e.address.is_v4()) outer_targets.insert(v4(e.address));
      }
    }
  }
  // Resolves destination -> MAC of its next hop through `ifindex`; asks the kernel when unknown.
  auto resolve = [&](std::uint32_t destination, int ifindex, std::vector<pipeline::NeighborEntry>& out) {
    auto hop = agent::route_next_hop(IpAddress::v4(destination));
    if (!hop) {
      problems_.push_back("no route to " + IpAddress::v4(destination).to_string() + ": " + hop.error());
      return;
    }
    if (hop->ifindex != ifindex) {
      problems_.push_back(IpAddress::v4(destination).to_string() + " is routed through another interface");
      return;
    }
    std::uint32_t via = v4(hop->via);
    auto it = known.find({ifindex, via});
    if (it != known.end()) {
      out.push_back({destination, it->second});
      if (!refresh) return;
    }
    if (auto r = agent::request_resolution(ifindex, hop->via); !r) {
      problems_.push_back("cannot resolve " + hop->via.to_string() + ": " + r.error());
    }
  };
  std::vector<pipeline::NeighborEntry> outer_entries;
  for (std::uint32_t d : outer_targets) resolve(d, outer_, outer_entries);
  std::set<std::uint32_t> on_link;
  for (const auto& e : inner_entries) on_link.insert(e.ipv4);
  for (std::uint32_t d : inner_wanted_) {
    bool direct = on_link.count(d) != 0;
    if (direct && !refresh) continue;
    std::vector<pipeline::NeighborEntry> via;
    resolve(d, inner_, via);
    if (!direct) inner_entries.insert(inner_entries.end(), via.begin(), via.end());
  }
  pipeline::NeighborState state;
  state.outer = pipeline::NeighborTable(outer_entries);
  state.inner = pipeline::NeighborTable(inner_entries);
  return state;
}

}  // namespace anymesh::gateway
