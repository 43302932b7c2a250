// Steering: established flows keep their backend across weight, dial and backend-set changes;
// new flows follow the new snapshot; affinity; fail open; flows to departed backends move.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <set>

#include "dataplane/anycast/steering.h"

using namespace anymesh;
using namespace anymesh::anycast;
using namespace std::chrono_literals;

namespace {

IpAddress ip(const std::string& text) { return *IpAddress::parse(text); }

// One service, a local group r1 with `backends` backends and a remote group r2.
Service web(int backends, std::uint32_t local_weight = 128, std::uint32_t remote_weight = 128) {
  Service s;
  s.name = "web";
  s.vip = ip("203.0.113.10");
  s.protocol = 6;
  s.ports = PortRange::single(443);
  s.maglev_table_size = 1009;
  EndpointGroup local{1, "r1", local_weight, 100, true, {}, {}};
  for (int i = 0; i < backends; ++i) {
    local.backends.push_back({static_cast<std::uint32_t>(100 + i), ip("10.200.1." + std::to_string(i + 1)), 1, true});
  }
  EndpointGroup remote{2, "r2", remote_weight, 100, true, {}, {}};
  s.groups = {local, remote};
  return s;
}

ServiceTable build(Service s) {
  auto t = ServiceTable::build({std::move(s)});
  REQUIRE(t.ok());
  return std::move(*t);
}

FlowTuple client(int n, std::uint16_t dport = 443) {
  return make_flow_tuple(IpAddress::v4(0xc6336400u + static_cast<std::uint32_t>(n % 250)),
                         ip("203.0.113.10"), 6, static_cast<std::uint16_t>(20000 + n), dport);
}

// The decision of every flow in [0, n) under the given table, with one shared flow table.
std::map<int, FlowDecision> steer_all(const ServiceTable& table, FlowTable& flows, int n,
                                      FlowTime now, int* new_flows = nullptr) {
  std::map<int, FlowDecision> out;
  for (int i = 0; i < n; ++i) {
    auto s = steer(table, flows, client(i), now);
    REQUIRE(s.ok());
    if (new_flows && s->outcome != SteerOutcome::pinned) ++*new_flows;
    out[i] = s->decision;
  }
  return out;
}

}  // namespace

TEST_CASE("steering pins a new flow and answers later packets from the flow table") {
  auto table = build(web(4));
  FlowTable flows({1024, 60s});
  auto first = steer(table, flows, client(1), 0s);
  REQUIRE(first.ok());
  CHECK(first->outcome == SteerOutcome::new_flow);
  auto again = steer(table, flows, client(1), 1s);
  REQUIRE(again.ok());
  CHECK(again->outcome == SteerOutcome::pinned);
  CHECK(again->decision == first->decision);
  CHECK(flows.counters().hits == 1);
}

TEST_CASE("steering refuses packets that are not for a VIP") {
  auto table = build(web(4));
  FlowTable flows({16, 60s});
  CHECK(steer(table, flows, client(1, 80), 0s).error() == SteerError::not_a_vip);
  CHECK(flows.size() == 0);
}

TEST_CASE("established flows keep their group and backend across weight and dial changes") {
  FlowTable flows({4096, 60s});
  auto before = steer_all(build(web(4, 128, 128)), flows, 2000, 0s);
  auto shifted = web(4, 10, 255);
  shifted.groups[0].dial_percent = 0;
  int moved = 0;
  auto after = steer_all(build(shifted), flows, 2000, 1s, &moved);
  CHECK(moved == 0);
  CHECK(after == before);
  // New flows do follow the new dial: none goes to the drained local group.
  auto drained = build(shifted);
  for (int i = 5000; i < 5500; ++i) {
    auto s = steer(drained, flows, client(i), 1s);
    REQUIRE(s.ok());
    REQUIRE(s->decision.group_id == 2);
  }
}

TEST_CASE("established flows keep their backend when a backend is added") {
  FlowTable flows({4096, 60s});
  auto before = steer_all(build(web(4, 255, 0)), flows, 2000, 0s);
  int repinned = 0;
  auto after = steer_all(build(web(5, 255, 0)), flows, 2000, 1s, &repinned);
  CHECK(repinned == 0);
  CHECK(after == before);
  // Without the flow table about 1/5 of these flows would have moved to the new backend.
  FlowTable fresh({4096, 60s});
  auto unpinned = steer_all(build(web(5, 255, 0)), fresh, 2000, 1s);
  int differ = 0;
  for (const auto& [i, d] : unpinned) differ += d == before[i] ? 0 : 1;
  CHECK(differ > 200);
  CHECK(differ < 600);
}

TEST_CASE("only the flows of a removed or failed backend move, and they are re-pinned") {
  FlowTable flows({4096, 60s});
  auto before = steer_all(build(web(5, 255, 0)), flows, 2000, 0s);
  auto removed = web(5, 255, 0);
  removed.groups[0].backends.erase(removed.groups[0].backends.begin() + 2);  // id 102
  auto failed = web(5, 255, 0);
  failed.groups[0].backends[2].healthy = false;
  for (auto* changed : {&removed, &failed}) {
    FlowTable copy = flows;
    int moved = 0;
    auto after = steer_all(build(*changed), copy, 2000, 1s, &moved);
    int on_102 = 0;
    for (const auto& [i, d] : before) {
      if (d.backend_id == 102) {
        ++on_102;
        REQUIRE(after[i].backend_id != 102);
      } else {
        REQUIRE(after[i] == d);
      }
    }
    CHECK(moved == on_102);
    CHECK(on_102 > 0);
  }
}

TEST_CASE("steering fails open to unhealthy backends when nothing in the service is healthy") {
  auto s = web(3, 255, 0);
  s.groups[1].healthy = false;
  for (auto& b : s.groups[0].backends) b.healthy = false;
  auto table = build(s);
  FlowTable flows({256, 60s});
  std::set<std::uint32_t> used;
  for (int i = 0; i < 200; ++i) {
    auto r = steer(table, flows, client(i), 0s);
    REQUIRE(r.ok());
    REQUIRE(r->target.backend != nullptr);
    used.insert(r->decision.backend_id);
  }
  CHECK(used.size() == 3);
  auto r = steer(table, flows, client(0), 1s);
  CHECK(r->outcome == SteerOutcome::pinned);  // fail-open pins are not churned on every packet
}

TEST_CASE("a flow to a remote group carries no backend and stays with that region") {
  auto table = build(web(3, 0, 255));
  FlowTable flows({256, 60s});
  auto r = steer(table, flows, client(7), 0s);
  REQUIRE(r.ok());
  CHECK(r->target.group->region == "r2");
  CHECK(r->target.backend == nullptr);
  CHECK(r->decision.backend_id == kRemoteBackend);
}

TEST_CASE("source_ip affinity sends every new flow of a client to one backend") {
  auto s = web(8, 255, 0);
  s.affinity = Affinity::source_ip;
  auto table = build(s);
  FlowTable flows({4096, 60s});
  std::set<std::uint32_t> by_one_client;
  std::set<std::uint32_t> by_all;
  for (int port = 0; port < 200; ++port) {
    auto t = make_flow_tuple(ip("198.51.100.9"), ip("203.0.113.10"), 6,
                             static_cast<std::uint16_t>(30000 + port), 443);
    by_one_client.insert(steer(table, flows, t, 0s)->decision.backend_id);
    by_all.insert(steer(table, flows, client(port), 0s)->decision.backend_id);
  }
  CHECK(by_one_client.size() == 1);
  CHECK(by_all.size() > 1);
}

TEST_CASE("steering reports a service whose groups are all dialled to 0") {
  auto s = web(2);
  s.groups[0].dial_percent = 0;
  s.groups[1].dial_percent = 0;
  auto table = build(s);
  FlowTable flows({16, 60s});
  CHECK(steer(table, flows, client(1), 0s).error() == SteerError::no_capacity);
}
