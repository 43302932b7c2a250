// Device: one WireGuard interface's state (identity, peers, index table, cookie checker) and its data
// path over byte buffers: send() seals packets from the tunnel side, receive() handles datagrams from
// the network, tick() runs the timers. No sockets here: callers (anymesh-wg, the gateway agent) do I/O.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "dataplane/packet/buffer_area.h"
#include "dataplane/wireguard/allowed_ips.h"
#include "dataplane/wireguard/clock.h"
#include "dataplane/wireguard/cookie.h"
#include "dataplane/wireguard/handshake_ratelimiter.h"
#include "dataplane/wireguard/noise.h"
#include "dataplane/wireguard/peer.h"

namespace anymesh::wg {

// Every reason a message or packet is not carried has a counter.
#define ANYMESH_WG_COUNTERS(X)                                                                     \
  X(rx_messages) X(rx_short) X(rx_bad_type) X(rx_bad_length) X(rx_bad_mac1) X(rx_cookie_replies_sent) \
  X(rx_handshake_ratelimited) X(rx_initiations) X(rx_initiation_no_private_key) X(rx_initiation_unknown_peer) \
  X(rx_initiation_decrypt_failed) X(rx_initiation_replayed) X(rx_initiation_flood) X(rx_responses)        \
  X(rx_response_unknown_index) X(rx_response_wrong_state) X(rx_response_decrypt_failed) X(rx_cookie_replies) \
  X(rx_cookie_reply_unknown_index) X(rx_cookie_reply_decrypt_failed) X(rx_data) X(rx_data_unknown_index)   \
  X(rx_data_expired_key) X(rx_data_decrypt_failed) X(rx_data_replayed) X(rx_keepalives) X(rx_data_bad_inner) \
  X(rx_data_disallowed_source) X(tx_packets) X(tx_bad_packet) X(tx_no_route) X(tx_no_endpoint)           \
  X(tx_too_big) X(tx_staged_dropped) X(tx_outbox_full) X(tx_handshake_initiations) X(tx_keepalives)       \
  X(keypairs_created) X(handshake_gave_up) X(key_material_zeroed) X(under_load_entered)

struct DeviceCounters {
#define ANYMESH_WG_FIELD(name) std::uint64_t name = 0;
  ANYMESH_WG_COUNTERS(ANYMESH_WG_FIELD)
#undef ANYMESH_WG_FIELD
  template <typename F>
  void for_each(F&& f) const {
#define ANYMESH_WG_VISIT(name) f(#name, name);
    ANYMESH_WG_COUNTERS(ANYMESH_WG_VISIT)
#undef ANYMESH_WG_VISIT
  }
};

// An IP packet to seal: kHeadroom writable bytes before data and kTailroom after data + len.
struct Packet {
  std::uint8_t* data;
  std::size_t len;
};

// A received UDP payload, opened in place.
struct Datagram {
  Endpoint source;
  std::uint8_t* data;
  std::size_t len;
};

struct Transmit {
  Endpoint to;
  const std::uint8_t* data;
  std::size_t len;
};

struct Delivery {
  std::uint8_t* data;  // a plaintext IP packet inside the datagram's buffer
  std::size_t len;
  PeerId peer;
};

// What the device wants sent. Sealed data points into the caller's buffers; handshakes, cookie
// replies, keepalives and staged packets live in the outbox's own fixed storage. Valid until clear().
class Outbox {
 public:
  static constexpr std::size_t kSlotSize = 2048;
  explicit Outbox(std::size_t slots = 256);
  std::uint8_t* slot();  // nullptr when every slot is taken
  void push(const Endpoint& to, const std::uint8_t* data, std::size_t len) { transmits_.push_back({to, data, len}); }
  std::span<const Transmit> transmits() const { return transmits_; }
  void clear();

 private:
  BufferArea storage_;
  std::vector<Transmit> transmits_;
  std::size_t used_ = 0;
};

class Device {
 public:
  struct Options {
    std::size_t mtu = kDefaultMtu;
    bool force_cookie = false;                 // answer every unauthenticated handshake with a cookie
    // Handshake messages (MAC1 valid) per second above which the device is under load: it answers
    // those without MAC2 with cookie replies and limits the others per source. Judged per 10 ms
    // (a hundredth of this), so a flood costs at most that many DH operations before load starts.
    std::uint32_t handshakes_per_second_before_load = 1000;
    // Cryptokey routing's inbound check: a peer may only send from its allowed IPs. A gateway
    // routes by its snapshot instead (relayed packets carry a third region's sources) and
    // turns it off; send_to() then names the peer and allowed IPs are not consulted at all.
    bool check_allowed_source = true;
  };

  explicit Device(const Clock& clock);
  Device(const Clock& clock, Options options);
  ~Device();

  // Configuration.
  void set_private_key(const std::optional<Key>& key);
  std::optional<Key> private_key() const;
  std::optional<Key> public_key() const;
  Peer* find(const Key& public_key);
  Peer* find(PeerId id);
  Peer& upsert_peer(const Key& public_key);
  void remove_peer(const Key& public_key);
  void remove_all_peers();
  void set_preshared_key(Peer& peer, const Key& psk);
  void set_endpoint(Peer& peer, const Endpoint& endpoint) { peer.endpoint = endpoint; }
  void set_persistent_keepalive(Peer& peer, std::uint16_t seconds, Outbox& out);
  bool add_allowed_ip(Peer& peer, const IpPrefix& prefix) { return allowed_ips_.insert(prefix, peer.id); }
  void clear_allowed_ips(Peer& peer) { allowed_ips_.remove_peer(peer.id); }
  const AllowedIps& allowed_ips() const { return allowed_ips_; }
  const std::vector<std::unique_ptr<Peer>>& peers() const { return peers_; }
  Options& options() { return options_; }

  // Data path.
  void send(std::span<Packet> packets, Outbox& out);
  // Seals every packet to one peer, chosen by the caller's routing rather than allowed IPs.
  void send_to(Peer& peer, std::span<Packet> packets, Outbox& out);
  void receive(std::span<Datagram> datagrams, std::vector<Delivery>& deliveries, Outbox& out);
  void tick(Outbox& out);
  // Sends a keepalive (after a handshake if there is no session).
  void send_keepalive(Peer& peer, Outbox& out);
  // Sends a handshake initiation now unless one went out less than REKEY_TIMEOUT ago.
  void initiate_handshake(Peer& peer, Outbox& out) { send_initiation(peer, false, out); }

  const DeviceCounters& counters() const { return counters_; }
  const HandshakeRateLimiter& ratelimiter() const { return ratelimiter_; }

 private:
  struct IndexEntry {
    Peer* peer;
    Keypair* keypair;  // nullptr: the index names the peer's pending handshake
  };

  std::uint32_t new_index(Peer& peer, Keypair* keypair);
  void drop_index(std::uint32_t index);
  void drop_keypair(std::unique_ptr<Keypair>& slot);
  void drop_handshake_index(Peer& peer);
  void zero_key_material(Peer& peer);
  void install_session(Peer& peer, const SessionKeys& keys);
  void send_initiation(Peer& peer, bool retry, Outbox& out);
  void send_staged(Peer& peer, Outbox& out);
  void send_one(Peer& peer, Packet& packet, Nanos now, Outbox& out);
  void seal_to(Peer& peer, Keypair& kp, std::uint8_t* data, std::size_t len, Outbox& out);
  void keep_key_fresh_after_send(Peer& peer, Outbox& out);
  void authenticated_sent(Peer& peer);
  void authenticated_received(Peer& peer);
  void receive_handshake(Datagram& d, Outbox& out);
  void receive_initiation(Datagram& d, Outbox& out);
  void receive_response(Datagram& d, Outbox& out);
  void receive_cookie_reply(Datagram& d);
  void receive_data(Datagram& d, std::vector<Delivery>& deliveries, Outbox& out);
  bool under_load(Nanos now);
  Nanos jitter();

  const Clock& clock_;
  Options options_;
  StaticIdentity identity_;
  CookieChecker cookie_checker_;
  HandshakeRateLimiter ratelimiter_;
  AllowedIps allowed_ips_;
  std::vector<std::unique_ptr<Peer>> peers_;
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      std::size_t h;
      std::memcpy(&h, k.data(), sizeof h);  // public keys are uniformly distributed
      return h;
    }
  };
  std::unordered_map<PeerId, Peer*> by_id_;
  std::unordered_map<Key, Peer*, KeyHash> by_key_;
  std::unordered_map<std::uint32_t, IndexEntry> indices_;
  PeerId next_peer_id_ = 1;
  DeviceCounters counters_;
  Nanos load_window_start_{0};
  std::uint32_t load_window_handshakes_ = 0;
  Nanos loaded_until_{0};
  bool was_loaded_ = false;  // what the last handshake saw, to count entries into load
};

}  // namespace anymesh::wg
