// Specification of HandshakeRateLimiter: 20 handshakes/s per source, burst 5, bounded table.
#include "dataplane/wireguard/handshake_ratelimiter.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "tests/unit/allocation_counter.h"

using anymesh::IpAddress;
using anymesh::wg::HandshakeRateLimiter;
using namespace std::chrono_literals;
using std::chrono::nanoseconds;

namespace {

IpAddress ip(const std::string& text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a.has_value());
  return *a;
}

// An arbitrary monotonic epoch far from zero, as a real clock would give.
constexpr nanoseconds kT0 = 1000s;
constexpr nanoseconds kCost = HandshakeRateLimiter::kPacketCost;

int allowed_in_a_row(HandshakeRateLimiter& limiter, const IpAddress& source, nanoseconds now, int attempts) {
  int allowed = 0;
  for (int i = 0; i < attempts; ++i) allowed += limiter.allow(source, now) ? 1 : 0;
  return allowed;
}

// Replays random traffic against a std::map holding the same rules and demands the same verdict
// and table size at every step: this checks the open-addressing table's probing and deletion.
struct TrafficModel {
  std::size_t max_sources;
  std::uint32_t v4_sources;   // distinct cold v4 sources
  std::uint32_t v6_prefixes;  // distinct cold /64s
  std::int64_t max_gap_ns;    // random gap between packets
  int steps;
};

HandshakeRateLimiter::Counters play_against_model(const TrafficModel& m, std::uint64_t seed) {
  struct Bucket {
    std::int64_t last;
    std::int64_t tokens;
  };
  using Key = std::tuple<int, std::uint64_t>;
  auto key_of = [](const IpAddress& a) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < (a.is_v4() ? 4u : 8u); ++i) v = (v << 8) | a.bytes[i];
    return Key{static_cast<int>(a.family), v};
  };
  const std::int64_t cost = kCost.count();
  const std::int64_t max_tokens = HandshakeRateLimiter::kMaxTokens.count();

  std::mt19937_64 rng(seed);
  HandshakeRateLimiter limiter(m.max_sources);
  std::map<Key, Bucket> model;
  std::int64_t last_collect = 0;
  std::int64_t now = kT0.count();
  for (int step = 0; step < m.steps; ++step) {
    now += static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(m.max_gap_ns));
    IpAddress source;
    const std::uint64_t pick = rng() % 16;
    if (pick < 2) {
      source = IpAddress::v4(0xc0000201u + static_cast<std::uint32_t>(pick));  // hot: gets limited
    } else if (pick < 6) {
      source.family = IpAddress::Family::v6;
      source.bytes[0] = 0xfd;
      source.bytes[7] = static_cast<std::uint8_t>(rng() % m.v6_prefixes);
      source.bytes[15] = static_cast<std::uint8_t>(rng());  // below the /64: must not matter
    } else {
      source = IpAddress::v4(0x0ac80000u + static_cast<std::uint32_t>(rng() % m.v4_sources));
    }
    if (now - last_collect >= HandshakeRateLimiter::kCollectEvery.count()) {
      last_collect = now;
      std::erase_if(model, [&](const auto& e) {
        return now - e.second.last > HandshakeRateLimiter::kIdleAfter.count();
      });
    }
    bool expected;
    auto it = model.find(key_of(source));
    if (it != model.end()) {
      const std::int64_t tokens = std::min(max_tokens, it->second.tokens + (now - it->second.last));
      it->second.last = now;
      expected = tokens >= cost;
      it->second.tokens = expected ? tokens - cost : tokens;
    } else if (model.size() >= m.max_sources) {
      expected = false;
    } else {
      model[key_of(source)] = Bucket{now, max_tokens - cost};
      expected = true;
    }
    INFO("seed " << seed << " step " << step << " source " << source.to_string());
    REQUIRE(limiter.allow(source, nanoseconds(now)) == expected);
    REQUIRE(limiter.size() == model.size());
  }
  return limiter.counters();
}

}  // namespace

TEST_CASE("handshake ratelimiter allows 20 per second with a burst of 5, as Linux does") {
  STATIC_REQUIRE(HandshakeRateLimiter::kPacketsPerSecond == 20);
  STATIC_REQUIRE(HandshakeRateLimiter::kBurst == 5);
  STATIC_REQUIRE(HandshakeRateLimiter::kPacketCost == 50ms);
}

TEST_CASE("handshake ratelimiter allows a burst then refuses") {
  HandshakeRateLimiter limiter;
  const IpAddress source = ip("192.0.2.10");
  for (std::uint32_t i = 0; i < HandshakeRateLimiter::kBurst; ++i) {
    INFO("packet " << i);
    CHECK(limiter.allow(source, kT0));
  }
  CHECK_FALSE(limiter.allow(source, kT0));
  CHECK_FALSE(limiter.allow(source, kT0 + kCost - 1ns));
  CHECK(limiter.counters().allowed == 5);
  CHECK(limiter.counters().limited == 2);
}

TEST_CASE("handshake ratelimiter follows the Linux selftest timing table") {
  // selftest/ratelimiter.c expected_results: verdict after sleeping the given time.
  struct Step {
    bool allowed;
    nanoseconds sleep_before;
  };
  const std::vector<Step> steps = {
      {true, 0ns}, {true, 0ns}, {true, 0ns}, {true, 0ns}, {true, 0ns},
      {false, 0ns},
      {true, kCost},
      {false, 0ns},
      {true, 2 * kCost},
      {true, 0ns},
      {false, 0ns},
  };
  for (const char* text : {"0.0.31.246", "4bc:0:4:69a4::"}) {
    HandshakeRateLimiter limiter;
    const IpAddress source = ip(text);
    nanoseconds now = kT0;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      now += steps[i].sleep_before;
      INFO(text << " step " << i);
      CHECK(limiter.allow(source, now) == steps[i].allowed);
      // A fresh source at the same moment is never held back by the first one.
      IpAddress bystander = source;
      bystander.bytes[3] = static_cast<std::uint8_t>(bystander.bytes[3] + i + 1);
      CHECK(limiter.allow(bystander, now));
    }
  }
}

TEST_CASE("handshake ratelimiter refills one packet per 50 ms up to the burst") {
  HandshakeRateLimiter limiter;
  const IpAddress source = ip("198.51.100.1");
  REQUIRE(allowed_in_a_row(limiter, source, kT0, 10) == 5);
  CHECK(allowed_in_a_row(limiter, source, kT0 + 3 * kCost, 10) == 3);
  CHECK(allowed_in_a_row(limiter, source, kT0 + 3 * kCost + kCost / 2, 10) == 0);
  CHECK(allowed_in_a_row(limiter, source, kT0 + 4 * kCost, 10) == 1);
  // A long pause (shorter than the idle time) refills the burst and no more.
  CHECK(allowed_in_a_row(limiter, source, kT0 + 4 * kCost + 900ms, 10) == 5);
}

TEST_CASE("handshake ratelimiter sources are independent") {
  HandshakeRateLimiter limiter;
  const IpAddress a = ip("203.0.113.1");
  const IpAddress b = ip("203.0.113.2");
  REQUIRE(allowed_in_a_row(limiter, a, kT0, 10) == 5);
  CHECK(allowed_in_a_row(limiter, b, kT0, 10) == 5);
  CHECK_FALSE(limiter.allow(a, kT0));
  CHECK(limiter.size() == 2);
}

TEST_CASE("handshake ratelimiter groups IPv6 sources by their /64") {
  HandshakeRateLimiter limiter;
  REQUIRE(allowed_in_a_row(limiter, ip("fd00:1:2:3::1"), kT0, 3) == 3);
  // Same /64, other interface identifiers: the same bucket.
  CHECK(allowed_in_a_row(limiter, ip("fd00:1:2:3:ffff:eeee:dddd:cccc"), kT0, 10) == 2);
  CHECK(limiter.size() == 1);
  // The neighbouring /64 has its own bucket.
  CHECK(allowed_in_a_row(limiter, ip("fd00:1:2:4::1"), kT0, 10) == 5);
  CHECK(limiter.size() == 2);
}

TEST_CASE("handshake ratelimiter keeps IPv4 and IPv6 sources apart even with equal bits") {
  HandshakeRateLimiter limiter;
  // 10.200.0.1 and a /64 whose first 64 bits hold the same number must not share a bucket.
  REQUIRE(allowed_in_a_row(limiter, ip("10.200.0.1"), kT0, 10) == 5);
  CHECK(allowed_in_a_row(limiter, ip("0:0:ac8:1::"), kT0, 10) == 5);
  CHECK(allowed_in_a_row(limiter, ip("ac8:1::"), kT0, 10) == 5);
}

TEST_CASE("handshake ratelimiter refuses new sources when the table is full") {
  HandshakeRateLimiter limiter(16);
  REQUIRE(limiter.max_sources() == 16);
  for (std::uint32_t i = 0; i < 16; ++i) {
    INFO("source " << i);
    REQUIRE(limiter.allow(IpAddress::v4(0x0ac80000 + i), kT0));
  }
  CHECK(limiter.size() == 16);
  CHECK_FALSE(limiter.allow(IpAddress::v4(0x0ac80100), kT0));
  CHECK_FALSE(limiter.allow(ip("fd00::1"), kT0 + 500ms));
  CHECK(limiter.counters().table_full == 2);
  CHECK(limiter.size() == 16);
  // Known sources keep their buckets: 4 tokens left after the first packet.
  CHECK(allowed_in_a_row(limiter, IpAddress::v4(0x0ac80003), kT0, 10) == 4);
}

TEST_CASE("handshake ratelimiter garbage collection frees idle sources") {
  HandshakeRateLimiter limiter(16);
  for (std::uint32_t i = 0; i < 16; ++i) REQUIRE(limiter.allow(IpAddress::v4(0xc0000200 + i), kT0));
  REQUIRE_FALSE(limiter.allow(ip("198.51.100.77"), kT0));

  SECTION("explicitly: only sources idle for more than a second go") {
    for (std::uint32_t i = 0; i < 16; i += 2) limiter.allow(IpAddress::v4(0xc0000200 + i), kT0 + 800ms);
    CHECK(limiter.collect_garbage(kT0 + 1s) == 0);  // idle exactly 1 s is not yet "more than"
    CHECK(limiter.collect_garbage(kT0 + 1500ms) == 8);
    CHECK(limiter.size() == 8);
    CHECK(limiter.counters().collected == 8);
    CHECK(limiter.allow(ip("198.51.100.77"), kT0 + 1500ms));
  }
  SECTION("by itself: a later allow() sweeps the table first") {
    CHECK(limiter.allow(ip("198.51.100.77"), kT0 + 1100ms));
    CHECK(limiter.size() == 1);
    CHECK(limiter.counters().collected == 16);
  }
}

TEST_CASE("handshake ratelimiter garbage collection keeps the state of busy sources") {
  // A crowded table (load 1/2) so that probe runs are long and deletions must shift entries.
  constexpr std::uint32_t kSources = 512;
  HandshakeRateLimiter limiter(kSources);
  auto source = [](std::uint32_t i) { return IpAddress::v4(0xcb007100u + i * 7919u); };
  for (std::uint32_t i = 0; i < kSources; ++i) REQUIRE(limiter.allow(source(i), kT0));
  REQUIRE(limiter.size() == kSources);
  // Odd sources are busy: they spend their whole burst 150 ms before the collection.
  for (std::uint32_t i = 1; i < kSources; i += 2) {
    REQUIRE(allowed_in_a_row(limiter, source(i), kT0 + 900ms, 6) == 5);
  }
  CHECK(limiter.collect_garbage(kT0 + 1050ms) == kSources / 2);
  CHECK(limiter.size() == kSources / 2);
  CHECK(limiter.counters().collected == kSources / 2);
  // A kept bucket has refilled three tokens (150 ms); a lost one would start with five.
  for (std::uint32_t i = 1; i < kSources; i += 2) {
    INFO("source " << i);
    REQUIRE(allowed_in_a_row(limiter, source(i), kT0 + 1050ms, 6) == 3);
  }
  CHECK(limiter.size() == kSources / 2);
}

TEST_CASE("handshake ratelimiter gives nothing back when the clock steps backwards") {
  HandshakeRateLimiter limiter;
  const IpAddress source = ip("192.0.2.99");
  REQUIRE(allowed_in_a_row(limiter, source, kT0, 10) == 5);
  CHECK_FALSE(limiter.allow(source, kT0 - 10s));
  CHECK_FALSE(limiter.allow(source, kT0));
  CHECK(limiter.allow(source, kT0 + kCost));
}

TEST_CASE("handshake ratelimiter agrees with a map-based model on random traffic") {
  const auto c = play_against_model({200, 300, 150, 3'000'000, 40000}, 7);
  CHECK(c.table_full > 0);  // the run did reach each case
  CHECK(c.collected > 0);
  CHECK(c.limited > 0);
}

TEST_CASE("handshake ratelimiter agrees with the model on tiny tables where probe runs wrap") {
  // 6 sources in 16 slots: runs cross the end of the table all the time. The hash key is random
  // per instance, so many instances cover many layouts.
  HandshakeRateLimiter::Counters total;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const auto c = play_against_model({6, 12, 6, 60'000'000, 3000}, seed);
    total.table_full += c.table_full;
    total.collected += c.collected;
  }
  CHECK(total.table_full > 0);
  CHECK(total.collected > 0);
}

TEST_CASE("handshake ratelimiter does not allocate after construction") {
  HandshakeRateLimiter limiter(64);
  std::size_t verdicts = 0;
  const std::size_t before = anymesh::test::allocations();
  for (std::uint32_t round = 0; round < 50; ++round) {
    const nanoseconds now = kT0 + round * 300ms;  // crosses several collections
    for (std::uint32_t i = 0; i < 80; ++i) {  // more sources than fit
      IpAddress v4 = IpAddress::v4(0xc6336400u + i);
      verdicts += limiter.allow(v4, now) ? 1 : 0;
    }
    IpAddress v6;
    v6.family = IpAddress::Family::v6;
    v6.bytes[0] = 0xfd;
    v6.bytes[7] = static_cast<std::uint8_t>(round);
    verdicts += limiter.allow(v6, now) ? 1 : 0;
  }
  limiter.collect_garbage(kT0 + 100s);
  const std::size_t after = anymesh::test::allocations();
  CHECK(after == before);
  CHECK(verdicts > 0);
  CHECK(limiter.size() == 0);
}
