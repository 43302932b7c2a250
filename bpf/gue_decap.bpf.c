/* gue_decap: XDP on a backend: strips outer IP + UDP (GUE port) [+ empty GUE v0 header] so the kernel delivers the client's packet to the VIP on lo. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/include/gue.h"
#include "bpf/include/gue_decap_counters.h"

/*
 * The kernel here has no fou/ipip modules, so a backend cannot terminate GUE itself. This program
 * runs at XDP on the backend's interface: a GUE packet becomes its inner packet (same L2 header,
 * ethertype of the inner family) and continues up the stack (XDP_PASS), where the VIP on lo makes
 * it local. Everything else passes untouched. Decapsulation is not authenticated: filter who may
 * send to the GUE port upstream (the gateways are the only senders on the region LAN).
 */
const volatile __u16 gue_port = AM_GUE_PORT; /* host order; set through the skeleton before load */

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, AM_DECAP_COUNTER_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} decap_counters SEC(".maps");

#define AM_ETH_P_8021Q 0x8100
#define AM_ETH_P_8021AD 0x88a8

static inline __attribute__((always_inline)) int am_verdict(__u32 reason) {
  __u64 *value = bpf_map_lookup_elem(&decap_counters, &reason);
  if (value) *value += 1;
  return XDP_PASS;
}

SEC("xdp")
int gue_decap(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return am_verdict(AM_DECAP_PASS_MALFORMED);
  __u32 l2 = sizeof(*eth);
  __be16 type = eth->h_proto;
  __u8 tag[4] = {};
  if (type == bpf_htons(AM_ETH_P_8021Q) || type == bpf_htons(AM_ETH_P_8021AD)) {
    if (data + 18 > end) return am_verdict(AM_DECAP_PASS_MALFORMED);
    __builtin_memcpy(tag, data + 14, 4);
    __builtin_memcpy(&type, tag + 2, 2);
    l2 = 18;
  }

  __u32 outer_len; /* outer IP header + UDP header */
  if (type == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = data + l2;
    if ((void *)(ip + 1) > end) return am_verdict(AM_DECAP_PASS_MALFORMED);
    if (ip->version != 4 || ip->ihl < 5) return am_verdict(AM_DECAP_PASS_MALFORMED);
    if (ip->protocol != IPPROTO_UDP) return am_verdict(AM_DECAP_PASS_NOT_GUE);
    if (ip->frag_off & bpf_htons(0x3fff)) return am_verdict(AM_DECAP_PASS_FRAGMENT);
    outer_len = (__u32)ip->ihl * 4 + sizeof(struct udphdr);
  } else if (type == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip = data + l2;
    if ((void *)(ip + 1) > end) return am_verdict(AM_DECAP_PASS_MALFORMED);
    if (ip->version != 6) return am_verdict(AM_DECAP_PASS_MALFORMED);
    if (ip->nexthdr != IPPROTO_UDP) return am_verdict(AM_DECAP_PASS_NOT_GUE);
    outer_len = sizeof(*ip) + sizeof(struct udphdr);
  } else {
    return am_verdict(AM_DECAP_PASS_NOT_GUE);
  }

  struct udphdr *udp = data + l2 + outer_len - sizeof(struct udphdr);
  if ((void *)(udp + 1) > end) return am_verdict(AM_DECAP_PASS_MALFORMED);
  if (udp->dest != bpf_htons(gue_port)) return am_verdict(AM_DECAP_PASS_NOT_GUE);

  __u8 *payload = (void *)(udp + 1);
  if ((void *)(payload + 4) > end) return am_verdict(AM_DECAP_PASS_GUE_UNKNOWN);
  __u32 strip = outer_len;
  __u8 inner_version;
  if ((payload[0] >> 6) == 1) { /* variant 1: the inner IP header itself */
    inner_version = payload[0] >> 4;
  } else if (payload[0] == 0 && payload[2] == 0 && payload[3] == 0) { /* variant 0, hlen 0, no flags */
    inner_version = payload[1] == AM_GUE_V0_PROTO_IPV4 ? 4 : payload[1] == AM_GUE_V0_PROTO_IPV6 ? 6 : 0;
    strip += 4;
  } else {
    return am_verdict(AM_DECAP_PASS_GUE_UNKNOWN);
  }
  __u8 *inner = data + l2 + strip;
  __be16 inner_type;
  __u32 reason;
  if (inner_version == 4) {
    if ((void *)(inner + sizeof(struct iphdr)) > end || (inner[0] >> 4) != 4) {
      return am_verdict(AM_DECAP_PASS_GUE_UNKNOWN);
    }
    inner_type = bpf_htons(ETH_P_IP);
    reason = AM_DECAP_DECAP_V4;
  } else if (inner_version == 6) {
    if ((void *)(inner + sizeof(struct ipv6hdr)) > end || (inner[0] >> 4) != 6) {
      return am_verdict(AM_DECAP_PASS_GUE_UNKNOWN);
    }
    inner_type = bpf_htons(ETH_P_IPV6);
    reason = AM_DECAP_DECAP_V6;
  } else {
    return am_verdict(AM_DECAP_PASS_GUE_UNKNOWN);
  }

  struct ethhdr saved = *eth;
  if (bpf_xdp_adjust_head(ctx, (int)strip)) return am_verdict(AM_DECAP_PASS_MALFORMED);
  data = (void *)(long)ctx->data;
  end = (void *)(long)ctx->data_end;
  eth = data;
  if ((void *)(eth + 1) > end) return XDP_ABORTED;
  __builtin_memcpy(eth->h_dest, saved.h_dest, ETH_ALEN);
  __builtin_memcpy(eth->h_source, saved.h_source, ETH_ALEN);
  if (l2 == 18) {
    if (data + 18 > end) return XDP_ABORTED;
    eth->h_proto = saved.h_proto;
    __builtin_memcpy(tag + 2, &inner_type, 2);
    __builtin_memcpy(data + 14, tag, 4);
  } else {
    eth->h_proto = inner_type;
  }
  return am_verdict(reason);
}

char LICENSE[] SEC("license") = "GPL";
