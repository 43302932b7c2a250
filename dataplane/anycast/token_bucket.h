// TokenBucket: one ingress limit's state (bpf/include/token_bucket.h, the algorithm xdp_gateway runs too).
#pragma once

#include <chrono>
#include <cstdint>

#include "bpf/include/token_bucket.h"

namespace anymesh::anycast {

// A limit of per_second tokens with room for burst, enforced by `share` copies of the bucket
// (DPDK workers): each copy admits per_second / share and holds max(burst / share, 1) tokens.
// per_second 0 is unlimited.
struct TokenRate {
  std::uint32_t per_second = 0;
  std::uint32_t burst = 0;
  std::uint32_t share = 1;
};

// 16 bytes, no allocation, integer nanoseconds. Single-threaded (one per lcore).
class TokenBucket {
 public:
  // Full at now.
  static TokenBucket full(const TokenRate& rate, std::chrono::nanoseconds now) {
    TokenBucket b;
    am_token_bucket_fill(&b.state_, ns(now), rate.burst, rate.share);
    return b;
  }

  // Refills up to now and takes one token; false when the limit is hit.
  bool take(const TokenRate& rate, std::chrono::nanoseconds now) {
    return am_token_bucket_take(&state_, ns(now), rate.per_second, rate.burst, rate.share) != 0;
  }

  // In units of 1e-9 token, as of the last take (tests, status).
  std::uint64_t units() const { return state_.tokens; }

 private:
  static std::uint64_t ns(std::chrono::nanoseconds t) {
    return t.count() < 0 ? 0 : static_cast<std::uint64_t>(t.count());
  }
  am_token_bucket state_{};
};

}  // namespace anymesh::anycast
