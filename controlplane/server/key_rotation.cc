// KeyRotation: the per-lane state machine and the snapshot rewrite.
#include "controlplane/server/key_rotation.h"

#include <algorithm>

namespace anymesh::server {
namespace {

std::string bytes_of(const wg::Key& key) { return std::string(key.begin(), key.end()); }

// Removes `lane` from a hop's lane list (the hop keeps its other lanes).
template <typename Hop>
void drop_lane(Hop& hop, std::uint32_t lane) {
  auto* lanes = hop.mutable_lanes();
  lanes->erase(std::remove(lanes->begin(), lanes->end(), lane), lanes->end());
}

const char* phase_name(KeyRotation::Phase p) {
  switch (p) {
    case KeyRotation::Phase::draining: return "draining";
    case KeyRotation::Phase::switching: return "switching";
    case KeyRotation::Phase::done: return "done";
    case KeyRotation::Phase::failed: return "failed";
  }
  return "?";
}

}  // namespace

KeyRotation::KeyRotation(std::uint32_t gateway, wg::Key old_key, wg::Key new_key, std::uint32_t lanes,
                         Clock::time_point now)
    : gateway_(gateway), old_key_(old_key), new_key_(new_key), lanes_(lanes), started_(now), phase_started_(now) {}

KeyRotation KeyRotation::completed(std::uint32_t gateway, wg::Key old_key, wg::Key new_key, std::uint32_t lanes) {
  KeyRotation r(gateway, old_key, new_key, lanes, Clock::now());
  r.lane_ = lanes;
  r.phase_ = Phase::done;
  return r;
}

bool KeyRotation::advance(const Progress& progress, Clock::time_point now, Clock::duration limit) {
  if (!running()) return false;
  if (!progress.nack.empty()) {
    fail("lane " + std::to_string(lane_) + " (" + phase_name(phase_) + "): a gateway refused the snapshot: " +
         progress.nack);
    return true;
  }
  if (now - phase_started_ > limit) {
    fail("lane " + std::to_string(lane_) + " stayed " + phase_name(phase_) + " longer than " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(limit).count()) + " s" +
         (phase_ == Phase::switching ? " (not seen up with the new key in both directions)" : " (acks missing)"));
    return true;
  }
  if (phase_ == Phase::draining && progress.all_acked) {
    phase_ = Phase::switching;
    phase_started_ = now;
    return true;
  }
  if (phase_ == Phase::switching && progress.all_acked && progress.lane_up_both_ways) {
    ++lane_;
    phase_ = lane_ == lanes_ ? Phase::done : Phase::draining;
    phase_started_ = now;
    return true;
  }
  return false;
}

void KeyRotation::fail(std::string why) {
  phase_ = Phase::failed;
  error_ = std::move(why);
}

const wg::Key& KeyRotation::key_of_lane(std::uint32_t lane) const {
  if (phase_ == Phase::failed) return old_key_;
  if (phase_ == Phase::done || lane < lane_ || (lane == lane_ && phase_ == Phase::switching)) return new_key_;
  return old_key_;
}

bool KeyRotation::lane_drained(std::uint32_t lane) const { return running() && lane == lane_; }

void KeyRotation::apply(v1::GatewaySnapshot& snapshot) const {
  const bool self = snapshot.self().id() == gateway_;
  if (self) {
    auto* keys = snapshot.mutable_self()->mutable_lane_public_keys();
    keys->Clear();
    for (std::uint32_t lane = 0; lane < lanes_; ++lane) *keys->Add() = bytes_of(key_of_lane(lane));
  } else {
    for (auto& peer : *snapshot.mutable_peers()) {
      if (peer.id() != gateway_) continue;
      if (phase_ == Phase::done) peer.set_public_key(bytes_of(new_key_));
      for (auto& lane : *peer.mutable_lanes()) {
        if (lane.id() < lanes_) lane.set_public_key(bytes_of(key_of_lane(lane.id())));
      }
    }
  }
  if (!running()) return;
  for (auto& group : *snapshot.mutable_groups()) {
    for (auto& hop : *group.mutable_next_hops()) {
      if (self || hop.gateway() == gateway_) drop_lane(hop, lane_);
    }
    for (auto& backup : *group.mutable_backups()) {
      if (self || backup.gateway() == gateway_) drop_lane(backup, lane_);
    }
  }
}

v1::KeyRotationView KeyRotation::view(Clock::time_point now) const {
  v1::KeyRotationView v;
  v.set_gateway_id(gateway_);
  v.set_public_key(bytes_of(new_key_));
  v.set_lane(lane_);
  v.set_lanes(lanes_);
  v.set_phase(phase_name(phase_));
  v.set_error(error_);
  v.set_elapsed_ms(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count()));
  return v;
}

}  // namespace anymesh::server
