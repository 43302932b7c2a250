// SourceLimitTable: chained hash buckets and an intrusive LRU list over one preallocated array.
#include "dataplane/anycast/source_limit_table.h"

#include <bit>
#include <cstring>
#include <stdexcept>

namespace anymesh::anycast {
namespace {

bool same_key(const am_source_key& a, const am_source_key& b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

SourceLimitTable::SourceLimitTable(std::uint32_t capacity) {
  if (capacity == 0 || capacity > (1u << 24)) throw std::invalid_argument("source limit table capacity must be 1..2^24");
  entries_.resize(capacity);
  buckets_.assign(std::bit_ceil(capacity), kNil);
  mask_ = static_cast<std::uint32_t>(buckets_.size() - 1);
  // Sources are chosen by whoever sends: a per-table seed keeps them from aiming at one chain.
  auto where = reinterpret_cast<std::uintptr_t>(this);
  seed_ = am_fmix32(static_cast<std::uint32_t>(where ^ (where >> 32)) ^ AM_FLOW_HASH_SEED);
}

std::uint32_t SourceLimitTable::bucket_of(const am_source_key& key) const {
  const auto* bytes = reinterpret_cast<const __u8*>(&key);
  std::uint32_t h = seed_;
  for (std::size_t i = 0; i < sizeof key; i += 4) h = am_murmur3_round(h, am_le32(bytes + i));
  return am_fmix32(h ^ static_cast<std::uint32_t>(sizeof key)) & mask_;
}

void SourceLimitTable::lru_unlink(std::uint32_t i) {
  auto& e = entries_[i];
  if (e.lru_prev != kNil) entries_[e.lru_prev].lru_next = e.lru_next; else lru_head_ = e.lru_next;
  if (e.lru_next != kNil) entries_[e.lru_next].lru_prev = e.lru_prev; else lru_tail_ = e.lru_prev;
}

void SourceLimitTable::lru_push_front(std::uint32_t i) {
  auto& e = entries_[i];
  e.lru_prev = kNil;
  e.lru_next = lru_head_;
  if (lru_head_ != kNil) entries_[lru_head_].lru_prev = i; else lru_tail_ = i;
  lru_head_ = i;
}

void SourceLimitTable::unchain(std::uint32_t i) {
  auto* link = &buckets_[bucket_of(entries_[i].key)];
  while (*link != i) link = &entries_[*link].chain_next;
  *link = entries_[i].chain_next;
}

SourceBuckets& SourceLimitTable::find_or_add(const am_source_key& key, std::uint32_t generation, bool& fresh) {
  const auto b = bucket_of(key);
  for (auto i = buckets_[b]; i != kNil; i = entries_[i].chain_next) {
    auto& e = entries_[i];
    if (!same_key(e.key, key)) continue;
    fresh = e.generation != generation;
    e.generation = generation;
    if (i != lru_head_) {
      lru_unlink(i);
      lru_push_front(i);
    }
    return e.buckets;
  }
  std::uint32_t i;
  if (used_ < entries_.size()) {
    i = used_++;
    ++size_;
  } else {
    i = lru_tail_;  // full: the least recently used prefix makes room
    unchain(i);
    lru_unlink(i);
    ++evictions_;
  }
  auto& e = entries_[i];
  e.key = key;
  e.generation = generation;
  e.buckets = SourceBuckets{};
  e.chain_next = buckets_[b];
  buckets_[b] = i;
  lru_push_front(i);
  fresh = true;
  return e.buckets;
}

}  // namespace anymesh::anycast
