/* Keys and values of the maps that the agent fills and xdp_gateway.bpf.c reads. */
#ifndef ANYMESH_BPF_MAP_LAYOUTS_H
#define ANYMESH_BPF_MAP_LAYOUTS_H

#include "bpf/include/flow_hash.h"
#include "bpf/include/portable.h"

/*
 * vips (hash): which service a packet's destination belongs to. Addresses use the am_flow_tuple
 * convention (IPv4 in the first 4 bytes, zeros after). port is host byte order. A service with a
 * port range is stored once with port 0 and its range in the value: the program looks up the exact
 * port first, then port 0, and checks the range. XDP therefore carries at most one range per
 * (VIP, protocol); packets of any other range go to the DPDK path, which has the full ServiceTable.
 */
struct am_vip_key {
  __u8 addr[16];
  __u16 port;
  __u8 proto;
  __u8 family;
};
AM_STATIC_ASSERT(sizeof(struct am_vip_key) == 20, "am_vip_key is 20 bytes");

#define AM_VIP_F_AFFINITY_SOURCE_IP (1u << 0) /* decision hash ignores ports (am_decision_hash) */
#define AM_VIP_F_PORT_RANGE (1u << 1)         /* wildcard entry: port_first..port_last apply */
#define AM_VIP_F_LOCAL_ONLY (1u << 2)         /* every serving group is local: XDP may decide */

struct am_vip_value {
  __u32 service_id; /* key of the service's Maglev array in the maglev outer map */
  __u32 flags;      /* AM_VIP_F_* */
  __u16 port_first; /* host byte order, inclusive; only with AM_VIP_F_PORT_RANGE */
  __u16 port_last;
  __u32 table_size; /* entries in the service's Maglev array (prime) */
};
AM_STATIC_ASSERT(sizeof(struct am_vip_value) == 16, "am_vip_value is 16 bytes");

/*
 * backends (array, key = backend id): where GUE sends a flow. Backend ids are the stable ids of the
 * snapshot, so a pinned flow keeps meaning the same backend across snapshots. The Maglev arrays
 * (one inner array per service, __u32 backend id per slot) hold these ids.
 */
#define AM_XDP_SERVICES_MAX 1024u  /* service ids (keys of the maglev outer map) are below this */
#define AM_XDP_BACKENDS_MAX 65536u /* backend ids (keys of backends) are below this */

#define AM_BACKEND_F_HEALTHY (1u << 0)
#define AM_BACKEND_F_LOCAL (1u << 1) /* in this gateway's region: XDP may GUE-encapsulate to it */

struct am_backend_value {
  __u8 addr[16]; /* am_flow_tuple address convention */
  __u8 family;   /* AM_FAMILY_V4 / AM_FAMILY_V6 */
  __u8 flags;    /* AM_BACKEND_F_* */
  __u16 group_id;
};
AM_STATIC_ASSERT(sizeof(struct am_backend_value) == 20, "am_backend_value is 20 bytes");

/* flows (LRU hash): key struct am_flow_tuple, value the pinned decision. */
struct am_flow_value {
  __u32 backend_id;
  __u16 group_id;
  __u16 reserved;
  __u64 last_seen_ns; /* bpf_ktime_get_ns() of the last packet, for the idle timeout */
};
AM_STATIC_ASSERT(sizeof(struct am_flow_value) == 16, "am_flow_value is 16 bytes");
AM_STATIC_ASSERT(sizeof(struct am_flow_tuple) == 38, "the flow key is the 38-byte tuple");

/*
 * gw_config (array, one entry): the gateway's settings for xdp_gateway. The DPDK af_xdp PMD loads
 * the program, so the agent cannot set .rodata: it writes this entry into the attached program's
 * map instead. All zero (the state after loading) is role "unset", which passes every packet.
 */
#define AM_GW_ROLE_UNSET 0u /* pass everything to the kernel: the safe default */
#define AM_GW_ROLE_OUTER 1u /* tunnel UDP ports and VIPs: steer; everything else to the kernel */
#define AM_GW_ROLE_INNER 2u /* destinations in the mesh prefixes: to the tunnel; rest to the kernel */

#define AM_GUE_DEFAULT_PORT 6080u
#define AM_GW_DEFAULT_MTU 1500u

struct am_gw_config {
  __u32 role;               /* AM_GW_ROLE_* */
  __u16 tunnel_port_first;  /* host byte order; WireGuard lanes listen on [first, first + count) */
  __u16 tunnel_port_count;
  __u8 gateway_v4[4];       /* GUE outer source address; all zero: no IPv4 encapsulation in XDP */
  __u8 gateway_v6[16];      /* the same for IPv6 */
  __u8 next_hop_mac[6];     /* destination MAC of GUE frames; all zero: the received frame's source */
  __u16 gue_port;           /* host byte order; 0 means AM_GUE_DEFAULT_PORT */
  __u16 mtu;                /* largest IP packet the port sends; 0 means AM_GW_DEFAULT_MTU */
  __u16 reserved;
  __u32 flow_idle_ms;       /* a pinned flow idle longer is decided again; 0: only LRU eviction */
  __u32 limit_share;        /* CPUs sharing each ingress limit (each enforces 1/share); 0 counts as 1 */
};
AM_STATIC_ASSERT(sizeof(struct am_gw_config) == 48, "am_gw_config is 48 bytes");

/* mesh_prefix_v4 / mesh_prefix_v6 (LPM tries): destinations the tunnel mesh carries. Value: __u32. */
struct am_lpm_v4_key {
  __u32 prefixlen;
  __u8 addr[4];
};
AM_STATIC_ASSERT(sizeof(struct am_lpm_v4_key) == 8, "am_lpm_v4_key is 8 bytes");

struct am_lpm_v6_key {
  __u32 prefixlen;
  __u8 addr[16];
};
AM_STATIC_ASSERT(sizeof(struct am_lpm_v6_key) == 20, "am_lpm_v6_key is 20 bytes");

#endif /* ANYMESH_BPF_MAP_LAYOUTS_H */
