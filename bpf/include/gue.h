/* GUE (Generic UDP Encapsulation, draft-ietf-intarea-gue) as anymesh uses it: variant 1, IP in UDP. */
#ifndef ANYMESH_BPF_GUE_H
#define ANYMESH_BPF_GUE_H

#include "bpf/include/portable.h"

/*
 * The gateway sends GUE variant 1 ("direct IP encapsulation"): the UDP payload is the client's
 * IPv4 or IPv6 packet itself, recognised by its first two bits being 01 (IP version 4 or 6). No
 * GUE header, so no extra bytes and nothing to parse but the IP version. gue_decap also accepts
 * variant 0 with an empty header (4 bytes: version 0, C 0, hlen 0, proto 4 or 41, flags 0).
 *
 * Outer header: IPv4 (DF, TTL 64, UDP checksum 0) or IPv6 (hop limit 64, UDP checksum 0 as RFC
 * 6935 allows for tunnels; gue_decap does not check it), towards the backend's address family.
 * The UDP source port carries the flow hash so ECMP/RSS on the way to the backend keeps a flow on
 * one path; the destination port is the configured GUE port (6080 unless configured).
 */
#define AM_GUE_PORT 6080u
#define AM_GUE_OUTER_V4_BYTES 28u /* IPv4 header without options + UDP header */
#define AM_GUE_OUTER_V6_BYTES 48u /* IPv6 header + UDP header */
#define AM_GUE_TTL 64u

#define AM_GUE_V0_PROTO_IPV4 4u
#define AM_GUE_V0_PROTO_IPV6 41u

/* Source port from the flow hash, in the dynamic range 49152-65535 (RFC 6335). Host byte order. */
AM_INLINE __u16 am_gue_source_port(__u32 flow_hash) { return (__u16)(0xc000u | (flow_hash & 0x3fffu)); }

/* IPv6 flow label of the outer header: the low 20 bits of the flow hash. */
AM_INLINE __u32 am_gue_flow_label(__u32 flow_hash) { return flow_hash & 0xfffffu; }

#endif /* ANYMESH_BPF_GUE_H */
