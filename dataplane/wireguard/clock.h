// Clock: the injected source of time for timers (monotonic) and TAI64N timestamps (wall).
#pragma once

#include <chrono>

namespace anymesh::wg {

using Nanos = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Nanos now() const = 0;                                   // monotonic, for timers
  virtual std::chrono::system_clock::time_point wall() const = 0;  // for TAI64N only
};

// Real time; `scale` > 1 makes protocol timers run that many times faster (interop tests of
// rekeying without waiting two minutes). Wall time is never scaled: peers compare timestamps.
class SystemClock final : public Clock {
 public:
  explicit SystemClock(double scale = 1.0) : scale_(scale), start_(std::chrono::steady_clock::now()) {}
  Nanos now() const override {
    auto real = std::chrono::steady_clock::now() - start_;
    return Nanos(static_cast<Nanos::rep>(static_cast<double>(real.count()) * scale_)) + Nanos(1);
  }
  std::chrono::system_clock::time_point wall() const override { return std::chrono::system_clock::now(); }

 private:
  double scale_;
  std::chrono::steady_clock::time_point start_;
};

// A clock tests move by hand.
class ManualClock final : public Clock {
 public:
  Nanos now() const override { return now_; }
  std::chrono::system_clock::time_point wall() const override { return wall_start_ + now_; }
  void advance(Nanos d) { now_ += d; }

 private:
  Nanos now_{std::chrono::seconds(1)};
  std::chrono::system_clock::time_point wall_start_{std::chrono::seconds(1'700'000'000)};
};

}  // namespace anymesh::wg
