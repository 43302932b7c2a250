// PipelineCounters: what one worker lcore did with every packet, one counter per outcome and per
// drop reason. Each worker writes its own; the agent reads the published copies.
// inner_all_lanes_down / relay_all_lanes_down count packets sent on the primary path although no
// lane of their group was up (fail open), not drops.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace anymesh::pipeline {

#define ANYMESH_PIPELINE_COUNTERS(X)                                                              \
  X(inner_rx) X(inner_not_ip) X(inner_bad_ip) X(inner_ttl_expired) X(inner_no_route)              \
  X(inner_all_lanes_down) X(inner_too_big) X(inner_to_tunnel) X(inner_multi_segment)              \
  X(outer_rx) X(outer_not_tunnel) X(outer_bad_frame) X(outer_multi_segment) X(outer_messages)     \
  X(outer_delivered) X(outer_relayed) X(relay_refused_loop) X(relay_ttl_expired)                  \
  X(relay_no_route) X(relay_all_lanes_down) X(inner_tx) X(outer_tx) X(tx_ring_full)               \
  X(no_mbuf) X(awaiting_neighbor) X(inner_no_neighbor) X(outer_no_neighbor) X(to_self_not_probe) X(handoff_out)        \
  X(handoff_in) X(handoff_ring_full) X(probes_sent) X(probe_echoes) X(probe_requests_answered)    \
  X(probe_refused) X(lane_went_down) X(lane_went_up) X(seal_not_sent)                              \
  X(anycast_to_backend) X(anycast_to_region) X(anycast_dropped) X(anycast_no_region_route)

struct PipelineCounters {
#define ANYMESH_PIPELINE_FIELD(name) std::uint64_t name = 0;
  ANYMESH_PIPELINE_COUNTERS(ANYMESH_PIPELINE_FIELD)
#undef ANYMESH_PIPELINE_FIELD
  template <typename F>
  void for_each(F&& f) const {
#define ANYMESH_PIPELINE_VISIT(name) f(#name, name);
    ANYMESH_PIPELINE_COUNTERS(ANYMESH_PIPELINE_VISIT)
#undef ANYMESH_PIPELINE_VISIT
  }
};

// Adds every counter of `from` to `into`: counter sets are structs of std::uint64_t only.
template <typename Counters>
void add_counters(Counters& into, const Counters& from) {
  static_assert(sizeof(Counters) % sizeof(std::uint64_t) == 0, "a counter set holds std::uint64_t only");
  auto* out = reinterpret_cast<std::uint64_t*>(&into);
  const auto* in = reinterpret_cast<const std::uint64_t*>(&from);
  for (std::size_t i = 0; i < sizeof(Counters) / sizeof(std::uint64_t); ++i) out[i] += in[i];
}

// A copy of a counter set that another thread may read while its owner republishes it.
template <typename Counters, std::size_t N>
class PublishedCounters {
 public:
  void publish(const Counters& c) {
    const auto* in = reinterpret_cast<const std::uint64_t*>(&c);
    for (std::size_t i = 0; i < N; ++i) words_[i].store(in[i], std::memory_order_relaxed);
  }
  Counters read() const {
    Counters c;
    auto* out = reinterpret_cast<std::uint64_t*>(&c);
    for (std::size_t i = 0; i < N; ++i) out[i] = words_[i].load(std::memory_order_relaxed);
    return c;
  }

 private:
  std::atomic<std::uint64_t> words_[N] = {};
};

template <typename Counters>
using Published = PublishedCounters<Counters, sizeof(Counters) / sizeof(std::uint64_t)>;

}  // namespace anymesh::pipeline
