/* Compile check: the bpf/include headers build as a BPF object (ctest bpf.include_check). */
#include <linux/bpf.h>

#include "bpf/include/flow_hash.h"
#include "bpf/include/ingress_limits.h"
#include "bpf/include/maglev.h"
#include "bpf/include/map_layouts.h"
#include "bpf/include/token_bucket.h"

#define SEC(name) __attribute__((section(name), used))

/* Uses every inline helper on values the compiler cannot fold, so each one is really emitted. */
SEC("xdp")
int include_check(struct xdp_md *ctx) {
  struct am_flow_tuple t = {};
  __u32 table[7] = {0, 1, 2, 0, 1, 2, 0};
  struct am_vip_key vip = {};
  struct am_flow_value flow = {};

  t.src[0] = (__u8)ctx->rx_queue_index;
  t.sport[1] = (__u8)ctx->ingress_ifindex;
  t.family = AM_FAMILY_V4;
  vip.family = t.family;
  __u32 hash = am_decision_hash(&t, ctx->rx_queue_index & 1);
  flow.backend_id = am_maglev_lookup(table, 7, hash & 0xffff);
  flow.group_id = (__u16)am_hash_reduce(hash, 3);
  struct am_source_key source;
  am_source_key_of(&source, &t, hash & 0x3ff, ctx->rx_queue_index & 31, ctx->ingress_ifindex & 127);
  struct am_token_bucket bucket;
  am_token_bucket_fill(&bucket, hash, ctx->rx_queue_index, ctx->ingress_ifindex);
  int took = am_token_bucket_take(&bucket, (__u64)hash << 20, ctx->rx_queue_index | 1, source.addr[0],
                                  ctx->ingress_ifindex);
  return ((flow.backend_id ^ flow.group_id ^ vip.family ^ am_flow_hash(&t) ^ took) & 1) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
