// One directed WAN link (ingress site -> egress site): admission (blackhole, loss, queue, rate), delay line, counters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lab/wanem/clock.h"
#include "lab/wanem/frame_pool.h"
#include "lab/wanem/link_settings.h"

namespace anymesh::lab {

struct LinkCounters {
  std::uint64_t in = 0;          // frames offered to the link
  std::uint64_t forwarded = 0;   // frames handed to the egress port
  std::uint64_t bytes = 0;       // bytes of forwarded frames
  std::uint64_t lost = 0;        // dropped by the loss setting
  std::uint64_t blackholed = 0;  // dropped because the link is down (on entry or while in flight)
  std::uint64_t overflow = 0;    // dropped because the queue was full
};

enum class Admission { kQueued, kSendNow, kLost, kBlackholed, kOverflow };

class Link {
 public:
  // The delay line never grows beyond this, whatever queue limit is asked for: memory stays bounded.
  static constexpr std::uint32_t kMaxQueue = 65536;

  Link(std::string from, std::string to, std::uint64_t seed);

  // Decides the frame's fate at time now. kSendNow: no delay and nothing queued ahead, the caller
  // transmits at once (the zero-delay fast path); kQueued: the link holds the slot until due.
  Admission admit(SlotId slot, std::uint32_t frame_bytes, Nanos now);

  // Earliest departure time among held frames, or -1 when the delay line is empty.
  Nanos next_departure() const { return held_.empty() ? -1 : held_.front().depart; }
  // Pops the earliest frame if it is due at now; sets blackholed when the link went down meanwhile.
  bool pop_due(Nanos now, SlotId& slot, bool& blackholed);

  // now: when the settings take effect (a timed outage counts from here).
  void configure(const LinkSettings& settings, Nanos now);
  // Ends a timed outage that is over; returns the restore time still pending, or -1.
  Nanos restore_if_due(Nanos now);
  const LinkSettings& settings() const { return settings_; }
  LinkCounters& counters() { return counters_; }
  const LinkCounters& counters() const { return counters_; }
  std::size_t held() const { return held_.size(); }
  const std::string& from() const { return from_; }
  const std::string& to() const { return to_; }

 private:
  struct Held {
    Nanos depart;
    std::uint64_t order;  // tie-break: equal departure times leave in arrival order
    SlotId slot;
  };
  static bool later(const Held& a, const Held& b) {
    return a.depart != b.depart ? a.depart > b.depart : a.order > b.order;
  }
  std::uint64_t next_random();

  std::string from_, to_;
  LinkSettings settings_;
  LinkCounters counters_;
  std::vector<Held> held_;  // min-heap by (depart, order); capacity reserved once
  std::uint64_t arrivals_ = 0;
  Nanos restore_at_ = -1;  // end of a timed outage (downfor), -1 when none
  Nanos last_depart_ = 0;  // departure of the newest held frame (FIFO order when jitter is 0)
  Nanos busy_until_ = 0;    // when the rate limiter finishes serialising the last admitted frame
  std::uint64_t rng_;
};

}  // namespace anymesh::lab
