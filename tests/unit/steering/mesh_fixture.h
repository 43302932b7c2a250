// Test meshes built in code (regions, gateways with 2 lanes each) and probe reports in milliseconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "controlplane/model/model.h"
#include "controlplane/proto/anymesh.pb.h"

namespace anymesh::steering::test {

using namespace std::chrono_literals;

// regions: names; gateways: (id, region). Gateway n has key bytes all n, endpoint
// 198.51.100.n:51820, tunnel address 10.200.0.n, two lanes; the i-th region (0-based, in the
// order given) owns 10.(100 + i).0.0/16 and fd00:(i + 1)::/32.
inline model::Model make_mesh(const std::vector<std::string>& regions,
                              const std::vector<std::pair<std::uint32_t, std::string>>& gateways) {
  model::Model m;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    model::Region r;
    r.name = regions[i];
    r.prefixes.push_back(*IpPrefix::parse("10." + std::to_string(100 + i) + ".0.0/16"));
    r.prefixes.push_back(*IpPrefix::parse("fd00:" + std::to_string(i + 1) + "::/32"));
    m.regions.push_back(std::move(r));
  }
  for (const auto& [id, region] : gateways) {
    model::Gateway g;
    g.id = id;
    g.region = region;
    g.public_key.fill(static_cast<std::uint8_t>(id));
    g.endpoints.push_back(*wg::Endpoint::parse("198.51.100." + std::to_string(id) + ":51820"));
    g.tunnel_address = *IpAddress::parse("10.200.0." + std::to_string(id));
    g.lanes = 2;
    m.gateways.push_back(std::move(g));
  }
  return m;
}

// Gateways 1, 2, 3 in regions r1, r2, r3.
inline model::Model three_regions() { return make_mesh({"r1", "r2", "r3"}, {{1, "r1"}, {2, "r2"}, {3, "r3"}}); }

// What one gateway measured towards one peer, the same on each of its lanes.
struct Link {
  std::uint32_t peer = 0;
  double rtt_ms = 0;
  double loss = 0;  // 0 .. 1
  bool up = true;
  std::uint32_t lanes = 2;
};

inline v1::Report report(std::initializer_list<Link> links) {
  v1::Report r;
  for (const auto& link : links) {
    for (std::uint32_t lane = 0; lane < link.lanes; ++lane) {
      auto* l = r.add_lanes();
      l->set_peer(link.peer);
      l->set_lane(lane);
      l->set_up(link.up);
      l->set_rtt_ewma_ns(static_cast<std::uint64_t>(link.rtt_ms * 1e6));
      l->set_rtt_min_ns(static_cast<std::uint64_t>(link.rtt_ms * 1e6));
      l->set_loss(link.loss);
    }
  }
  return r;
}

}  // namespace anymesh::steering::test
