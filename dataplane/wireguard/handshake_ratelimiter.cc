// HandshakeRateLimiter: token bucket arithmetic and the open-addressing source table.
#include "dataplane/wireguard/handshake_ratelimiter.h"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace anymesh::wg {

namespace {

std::uint64_t load_be64(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

HandshakeRateLimiter::HandshakeRateLimiter(std::size_t max_sources)
    : max_sources_(std::max<std::size_t>(max_sources, 1)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  if (max_sources_ > (std::size_t{1} << 30)) throw std::invalid_argument("too many sources");
  const std::size_t slots = std::bit_ceil(2 * max_sources_);
  slots_.assign(slots, Slot{});
  mask_ = static_cast<std::uint32_t>(slots - 1);
  static_assert(crypto_shorthash_KEYBYTES == sizeof hash_key_);
  randombytes_buf(hash_key_.data(), hash_key_.size());
}

std::uint32_t HandshakeRateLimiter::home_of(std::uint64_t source,
                                            IpAddress::Family family) const {
  // Keyed SipHash (as the Linux module uses): a flood of chosen sources cannot pile into one
  // probe chain without knowing the key.
  unsigned char input[9];
  input[0] = static_cast<unsigned char>(family);
  std::memcpy(input + 1, &source, sizeof source);
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, input, sizeof input, hash_key_.data());
  std::uint32_t h;
  std::memcpy(&h, out, sizeof h);
  return h & mask_;
}

bool HandshakeRateLimiter::allow(const IpAddress& source, std::chrono::nanoseconds now) {
  const std::int64_t now_ns = now.count();
  if (now_ns - last_collect_ns_ >= kCollectEvery.count()) collect_garbage(now);

  const std::uint64_t key =
      source.is_v4() ? load_be64(source.bytes.data(), 4) : load_be64(source.bytes.data(), 8);
  const std::uint32_t home = home_of(key, source.family);
  std::uint32_t i = home;
  // Load stays at or below 1/2, so an empty slot always ends the probe.
  while (slots_[i].used) {
    Slot& slot = slots_[i];
    if (slot.source == key && slot.family == source.family) {
      // A clock that stepped back refills nothing rather than wrapping.
      const std::int64_t elapsed = std::max<std::int64_t>(now_ns - slot.last_ns, 0);
      const std::int64_t tokens = std::min(kMaxTokens.count(), slot.tokens_ns + elapsed);
      slot.last_ns = std::max(slot.last_ns, now_ns);
      const bool ok = tokens >= kPacketCost.count();
      slot.tokens_ns = ok ? tokens - kPacketCost.count() : tokens;
      ++(ok ? counters_.allowed : counters_.limited);
      return ok;
    }
    i = (i + 1) & mask_;
  }
  if (used_ >= max_sources_) {
    ++counters_.table_full;
    return false;
  }
  Slot& slot = slots_[i];
  slot.source = key;
  slot.family = source.family;
  slot.home = home;
  slot.last_ns = now_ns;
  slot.tokens_ns = kMaxTokens.count() - kPacketCost.count();  // a new source starts with a full burst
  slot.used = true;
  ++used_;
  ++counters_.allowed;
  return true;
}

void HandshakeRateLimiter::erase(std::uint32_t index) {
  // Backward-shift deletion: pull later members of the probe run into the hole so lookups never
  // stop early at it, and no tombstones accumulate.
  std::uint32_t hole = index;
  for (std::uint32_t j = (hole + 1) & mask_; slots_[j].used; j = (j + 1) & mask_) {
    const std::uint32_t home = slots_[j].home;
    // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
    const bool home_after_hole = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (home_after_hole) continue;
    slots_[hole] = slots_[j];
    hole = j;
  }
  slots_[hole] = Slot{};
  --used_;
}

std::size_t HandshakeRateLimiter::collect_garbage(std::chrono::nanoseconds now) {
  const std::int64_t now_ns = now.count();
  last_collect_ns_ = now_ns;
  std::size_t freed = 0;
  for (std::uint32_t i = 0; i < slots_.size();) {
    if (slots_[i].used && now_ns - slots_[i].last_ns > kIdleAfter.count()) {
      erase(i);
      ++freed;
      continue;  // erase may have shifted a not yet visited entry into slot i
    }
    ++i;
  }
  counters_.collected += freed;
  return freed;
}

void HandshakeRateLimiter::clear() {
  std::fill(slots_.begin(), slots_.end(), Slot{});
  used_ = 0;
}

}  // namespace anymesh::wg
