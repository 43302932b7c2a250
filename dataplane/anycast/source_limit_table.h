// SourceLimitTable: per-lcore token buckets by (service, source prefix), fixed capacity, LRU eviction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bpf/include/ingress_limits.h"
#include "dataplane/anycast/token_bucket.h"

namespace anymesh::anycast {

struct SourceBuckets {
  TokenBucket new_flows;
  TokenBucket packets;
};

// Single-threaded (one per lcore). All memory is taken by the constructor; nothing allocates
// after. A full table evicts its least recently used entry: a flood from more prefixes than the
// capacity gets fresh (full) buckets for evicted prefixes; the service-wide limit still holds.
class SourceLimitTable {
 public:
  // Throws std::invalid_argument for capacity 0 or above 2^24.
  explicit SourceLimitTable(std::uint32_t capacity);

  // The buckets of key, made most recent. fresh is set when they were created now (the caller
  // fills them) or belonged to an older generation (a previous service table): the caller must
  // then reset them, since service ids are positions in the table.
  SourceBuckets& find_or_add(const am_source_key& key, std::uint32_t generation, bool& fresh);

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return entries_.size(); }
  std::uint64_t evictions() const { return evictions_; }

 private:
  static constexpr std::uint32_t kNil = UINT32_MAX;
  struct Entry {
    am_source_key key;
    SourceBuckets buckets;
    std::uint32_t generation;
    std::uint32_t lru_prev;  // towards the most recently used
    std::uint32_t lru_next;  // towards the least recently used
    std::uint32_t chain_next;
  };

  std::uint32_t bucket_of(const am_source_key& key) const;
  void lru_unlink(std::uint32_t i);
  void lru_push_front(std::uint32_t i);
  void unchain(std::uint32_t i);

  std::vector<Entry> entries_;
  std::vector<std::uint32_t> buckets_;  // power of two >= capacity
  std::uint32_t mask_;
  std::uint32_t seed_;
  std::uint32_t used_ = 0;  // entries handed out so far (a free list is never needed: no erase)
  std::uint32_t lru_head_ = kNil;
  std::uint32_t lru_tail_ = kNil;
  std::size_t size_ = 0;
  std::uint64_t evictions_ = 0;
};

}  // namespace anymesh::anycast
