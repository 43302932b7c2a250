// TokenBucket (bpf/include/token_bucket.h): exact integer refill, burst, per-worker share, long idle.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <limits>

#include "dataplane/anycast/token_bucket.h"

using namespace anymesh::anycast;
using namespace std::chrono_literals;

namespace {

int takes(TokenBucket& b, const TokenRate& r, std::chrono::nanoseconds now, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += b.take(r, now) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("a full bucket admits its burst at once, then nothing until it refills") {
  const TokenRate r{10, 5, 1};
  auto b = TokenBucket::full(r, 100s);
  CHECK(takes(b, r, 100s, 8) == 5);
  CHECK(b.units() == 0);
  CHECK_FALSE(b.take(r, 100s + 99'999'999ns));  // 10/s: one token per 100 ms
  CHECK(b.take(r, 100s + 100ms));
  CHECK_FALSE(b.take(r, 100s + 100ms));
}

TEST_CASE("refill is exact to the nanosecond: R tokens per second are R units per ns") {
  const TokenRate r{3, 2, 1};
  auto b = TokenBucket::full(r, 0ns);
  REQUIRE(takes(b, r, 0ns, 2) == 2);
  CHECK_FALSE(b.take(r, 333'333'333ns));  // 999'999'999 units: one short
  CHECK(b.units() == 999'999'999u);
  CHECK(b.take(r, 333'333'334ns));        // + 3 units: 1'000'000'002
  CHECK(b.units() == 2u);
  // Refill stops at the burst: 10 s later it holds exactly 2 tokens.
  CHECK(b.take(r, 10s));
  CHECK(b.units() == AM_TOKEN_UNITS);
}

TEST_CASE("the bucket never holds more than its burst, however long it idles") {
  const TokenRate r{1, 10, 1};
  auto b = TokenBucket::full(r, 1s);
  CHECK(takes(b, r, 1s, 20) == 10);
  for (std::chrono::nanoseconds idle : {std::chrono::nanoseconds(5s), std::chrono::nanoseconds(4295ms),
                                        std::chrono::nanoseconds(1ll << 40), std::chrono::nanoseconds(1ll << 62)}) {
    INFO(idle.count());
    auto later = TokenBucket::full(r, 1s);
    takes(later, r, 1s, 10);
    auto now = 1s + idle;
    int expected = idle >= 10s ? 10 : static_cast<int>(idle / 1s);
    CHECK(takes(later, r, now, 20) == expected);
  }
  // The largest rate and burst: capacity and refill stay inside 64 bits.
  const TokenRate big{std::numeric_limits<std::uint32_t>::max(), std::numeric_limits<std::uint32_t>::max(), 1};
  auto huge = TokenBucket::full(big, 0ns);
  CHECK(huge.units() == std::uint64_t{std::numeric_limits<std::uint32_t>::max()} * AM_TOKEN_UNITS);
  CHECK(huge.take(big, 0ns));
  CHECK(huge.take(big, std::chrono::nanoseconds(1ll << 62)));
  CHECK(huge.units() == (std::uint64_t{std::numeric_limits<std::uint32_t>::max()} - 1) * AM_TOKEN_UNITS);
  // 4.3 s idle at rate 2^32-1 from empty: the product would overflow; the bucket is full instead.
  const TokenRate fast{std::numeric_limits<std::uint32_t>::max(), 1, 1};
  auto f = TokenBucket::full(fast, 0ns);
  REQUIRE(f.take(fast, 0ns));
  CHECK(f.take(fast, 5s));
  CHECK_FALSE(f.take(fast, 5s));
}

TEST_CASE("a share of N gives each copy 1/N of the rate and burst, and at least one token") {
  const TokenRate r{10, 10, 4};  // each copy: 2.5/s, burst 2 (10 / 4, rounded down)
  auto b = TokenBucket::full(r, 0ns);
  CHECK(takes(b, r, 0ns, 5) == 2);
  CHECK(b.units() == 2 * AM_TOKEN_UNITS);   // 10e9 - 2 x 4e9
  CHECK_FALSE(b.take(r, 199'999'999ns));   // + 1'999'999'990: 10 units short of a 4e9 token
  CHECK(b.take(r, 200ms));
  CHECK_FALSE(b.take(r, 599'999'999ns));   // 2.5/s: the next token 400 ms later
  CHECK(b.take(r, 600ms));

  const TokenRate small{1, 1, 4};  // burst below the share: each copy still holds one token
  auto s = TokenBucket::full(small, 0ns);
  CHECK(takes(s, small, 0ns, 3) == 1);
  CHECK_FALSE(s.take(small, 3999ms));
  CHECK(s.take(small, 4s));
}

TEST_CASE("rate 0 is unlimited, a clock going back adds nothing, a lowered burst cuts the bucket") {
  TokenBucket b = TokenBucket::full({0, 0, 1}, 0ns);
  CHECK(takes(b, {0, 0, 1}, 0ns, 1000) == 1000);

  const TokenRate r{1, 2, 1};
  auto c = TokenBucket::full(r, 10s);
  CHECK(takes(c, r, 10s, 3) == 2);
  CHECK_FALSE(c.take(r, 5s));   // before the last refill: nothing added
  CHECK_FALSE(c.take(r, 10s));  // and the last refill time did not move back
  CHECK(c.take(r, 11s));

  auto d = TokenBucket::full({1, 100, 1}, 0ns);
  const TokenRate lowered{1, 3, 1};
  CHECK(takes(d, lowered, 0ns, 10) == 3);
}
