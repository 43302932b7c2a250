/* The token bucket of the ingress limits, shared by xdp_gateway and the C++ anycast stage. */
#ifndef ANYMESH_BPF_TOKEN_BUCKET_H
#define ANYMESH_BPF_TOKEN_BUCKET_H

#include "bpf/include/portable.h"

/*
 * Integer arithmetic on nanoseconds, no floating point, no rounding: tokens are counted in units
 * of 1e-9 token, so a rate of R tokens per second adds exactly R units per nanosecond.
 *
 * A limit enforced by `share` independent copies of the bucket (one per CPU in XDP, one per DPDK
 * worker) gives each copy 1/share of it: a token costs share * 1e9 units, so each copy admits
 * R / share per second, and holds burst / share tokens, but at least one (capacity is
 * max(burst, share) tokens' worth) so that no copy refuses everything. share 0 counts as 1.
 *
 * Ranges: rate, burst and share are 32-bit, so capacity and cost stay below 2^32 * 1e9 < 2^63 and
 * the refill never overflows: elapsed * rate is computed only when elapsed < 2^32 ns (the product
 * is below 2^64) or when it is known not to fill the bucket (elapsed <= room / rate, so the product
 * is at most room); a longer idle period fills it. One division, and only after 4.3 s of idling.
 */
#define AM_TOKEN_UNITS 1000000000ull

struct am_token_bucket {
  __u64 tokens;  /* units of 1e-9 token */
  __u64 last_ns; /* time of the last refill */
};
AM_STATIC_ASSERT(sizeof(struct am_token_bucket) == 16, "am_token_bucket is 16 bytes");

AM_INLINE __u64 am_token_cost(__u32 share) { return (__u64)(share ? share : 1u) * AM_TOKEN_UNITS; }

AM_INLINE __u64 am_token_capacity(__u32 burst, __u32 share) {
  __u32 s = share ? share : 1u;
  return (__u64)(burst > s ? burst : s) * AM_TOKEN_UNITS;
}

/* A full bucket as of now_ns. */
AM_INLINE void am_token_bucket_fill(struct am_token_bucket *b, __u64 now_ns, __u32 burst, __u32 share) {
  b->tokens = am_token_capacity(burst, share);
  b->last_ns = now_ns;
}

/*
 * Refills the bucket up to now_ns, then takes one token: 1 when there was one, 0 when the limit
 * is hit. rate 0 means unlimited (always 1, the bucket untouched). A clock that went backwards
 * (now_ns before last_ns) adds nothing. A bucket holding more than its capacity (the limit was
 * lowered) is cut to it.
 */
AM_INLINE int am_token_bucket_take(struct am_token_bucket *b, __u64 now_ns, __u32 rate, __u32 burst,
                                   __u32 share) {
  if (rate == 0) return 1;
  __u64 capacity = am_token_capacity(burst, share);
  __u64 cost = am_token_cost(share);
  __u64 tokens = b->tokens < capacity ? b->tokens : capacity;
  if (now_ns > b->last_ns) {
    __u64 elapsed = now_ns - b->last_ns;
    __u64 room = capacity - tokens;
    if (elapsed > 0xffffffffull && elapsed > room / rate) {
      tokens = capacity;
    } else {
      __u64 added = elapsed * rate;
      tokens = added >= room ? capacity : tokens + added;
    }
    b->last_ns = now_ns;
  }
  if (tokens < cost) {
    b->tokens = tokens;
    return 0;
  }
  b->tokens = tokens - cost;
  return 1;
}

#endif /* ANYMESH_BPF_TOKEN_BUCKET_H */
