// Lane health: in-flight probes settled in sequence order into a loss window and a hysteresis
// state machine.
#include "dataplane/probe/lane_health.h"

#include <stdexcept>
#include <string>

namespace anymesh::probe {

LaneHealth::LaneHealth(const LaneHealthConfig& config) : config_(config) {
  if (config.timeout <= Nanos(0)) throw std::invalid_argument("probe timeout: must be positive");
  if (config.misses_to_down == 0) throw std::invalid_argument("probe misses_to_down: must be >= 1");
  if (config.goods_to_up == 0) throw std::invalid_argument("probe goods_to_up: must be >= 1");
  if (config.loss_window == 0 || config.loss_window > kMaxLossWindow) {
    throw std::invalid_argument("probe loss_window: must be between 1 and " +
                                std::to_string(kMaxLossWindow));
  }
  if (config.rtt_ewma_shift > 16) throw std::invalid_argument("probe rtt_ewma_shift: must be <= 16");
}

bool LaneHealth::on_sent(std::uint64_t sequence, Nanos sent_at) {
  if (sequence != next_) {
    ++counters_.out_of_order_sends;
    return false;
  }
  if (next_ - oldest_ == kMaxProbesInFlight) {
    // The ring is full: the oldest probe's slot is needed, so it is decided now.
    InFlight& oldest = slot(oldest_);
    if (oldest.outcome == Outcome::pending) miss(oldest);
    settle(sent_at);
  }
  slot(sequence) = InFlight{sent_at, Nanos(0), Outcome::pending};
  ++next_;
  ++counters_.sent;
  return true;
}

EchoVerdict LaneHealth::on_echo(std::uint64_t sequence, Nanos sent_at, Nanos now) {
  if (sequence >= next_) {
    ++counters_.unknown;
    return EchoVerdict::unknown;
  }
  if (sequence < oldest_) {  // settled already: its echo was counted or it was declared missed
    ++counters_.late;
    return EchoVerdict::late;
  }
  InFlight& probe = slot(sequence);
  if (probe.sent_at != sent_at) {
    ++counters_.unknown;
    return EchoVerdict::unknown;
  }
  if (probe.outcome != Outcome::pending) {
    ++counters_.late;
    return EchoVerdict::late;
  }
  Nanos rtt = now - sent_at;
  if (rtt > config_.timeout || rtt < Nanos(0)) {
    miss(probe);
    ++counters_.late;
    settle(now);
    return EchoVerdict::late;
  }
  probe.outcome = Outcome::good;
  probe.rtt = rtt;
  ++counters_.answered;
  if (rtt_ewma_ns_ < 0) {
    rtt_ewma_ns_ = rtt.count();
  } else {
    rtt_ewma_ns_ += (rtt.count() - rtt_ewma_ns_) / (std::int64_t{1} << config_.rtt_ewma_shift);
  }
  settle(now);
  return EchoVerdict::answered;
}

void LaneHealth::advance(Nanos now) {
  for (std::uint64_t s = oldest_; s < next_; ++s) {
    InFlight& probe = slot(s);
    if (probe.outcome != Outcome::pending) continue;
    // Probes were sent in sequence order, so once one is still in time so are all newer ones.
    if (now - probe.sent_at <= config_.timeout) break;
    miss(probe);
  }
  settle(now);
}

void LaneHealth::miss(InFlight& probe) {
  probe.outcome = Outcome::missed;
  ++counters_.missed;
}

void LaneHealth::settle(Nanos now) {
  while (oldest_ < next_) {
    const InFlight& probe = slot(oldest_);
    if (probe.outcome == Outcome::pending) break;
    remember(probe);
    step(probe.outcome == Outcome::good, now);
    ++oldest_;
  }
}

void LaneHealth::remember(const InFlight& probe) {
  bool missed = probe.outcome == Outcome::missed;
  if (window_fill_ == config_.loss_window) {
    if (window_[window_next_] < 0) --window_misses_;
  } else {
    ++window_fill_;
  }
  window_[window_next_] = missed ? -1 : probe.rtt.count();
  if (missed) ++window_misses_;
  window_next_ = (window_next_ + 1) % config_.loss_window;
}

void LaneHealth::step(bool good, Nanos now) {
  if (state_ == LaneState::up) {
    consecutive_misses_ = good ? 0 : consecutive_misses_ + 1;
    if (consecutive_misses_ >= config_.misses_to_down) {
      state_ = LaneState::down;
      state_since_ = now;
      consecutive_misses_ = 0;
      consecutive_goods_ = 0;
      ++counters_.went_down;
    }
  } else {
    consecutive_goods_ = good ? consecutive_goods_ + 1 : 0;
    if (consecutive_goods_ >= config_.goods_to_up) {
      state_ = LaneState::up;
      state_since_ = now;
      consecutive_misses_ = 0;
      consecutive_goods_ = 0;
      ++counters_.went_up;
    }
  }
}

std::optional<Nanos> LaneHealth::rtt_ewma() const {
  if (rtt_ewma_ns_ < 0) return std::nullopt;
  return Nanos(rtt_ewma_ns_);
}

std::optional<Nanos> LaneHealth::rtt_min() const {
  std::int64_t best = -1;
  for (std::size_t i = 0; i < window_fill_; ++i) {
    if (window_[i] >= 0 && (best < 0 || window_[i] < best)) best = window_[i];
  }
  if (best < 0) return std::nullopt;
  return Nanos(best);
}

double LaneHealth::loss() const {
  if (window_fill_ == 0) return 0.0;
  return static_cast<double>(window_misses_) / static_cast<double>(window_fill_);
}

}  // namespace anymesh::probe
