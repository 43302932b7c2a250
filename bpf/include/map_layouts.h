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
#define AM_BACKEND_F_HEALTHY (1u << 0)

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

#endif /* ANYMESH_BPF_MAP_LAYOUTS_H */
