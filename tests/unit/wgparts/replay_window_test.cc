// Specification of ReplayWindow: the transport counter anti-replay window (whitepaper 5.4.6).
#include "dataplane/wireguard/replay_window.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "dataplane/wireguard/messages.h"

using anymesh::wg::kRejectAfterMessages;
using anymesh::wg::ReplayWindow;

namespace {

constexpr std::uint64_t kW = ReplayWindow::kWindow;
constexpr std::uint64_t kLimit = kRejectAfterMessages;

// One call to accept() and the verdict it must give.
struct Step {
  std::uint64_t counter;
  bool accepted;
};

// Counters first..last inclusive, in that direction (descending when first > last), each with
// the same expected verdict: the selftest's loops, written as data.
struct Run {
  std::uint64_t first;
  std::uint64_t last;
  bool accepted;
};

void play(ReplayWindow& window, const std::vector<Run>& runs) {
  for (const Run& run : runs) {
    const bool down = run.first > run.last;
    for (std::uint64_t c = run.first;; c = down ? c - 1 : c + 1) {
      INFO("counter " << c);
      CHECK(window.accept(c, kLimit) == run.accepted);
      if (c == run.last) break;
    }
  }
}

}  // namespace

TEST_CASE("replay window is at least 2048 counters wide, as the whitepaper requires") {
  STATIC_REQUIRE(ReplayWindow::kWindow >= 2048);
  STATIC_REQUIRE(ReplayWindow::kBits == 8192);
  STATIC_REQUIRE(kRejectAfterMessages == UINT64_MAX - 8192);  // 2^64 - 2^13 - 1
}

TEST_CASE("replay window accepts counters arriving in order") {
  ReplayWindow window;
  for (std::uint64_t c = 0; c < 3 * ReplayWindow::kBits; ++c) {
    INFO("counter " << c);
    REQUIRE(window.accept(c, kLimit));
  }
}

TEST_CASE("replay window accepts counters reordered within the window") {
  ReplayWindow window;
  REQUIRE(window.accept(1000, kLimit));
  CHECK(window.accept(999, kLimit));
  CHECK(window.accept(500, kLimit));
  CHECK(window.accept(0, kLimit));
  CHECK(window.accept(1001, kLimit));
  CHECK(window.accept(1, kLimit));
}

TEST_CASE("replay window rejects a counter seen before") {
  ReplayWindow window;
  REQUIRE(window.accept(0, kLimit));
  CHECK_FALSE(window.accept(0, kLimit));
  REQUIRE(window.accept(77, kLimit));
  CHECK_FALSE(window.accept(77, kLimit));
  REQUIRE(window.accept(40, kLimit));  // older than the newest, first time
  CHECK_FALSE(window.accept(40, kLimit));
  CHECK_FALSE(window.accept(77, kLimit));
}

TEST_CASE("replay window rejects a counter older than the window") {
  ReplayWindow window;
  const std::uint64_t newest = 5 * ReplayWindow::kBits + 17;
  REQUIRE(window.accept(newest, kLimit));
  CHECK_FALSE(window.accept(newest - kW - 1, kLimit));
  CHECK_FALSE(window.accept(0, kLimit));
  CHECK(window.accept(newest - kW, kLimit));  // the oldest counter still judged
}

TEST_CASE("replay window forgets bits of counters a big jump pushed out") {
  ReplayWindow window;
  REQUIRE(window.accept(100, kLimit));
  // kBits later the counter lands on the same word and bit of the ring: it must be fresh.
  CHECK(window.accept(100 + ReplayWindow::kBits, kLimit));
  CHECK(window.accept(100 + ReplayWindow::kBits - 64, kLimit));
  // A jump over many whole rings clears everything as well.
  const std::uint64_t far = 100 + 1000 * ReplayWindow::kBits;
  REQUIRE(window.accept(far, kLimit));
  for (std::uint64_t back = 1; back <= kW; back += 61) {
    INFO("back " << back);
    CHECK(window.accept(far - back, kLimit));
  }
}

TEST_CASE("replay window rejects counters at or above the limit and does not record them") {
  ReplayWindow window;
  CHECK_FALSE(window.accept(kLimit, kLimit));
  CHECK_FALSE(window.accept(kLimit + 1, kLimit));
  CHECK_FALSE(window.accept(UINT64_MAX, kLimit));
  CHECK(window.accept(kLimit - 1, kLimit));
  CHECK_FALSE(window.accept(kLimit - 1, kLimit));

  ReplayWindow small;
  CHECK_FALSE(small.accept(10, 10));
  CHECK(small.accept(10, 11));  // the refused call left no trace
  CHECK(small.accept(9, 11));
}

TEST_CASE("replay window reset forgets every counter") {
  ReplayWindow window;
  REQUIRE(window.accept(5, kLimit));
  REQUIRE(window.accept(100000, kLimit));
  window.reset();
  CHECK(window.accept(5, kLimit));
  CHECK(window.accept(0, kLimit));
  CHECK(window.accept(100000, kLimit));
}

TEST_CASE("replay window passes the Linux counter selftest sequence") {
  // drivers/net/wireguard/selftest/counter.c, first block, with T_LIM = window + 1.
  constexpr std::uint64_t lim = kW + 1;
  const std::vector<Step> steps = {
      {0, true},
      {1, true},
      {1, false},
      {9, true},
      {8, true},
      {7, true},
      {7, false},
      {lim, true},
      {lim - 1, true},
      {lim - 1, false},
      {lim - 2, true},
      {2, true},
      {2, false},
      {lim + 16, true},
      {3, false},
      {lim + 16, false},
      {lim * 4, true},
      {lim * 4 - (lim - 1), true},
      {10, false},
      {lim * 4 - lim, false},
      {lim * 4 - (lim + 1), false},
      {lim * 4 - (lim - 2), true},
      {lim * 4 + 1 - lim, false},
      {0, false},
      {kLimit, false},
      {kLimit - 1, true},
      {kLimit, false},
      {kLimit - 1, false},
      {kLimit - 2, true},
      {kLimit + 1, false},
      {kLimit + 2, false},
      {kLimit - 2, false},
      {kLimit - 3, true},
      {0, false},
  };
  ReplayWindow window;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    INFO("step " << i + 1 << " counter " << steps[i].counter);
    CHECK(window.accept(steps[i].counter, kLimit) == steps[i].accepted);
  }
}

TEST_CASE("replay window passes the Linux counter selftest edge runs") {
  SECTION("ascending 1..W, then 0 is exactly at the edge") {
    ReplayWindow window;
    play(window, {{1, kW, true}, {0, 0, true}, {0, 0, false}});
  }
  SECTION("ascending 2..W+1, then 1 at the edge and 0 beyond it") {
    ReplayWindow window;
    play(window, {{2, kW + 1, true}, {1, 1, true}, {0, 0, false}});
  }
  SECTION("descending W..0") {
    ReplayWindow window;
    play(window, {{kW, 0, true}});
  }
  SECTION("descending W+1..1, then 0 is beyond the edge") {
    ReplayWindow window;
    play(window, {{kW + 1, 1, true}, {0, 0, false}});
  }
  SECTION("descending W..1, then W+1 pushes 0 beyond the edge") {
    ReplayWindow window;
    play(window, {{kW, 1, true}, {kW + 1, kW + 1, true}, {0, 0, false}});
  }
  SECTION("descending W..1, then 0 before W+1 is still accepted") {
    ReplayWindow window;
    play(window, {{kW, 1, true}, {0, 0, true}, {kW + 1, kW + 1, true}});
  }
}

TEST_CASE("replay window agrees with a set-based model on random traffic") {
  // Model: remember every accepted counter and the greatest one; that is the specification.
  std::mt19937_64 rng(20240611);
  for (int trial = 0; trial < 4; ++trial) {
    ReplayWindow window;
    std::set<std::uint64_t> seen;
    std::uint64_t greatest = 0;
    std::uint64_t head = 0;
    const std::uint64_t limit = trial == 3 ? 60000 : kLimit;
    for (int i = 0; i < 60000; ++i) {
      // Mostly near the head, sometimes far behind or a big jump ahead.
      const std::uint64_t r = rng() % 100;
      if (r < 2) head += rng() % (3 * ReplayWindow::kBits);
      else head += rng() % 3;
      std::uint64_t back = r < 90 ? rng() % 200 : rng() % (kW + 300);
      const std::uint64_t counter = back > head ? 0 : head - back;
      const bool expected =
          counter < limit && !seen.count(counter) && (counter > greatest || greatest - counter <= kW);
      INFO("trial " << trial << " step " << i << " counter " << counter);
      REQUIRE(window.accept(counter, limit) == expected);
      if (expected) {
        seen.insert(counter);
        greatest = std::max(greatest, counter);
      }
    }
  }
}
