/* The reasons xdp_gateway counts (xdp_counters map index), with the names the agent exports. */
#ifndef ANYMESH_BPF_XDP_COUNTERS_H
#define ANYMESH_BPF_XDP_COUNTERS_H

/*
 * Every packet adds one to exactly one verdict counter (pass_*, xsk_*, tx_*, drop_*), so their sum is the
 * number of packets seen. The note_* counters come on top: xsk_no_socket when a redirect to
 * xsks_map found no AF_XDP socket on the queue (the packet then went to the kernel), and the
 * flow-table outcome of a VIP decision. The order is the map's index: append, never reorder.
 */
#define AM_XDP_COUNTERS(X)                                                                      \
  X(PASS_UNCONFIGURED, "pass_unconfigured")     /* role unset */                               \
  X(PASS_MALFORMED, "pass_malformed")           /* truncated or invalid L2/L3/L4 header */     \
  X(PASS_NOT_IP, "pass_not_ip")                 /* ARP, LLDP, ...: the kernel's */             \
  X(PASS_VLAN_STACKED, "pass_vlan_stacked")     /* more than one VLAN tag */                   \
  X(PASS_FRAGMENT, "pass_fragment")             /* outer role: no L4 header to classify */     \
  X(PASS_IPV6_EXTENSION, "pass_ipv6_extension") /* outer role: L4 behind extension headers */  \
  X(PASS_NOT_TUNNEL, "pass_not_tunnel")         /* outer role: neither tunnel port nor VIP */  \
  X(PASS_NOT_MESH, "pass_not_mesh")             /* inner role: destination not in the mesh */  \
  X(XSK_TUNNEL, "xsk_tunnel")                   /* outer: UDP to a tunnel port */              \
  X(XSK_MESH, "xsk_mesh")                       /* inner: destination in a mesh prefix */      \
  X(XSK_VIP, "xsk_vip")                         /* VIP the DPDK path decides (remote groups) */ \
  X(XSK_VIP_NO_BACKEND, "xsk_vip_no_backend")   /* VIP whose Maglev slot gave no local backend */ \
  X(XSK_VIP_TOO_BIG, "xsk_vip_too_big")         /* GUE would exceed the MTU */                 \
  X(XSK_VIP_NO_SOURCE, "xsk_vip_no_source")     /* no gateway address of the backend's family */ \
  X(TX_GUE, "tx_gue")                           /* GUE-encapsulated to a local backend */      \
  X(NOTE_XSK_NO_SOCKET, "note_xsk_no_socket")   /* redirect fell back to the kernel */         \
  X(NOTE_FLOW_PINNED, "note_flow_pinned")       /* VIP flow found pinned in the flow LRU */    \
  X(NOTE_FLOW_NEW, "note_flow_new")             /* VIP flow decided by Maglev and pinned */   \
  X(DROP_LIMIT_SERVICE_NEW_FLOWS, "drop_limit_service_new_flows") /* over the service's new-flow rate */ \
  X(DROP_LIMIT_SOURCE_NEW_FLOWS, "drop_limit_source_new_flows")   /* over the prefix's new-flow rate */  \
  X(DROP_LIMIT_SOURCE_PACKETS, "drop_limit_source_packets")       /* over the prefix's packet rate */

#define AM_XDP_COUNTER_ENUM(name, text) AM_XDP_##name,
enum am_xdp_counter { AM_XDP_COUNTERS(AM_XDP_COUNTER_ENUM) AM_XDP_COUNTER_COUNT };
#undef AM_XDP_COUNTER_ENUM

#endif /* ANYMESH_BPF_XDP_COUNTERS_H */
