// Peer: what a device knows about one remote WireGuard peer: keys, endpoint, handshake, keypairs,
// staged packets, timer deadlines and counters.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "dataplane/wireguard/allowed_ips.h"
#include "dataplane/wireguard/cookie.h"
#include "dataplane/wireguard/endpoint.h"
#include "dataplane/wireguard/keypair.h"
#include "dataplane/wireguard/noise.h"

namespace anymesh::wg {

using Nanos = std::chrono::nanoseconds;
inline constexpr Nanos kDisarmed{-1};

// Deadlines of the per-peer timers of whitepaper section 6 (kDisarmed when not pending).
struct PeerTimers {
  Nanos retransmit_handshake = kDisarmed;
  Nanos send_keepalive = kDisarmed;
  Nanos new_handshake = kDisarmed;
  Nanos zero_key_material = kDisarmed;
  Nanos persistent_keepalive = kDisarmed;
  bool need_another_keepalive = false;
  bool sent_lastminute_handshake = false;
  unsigned handshake_attempts = 0;
  Nanos last_sent_handshake = kDisarmed;
};

struct PeerStats {
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_bytes = 0;
  std::chrono::system_clock::time_point last_handshake{};  // wall time, zero = never
};

// Packets waiting for a session, kept in reusable buffers so a busy peer does not allocate.
class StagedPackets {
 public:
  bool push(const std::uint8_t* data, std::size_t len);  // false (dropped) when full
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // The oldest packet; its buffer has kHeadroom bytes before and kTailroom after the data.
  std::uint8_t* front_data() { return slots_[head_].data() + kHeadroom; }
  std::size_t front_len() const { return lens_[head_]; }
  void pop();
  void clear() { head_ = count_ = 0; }

 private:
  std::array<std::vector<std::uint8_t>, kMaxStagedPackets> slots_;
  std::array<std::size_t, kMaxStagedPackets> lens_{};
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

struct Peer {
  PeerId id = 0;
  Key public_key{};
  std::optional<Endpoint> endpoint;
  // The endpoint configuration last named (a gateway snapshot); `endpoint` roams away from it.
  std::optional<Endpoint> configured_endpoint;
  std::uint16_t persistent_keepalive_interval = 0;  // seconds
  Handshake handshake;
  CookieMaker cookie;
  std::unique_ptr<Keypair> previous, current, next;
  StagedPackets staged;
  PeerTimers timers;
  PeerStats stats;

  Peer(PeerId id, const Key& public_key);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
};

}  // namespace anymesh::wg
