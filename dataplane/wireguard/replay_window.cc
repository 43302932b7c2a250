// ReplayWindow::accept: ring-of-words bitmap update, cleared lazily as the window moves forward.
#include "dataplane/wireguard/replay_window.h"

#include <algorithm>

namespace anymesh::wg {

bool ReplayWindow::accept(std::uint64_t counter, std::uint64_t limit) {
  if (counter >= limit) return false;
  const std::uint64_t word = counter / kWordBits;
  if (counter > greatest_) {
    // Words between the old newest word and the new one hold bits of counters that are now
    // either future or out of the window: clear them. A jump past the whole ring clears it all.
    const std::uint64_t current = greatest_ / kWordBits;
    const std::uint64_t advance = std::min(word - current, kWords);
    for (std::uint64_t i = 1; i <= advance; ++i) ring_[(current + i) & (kWords - 1)] = 0;
    greatest_ = counter;
  } else if (greatest_ - counter > kWindow) {
    return false;
  }
  std::uint64_t& bits = ring_[word & (kWords - 1)];
  const std::uint64_t mask = std::uint64_t{1} << (counter % kWordBits);
  if (bits & mask) return false;
  bits |= mask;
  return true;
}

void ReplayWindow::reset() {
  ring_.fill(0);
  greatest_ = 0;
}

}  // namespace anymesh::wg
