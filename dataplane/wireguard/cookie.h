// The cookie layer (whitepaper 5.4.4, 5.4.7): MAC1 on every handshake message, MAC2 and cookie replies
// so that a responder under load only spends DH operations on sources that proved their address.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/endpoint.h"
#include "dataplane/wireguard/messages.h"

namespace anymesh::wg {

// Responder side: one per device, keyed by the device's own public key.
class CookieChecker {
 public:
  enum class Verdict : std::uint8_t { bad_mac1, mac1_only, mac1_and_mac2 };

  void set_public_key(const Key& device_public_key);
  // msg is a whole initiation or response; its last 32 bytes are mac1 and mac2.
  Verdict check(const std::uint8_t* msg, std::size_t len, const Endpoint& source, std::chrono::nanoseconds now);
  // A cookie reply to the sender of msg (whose mac1 becomes the reply's associated data).
  void create_reply(std::uint8_t* reply, const std::uint8_t* msg, std::size_t len, std::uint32_t sender_index,
                    const Endpoint& source, std::chrono::nanoseconds now);

 private:
  Mac cookie_for(const Endpoint& source, std::chrono::nanoseconds now);

  Hash mac1_key_{};
  Key cookie_key_{};
  Key secret_{};
  std::chrono::nanoseconds secret_birth_{-1};
};

// Initiator side (and the responder's response): one per peer, keyed by the peer's public key.
class CookieMaker {
 public:
  void set_peer_public_key(const Key& peer_public_key);
  // Writes mac1 (and mac2 when a fresh cookie is held) into the last 32 bytes of msg.
  void add_macs(std::uint8_t* msg, std::size_t len, std::chrono::nanoseconds now);
  // Accepts a cookie reply for the last message we MAC'd; false when it does not decrypt.
  bool consume_reply(const std::uint8_t* reply, std::chrono::nanoseconds now);
  bool has_fresh_cookie(std::chrono::nanoseconds now) const;

 private:
  Hash mac1_key_{};
  Key cookie_key_{};
  Mac cookie_{};
  std::chrono::nanoseconds cookie_birth_{-1};
  Mac last_mac1_{};
  bool have_last_mac1_ = false;
};

}  // namespace anymesh::wg
