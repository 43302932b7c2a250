/* xdp_gateway: the gateway's XDP stage: tunnel and mesh traffic to AF_XDP (DPDK), local VIP flows GUE-encapsulated, the rest to the kernel. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/include/flow_hash.h"
#include "bpf/include/gue.h"
#include "bpf/include/ingress_limits.h"
#include "bpf/include/maglev.h"
#include "bpf/include/map_layouts.h"
#include "bpf/include/xdp_counters.h"

/*
 * The DPDK af_xdp PMD loads this object itself (devarg xdp_prog=) and binds its sockets into
 * xsks_map by queue index; the agent finds the other maps through the program attached to the
 * interface and fills them. Before the agent writes gw_config the role is unset and every packet
 * goes to the kernel, so attaching the program never cuts the host off.
 */
#define AM_XSKS_MAX_QUEUES 64
#define AM_MESH_PREFIXES_MAX 4096
#define AM_VIPS_MAX 4096
#define AM_FLOWS_MAX 262144
#define AM_SOURCES_MAX 16384

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, AM_XSKS_MAX_QUEUES);
  __type(key, __u32);
  __type(value, __u32);
} xsks_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct am_gw_config);
} gw_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, AM_MESH_PREFIXES_MAX);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct am_lpm_v4_key);
  __type(value, __u32);
} mesh_prefix_v4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, AM_MESH_PREFIXES_MAX);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct am_lpm_v6_key);
  __type(value, __u32);
} mesh_prefix_v6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, AM_XDP_COUNTER_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} xdp_counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, AM_VIPS_MAX);
  __type(key, struct am_vip_key);
  __type(value, struct am_vip_value);
} vips SEC(".maps");

/* One Maglev table per service; BPF_F_INNER_MAP lets each have its own (prime) size. */
struct am_maglev_table {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, AM_MAGLEV_DEFAULT_TABLE_SIZE);
  __uint(map_flags, BPF_F_INNER_MAP);
  __type(key, __u32);
  __type(value, __u32);
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, AM_XDP_SERVICES_MAX);
  __type(key, __u32);
  __array(values, struct am_maglev_table);
} maglev SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, AM_XDP_BACKENDS_MAX);
  __type(key, __u32);
  __type(value, struct am_backend_value);
} backends SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, AM_FLOWS_MAX);
  __type(key, struct am_flow_tuple);
  __type(value, struct am_flow_value);
} flows SEC(".maps");

/*
 * Ingress limits (bpf/include/ingress_limits.h). Buckets are per CPU: no atomics and no cache line
 * bouncing under a flood, and exact per CPU; each CPU enforces 1/limit_share of every rate and
 * burst (gw_config.limit_share: the CPUs that take the port's packets), which is exact when RSS
 * spreads a service's (or prefix's) packets evenly over them and stricter when it does not.
 */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, AM_XDP_SERVICES_MAX);
  __type(key, __u32);
  __type(value, struct am_service_limits);
} service_limits SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, AM_XDP_SERVICES_MAX);
  __type(key, __u32);
  __type(value, struct am_token_bucket);
} service_buckets SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
  __uint(max_entries, AM_SOURCES_MAX);
  __type(key, struct am_source_key);
  __type(value, struct am_source_buckets);
} source_buckets SEC(".maps");

#define AM_ETH_P_8021Q 0x8100
#define AM_ETH_P_8021AD 0x88a8
#define AM_IPV6_NEXTHDR_FRAGMENT 44
#define AM_IPV4_FRAG_MASK 0x3fff /* MF flag and fragment offset */

/* What the parser learnt about one frame; offsets are from the start of the frame. */
struct am_frame {
  __u32 l3_off;
  __u32 l4_off;  /* 0 when the L4 header is not directly after the IP header */
  __u8 family;   /* AM_FAMILY_V4 / AM_FAMILY_V6 */
  __u8 proto;    /* IP protocol / IPv6 next header */
  __u8 fragment; /* a fragment: L4 ports are not (all) there */
  struct am_flow_tuple tuple; /* addresses always; ports when l4_off != 0 and proto has them */
};

enum am_parse { AM_PARSE_OK, AM_PARSE_MALFORMED, AM_PARSE_NOT_IP, AM_PARSE_VLAN_STACKED };

AM_INLINE void am_count(__u32 reason) {
  __u64 *value = bpf_map_lookup_elem(&xdp_counters, &reason);
  if (value) *value += 1; /* per-CPU slot: no atomics needed */
}

AM_INLINE int am_pass(__u32 reason) {
  am_count(reason);
  return XDP_PASS;
}

AM_INLINE int am_drop(__u32 reason) {
  am_count(reason);
  return XDP_DROP;
}

/* To the AF_XDP socket of this queue; without one the packet falls back to the kernel. */
AM_INLINE int am_to_xsk(struct xdp_md *ctx, __u32 reason) {
  am_count(reason);
  int verdict = (int)bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
  if (verdict != XDP_REDIRECT) am_count(AM_XDP_NOTE_XSK_NO_SOCKET);
  return verdict;
}

AM_INLINE void am_copy4(__u8 *dst, const void *src) { __builtin_memcpy(dst, src, 4); }
AM_INLINE void am_copy16(__u8 *dst, const void *src) { __builtin_memcpy(dst, src, 16); }

/* L2: Ethernet with at most one 802.1Q / 802.1ad tag. */
AM_INLINE enum am_parse am_parse_l2(void *data, void *end, __u16 *ethertype, __u32 *l3_off) {
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return AM_PARSE_MALFORMED;
  __u16 type = eth->h_proto;
  __u32 off = sizeof(*eth);
  if (type == bpf_htons(AM_ETH_P_8021Q) || type == bpf_htons(AM_ETH_P_8021AD)) {
    __be16 *tag = data + off; /* TCI, then the encapsulated ethertype */
    if ((void *)(tag + 2) > end) return AM_PARSE_MALFORMED;
    type = tag[1];
    off += 4;
    if (type == bpf_htons(AM_ETH_P_8021Q) || type == bpf_htons(AM_ETH_P_8021AD)) {
      return AM_PARSE_VLAN_STACKED;
    }
  }
  *ethertype = type;
  *l3_off = off;
  return AM_PARSE_OK;
}

AM_INLINE enum am_parse am_parse_ipv4(void *data, void *end, struct am_frame *f) {
  struct iphdr *ip = data + f->l3_off;
  if ((void *)(ip + 1) > end) return AM_PARSE_MALFORMED;
  if (ip->version != 4 || ip->ihl < 5) return AM_PARSE_MALFORMED;
  __u32 header_len = (__u32)ip->ihl * 4;
  if (bpf_ntohs(ip->tot_len) < header_len) return AM_PARSE_MALFORMED;
  f->family = f->tuple.family = AM_FAMILY_V4;
  f->proto = f->tuple.proto = ip->protocol;
  f->fragment = (ip->frag_off & bpf_htons(AM_IPV4_FRAG_MASK)) != 0;
  am_copy4(f->tuple.src, &ip->saddr);
  am_copy4(f->tuple.dst, &ip->daddr);
  f->l4_off = f->l3_off + header_len; /* IP options are skipped, not refused */
  return AM_PARSE_OK;
}

/* IPv6 extension headers (RFC 8200 and the IANA list) that may stand before the transport header. */
AM_INLINE int am_ipv6_extension(__u8 next) {
  return next == 0 || next == 43 || next == AM_IPV6_NEXTHDR_FRAGMENT || next == 51 || next == 60 ||
         next == 135 || next == 139 || next == 140 || next == 253 || next == 254;
}

AM_INLINE enum am_parse am_parse_ipv6(void *data, void *end, struct am_frame *f) {
  struct ipv6hdr *ip = data + f->l3_off;
  if ((void *)(ip + 1) > end) return AM_PARSE_MALFORMED;
  if (ip->version != 6) return AM_PARSE_MALFORMED;
  f->family = f->tuple.family = AM_FAMILY_V6;
  f->proto = f->tuple.proto = ip->nexthdr;
  f->fragment = ip->nexthdr == AM_IPV6_NEXTHDR_FRAGMENT;
  am_copy16(f->tuple.src, &ip->saddr);
  am_copy16(f->tuple.dst, &ip->daddr);
  /* Only a header right after the fixed header counts; extension chains are not walked. */
  f->l4_off = am_ipv6_extension(ip->nexthdr) ? 0 : f->l3_off + (__u32)sizeof(*ip);
  return AM_PARSE_OK;
}

/* UDP and TCP ports into the tuple; a header too short to hold them is malformed. */
AM_INLINE enum am_parse am_parse_ports(void *data, void *end, struct am_frame *f) {
  if (f->fragment || f->l4_off == 0) return AM_PARSE_OK;
  if (f->proto != IPPROTO_UDP && f->proto != IPPROTO_TCP) return AM_PARSE_OK;
  __u8 *l4 = data + (f->l4_off & 0xff); /* l4_off < 256: L2 (<= 18) + IPv4 (<= 60) or IPv6 (40) */
  if (f->proto == IPPROTO_UDP) {
    if ((void *)(l4 + sizeof(struct udphdr)) > end) return AM_PARSE_MALFORMED;
  } else if ((void *)(l4 + 20) > end) { /* TCP header without options */
    return AM_PARSE_MALFORMED;
  }
  f->tuple.sport[0] = l4[0];
  f->tuple.sport[1] = l4[1];
  f->tuple.dport[0] = l4[2];
  f->tuple.dport[1] = l4[3];
  return AM_PARSE_OK;
}

AM_INLINE __u16 am_dport(const struct am_frame *f) {
  return (__u16)(((__u16)f->tuple.dport[0] << 8) | f->tuple.dport[1]);
}

AM_INLINE int am_inner(struct xdp_md *ctx, const struct am_frame *f) {
  if (f->family == AM_FAMILY_V4) {
    struct am_lpm_v4_key key = {.prefixlen = 32};
    am_copy4(key.addr, f->tuple.dst);
    if (bpf_map_lookup_elem(&mesh_prefix_v4, &key)) return am_to_xsk(ctx, AM_XDP_XSK_MESH);
  } else {
    struct am_lpm_v6_key key = {.prefixlen = 128};
    am_copy16(key.addr, f->tuple.dst);
    if (bpf_map_lookup_elem(&mesh_prefix_v6, &key)) return am_to_xsk(ctx, AM_XDP_XSK_MESH);
  }
  return am_pass(AM_XDP_PASS_NOT_MESH);
}

/* Separate BPF functions (not inlined) so each one's stack stays inside the 512-byte limit. */
#define AM_SUBPROG static __attribute__((noinline))

/* am_decision_hash from bpf/include/flow_hash.h (affinity NONE gives the plain flow hash). */
AM_SUBPROG __u32 am_hash_flow(const struct am_flow_tuple *t, __u32 affinity) {
  return am_decision_hash(t, affinity);
}

/* The service of a VIP packet: the exact (VIP, protocol, port) entry, else the VIP's port range. */
AM_INLINE const struct am_vip_value *am_classify_vip(const struct am_frame *f) {
  struct am_vip_key key = {};
  __builtin_memcpy(key.addr, f->tuple.dst, 16);
  key.port = am_dport(f);
  key.proto = f->proto;
  key.family = f->family;
  const struct am_vip_value *vip = bpf_map_lookup_elem(&vips, &key);
  if (vip) return vip;
  key.port = 0;
  vip = bpf_map_lookup_elem(&vips, &key);
  if (!vip || !(vip->flags & AM_VIP_F_PORT_RANGE)) return 0;
  __u16 port = am_dport(f);
  return port >= vip->port_first && port <= vip->port_last ? vip : 0;
}

/* A backend XDP may encapsulate to: known, local and healthy. Anything else is the DPDK path's. */
AM_INLINE const struct am_backend_value *am_usable_backend(__u32 id) {
  const struct am_backend_value *b = bpf_map_lookup_elem(&backends, &id);
  if (!b || (b->family != AM_FAMILY_V4 && b->family != AM_FAMILY_V6)) return 0;
  __u8 want = AM_BACKEND_F_HEALTHY | AM_BACKEND_F_LOCAL;
  return (b->flags & want) == want ? b : 0;
}

/*
 * The pinned backend of the flow if it is still usable and not idle too long, else 0. *is_new is
 * set when the flow has no entry or its entry went idle (a new flow for the limits); a pinned flow
 * whose backend is no longer usable is not new: it is decided again without the new-flow limits.
 */
AM_SUBPROG const struct am_backend_value *am_pinned_backend(const struct am_gw_config *cfg,
                                                           const struct am_frame *f, __u64 now,
                                                           __u32 *is_new) {
  struct am_flow_value *pinned = bpf_map_lookup_elem(&flows, &f->tuple);
  *is_new = 1;
  if (!pinned) return 0;
  __u64 idle_ns = (__u64)cfg->flow_idle_ms * 1000000ull;
  if (idle_ns != 0 && now - pinned->last_seen_ns > idle_ns) return 0;
  *is_new = 0;
  const struct am_backend_value *b = am_usable_backend(pinned->backend_id);
  if (!b) return 0;
  pinned->last_seen_ns = now;
  am_count(AM_XDP_NOTE_FLOW_PINNED);
  return b;
}

/* A Maglev pick for the flow, pinned; 0 when the slot gives no usable backend. */
AM_SUBPROG const struct am_backend_value *am_new_backend(const struct am_vip_value *vip,
                                                        const struct am_frame *f,
                                                        __u32 decision_hash, __u64 now) {
  __u32 service = vip->service_id;
  void *table = bpf_map_lookup_elem(&maglev, &service);
  if (!table || vip->table_size == 0) return 0;
  __u32 slot = am_maglev_slot(decision_hash, vip->table_size);
  __u32 *backend_id = bpf_map_lookup_elem(table, &slot);
  if (!backend_id || *backend_id == AM_MAGLEV_EMPTY) return 0;
  const struct am_backend_value *b = am_usable_backend(*backend_id);
  if (!b) return 0;
  struct am_flow_value pin = {.backend_id = *backend_id, .group_id = b->group_id, .last_seen_ns = now};
  bpf_map_update_elem(&flows, &f->tuple, &pin, BPF_ANY);
  am_count(AM_XDP_NOTE_FLOW_NEW);
  return b;
}

/*
 * This CPU's buckets of the packet's source prefix for the service, full when first used here (a
 * per-CPU entry created on another CPU reads as all zero here). 0 only if the LRU map refused
 * the entry: that packet then goes unlimited by its prefix.
 */
AM_SUBPROG struct am_source_buckets *am_source_buckets(const struct am_service_limits *l, __u32 service,
                                                      const struct am_frame *f, __u64 now, __u32 share) {
  struct am_source_key key;
  am_source_key_of(&key, &f->tuple, service, l->source_prefix_v4, l->source_prefix_v6);
  struct am_source_buckets *b = bpf_map_lookup_elem(&source_buckets, &key);
  if (!b) {
    struct am_source_buckets fresh = {};
    bpf_map_update_elem(&source_buckets, &key, &fresh, BPF_NOEXIST);
    b = bpf_map_lookup_elem(&source_buckets, &key);
    if (!b) return 0;
  }
  if (b->new_flows.last_ns == 0 && b->packets.last_ns == 0) {
    am_token_bucket_fill(&b->new_flows, now, l->source_new_flows_burst, share);
    am_token_bucket_fill(&b->packets, now, l->source_packets_burst, share);
  }
  return b;
}

/* The new-flow limits: the source prefix's first, then the service's; the counter hit, or 0. */
AM_SUBPROG __u32 am_new_flow_over_limit(const struct am_service_limits *l, struct am_source_buckets *source,
                                        __u32 service, __u64 now, __u32 share) {
  if (source && !am_token_bucket_take(&source->new_flows, now, l->source_new_flows_per_second,
                                      l->source_new_flows_burst, share)) {
    return AM_XDP_DROP_LIMIT_SOURCE_NEW_FLOWS;
  }
  if (l->new_flows_per_second == 0) return 0;
  struct am_token_bucket *b = bpf_map_lookup_elem(&service_buckets, &service);
  if (!b) return 0;
  if (b->last_ns == 0) am_token_bucket_fill(b, now, l->new_flows_burst, share);
  if (!am_token_bucket_take(b, now, l->new_flows_per_second, l->new_flows_burst, share)) {
    return AM_XDP_DROP_LIMIT_SERVICE_NEW_FLOWS;
  }
  return 0;
}

AM_INLINE int am_all_zero(const __u8 *bytes, __u32 n) {
  __u8 any = 0;
#pragma unroll
  for (__u32 i = 0; i < 16; ++i) {
    if (i < n) any |= bytes[i];
  }
  return any == 0;
}

AM_INLINE __u16 am_ipv4_checksum(const struct iphdr *ip) {
  const __u16 *words = (const __u16 *)ip;
  __u32 sum = 0;
#pragma unroll
  for (int i = 0; i < (int)(sizeof(*ip) / 2); ++i) sum += words[i];
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return (__u16)~sum;
}

/*
 * Prepends the outer IP + UDP header (GUE variant 1, bpf/include/gue.h) between the L2 header and
 * the client's packet and sends the frame back out (XDP_TX): new source MAC is the one the frame
 * was sent to, new destination the configured next hop (or the sender when none is configured).
 */
AM_SUBPROG int am_gue_encapsulate(struct xdp_md *ctx, const struct am_gw_config *cfg,
                                 const struct am_frame *f, const struct am_backend_value *b,
                                 __u32 hash) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  __u32 l2 = f->l3_off == 18 ? 18 : 14;
  __u32 inner_len;
  __u8 tos = 0;
  if (f->family == AM_FAMILY_V4) {
    struct iphdr *ip = data + l2;
    if ((void *)(ip + 1) > end) return am_pass(AM_XDP_PASS_MALFORMED);
    inner_len = bpf_ntohs(ip->tot_len);
    tos = ip->tos;
  } else {
    struct ipv6hdr *ip = data + l2;
    if ((void *)(ip + 1) > end) return am_pass(AM_XDP_PASS_MALFORMED);
    inner_len = bpf_ntohs(ip->payload_len) + (__u32)sizeof(*ip);
  }
  if (data + l2 + inner_len > end) return am_pass(AM_XDP_PASS_MALFORMED); /* claims more than it has */

  __u32 outer = b->family == AM_FAMILY_V4 ? AM_GUE_OUTER_V4_BYTES : AM_GUE_OUTER_V6_BYTES;
  __u32 mtu = cfg->mtu ? cfg->mtu : AM_GW_DEFAULT_MTU;
  if (inner_len + outer > mtu) return am_to_xsk(ctx, AM_XDP_XSK_VIP_TOO_BIG);
  if (am_all_zero(b->family == AM_FAMILY_V4 ? cfg->gateway_v4 : cfg->gateway_v6,
                  b->family == AM_FAMILY_V4 ? 4 : 16)) {
    return am_to_xsk(ctx, AM_XDP_XSK_VIP_NO_SOURCE);
  }

  struct ethhdr old_eth;
  __u8 old_tag[4] = {};
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return am_pass(AM_XDP_PASS_MALFORMED);
  old_eth = *eth;
  if (l2 == 18) {
    if (data + 18 > end) return am_pass(AM_XDP_PASS_MALFORMED);
    __builtin_memcpy(old_tag, data + 14, 4);
  }

  if (bpf_xdp_adjust_head(ctx, -(int)outer)) return am_to_xsk(ctx, AM_XDP_XSK_VIP_NO_BACKEND);
  data = (void *)(long)ctx->data;
  end = (void *)(long)ctx->data_end;
  eth = data;
  if ((void *)(eth + 1) > end) return XDP_ABORTED;
  if (!am_all_zero(cfg->next_hop_mac, 6)) {
    __builtin_memcpy(eth->h_dest, cfg->next_hop_mac, 6);
  } else {
    __builtin_memcpy(eth->h_dest, old_eth.h_source, 6);
  }
  __builtin_memcpy(eth->h_source, old_eth.h_dest, 6);
  __be16 outer_type = bpf_htons(b->family == AM_FAMILY_V4 ? ETH_P_IP : ETH_P_IPV6);
  if (l2 == 18) {
    eth->h_proto = old_eth.h_proto; /* the VLAN ethertype; the tag says what follows */
    __u8 *tag = data + 14;
    if ((void *)(tag + 4) > end) return XDP_ABORTED;
    __builtin_memcpy(tag, old_tag, 2);
    __builtin_memcpy(tag + 2, &outer_type, 2);
  } else {
    eth->h_proto = outer_type;
  }

  struct udphdr udp = {
      .source = bpf_htons(am_gue_source_port(hash)),
      .dest = bpf_htons(cfg->gue_port ? cfg->gue_port : AM_GUE_PORT),
      .len = bpf_htons((__u16)(inner_len + sizeof(struct udphdr))),
      .check = 0,
  };
  if (b->family == AM_FAMILY_V4) {
    struct iphdr ip = {};
    ip.version = 4;
    ip.ihl = 5;
    ip.tos = tos;
    ip.tot_len = bpf_htons((__u16)(inner_len + AM_GUE_OUTER_V4_BYTES));
    ip.frag_off = bpf_htons(0x4000); /* DF */
    ip.ttl = AM_GUE_TTL;
    ip.protocol = IPPROTO_UDP;
    __builtin_memcpy(&ip.saddr, cfg->gateway_v4, 4);
    __builtin_memcpy(&ip.daddr, b->addr, 4);
    ip.check = am_ipv4_checksum(&ip);
    struct iphdr *out_ip = data + l2;
    struct udphdr *out_udp = (void *)(out_ip + 1);
    if ((void *)(out_udp + 1) > end) return XDP_ABORTED;
    *out_ip = ip;
    *out_udp = udp;
  } else {
    struct ipv6hdr ip = {};
    __u32 label = am_gue_flow_label(hash);
    ip.version = 6;
    ip.flow_lbl[0] = (__u8)(label >> 16);
    ip.flow_lbl[1] = (__u8)(label >> 8);
    ip.flow_lbl[2] = (__u8)label;
    ip.payload_len = udp.len;
    ip.nexthdr = IPPROTO_UDP;
    ip.hop_limit = AM_GUE_TTL;
    __builtin_memcpy(&ip.saddr, cfg->gateway_v6, 16);
    __builtin_memcpy(&ip.daddr, b->addr, 16);
    struct ipv6hdr *out_ip = data + l2;
    struct udphdr *out_udp = (void *)(out_ip + 1);
    if ((void *)(out_udp + 1) > end) return XDP_ABORTED;
    *out_ip = ip;
    *out_udp = udp;
  }
  am_count(AM_XDP_TX_GUE);
  return XDP_TX;
}

AM_INLINE int am_outer(struct xdp_md *ctx, const struct am_gw_config *cfg, struct am_frame *f) {
  if (f->fragment) return am_pass(AM_XDP_PASS_FRAGMENT);
  if (f->l4_off == 0) return am_pass(AM_XDP_PASS_IPV6_EXTENSION);
  if (f->proto == IPPROTO_UDP &&
      (__u32)am_dport(f) - cfg->tunnel_port_first < (__u32)cfg->tunnel_port_count) {
    return am_to_xsk(ctx, AM_XDP_XSK_TUNNEL);
  }
  const struct am_vip_value *vip = am_classify_vip(f);
  if (!vip) return am_pass(AM_XDP_PASS_NOT_TUNNEL);
  __u64 now = bpf_ktime_get_ns();
  __u32 service = vip->service_id;
  __u32 share = cfg->limit_share;
  const struct am_service_limits *limits = bpf_map_lookup_elem(&service_limits, &service);
  struct am_source_buckets *source = 0;
  if (limits && am_limits_per_source(limits)) {
    source = am_source_buckets(limits, service, f, now, share);
    if (source && !am_token_bucket_take(&source->packets, now, limits->source_packets_per_second,
                                        limits->source_packets_burst, share)) {
      return am_drop(AM_XDP_DROP_LIMIT_SOURCE_PACKETS);
    }
  }
  /* Only services served entirely by local backends are decided here: group choice by weight, dial
     and health across regions needs the full service table, which only the DPDK path has (and
     applies the new-flow limits there). */
  if (!(vip->flags & AM_VIP_F_LOCAL_ONLY)) return am_to_xsk(ctx, AM_XDP_XSK_VIP);
  __u32 flow_hash = am_hash_flow(&f->tuple, AM_AFFINITY_NONE);
  __u32 decision_hash = vip->flags & AM_VIP_F_AFFINITY_SOURCE_IP
                            ? am_hash_flow(&f->tuple, AM_AFFINITY_SOURCE_IP) : flow_hash;
  __u32 is_new = 0;
  const struct am_backend_value *b = am_pinned_backend(cfg, f, now, &is_new);
  if (!b) {
    if (is_new && limits) {
      __u32 over = am_new_flow_over_limit(limits, limits->source_new_flows_per_second ? source : 0,
                                          service, now, share);
      if (over) return am_drop(over);
    }
    b = am_new_backend(vip, f, decision_hash, now);
  }
  if (!b) return am_to_xsk(ctx, AM_XDP_XSK_VIP_NO_BACKEND);
  return am_gue_encapsulate(ctx, cfg, f, b, flow_hash);
}

SEC("xdp")
int xdp_gateway(struct xdp_md *ctx) {
  __u32 zero = 0;
  const struct am_gw_config *cfg = bpf_map_lookup_elem(&gw_config, &zero);
  if (!cfg || (cfg->role != AM_GW_ROLE_OUTER && cfg->role != AM_GW_ROLE_INNER)) {
    return am_pass(AM_XDP_PASS_UNCONFIGURED);
  }
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;

  struct am_frame f = {};
  __u16 ethertype = 0;
  enum am_parse parsed = am_parse_l2(data, end, &ethertype, &f.l3_off);
  if (parsed == AM_PARSE_OK) {
    if (ethertype == bpf_htons(ETH_P_IP)) {
      parsed = am_parse_ipv4(data, end, &f);
    } else if (ethertype == bpf_htons(ETH_P_IPV6)) {
      parsed = am_parse_ipv6(data, end, &f);
    } else {
      parsed = AM_PARSE_NOT_IP;
    }
  }
  if (parsed == AM_PARSE_OK && cfg->role == AM_GW_ROLE_OUTER) parsed = am_parse_ports(data, end, &f);
  switch (parsed) {
    case AM_PARSE_OK: break;
    case AM_PARSE_NOT_IP: return am_pass(AM_XDP_PASS_NOT_IP);
    case AM_PARSE_VLAN_STACKED: return am_pass(AM_XDP_PASS_VLAN_STACKED);
    default: return am_pass(AM_XDP_PASS_MALFORMED);
  }
  if (cfg->role == AM_GW_ROLE_INNER) return am_inner(ctx, &f);
  return am_outer(ctx, cfg, &f);
}

char LICENSE[] SEC("license") = "GPL";
