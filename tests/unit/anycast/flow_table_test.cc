// FlowTable: pinning, LRU eviction, idle timeout, counters, fixed size.
#include <catch2/catch.hpp>

#include <chrono>

#include "dataplane/anycast/flow_table.h"
#include "dataplane/anycast/flow_tuple.h"

using namespace anymesh;
using namespace anymesh::anycast;
using namespace std::chrono_literals;

namespace {

FlowTuple client(int n) {
  auto src = IpAddress::v4(0xc6336400u + static_cast<std::uint32_t>(n >> 8));  // 198.51.100.x
  return make_flow_tuple(src, *IpAddress::parse("203.0.113.10"), 6,
                         static_cast<std::uint16_t>(1024 + (n & 0xff)), 443);
}

std::optional<FlowDecision> find(FlowTable& t, const FlowTuple& k, FlowTime now) {
  return t.find(k, am_flow_hash(&k), now);
}

std::uint32_t hash_of(const FlowTuple& k) { return am_flow_hash(&k); }

void pin(FlowTable& t, const FlowTuple& k, FlowDecision d, FlowTime now) {
  t.pin(k, am_flow_hash(&k), d, now);
}

}  // namespace

TEST_CASE("flow entry fits one cache line") {
  STATIC_REQUIRE(sizeof(FlowEntry) <= 64);
  CHECK(sizeof(FlowEntry) <= 64);
}

TEST_CASE("flow table returns the pinned decision and counts hits and misses") {
  FlowTable table({16, 30s});
  auto a = client(1);
  CHECK_FALSE(find(table, a, 0s).has_value());
  pin(table, a, {3, 42}, 0s);
  auto hit = find(table, a, 1s);
  REQUIRE(hit.has_value());
  CHECK(*hit == FlowDecision{3, 42});
  CHECK_FALSE(find(table, client(2), 1s).has_value());
  CHECK(table.counters().hits == 1);
  CHECK(table.counters().misses == 2);
  CHECK(table.counters().insertions == 1);
  CHECK(table.size() == 1);
}

TEST_CASE("flow table re-pins an existing flow in place") {
  FlowTable table({4, 30s});
  auto a = client(1);
  pin(table, a, {1, 10}, 0s);
  pin(table, a, {2, 20}, 5s);
  CHECK(table.size() == 1);
  CHECK(*find(table, a, 6s) == FlowDecision{2, 20});
  CHECK(table.peek(a, am_flow_hash(&a))->created_s == 5);
}

TEST_CASE("flow table evicts the least recently used flow when full") {
  FlowTable table({3, 300s});
  pin(table, client(1), {1, 1}, 0s);
  pin(table, client(2), {1, 2}, 1s);
  pin(table, client(3), {1, 3}, 2s);
  REQUIRE(find(table, client(1), 3s).has_value());  // 1 becomes the most recent; 2 is now LRU
  pin(table, client(4), {1, 4}, 4s);
  CHECK(table.size() == 3);
  CHECK(table.counters().evictions == 1);
  CHECK(table.peek(client(2), hash_of(client(2))) == nullptr);
  CHECK(table.peek(client(1), hash_of(client(1))) != nullptr);
  CHECK(table.peek(client(3), hash_of(client(3))) != nullptr);
  CHECK(table.peek(client(4), hash_of(client(4))) != nullptr);
}

TEST_CASE("flow table forgets a flow idle for the timeout and keeps one that stays active") {
  FlowTable table({8, 30s});
  auto quiet = client(1);
  auto busy = client(2);
  pin(table, quiet, {1, 1}, 0s);
  pin(table, busy, {1, 2}, 0s);
  CHECK(find(table, busy, 20s).has_value());
  CHECK(find(table, quiet, 29s).has_value());   // 29 s idle: still there, now refreshed
  CHECK(find(table, busy, 45s).has_value());    // 25 s since its last packet
  CHECK_FALSE(find(table, quiet, 59s).has_value());  // 30 s since 29 s
  CHECK(table.counters().expirations == 1);
  CHECK(table.size() == 1);
}

TEST_CASE("flow table expire sweeps idle flows from the least recent end within a budget") {
  FlowTable table({100, 10s});
  for (int i = 0; i < 50; ++i) pin(table, client(i), {1, 1}, std::chrono::seconds(i));
  CHECK(table.expire(30s, 5) == 5);     // flows 0..4 (idle 26-30 s) go, by budget
  CHECK(table.expire(30s, 100) == 16);  // flows 5..20 are idle for 10 s or more
  CHECK(table.size() == 29);
  CHECK(table.counters().expirations == 21);
  CHECK(table.peek(client(20), hash_of(client(20))) == nullptr);
  CHECK(table.peek(client(21), hash_of(client(21))) != nullptr);
}

TEST_CASE("flow table counts a full table's idle tail as an expiration, not an eviction") {
  FlowTable table({2, 10s});
  pin(table, client(1), {1, 1}, 0s);
  pin(table, client(2), {1, 2}, 5s);
  pin(table, client(3), {1, 3}, 12s);
  CHECK(table.counters().expirations == 1);
  CHECK(table.counters().evictions == 0);
}

TEST_CASE("flow table holds exactly its capacity under churn and finds every resident flow") {
  FlowTable table({1000, 3600s});
  for (int i = 0; i < 5000; ++i) pin(table, client(i), {static_cast<std::uint16_t>(i % 7), static_cast<std::uint32_t>(i)}, 1s);
  CHECK(table.size() == 1000);
  CHECK(table.counters().evictions == 4000);
  for (int i = 4000; i < 5000; ++i) {
    auto d = find(table, client(i), 2s);
    REQUIRE(d.has_value());
    REQUIRE(d->backend_id == static_cast<std::uint32_t>(i));
  }
  for (int i = 0; i < 4000; i += 97) REQUIRE_FALSE(find(table, client(i), 2s).has_value());
  CHECK(table.erase(client(4500), hash_of(client(4500))));
  CHECK_FALSE(table.erase(client(4500), hash_of(client(4500))));
  CHECK(table.size() == 999);
}

TEST_CASE("flow table refuses a zero capacity or a sub-second idle timeout") {
  CHECK_THROWS_AS(FlowTable({0, 10s}), std::invalid_argument);
  CHECK_THROWS_AS(FlowTable({10, 0s}), std::invalid_argument);
}
