// SourceLimitTable: buckets by (service, source prefix), fixed capacity, LRU eviction, generations.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "dataplane/anycast/flow_tuple.h"
#include "dataplane/anycast/source_limit_table.h"

using namespace anymesh;
using namespace anymesh::anycast;
using namespace std::chrono_literals;

namespace {

am_source_key key_of(const char* src, std::uint32_t service, std::uint32_t v4 = 24, std::uint32_t v6 = 64) {
  auto tuple = make_flow_tuple(*IpAddress::parse(src), *IpAddress::parse(src[0] == 'f' ? "fd00:1:2::10" : "203.0.113.10"),
                               17, 1000, 53);
  am_source_key k;
  am_source_key_of(&k, &tuple, service, v4, v6);
  return k;
}

bool same(const am_source_key& a, const am_source_key& b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST_CASE("source keys keep the prefix bits and the service, nothing else") {
  CHECK(same(key_of("192.0.2.10", 1), key_of("192.0.2.200", 1)));
  CHECK_FALSE(same(key_of("192.0.2.10", 1), key_of("192.0.3.10", 1)));
  CHECK_FALSE(same(key_of("192.0.2.10", 1), key_of("192.0.2.10", 2)));
  CHECK(same(key_of("192.0.2.10", 1, 20), key_of("192.0.15.1", 1, 20)));
  CHECK_FALSE(same(key_of("192.0.2.10", 1, 20), key_of("192.0.16.1", 1, 20)));
  CHECK_FALSE(same(key_of("192.0.2.10", 1, 32), key_of("192.0.2.11", 1, 32)));
  CHECK(same(key_of("fd00:1::10", 1), key_of("fd00:1::ffff:1", 1)));
  CHECK_FALSE(same(key_of("fd00:1::10", 1), key_of("fd00:1:0:1::10", 1)));
  CHECK(same(key_of("fd00:1::10", 1, 24, 48), key_of("fd00:1:0:ffff::1", 1, 24, 48)));
  auto k = key_of("192.0.2.10", 7, 23);
  CHECK(k.prefix_len == 23);
  CHECK(k.addr[2] == 2);  // 0b10: bit 23 is the last one kept; 192.0.2.0/23 keeps 2
  CHECK(key_of("192.0.3.10", 7, 23).addr[2] == 2);
  CHECK(k.addr[3] == 0);
}

TEST_CASE("the source table hands out one entry per key and evicts the least recently used") {
  CHECK_THROWS_AS(SourceLimitTable(0), std::invalid_argument);
  SourceLimitTable t(2);
  bool fresh = false;
  auto& a = t.find_or_add(key_of("192.0.2.1", 1), 1, fresh);
  CHECK(fresh);
  a.packets = TokenBucket::full({1, 7, 1}, 0ns);
  auto& again = t.find_or_add(key_of("192.0.2.99", 1), 1, fresh);
  CHECK_FALSE(fresh);
  CHECK(&again == &a);
  CHECK(again.packets.units() == 7 * AM_TOKEN_UNITS);
  t.find_or_add(key_of("192.0.3.1", 1), 1, fresh);  // b
  CHECK(fresh);
  t.find_or_add(key_of("192.0.2.1", 1), 1, fresh);  // a is the most recent now
  CHECK(t.size() == 2);
  t.find_or_add(key_of("192.0.4.1", 1), 1, fresh);  // c: evicts b
  CHECK(fresh);
  CHECK(t.evictions() == 1);
  CHECK(t.size() == 2);
  t.find_or_add(key_of("192.0.2.1", 1), 1, fresh);
  CHECK_FALSE(fresh);
  t.find_or_add(key_of("192.0.3.1", 1), 1, fresh);  // b again: fresh, evicts c
  CHECK(fresh);
  CHECK(t.evictions() == 2);
  // A new generation (another service table) makes a kept entry fresh once.
  t.find_or_add(key_of("192.0.2.1", 1), 2, fresh);
  CHECK(fresh);
  t.find_or_add(key_of("192.0.2.1", 1), 2, fresh);
  CHECK_FALSE(fresh);
}

TEST_CASE("a source table under a flood of prefixes stays at its capacity") {
  SourceLimitTable t(1000);
  bool fresh = false;
  for (std::uint32_t i = 0; i < 50'000; ++i) {
    auto src = "10." + std::to_string(i >> 8 & 0xff) + "." + std::to_string(i & 0xff) + ".1";
    t.find_or_add(key_of(src.c_str(), 1), 1, fresh);
    REQUIRE(fresh);
  }
  CHECK(t.size() == 1000);
  CHECK(t.evictions() == 49'000);
}
