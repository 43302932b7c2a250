/* Per-service and per-source-prefix ingress limits: the map layouts xdp_gateway and the anycast stage share. */
#ifndef ANYMESH_BPF_INGRESS_LIMITS_H
#define ANYMESH_BPF_INGRESS_LIMITS_H

#include "bpf/include/flow_hash.h"
#include "bpf/include/portable.h"
#include "bpf/include/token_bucket.h"

/*
 * A service's limits (service_limits array, key = service id). Rates are per second and per
 * gateway, 0 = unlimited; a rate has a burst of at least 1. New-flow limits apply to packets of a
 * flow the flow table does not hold (a miss, or an entry idle past its timeout); a flow that is
 * pinned (or re-pinned because its backend went away) never counts as new. The packet limit
 * applies to every packet for the service's VIPs from a source prefix.
 */
struct am_service_limits {
  __u32 new_flows_per_second; /* the whole service, over all clients */
  __u32 new_flows_burst;
  __u32 source_new_flows_per_second; /* per source prefix */
  __u32 source_new_flows_burst;
  __u32 source_packets_per_second; /* per source prefix */
  __u32 source_packets_burst;
  __u8 source_prefix_v4; /* 1 .. 32: IPv4 sources are grouped by this prefix length */
  __u8 source_prefix_v6; /* 1 .. 128 */
  __u16 reserved;
};
AM_STATIC_ASSERT(sizeof(struct am_service_limits) == 28, "am_service_limits is 28 bytes");

AM_INLINE int am_limits_per_source(const struct am_service_limits *l) {
  return l->source_new_flows_per_second != 0 || l->source_packets_per_second != 0;
}

/* source_buckets key: one service's share of one source prefix (address bits past prefix_len zero). */
struct am_source_key {
  __u32 service_id;
  __u8 family; /* AM_FAMILY_V4 / AM_FAMILY_V6 */
  __u8 prefix_len;
  __u16 reserved;
  __u8 addr[16]; /* am_flow_tuple address convention */
};
AM_STATIC_ASSERT(sizeof(struct am_source_key) == 24, "am_source_key is 24 bytes");

struct am_source_buckets {
  struct am_token_bucket new_flows;
  struct am_token_bucket packets;
};
AM_STATIC_ASSERT(sizeof(struct am_source_buckets) == 32, "am_source_buckets is 32 bytes");

/* The key of the tuple's source prefix (/prefix_v4 or /prefix_v6 by its family) for a service. */
AM_INLINE void am_source_key_of(struct am_source_key *k, const struct am_flow_tuple *t, __u32 service_id,
                                __u32 prefix_v4, __u32 prefix_v6) {
  __u32 len = t->family == AM_FAMILY_V4 ? prefix_v4 : prefix_v6;
  __u32 max = t->family == AM_FAMILY_V4 ? 32u : 128u;
  if (len > max) len = max;
  k->service_id = service_id;
  k->family = t->family;
  k->prefix_len = (__u8)len;
  k->reserved = 0;
  for (__u32 i = 0; i < 16; ++i) {
    __u32 bits = len > i * 8 ? len - i * 8 : 0; /* bits of byte i inside the prefix */
    __u8 mask = bits >= 8 ? 0xff : (__u8)(0xff00u >> bits);
    k->addr[i] = t->src[i] & mask;
  }
}

#endif /* ANYMESH_BPF_INGRESS_LIMITS_H */
