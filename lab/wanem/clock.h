// Monotonic nanosecond clock shared by the emulator's scheduler and its counters.
#pragma once

#include <cstdint>
#include <ctime>

namespace anymesh::lab {

using Nanos = std::int64_t;

inline Nanos monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Nanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace anymesh::lab
