/* The flow hash of a 5-tuple, shared by the XDP program and the C++ data plane. */
#ifndef ANYMESH_BPF_FLOW_HASH_H
#define ANYMESH_BPF_FLOW_HASH_H

#include "bpf/include/portable.h"

/*
 * am_flow_tuple is the hash input and also the key of the flow tables (XDP LRU map, per-lcore
 * table), so its bytes are its definition: 38 bytes, byte-aligned, no padding.
 *   src, dst   IPv4: the 4 address bytes then 12 zero bytes; IPv6: the 16 address bytes
 *   sport, dport  big-endian (as on the wire); zero for protocols without ports
 *   proto      IP protocol / IPv6 next header
 *   family     AM_FAMILY_V4 or AM_FAMILY_V6
 * Byte arrays rather than __be16 fields keep the layout free of host byte order and alignment.
 */
#define AM_FAMILY_V4 4
#define AM_FAMILY_V6 6

struct am_flow_tuple {
  __u8 src[16];
  __u8 dst[16];
  __u8 sport[2];
  __u8 dport[2];
  __u8 proto;
  __u8 family;
};
AM_STATIC_ASSERT(sizeof(struct am_flow_tuple) == 38, "am_flow_tuple is 38 bytes without padding");

/*
 * The hash is MurmurHash3_x86_32 (Austin Appleby, public domain algorithm) with seed
 * AM_FLOW_HASH_SEED over 40 bytes: the 38 tuple bytes followed by two zero bytes, read as ten
 * little-endian 32-bit words. A fixed length means a fixed number of rounds, so the verifier sees
 * straight-line code; words are assembled from bytes so the result does not depend on the host.
 */
#define AM_FLOW_HASH_SEED 0x616e796du /* "anym" */
#define AM_FLOW_HASH_BYTES 40u

AM_INLINE __u32 am_rotl32(__u32 x, __u32 r) { return (x << r) | (x >> (32u - r)); }

/* The MurmurHash3 finalizer: every input bit affects every output bit. */
AM_INLINE __u32 am_fmix32(__u32 h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

AM_INLINE __u32 am_murmur3_round(__u32 h, __u32 k) {
  k *= 0xcc9e2d51u;
  k = am_rotl32(k, 15);
  k *= 0x1b873593u;
  h ^= k;
  h = am_rotl32(h, 13);
  return h * 5u + 0xe6546b64u;
}

AM_INLINE __u32 am_le32(const __u8 *p) {
  return (__u32)p[0] | ((__u32)p[1] << 8) | ((__u32)p[2] << 16) | ((__u32)p[3] << 24);
}

AM_INLINE __u32 am_flow_hash(const struct am_flow_tuple *t) {
  __u32 h = AM_FLOW_HASH_SEED;
  h = am_murmur3_round(h, am_le32(&t->src[0]));
  h = am_murmur3_round(h, am_le32(&t->src[4]));
  h = am_murmur3_round(h, am_le32(&t->src[8]));
  h = am_murmur3_round(h, am_le32(&t->src[12]));
  h = am_murmur3_round(h, am_le32(&t->dst[0]));
  h = am_murmur3_round(h, am_le32(&t->dst[4]));
  h = am_murmur3_round(h, am_le32(&t->dst[8]));
  h = am_murmur3_round(h, am_le32(&t->dst[12]));
  h = am_murmur3_round(h, (__u32)t->sport[0] | ((__u32)t->sport[1] << 8) |
                              ((__u32)t->dport[0] << 16) | ((__u32)t->dport[1] << 24));
  h = am_murmur3_round(h, (__u32)t->proto | ((__u32)t->family << 8));
  h ^= AM_FLOW_HASH_BYTES;
  return am_fmix32(h);
}

/*
 * Client affinity "source_ip" (as in Global Accelerator): every flow from one client to one VIP
 * gets the same decision, so the decision hashes only (source, destination, family).
 */
#define AM_AFFINITY_NONE 0
#define AM_AFFINITY_SOURCE_IP 1

AM_INLINE struct am_flow_tuple am_affinity_tuple(const struct am_flow_tuple *t, __u32 affinity) {
  struct am_flow_tuple a = *t;
  if (affinity == AM_AFFINITY_SOURCE_IP) {
    a.sport[0] = a.sport[1] = 0;
    a.dport[0] = a.dport[1] = 0;
    a.proto = 0;
  }
  return a;
}

/* The hash that steers a new flow: the 5-tuple hash, or the 2-tuple one under source_ip affinity. */
AM_INLINE __u32 am_decision_hash(const struct am_flow_tuple *t, __u32 affinity) {
  struct am_flow_tuple a = am_affinity_tuple(t, affinity);
  return am_flow_hash(&a);
}

/*
 * Maps a hash to [0, n) for the endpoint-group choice. The hash is re-mixed with a salt first so
 * the group choice is independent of the Maglev slot (hash % table size) taken from the same hash;
 * multiply-shift instead of % keeps the result uniform for any n.
 */
#define AM_GROUP_CHOICE_SALT 0x9e3779b9u

AM_INLINE __u32 am_hash_reduce(__u32 hash, __u32 n) {
  return (__u32)(((__u64)am_fmix32(hash ^ AM_GROUP_CHOICE_SALT) * (__u64)n) >> 32);
}

#endif /* ANYMESH_BPF_FLOW_HASH_H */
