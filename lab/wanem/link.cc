// Directed link behaviour: the order of checks mirrors a real path (cut cable, random loss, full queue, wire time).
#include "lab/wanem/link.h"

#include <algorithm>

namespace anymesh::lab {

Link::Link(std::string from, std::string to, std::uint64_t seed)
    : from_(std::move(from)), to_(std::move(to)), rng_(seed | 1) {
  held_.reserve(kMaxQueue);
}

std::uint64_t Link::next_random() {
  // xorshift64*: fast, no allocation, and good enough for loss and jitter draws.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return rng_ * 0x2545F4914F6CDD1DULL;
}

void Link::configure(const LinkSettings& settings, Nanos now) {
  settings_ = settings;
  restore_at_ = (!settings_.up && settings_.down_for > 0) ? now + settings_.down_for : -1;
  settings_.queue_limit = std::min(settings_.queue_limit, kMaxQueue);
  if (settings_.rate_bps == 0) busy_until_ = 0;
}

Nanos Link::restore_if_due(Nanos now) {
  if (restore_at_ < 0) return -1;
  if (now < restore_at_) return restore_at_;
  settings_.up = true;
  settings_.down_for = 0;
  restore_at_ = -1;
  return -1;
}

Admission Link::admit(SlotId slot, std::uint32_t frame_bytes, Nanos now) {
  ++counters_.in;
  if (!settings_.up) {
    ++counters_.blackholed;
    return Admission::kBlackholed;
  }
  if (settings_.loss > 0.0) {
    const double draw = static_cast<double>(next_random() >> 11) * 0x1.0p-53;
    if (draw < settings_.loss) {
      ++counters_.lost;
      return Admission::kLost;
    }
  }
  Nanos depart = now;
  if (settings_.rate_bps > 0) {
    const Nanos start = std::max(now, busy_until_);
    const Nanos wire = static_cast<Nanos>(frame_bytes * 8ULL * 1'000'000'000ULL / settings_.rate_bps);
    busy_until_ = start + wire;
    depart = busy_until_;
  }
  depart += settings_.delay;
  if (settings_.jitter > 0) {
    const auto span = static_cast<std::uint64_t>(2 * settings_.jitter + 1);
    depart += static_cast<Nanos>(next_random() % span) - settings_.jitter;
    depart = std::max(depart, now);
  } else {
    // Without jitter a link is a FIFO, also right after its delay was lowered.
    depart = std::max(depart, last_depart_);
  }
  if (depart <= now && held_.empty()) return Admission::kSendNow;
  if (held_.size() >= settings_.queue_limit) {
    ++counters_.overflow;
    if (settings_.rate_bps > 0) busy_until_ -= static_cast<Nanos>(frame_bytes * 8ULL * 1'000'000'000ULL / settings_.rate_bps);
    return Admission::kOverflow;
  }
  last_depart_ = depart;
  held_.push_back(Held{depart, arrivals_++, slot});
  std::push_heap(held_.begin(), held_.end(), later);
  return Admission::kQueued;
}

bool Link::pop_due(Nanos now, SlotId& slot, bool& blackholed) {
  if (held_.empty() || held_.front().depart > now) return false;
  std::pop_heap(held_.begin(), held_.end(), later);
  slot = held_.back().slot;
  held_.pop_back();
  blackholed = !settings_.up;
  if (blackholed) ++counters_.blackholed;
  return true;
}

}  // namespace anymesh::lab
