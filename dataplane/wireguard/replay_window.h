// ReplayWindow: the receive-side sliding window that rejects replayed or too old transport counters.
#pragma once

#include <array>
#include <cstdint>

namespace anymesh::wg {

// Tracks which of the most recent counters of one receiving keypair were seen (whitepaper 5.4.6,
// RFC 6479 style). The bitmap is a ring of 64-bit words: moving forward clears whole words instead
// of shifting bits, so accept() costs O(1) amortised and never allocates.
//
// Call accept() only after the packet authenticated: an unauthenticated counter must not move
// the window, or a forger could push it forward and make every genuine packet look too old.
class ReplayWindow {
 public:
  static constexpr std::uint64_t kBits = 8192;
  static constexpr std::uint64_t kWordBits = 64;
  static constexpr std::uint64_t kWords = kBits / kWordBits;
  // The word holding the newest counter is partly "future", so one word of the ring is never
  // history: this many counters behind the newest are still judged (Linux COUNTER_WINDOW_SIZE).
  static constexpr std::uint64_t kWindow = kBits - kWordBits;

  // True, and the counter is recorded, iff counter < limit, it was not accepted before and it is
  // no more than kWindow behind the greatest counter accepted so far.
  bool accept(std::uint64_t counter, std::uint64_t limit);

  // Forget everything (a new keypair starts at counter 0).
  void reset();

 private:
  static_assert((kWords & (kWords - 1)) == 0, "ring index wraps by masking");

  std::array<std::uint64_t, kWords> ring_{};
  std::uint64_t greatest_ = 0;  // only meaningful once a counter was accepted; 0 is safe before
};

}  // namespace anymesh::wg
