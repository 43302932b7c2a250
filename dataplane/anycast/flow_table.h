// The per-lcore flow table: 5-tuple -> pinned decision, fixed capacity, LRU eviction, idle timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "bpf/include/flow_hash.h"
#include "bpf/include/maglev.h"

namespace anymesh::anycast {

// Time since any fixed epoch (the worker's steady clock), injected by the caller on every call.
using FlowTime = std::chrono::nanoseconds;

// backend_id kRemoteBackend: the group is another region's, reached through the tunnel.
inline constexpr std::uint32_t kRemoteBackend = AM_MAGLEV_EMPTY;

struct FlowDecision {
  std::uint16_t group_id = 0;
  std::uint32_t backend_id = kRemoteBackend;
  bool operator==(const FlowDecision&) const = default;
};

// One cache line. Times are whole seconds of FlowTime: 32 bits last 136 years without wrapping,
// and idle timeouts of tens of seconds do not need finer steps.
struct FlowEntry {
  am_flow_tuple key;         // 38 bytes
  std::uint16_t group_id;
  std::uint32_t backend_id;
  std::uint32_t created_s;
  std::uint32_t last_seen_s;
  std::uint32_t lru_prev;    // towards the most recently used
  std::uint32_t lru_next;    // towards the least recently used
  std::uint32_t chain_next;  // bucket chain, or the free list
};
static_assert(sizeof(FlowEntry) <= 64, "a flow entry fits one cache line");

struct FlowTableConfig {
  std::uint32_t capacity = 65536;
  std::chrono::seconds idle_timeout{120};
};

struct FlowCounters {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t insertions = 0;
  std::uint64_t evictions = 0;    // live entries pushed out by a new flow (table full)
  std::uint64_t expirations = 0;  // entries removed for being idle past the timeout
};

// Single-threaded (one per lcore). All memory is taken by the constructor; nothing allocates after.
// flow_hash arguments must be am_flow_hash(&key): the caller has it already for RSS and steering.
class FlowTable {
 public:
  // Throws std::invalid_argument for capacity 0 or above 2^30, or an idle timeout under 1 s.
  explicit FlowTable(FlowTableConfig config);

  // The pinned decision, refreshed to now and made most recent (LRU order has 1 s steps); nullopt
  // when absent or idle past the timeout (then removed and counted as an expiration).
  std::optional<FlowDecision> find(const am_flow_tuple& key, std::uint32_t flow_hash, FlowTime now);

  // Pins (or re-pins) the flow. When full, an idle tail entry expires or else the least recently
  // used one is evicted.
  void pin(const am_flow_tuple& key, std::uint32_t flow_hash, FlowDecision decision, FlowTime now);

  bool erase(const am_flow_tuple& key, std::uint32_t flow_hash);

  // Removes up to budget idle entries from the least recent end; returns how many went.
  std::size_t expire(FlowTime now, std::size_t budget);

  // Inspection without refreshing or counting (status output, tests).
  const FlowEntry* peek(const am_flow_tuple& key, std::uint32_t flow_hash) const;

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return entries_.size(); }
  const FlowCounters& counters() const { return counters_; }

 private:
  static constexpr std::uint32_t kNil = UINT32_MAX;

  std::uint32_t locate(const am_flow_tuple& key, std::uint32_t flow_hash) const;
  bool idle(const FlowEntry& e, std::uint32_t now_s) const;
  void lru_unlink(std::uint32_t i);
  void lru_push_front(std::uint32_t i);
  void remove(std::uint32_t i);  // from its chain and the LRU list, onto the free list

  std::vector<FlowEntry> entries_;
  std::vector<std::uint32_t> buckets_;  // power of two >= capacity
  std::uint32_t bucket_mask_;
  std::uint32_t idle_timeout_s_;
  std::uint32_t free_ = kNil;
  std::uint32_t lru_head_ = kNil;  // most recent
  std::uint32_t lru_tail_ = kNil;  // least recent
  std::size_t size_ = 0;
  FlowCounters counters_;
};

}  // namespace anymesh::anycast
