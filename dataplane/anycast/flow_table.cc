// FlowTable: chained hash buckets and an intrusive LRU list over one preallocated entry array.
#include "dataplane/anycast/flow_table.h"

#include <bit>
#include <cassert>
#include <cstring>
#include <stdexcept>

namespace anymesh::anycast {
namespace {

std::uint32_t seconds_of(FlowTime t) {
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(t).count());
}

bool same_key(const am_flow_tuple& a, const am_flow_tuple& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

FlowTable::FlowTable(FlowTableConfig config) {
  if (config.capacity == 0 || config.capacity > (1u << 30)) {
    throw std::invalid_argument("flow table capacity must be 1..2^30");
  }
  if (config.idle_timeout.count() < 1) {
    throw std::invalid_argument("flow table idle timeout must be at least 1 s");
  }
  entries_.resize(config.capacity);
  buckets_.assign(std::bit_ceil(config.capacity), kNil);
  bucket_mask_ = static_cast<std::uint32_t>(buckets_.size() - 1);
  idle_timeout_s_ = static_cast<std::uint32_t>(config.idle_timeout.count());
  for (std::uint32_t i = 0; i < config.capacity; ++i) {
    entries_[i].chain_next = i + 1 < config.capacity ? i + 1 : kNil;
  }
  free_ = 0;
}

std::uint32_t FlowTable::locate(const am_flow_tuple& key, std::uint32_t flow_hash) const {
  for (auto i = buckets_[flow_hash & bucket_mask_]; i != kNil; i = entries_[i].chain_next) {
    if (same_key(entries_[i].key, key)) return i;
  }
  return kNil;
}

bool FlowTable::idle(const FlowEntry& e, std::uint32_t now_s) const {
  return now_s - e.last_seen_s >= idle_timeout_s_;
}

void FlowTable::lru_unlink(std::uint32_t i) {
  auto& e = entries_[i];
  if (e.lru_prev != kNil) entries_[e.lru_prev].lru_next = e.lru_next; else lru_head_ = e.lru_next;
  if (e.lru_next != kNil) entries_[e.lru_next].lru_prev = e.lru_prev; else lru_tail_ = e.lru_prev;
}

void FlowTable::lru_push_front(std::uint32_t i) {
  auto& e = entries_[i];
  e.lru_prev = kNil;
  e.lru_next = lru_head_;
  if (lru_head_ != kNil) entries_[lru_head_].lru_prev = i; else lru_tail_ = i;
  lru_head_ = i;
}

void FlowTable::remove(std::uint32_t i) {
  auto& e = entries_[i];
  // The bucket is recomputed from the key: storing the hash would not fit the cache line.
  auto* link = &buckets_[am_flow_hash(&e.key) & bucket_mask_];
  while (*link != i) link = &entries_[*link].chain_next;
  *link = e.chain_next;
  lru_unlink(i);
  e.chain_next = free_;
  free_ = i;
  --size_;
}

std::optional<FlowDecision> FlowTable::find(const am_flow_tuple& key, std::uint32_t flow_hash,
                                            FlowTime now) {
  auto i = locate(key, flow_hash);
  if (i == kNil) {
    ++counters_.misses;
    return std::nullopt;
  }
  auto now_s = seconds_of(now);
  if (idle(entries_[i], now_s)) {
    remove(i);
    ++counters_.expirations;
    ++counters_.misses;
    return std::nullopt;
  }
  auto& e = entries_[i];
  // The list only has to stay ordered by last_seen_s, which has 1 s steps: a flow already seen
  // this second keeps its place, sparing the two neighbour cache lines a relink would touch.
  if (e.last_seen_s != now_s) {
    e.last_seen_s = now_s;
    lru_unlink(i);
    lru_push_front(i);
  }
  ++counters_.hits;
  return FlowDecision{e.group_id, e.backend_id};
}

void FlowTable::pin(const am_flow_tuple& key, std::uint32_t flow_hash, FlowDecision decision,
                    FlowTime now) {
  assert(flow_hash == am_flow_hash(&key));  // remove() finds the bucket again from the key
  auto now_s = seconds_of(now);
  auto i = locate(key, flow_hash);
  if (i != kNil) {
    lru_unlink(i);
  } else {
    if (free_ == kNil) {
      if (idle(entries_[lru_tail_], now_s)) ++counters_.expirations; else ++counters_.evictions;
      remove(lru_tail_);
    }
    i = free_;
    free_ = entries_[i].chain_next;
    auto& bucket = buckets_[flow_hash & bucket_mask_];
    entries_[i].key = key;
    entries_[i].chain_next = bucket;
    bucket = i;
    ++size_;
    ++counters_.insertions;
  }
  auto& e = entries_[i];
  e.group_id = decision.group_id;
  e.backend_id = decision.backend_id;
  e.created_s = now_s;
  e.last_seen_s = now_s;
  lru_push_front(i);
}

bool FlowTable::erase(const am_flow_tuple& key, std::uint32_t flow_hash) {
  auto i = locate(key, flow_hash);
  if (i == kNil) return false;
  remove(i);
  return true;
}

std::size_t FlowTable::expire(FlowTime now, std::size_t budget) {
  auto now_s = seconds_of(now);
  std::size_t removed = 0;
  while (removed < budget && lru_tail_ != kNil && idle(entries_[lru_tail_], now_s)) {
    remove(lru_tail_);
    ++counters_.expirations;
    ++removed;
  }
  return removed;
}

const FlowEntry* FlowTable::peek(const am_flow_tuple& key, std::uint32_t flow_hash) const {
  auto i = locate(key, flow_hash);
  return i == kNil ? nullptr : &entries_[i];
}

}  // namespace anymesh::anycast
