// AnycastStage: one lcore's anycast ingress decision over plain bytes: VIP classify, flow table,
// endpoint group by weight x dial x health, Maglev, then GUE encapsulation in place (no DPDK).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "bpf/include/gue.h"
#include "dataplane/anycast/flow_table.h"
#include "dataplane/anycast/service.h"
#include "dataplane/anycast/source_limit_table.h"
#include "dataplane/anycast/steering.h"
#include "dataplane/anycast/token_bucket.h"
#include "dataplane/packet/flow.h"
#include "dataplane/packet/ip_address.h"

namespace anymesh::pipeline {

// Every packet adds one to `packets` and to exactly one outcome counter: not_vip, a refusal
// (not_ip .. unknown_protocol), to_backend, to_region or a drop (no_capacity .. limit_source_packets).
// A VIP decision also adds one to flow_pinned, flow_new or flow_repinned; an IPv4 packet with
// options adds one to ip_options whatever its outcome.
#define ANYMESH_ANYCAST_COUNTERS(X)                                                                   \
  X(packets)                                                                                         \
  X(not_vip)               /* no service covers (destination, protocol, port): not ours */           \
  X(not_ip)                /* neither IPv4 nor IPv6 (ARP, LLDP, ...) */                               \
  X(vlan_stacked)          /* more than one VLAN tag */                                               \
  X(truncated)             /* shorter than its headers, or than the IP length says */                 \
  X(bad_ip_header)         /* IP version, header length or total length wrong */                      \
  X(fragment)              /* IPv4 or IPv6 fragment: no ports to classify by */                       \
  X(ipv6_extension)        /* an IPv6 extension header before the transport header */                 \
  X(unknown_protocol)      /* neither TCP nor UDP: no service can cover it */                         \
  X(to_backend)            /* GUE-encapsulated to a backend of this region */                         \
  X(to_region)             /* for another region's endpoint group: through the tunnel, unchanged */  \
  X(no_capacity)           /* the service's groups all have weight or dial 0 */                       \
  X(tunnel_no_local_group) /* from a tunnel, but this region has no backends for the service */      \
  X(gue_too_big)           /* the encapsulated packet would exceed the MTU */                         \
  X(gue_no_source)         /* no gateway address of the backend's family to send from */             \
  X(no_headroom)           /* the caller left too little room in front for the outer headers */      \
  X(limit_service_new_flows) /* a new flow over the service's new_flows_per_second */                 \
  X(limit_source_new_flows)  /* a new flow over its source prefix's source_new_flows_per_second */     \
  X(limit_source_packets)    /* a packet over its source prefix's source_packets_per_second */         \
  X(flow_pinned)           /* note: the flow table had a still valid decision */                      \
  X(flow_new)              /* note: decided now and pinned */                                         \
  X(flow_repinned)         /* note: pinned decision gone or unhealthy, decided again */               \
  X(ip_options)            /* note: IPv4 options, skipped to find the ports and carried unchanged */

struct AnycastCounters {
#define ANYMESH_ANYCAST_FIELD(name) std::uint64_t name = 0;
  ANYMESH_ANYCAST_COUNTERS(ANYMESH_ANYCAST_FIELD)
#undef ANYMESH_ANYCAST_FIELD
  template <typename F>
  void for_each(F&& f) const {
#define ANYMESH_ANYCAST_VISIT(name) f(#name, name);
    ANYMESH_ANYCAST_COUNTERS(ANYMESH_ANYCAST_VISIT)
#undef ANYMESH_ANYCAST_VISIT
  }
};

// Where a packet came from: the outer port (a client; the whole decision) or a tunnel from another
// region's gateway, which already chose this region: only the local Maglev step, never another
// region (loop-free by construction).
enum class AnycastOrigin : std::uint8_t { client, tunnel };

enum class AnycastVerdict : std::uint8_t {
  pass,        // not an anycast packet, or one that cannot be classified: the reason is counted;
               // nothing was written; the caller handles it as non-VIP traffic (or drops it)
  to_backend,  // `packet` is the GUE-encapsulated frame/packet, ready to send
  to_region,   // `packet` is the client's IP packet, unchanged: seal it towards group->region
  drop,        // a VIP packet that cannot be delivered: the reason is counted, drop it
};

struct AnycastDecision {
  AnycastVerdict verdict = AnycastVerdict::pass;
  // to_backend: the whole output, which starts up to 48 bytes before the input (in its headroom)
  // and keeps the input's trailing bytes (Ethernet padding). to_region: the IP packet alone
  // (Ethernet header and padding excluded). Empty otherwise.
  std::span<std::uint8_t> packet;
  std::size_t l3_offset = 0;                       // of the outer IP header within packet
  const anycast::ServiceEntry* service = nullptr;  // to_backend, to_region, and drops after classify
  const anycast::EndpointGroup* group = nullptr;   // to_backend, to_region
  const anycast::Backend* backend = nullptr;       // to_backend
  anycast::SteerOutcome outcome = anycast::SteerOutcome::new_flow;  // to_backend, to_region
};

struct AnycastStageConfig {
  // GUE outer source addresses (the gateway's inner addresses); none of a family: backends of
  // that family cannot be reached (gue_no_source).
  std::optional<IpAddress> gateway_v4;
  std::optional<IpAddress> gateway_v6;
  // Ethernet input only: the destination MAC of GUE frames; all zero sends them back to the
  // frame's sender. The source MAC becomes the one the frame was sent to (as xdp_gateway does).
  std::array<std::uint8_t, 6> next_hop_mac{};
  std::uint16_t gue_port = AM_GUE_PORT;
  std::uint16_t mtu = 1500;  // largest outer IP packet sent
  anycast::FlowTableConfig flows;
  // Ingress limits (anycast::ServiceLimits) are per gateway; each DPDK worker has its own stage
  // and buckets, so each enforces 1/limit_share of every rate and burst (at least one token of
  // burst): the worker count, since RSS spreads clients over the workers. 0 counts as 1.
  std::uint32_t limit_share = 1;
  std::uint32_t limit_sources = 16384;   // (service, source prefix) buckets; LRU beyond that
  std::uint32_t limit_services = 1024;   // service ids with a service-wide bucket; higher ids have none
};

// One per lcore (RSS keeps a flow on one lcore); no locks, no allocation after construction.
// Ingress limits apply to packets from clients; tunnelled packets were limited by the ingress
// gateway that chose this region.
class AnycastStage {
 public:
  // Throws std::invalid_argument for a bad flow table or limit table configuration.
  explicit AnycastStage(AnycastStageConfig config);

  // The services in force, or null for none (every packet is then not_vip). The table must stay
  // alive until the next call (the worker calls this after its RCU refresh). Flows stay pinned
  // across tables: their group and backend ids are stable, and are checked against each table.
  // A different table starts every limit bucket full again (service ids are table positions).
  void set_services(const anycast::ServiceTable* services) {
    if (services != services_) ++limit_generation_;
    services_ = services;
  }

  // bytes: an Ethernet frame (framing ethernet: optionally one 802.1Q/802.1ad tag) or an IP
  // packet (framing ip), writable. headroom: how many writable bytes precede bytes.data() (the
  // encapsulation prepends up to 48 there). now: the lcore's clock, for the flow table.
  AnycastDecision classify(std::span<std::uint8_t> bytes, std::size_t headroom, Framing framing,
                           AnycastOrigin origin, anycast::FlowTime now);

  // Removes up to budget idle flows; call it from the worker's timers.
  std::size_t expire_flows(anycast::FlowTime now, std::size_t budget) { return flows_.expire(now, budget); }

  const AnycastCounters& counters() const { return counters_; }
  const anycast::FlowTable& flows() const { return flows_; }
  const anycast::SourceLimitTable& source_limits() const { return sources_; }

 private:
  struct Parsed;
  struct Limiter;
  struct ServiceBucket {
    anycast::TokenBucket bucket;
    std::uint32_t generation = 0;
  };
  anycast::SourceBuckets* source_buckets(const anycast::ServiceEntry& entry, const anycast::FlowTuple& tuple,
                                         anycast::FlowTime now);
  AnycastDecision refuse(std::uint64_t& reason);
  AnycastDecision drop(std::uint64_t& reason, const anycast::ServiceEntry* service);
  std::optional<anycast::Steering> steer_from_tunnel(const anycast::ServiceEntry& entry,
                                                     const anycast::FlowTuple& tuple,
                                                     anycast::FlowTime now);
  AnycastDecision encapsulate(std::span<std::uint8_t> bytes, std::size_t headroom, const Parsed& p,
                              const anycast::Steering& s, std::uint32_t flow_hash);

  AnycastStageConfig config_;
  const anycast::ServiceTable* services_ = nullptr;
  anycast::FlowTable flows_;
  anycast::SourceLimitTable sources_;
  std::vector<ServiceBucket> service_buckets_;  // by service id, limit_services of them
  std::uint32_t limit_generation_ = 1;
  AnycastCounters counters_;
};

}  // namespace anymesh::pipeline
