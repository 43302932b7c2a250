/* The reasons gue_decap counts (decap_counters map index), with the names the agent exports. */
#ifndef ANYMESH_BPF_GUE_DECAP_COUNTERS_H
#define ANYMESH_BPF_GUE_DECAP_COUNTERS_H

/* Every packet adds one to exactly one counter. The order is the map's index: append only. */
#define AM_DECAP_COUNTERS(X)                                                              \
  X(PASS_NOT_GUE, "pass_not_gue")         /* not UDP to the GUE port: untouched */          \
  X(PASS_MALFORMED, "pass_malformed")     /* truncated or invalid headers: untouched */     \
  X(PASS_FRAGMENT, "pass_fragment")       /* outer fragment: left to the kernel */          \
  X(PASS_GUE_UNKNOWN, "pass_gue_unknown") /* GUE to the port but a variant/payload we do not strip */ \
  X(DECAP_V4, "decap_v4")                 /* stripped: inner IPv4 delivered */              \
  X(DECAP_V6, "decap_v6")                 /* stripped: inner IPv6 delivered */

#define AM_DECAP_COUNTER_ENUM(name, text) AM_DECAP_##name,
enum am_decap_counter { AM_DECAP_COUNTERS(AM_DECAP_COUNTER_ENUM) AM_DECAP_COUNTER_COUNT };
#undef AM_DECAP_COUNTER_ENUM

#endif /* ANYMESH_BPF_GUE_DECAP_COUNTERS_H */
