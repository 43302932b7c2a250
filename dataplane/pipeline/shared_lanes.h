// SharedLanes: the state of every lane that more than one lcore needs: up or down (written by the
// lane's owner, read by every worker's routing) and the figures `wg show` and /metrics print.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "dataplane/routing/lane_up_mask.h"
#include "dataplane/routing/routing_limits.h"

namespace anymesh::pipeline {

// Written by the owning worker every status interval, read by the agent.
struct LaneStatus {
  std::atomic<std::uint64_t> rx_bytes{0};
  std::atomic<std::uint64_t> tx_bytes{0};
  std::atomic<std::int64_t> last_handshake_ns{0};  // wall clock since the epoch, 0: never
  std::atomic<std::uint64_t> endpoint{0};          // IPv4 << 16 | port (host order), 0: none
  std::atomic<std::int64_t> rtt_ewma_ns{-1};
  std::atomic<std::int64_t> rtt_min_ns{-1};
  std::atomic<std::uint32_t> loss_ppm{0};
  std::atomic<std::uint64_t> probes_sent{0};
  std::atomic<std::uint64_t> probes_answered{0};
  std::atomic<std::uint64_t> went_down{0};
  std::atomic<std::uint64_t> went_up{0};
};

class SharedLanes {
 public:
  void set_up(routing::LaneSlot slot, bool up) {
    if (slot >= routing::kMaxLaneSlots) return;
    std::uint64_t bit = std::uint64_t{1} << (slot % 64);
    if (up) {
      words_[slot / 64].fetch_or(bit, std::memory_order_release);
    } else {
      words_[slot / 64].fetch_and(~bit, std::memory_order_release);
    }
  }
  bool is_up(routing::LaneSlot slot) const {
    return slot < routing::kMaxLaneSlots &&
           ((words_[slot / 64].load(std::memory_order_acquire) >> (slot % 64)) & 1u) != 0;
  }
  // One copy per burst: 128 bytes of relaxed loads.
  routing::LaneUpMask mask() const {
    std::array<std::uint64_t, routing::LaneUpMask::kWords> w;
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = words_[i].load(std::memory_order_acquire);
    return routing::LaneUpMask::from_words(w);
  }
  LaneStatus& status(routing::LaneSlot slot) { return status_[slot % routing::kMaxLaneSlots]; }
  const LaneStatus& status(routing::LaneSlot slot) const { return status_[slot % routing::kMaxLaneSlots]; }

 private:
  std::array<std::atomic<std::uint64_t>, routing::LaneUpMask::kWords> words_{};
  std::array<LaneStatus, routing::kMaxLaneSlots> status_{};
};

}  // namespace anymesh::pipeline
