// Noise_IKpsk2 handshake (whitepaper 5.4.2-5.4.5): creating and consuming initiations and responses,
// and deriving the transport keys of a session. MAC1/MAC2 are the cookie layer's job (cookie.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/messages.h"
#include "dataplane/wireguard/tai64n.h"

namespace anymesh::wg {

// This device's static key pair and what can be precomputed from it.
struct StaticIdentity {
  Key private_key{};
  Key public_key{};
  Hash initial_hash{};  // HASH(HASH(HASH(construction) || identifier) || public_key): responder's H0
  bool present = false;

  void set(const Key& private_key);
  void clear();
};

enum class HandshakeState : std::uint8_t { zeroed, created_initiation, consumed_initiation, created_response, consumed_response };

// Per-peer handshake state. Secrets are wiped by clear().
struct Handshake {
  HandshakeState state = HandshakeState::zeroed;
  Hash hash{};
  Hash chaining_key{};
  Key ephemeral_private{};
  Key remote_ephemeral{};
  Key remote_static{};
  Key static_static{};  // DH(our static, their static), precomputed when keys change
  bool static_static_valid = false;
  Key preshared_key{};
  std::uint32_t local_index = 0;
  std::uint32_t remote_index = 0;
  Tai64n latest_timestamp{};  // from the newest initiation accepted: older ones are replays
  std::chrono::nanoseconds last_initiation_consumption{-1};

  void clear();  // back to zeroed; keeps the peer's keys, timestamp and flood guard
  void precompute(const StaticIdentity& identity);
};

// Transport keys derived from a finished handshake.
struct SessionKeys {
  Key sending{};
  Key receiving{};
  std::uint32_t local_index = 0;
  std::uint32_t remote_index = 0;
  bool initiator = false;
  ~SessionKeys() {
    secure_zero(sending);
    secure_zero(receiving);
  }
};

enum class HandshakeError : std::uint8_t {
  no_identity,
  unknown_peer,
  decrypt_static,
  decrypt_timestamp,
  replayed_timestamp,
  initiation_flood,
  unknown_index,
  wrong_state,
  decrypt_empty,
  bad_dh,
};
const char* to_string(HandshakeError e);

// Fills an initiation up to (not including) mac1. local_index is chosen by the caller.
bool create_initiation(Handshake& hs, const StaticIdentity& identity, std::uint32_t local_index,
                       std::chrono::system_clock::time_point wall, std::uint8_t* msg);

// Finds the peer of a received initiation through `peer_handshake` (by its static public key).
// On success the peer's handshake is in state consumed_initiation; returns it.
using HandshakeByStatic = std::function<Handshake*(const Key& remote_static)>;
Handshake* consume_initiation(const StaticIdentity& identity, const std::uint8_t* msg, std::chrono::nanoseconds now,
                              const HandshakeByStatic& peer_handshake, HandshakeError& error);

bool create_response(Handshake& hs, std::uint32_t local_index, std::uint8_t* msg);

// Finds our pending initiation through `by_index` (by msg's receiver index).
using HandshakeByIndex = std::function<Handshake*(std::uint32_t local_index)>;
Handshake* consume_response(const StaticIdentity& identity, const std::uint8_t* msg, const HandshakeByIndex& by_index,
                            HandshakeError& error);

// After create_response (responder) or consume_response (initiator): the session keys; clears hs.
std::optional<SessionKeys> derive_session(Handshake& hs);

}  // namespace anymesh::wg
