// KeyRotation: rotating one gateway's WireGuard key without loss, lane by lane. Each lane is
// drained from every route towards and from the gateway (traffic stays on its other lanes), both
// ends switch that lane to the new key, the lane must be seen up by probes in both directions,
// then it gets its traffic back and the next lane starts.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "controlplane/proto/anymesh.pb.h"
#include "dataplane/wireguard/crypto.h"

namespace anymesh::server {

class KeyRotation {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Phase : std::uint8_t { draining, switching, done, failed };

  // lanes: the gateway's lane count (at least 2: a lane can only drain onto another lane).
  KeyRotation(std::uint32_t gateway, wg::Key old_key, wg::Key new_key, std::uint32_t lanes, Clock::time_point now);

  // A rotation that finished in an earlier run (the controller's state dir keeps its key).
  static KeyRotation completed(std::uint32_t gateway, wg::Key old_key, wg::Key new_key, std::uint32_t lanes);

  std::uint32_t gateway() const { return gateway_; }
  const wg::Key& new_key() const { return new_key_; }
  Phase phase() const { return phase_; }
  bool running() const { return phase_ == Phase::draining || phase_ == Phase::switching; }

  // What the controller saw since the phase's snapshots were issued.
  struct Progress {
    bool all_acked = false;  // every connected gateway applied the versions issued for this phase
    // Lane `lane()` seen up, in reports newer than the acks, by the rotating gateway towards every
    // connected peer and by every connected peer towards it.
    bool lane_up_both_ways = false;
    std::string nack;        // a connected gateway refused this phase's snapshot: why
  };
  // Moves on when the phase's condition holds; true when the phase changed (every gateway's
  // snapshot must be compiled again). A phase lasting longer than `limit` fails the rotation.
  bool advance(const Progress& progress, Clock::time_point now, Clock::duration limit);
  void fail(std::string why);

  std::uint32_t lane() const { return lane_; }
  Clock::time_point phase_started() const { return phase_started_; }

  // Rewrites a compiled snapshot for this state: every lane's key of the rotating gateway (its own
  // lane_public_keys, or its peer entry's lane keys) and the drained lane removed from every next
  // hop and backup that names the rotating gateway (in its own snapshot: from every hop). A failed
  // rotation compiles as if it had not started (every lane back on the old key).
  void apply(v1::GatewaySnapshot& snapshot) const;

  v1::KeyRotationView view(Clock::time_point now) const;

 private:
  const wg::Key& key_of_lane(std::uint32_t lane) const;
  bool lane_drained(std::uint32_t lane) const;

  std::uint32_t gateway_;
  wg::Key old_key_;
  wg::Key new_key_;
  std::uint32_t lanes_;
  std::uint32_t lane_ = 0;
  Phase phase_ = Phase::draining;
  Clock::time_point started_;
  Clock::time_point phase_started_;
  std::string error_;
};

}  // namespace anymesh::server
