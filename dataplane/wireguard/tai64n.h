// TAI64N timestamps for handshake initiations, whitened to 2^24 ns so they leak less about the clock.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>

namespace anymesh::wg {

using Tai64n = std::array<std::uint8_t, 12>;

inline Tai64n tai64n_from(std::chrono::system_clock::time_point t) {
  auto since = t.time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs).count();
  std::uint64_t label = 0x400000000000000aull + static_cast<std::uint64_t>(secs.count());
  std::uint32_t ns = static_cast<std::uint32_t>(nanos) & ~((1u << 24) - 1);
  Tai64n out{};
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(label >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) out[8 + i] = static_cast<std::uint8_t>(ns >> (24 - 8 * i));
  return out;
}

// Big-endian byte order makes the later timestamp compare greater.
inline bool tai64n_after(const Tai64n& a, const Tai64n& b) { return std::memcmp(a.data(), b.data(), a.size()) > 0; }

}  // namespace anymesh::wg
