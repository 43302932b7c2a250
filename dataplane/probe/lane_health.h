// LaneHealth: one lane's probe outcomes turned into RTT and loss estimates and an up/down state
// with hysteresis.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "dataplane/probe/probe_constants.h"

namespace anymesh::probe {

struct LaneHealthConfig {
  Nanos timeout = kDefaultProbeTimeout;          // an echo later than this is a miss
  unsigned misses_to_down = kDefaultMissesToDown;
  unsigned goods_to_up = kDefaultGoodsToUp;
  std::size_t loss_window = kDefaultLossWindow;  // 1 .. kMaxLossWindow probes
  unsigned rtt_ewma_shift = kDefaultRttEwmaShift;  // gain 1 / 2^shift, shift 0 .. 16
};

// A lane starts down: nothing has been proven about it yet, and traffic must not be steered onto
// a lane whose handshake may not even have finished.
enum class LaneState : std::uint8_t { down, up };

enum class EchoVerdict : std::uint8_t {
  answered,  // first echo of an outstanding probe, within the timeout: a good probe
  late,      // arrived after the timeout, or repeats an echo already counted: counts nothing
  unknown,   // no such probe was sent, or its timestamp is not the one it was sent with
};

struct LaneCounters {
  std::uint64_t sent = 0;
  std::uint64_t answered = 0;
  std::uint64_t missed = 0;
  std::uint64_t late = 0;
  std::uint64_t unknown = 0;
  std::uint64_t out_of_order_sends = 0;  // on_sent() with a sequence that is not the next one
  std::uint64_t went_down = 0;
  std::uint64_t went_up = 0;
};

// Precisely:
// - Probes are sent with sequences 0, 1, 2, ... (on_sent()).
// - Probe s is good when its echo arrives with now - sent_at <= timeout. It is missed when
//   advance() runs with now > sent_at + timeout and no echo came, when its echo comes later than
//   that, or when kMaxProbesInFlight newer probes are sent while it is still outstanding.
// - Outcomes reach the state machine and the loss window in sequence order: a good probe waits
//   until every older one is decided, so "consecutive" means consecutive on the wire.
// - up -> down after misses_to_down consecutive misses; down -> up after goods_to_up consecutive
//   goods. Any other outcome resets the run, so alternating loss never changes the state.
// - RTT samples (answered probes only) feed the EWMA at once; the minimum is over the RTTs of the
//   loss window. Loss is misses / decided probes in the window of the last loss_window decided.
// Fixed-size arrays only: nothing allocates after construction.
class LaneHealth {
 public:
  // Throws std::invalid_argument for a bad config (start-up only).
  explicit LaneHealth(const LaneHealthConfig& config = {});

  // Records a sent probe. Returns false, recording nothing, unless sequence is the next one.
  bool on_sent(std::uint64_t sequence, Nanos sent_at);
  // An echo of (sequence, sent_at) seen at now.
  EchoVerdict on_echo(std::uint64_t sequence, Nanos sent_at, Nanos now);
  // Declares missed every outstanding probe whose timeout has passed by now.
  void advance(Nanos now);

  LaneState state() const { return state_; }
  bool is_up() const { return state_ == LaneState::up; }
  Nanos state_since() const { return state_since_; }  // time of the last change, 0 if none
  unsigned consecutive_misses() const { return consecutive_misses_; }
  unsigned consecutive_goods() const { return consecutive_goods_; }

  std::optional<Nanos> rtt_ewma() const;
  std::optional<Nanos> rtt_min() const;
  double loss() const;  // 0 .. 1; 0 while nothing is decided
  std::size_t decided_in_window() const { return window_fill_; }
  std::size_t outstanding() const { return static_cast<std::size_t>(next_ - oldest_); }
  const LaneCounters& counters() const { return counters_; }
  const LaneHealthConfig& config() const { return config_; }

 private:
  enum class Outcome : std::uint8_t { pending, good, missed };

  struct InFlight {
    Nanos sent_at{0};
    Nanos rtt{0};
    Outcome outcome = Outcome::pending;
  };

  InFlight& slot(std::uint64_t sequence) { return in_flight_[sequence % kMaxProbesInFlight]; }
  void miss(InFlight& probe);
  // Hands decided probes, oldest first, to the window and the state machine.
  void settle(Nanos now);
  void remember(const InFlight& probe);
  void step(bool good, Nanos now);

  LaneHealthConfig config_;
  std::array<InFlight, kMaxProbesInFlight> in_flight_{};
  std::uint64_t oldest_ = 0;  // oldest sequence not yet settled
  std::uint64_t next_ = 0;    // next sequence to be sent

  // Loss window: ring of the last loss_window settled probes, RTT or -1 for a miss.
  std::array<std::int64_t, kMaxLossWindow> window_{};
  std::size_t window_next_ = 0;
  std::size_t window_fill_ = 0;
  std::size_t window_misses_ = 0;

  std::int64_t rtt_ewma_ns_ = -1;

  LaneState state_ = LaneState::down;
  Nanos state_since_{0};
  unsigned consecutive_misses_ = 0;
  unsigned consecutive_goods_ = 0;
  LaneCounters counters_;
};

}  // namespace anymesh::probe
