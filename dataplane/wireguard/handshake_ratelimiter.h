// HandshakeRateLimiter: per-source token buckets that bound how many handshakes we spend CPU on.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dataplane/packet/ip_address.h"

namespace anymesh::wg {

// Under load (whitepaper 5.3), handshake messages that passed the cookie check still cost an
// X25519 each; this limits every source to kPacketsPerSecond with a burst of kBurst, as the Linux
// module does. IPv6 sources are grouped by their /64, since one host usually owns a whole /64.
//
// The table is sized once in the constructor (open addressing, linear probing, load <= 1/2) and
// never allocates afterwards. It holds at most max_sources sources: when it is full a NEW source is
// refused outright (counted in table_full) rather than evicting a known one, so a flood of spoofed
// sources cannot reset the buckets of real ones. Sources idle for more than kIdleAfter are
// collected: by then their bucket is full again, so dropping them loses no state.
//
// Time is injected (monotonic, any epoch) so callers use their own clock and tests need no sleep.
// Not thread-safe: one instance per lcore, or the caller serialises.
class HandshakeRateLimiter {
 public:
  static constexpr std::uint32_t kPacketsPerSecond = 20;
  static constexpr std::uint32_t kBurst = 5;
  static constexpr std::chrono::nanoseconds kPacketCost{1'000'000'000 / kPacketsPerSecond};
  static constexpr std::chrono::nanoseconds kMaxTokens = kPacketCost * kBurst;
  static constexpr std::chrono::nanoseconds kIdleAfter = std::chrono::seconds{1};
  static constexpr std::chrono::nanoseconds kCollectEvery = std::chrono::seconds{1};
  static constexpr std::size_t kDefaultMaxSources = 8192;

  struct Counters {
    std::uint64_t allowed = 0;
    std::uint64_t limited = 0;     // known source, bucket empty
    std::uint64_t table_full = 0;  // new source refused because max_sources are tracked
    std::uint64_t collected = 0;   // idle sources dropped by garbage collection
  };

  explicit HandshakeRateLimiter(std::size_t max_sources = kDefaultMaxSources);

  // True if a handshake from `source` may be processed at `now`. Runs garbage collection itself
  // at most once per kCollectEvery of `now`, so the cost is one table sweep per second.
  bool allow(const IpAddress& source, std::chrono::nanoseconds now);

  // Drops sources idle for more than kIdleAfter; returns how many.
  std::size_t collect_garbage(std::chrono::nanoseconds now);

  std::size_t size() const { return used_; }
  std::size_t max_sources() const { return max_sources_; }
  const Counters& counters() const { return counters_; }
  void clear();

 private:
  struct Slot {
    std::uint64_t source = 0;  // v4 address, or the top 64 bits of a v6 address
    std::int64_t last_ns = 0;
    std::int64_t tokens_ns = 0;
    std::uint32_t home = 0;    // the slot the hash chose, needed to delete without tombstones
    IpAddress::Family family = IpAddress::Family::v4;
    bool used = false;
  };

  std::uint32_t home_of(std::uint64_t source, IpAddress::Family family) const;
  void erase(std::uint32_t index);

  std::vector<Slot> slots_;  // power-of-two size, at least 2 * max_sources
  std::uint32_t mask_ = 0;
  std::size_t max_sources_ = 0;
  std::size_t used_ = 0;
  std::int64_t last_collect_ns_ = 0;
  std::array<unsigned char, 16> hash_key_{};  // random per instance: sources cannot aim at a chain
  Counters counters_;
};

}  // namespace anymesh::wg
