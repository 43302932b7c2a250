// The device's data path, handshake processing and timers (whitepaper sections 5 and 6).
#include "dataplane/wireguard/device.h"

#include "dataplane/packet/bytes.h"

#include <algorithm>
#include <cstring>

namespace anymesh::wg {
namespace {

bool due(Nanos deadline, Nanos now) { return deadline != kDisarmed && deadline <= now; }

// Source (or destination) address and total length of an IP packet; nullopt if it is not one.
struct InnerHeader {
  IpAddress source;
  IpAddress destination;
  std::size_t total_len;
};

std::optional<InnerHeader> inner_header(const std::uint8_t* p, std::size_t len) {
  if (len >= 20 && (p[0] >> 4) == 4) {
    std::size_t total = static_cast<std::size_t>(p[2]) << 8 | p[3];
    if (total < 20 || total > len) return std::nullopt;
    return InnerHeader{IpAddress::v4_bytes(p + 12), IpAddress::v4_bytes(p + 16), total};
  }
  if (len >= 40 && (p[0] >> 4) == 6) {
    std::size_t total = 40 + (static_cast<std::size_t>(p[4]) << 8 | p[5]);
    if (total > len) return std::nullopt;
    return InnerHeader{IpAddress::v6_bytes(p + 8), IpAddress::v6_bytes(p + 24), total};
  }
  return std::nullopt;
}

}  // namespace

Outbox::Outbox(std::size_t slots) : storage_(slots * kSlotSize) { transmits_.reserve(slots + 64); }

std::uint8_t* Outbox::slot() {
  if (used_ + kSlotSize > storage_.size()) return nullptr;
  std::uint8_t* p = storage_.data() + used_;
  used_ += kSlotSize;
  return p;
}

void Outbox::clear() {
  transmits_.clear();
  used_ = 0;
}

Device::Device(const Clock& clock) : Device(clock, Options{}) {}
Device::Device(const Clock& clock, Options options) : clock_(clock), options_(options) {}

Device::~Device() {
  remove_all_peers();
  identity_.clear();
}

// --- configuration -------------------------------------------------------------------------------

void Device::set_private_key(const std::optional<Key>& given) {
  // Stored clamped, as wireguard-go stores (and `wg show` prints) it.
  std::optional<Key> key = given && !is_zero(*given) ? given : std::nullopt;
  if (key) {
    (*key)[0] &= 248;
    (*key)[31] = static_cast<std::uint8_t>(((*key)[31] & 127) | 64);
  }
  if (key && identity_.present && constant_time_equal(*key, identity_.private_key)) return;
  if (key) {
    identity_.set(*key);
    cookie_checker_.set_public_key(identity_.public_key);
  } else {
    identity_.clear();
  }
  // A peer with our own public key would be a loop; like wireguard-go, drop it.
  if (identity_.present) remove_peer(identity_.public_key);
  // New static key: every session and handshake is void, every static-static DH changes.
  for (auto& peer : peers_) {
    zero_key_material(*peer);
    peer->handshake.precompute(identity_);
  }
}

std::optional<Key> Device::private_key() const {
  if (!identity_.present) return std::nullopt;
  return identity_.private_key;
}

std::optional<Key> Device::public_key() const {
  if (!identity_.present) return std::nullopt;
  return identity_.public_key;
}

Peer* Device::find(const Key& public_key) {
  auto it = by_key_.find(public_key);
  return it == by_key_.end() ? nullptr : it->second;
}

Peer* Device::find(PeerId id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

Peer& Device::upsert_peer(const Key& public_key) {
  if (Peer* p = find(public_key)) return *p;
  auto peer = std::make_unique<Peer>(next_peer_id_++, public_key);
  peer->handshake.precompute(identity_);
  Peer& ref = *peer;
  by_id_[ref.id] = &ref;
  by_key_[public_key] = &ref;
  peers_.push_back(std::move(peer));
  return ref;
}

void Device::remove_peer(const Key& public_key) {
  Peer* p = find(public_key);
  if (!p) return;
  zero_key_material(*p);
  allowed_ips_.remove_peer(p->id);
  by_id_.erase(p->id);
  by_key_.erase(public_key);
  std::erase_if(peers_, [p](const std::unique_ptr<Peer>& q) { return q.get() == p; });
}

void Device::remove_all_peers() {
  for (auto& peer : peers_) zero_key_material(*peer);
  allowed_ips_.clear();
  by_id_.clear();
  by_key_.clear();
  peers_.clear();
}

void Device::set_preshared_key(Peer& peer, const Key& psk) { peer.handshake.preshared_key = psk; }

void Device::set_persistent_keepalive(Peer& peer, std::uint16_t seconds, Outbox& out) {
  bool was_off = peer.persistent_keepalive_interval == 0;
  peer.persistent_keepalive_interval = seconds;
  if (seconds == 0) {
    peer.timers.persistent_keepalive = kDisarmed;
  } else if (was_off && identity_.present && peer.endpoint) {
    send_keepalive(peer, out);  // as wireguard-go does: the path opens now, not after the interval
  }
}

// --- index table and key material ----------------------------------------------------------------

std::uint32_t Device::new_index(Peer& peer, Keypair* keypair) {
  std::uint32_t index = 0;
  do {
    random_bytes({reinterpret_cast<std::uint8_t*>(&index), sizeof index});
  } while (index == 0 || indices_.contains(index));
  indices_[index] = IndexEntry{&peer, keypair};
  return index;
}

void Device::drop_index(std::uint32_t index) {
  if (index != 0) indices_.erase(index);
}

void Device::drop_keypair(std::unique_ptr<Keypair>& slot) {
  if (!slot) return;
  drop_index(slot->local_index());
  slot.reset();
}

void Device::drop_handshake_index(Peer& peer) {
  auto state = peer.handshake.state;
  if (state == HandshakeState::created_initiation || state == HandshakeState::created_response) {
    auto it = indices_.find(peer.handshake.local_index);
    if (it != indices_.end() && it->second.keypair == nullptr) indices_.erase(it);
  }
}

void Device::zero_key_material(Peer& peer) {
  drop_keypair(peer.previous);
  drop_keypair(peer.current);
  drop_keypair(peer.next);
  drop_handshake_index(peer);
  peer.handshake.clear();
  peer.timers.zero_key_material = kDisarmed;
}

void Device::install_session(Peer& peer, const SessionKeys& keys) {
  auto kp = std::make_unique<Keypair>(keys, clock_.now());
  indices_[keys.local_index] = IndexEntry{&peer, kp.get()};
  ++counters_.keypairs_created;
  if (keys.initiator) {
    if (peer.next) {
      drop_keypair(peer.previous);
      peer.previous = std::move(peer.next);
      drop_keypair(peer.current);
    } else {
      drop_keypair(peer.previous);
      peer.previous = std::move(peer.current);
    }
    peer.current = std::move(kp);
  } else {
    // The responder may not send with it until the initiator proves it has it (first data packet).
    drop_keypair(peer.next);
    peer.next = std::move(kp);
    drop_keypair(peer.previous);
  }
  peer.timers.zero_key_material = clock_.now() + 3 * kRejectAfterTime;
}

// --- timers' event hooks (Linux timers.c names in comments) ---------------------------------------

void Device::authenticated_sent(Peer& peer) {
  Nanos now = clock_.now();
  peer.timers.send_keepalive = kDisarmed;  // any_authenticated_packet_sent
  if (peer.persistent_keepalive_interval) {  // any_authenticated_packet_traversal
    peer.timers.persistent_keepalive = now + std::chrono::seconds(peer.persistent_keepalive_interval);
  }
}

void Device::authenticated_received(Peer& peer) {
  Nanos now = clock_.now();
  peer.timers.new_handshake = kDisarmed;  // any_authenticated_packet_received
  if (peer.persistent_keepalive_interval) {
    peer.timers.persistent_keepalive = now + std::chrono::seconds(peer.persistent_keepalive_interval);
  }
}

Nanos Device::jitter() {
  std::uint32_t r = 0;
  random_bytes({reinterpret_cast<std::uint8_t*>(&r), sizeof r});
  return Nanos(r % static_cast<std::uint32_t>(kRekeyTimeoutJitterMax.count()));
}

// --- sending ---------------------------------------------------------------------------------------

void Device::send_initiation(Peer& peer, bool retry, Outbox& out) {
  Nanos now = clock_.now();
  if (!retry) peer.timers.handshake_attempts = 0;
  if (peer.timers.last_sent_handshake != kDisarmed && now - peer.timers.last_sent_handshake < kRekeyTimeout) return;
  if (!identity_.present || !peer.handshake.static_static_valid || !peer.endpoint) return;
  std::uint8_t* msg = out.slot();
  if (!msg) {
    ++counters_.tx_outbox_full;
    return;
  }
  drop_handshake_index(peer);
  std::uint32_t index = new_index(peer, nullptr);
  if (!create_initiation(peer.handshake, identity_, index, clock_.wall(), msg)) {
    drop_index(index);
    return;
  }
  peer.cookie.add_macs(msg, initiation::size, now);
  out.push(*peer.endpoint, msg, initiation::size);
  peer.stats.tx_bytes += initiation::size;
  ++counters_.tx_handshake_initiations;
  authenticated_sent(peer);
  peer.timers.last_sent_handshake = now;
  peer.timers.retransmit_handshake = now + kRekeyTimeout + jitter();  // handshake_initiated
}

void Device::seal_to(Peer& peer, Keypair& kp, std::uint8_t* data, std::size_t len, Outbox& out) {
  std::size_t n = kp.seal(data, len, options_.mtu);
  if (n == 0) return;
  out.push(*peer.endpoint, data - kHeadroom, n);
  peer.stats.tx_bytes += n;
  ++counters_.tx_packets;
  authenticated_sent(peer);
  if (len == 0) {
    ++counters_.tx_keepalives;
  } else if (peer.timers.new_handshake == kDisarmed) {  // data_sent
    peer.timers.new_handshake = clock_.now() + kKeepaliveTimeout + kRekeyTimeout + jitter();
  }
}

void Device::keep_key_fresh_after_send(Peer& peer, Outbox& out) {
  Keypair* kp = peer.current.get();
  if (kp && (kp->send_counter() > kRekeyAfterMessages ||
             (kp->initiator() && clock_.now() - kp->created() >= kRekeyAfterTime))) {
    send_initiation(peer, false, out);
  }
}

void Device::send_staged(Peer& peer, Outbox& out) {
  if (peer.staged.empty()) return;
  Keypair* kp = peer.current.get();
  if (!kp || !kp->can_send(clock_.now()) || !peer.endpoint) {
    send_initiation(peer, false, out);
    return;
  }
  while (!peer.staged.empty()) {
    std::uint8_t* slot = out.slot();
    if (!slot) {
      ++counters_.tx_outbox_full;
      return;  // the rest goes with the next call
    }
    std::size_t len = peer.staged.front_len();
    std::memcpy(slot + kHeadroom, peer.staged.front_data(), len);
    peer.staged.pop();
    seal_to(peer, *kp, slot + kHeadroom, len, out);
  }
  keep_key_fresh_after_send(peer, out);
}

void Device::send_one(Peer& peer, Packet& p, Nanos now, Outbox& out) {
  if (!peer.endpoint) {
    ++counters_.tx_no_endpoint;
    return;
  }
  Keypair* kp = peer.current.get();
  if (kp && kp->can_send(now) && peer.staged.empty()) {
    seal_to(peer, *kp, p.data, p.len, out);
    keep_key_fresh_after_send(peer, out);
    return;
  }
  if (!peer.staged.push(p.data, p.len)) ++counters_.tx_staged_dropped;
  send_staged(peer, out);
}

void Device::send(std::span<Packet> packets, Outbox& out) {
  Nanos now = clock_.now();
  for (Packet& p : packets) {
    auto header = inner_header(p.data, p.len);
    if (!header) {
      ++counters_.tx_bad_packet;
      continue;
    }
    if (p.len > Outbox::kSlotSize - kHeadroom - kTailroom) {
      ++counters_.tx_too_big;
      continue;
    }
    auto id = allowed_ips_.lookup(header->destination);
    Peer* peer = id ? find(*id) : nullptr;
    if (!peer) {
      ++counters_.tx_no_route;
      continue;
    }
    send_one(*peer, p, now, out);
  }
}

void Device::send_to(Peer& peer, std::span<Packet> packets, Outbox& out) {
  Nanos now = clock_.now();
  for (Packet& p : packets) {
    if (!inner_header(p.data, p.len)) {
      ++counters_.tx_bad_packet;
      continue;
    }
    if (p.len > Outbox::kSlotSize - kHeadroom - kTailroom) {
      ++counters_.tx_too_big;
      continue;
    }
    send_one(peer, p, now, out);
  }
}

void Device::send_keepalive(Peer& peer, Outbox& out) {
  if (peer.staged.empty()) peer.staged.push(nullptr, 0);
  send_staged(peer, out);
}

// --- receiving -------------------------------------------------------------------------------------

// wireguard-go and Linux call a device loaded while its queue of handshakes is long, and for 1 s
// after. This device has no queue: the gateway's workers (and anymesh-wg's one thread) hand it each
// datagram as it arrives and spend the DH operations inline, between data packets, so a burst of
// handshakes is a stall of the data path. It counts handshake messages with a valid MAC1 in 10 ms
// windows instead: more than a hundredth of handshakes_per_second_before_load in one window (10 by
// default: about a millisecond of DH work) loads it until 1 s after the last such message. A flood
// therefore gets at most that many DH operations before cookies answer it.
bool Device::under_load(Nanos now) {
  constexpr Nanos kWindow = std::chrono::milliseconds(10);
  constexpr Nanos kLoadLasts = std::chrono::seconds(1);
  const std::uint32_t per_window = std::max<std::uint32_t>(options_.handshakes_per_second_before_load / 100, 1);
  if (now - load_window_start_ >= kWindow) {
    load_window_start_ = now;
    load_window_handshakes_ = 0;
  }
  if (++load_window_handshakes_ > per_window) loaded_until_ = now + kLoadLasts;
  bool loaded = options_.force_cookie || now < loaded_until_;
  if (loaded && !was_loaded_) ++counters_.under_load_entered;
  was_loaded_ = loaded;
  return loaded;
}

void Device::receive(std::span<Datagram> datagrams, std::vector<Delivery>& deliveries, Outbox& out) {
  for (Datagram& d : datagrams) {
    ++counters_.rx_messages;
    if (d.len < 4) {
      ++counters_.rx_short;
      continue;
    }
    // The type is a little-endian 32-bit word: the three reserved bytes must be zero.
    std::uint32_t type = load_le32(d.data);
    switch (type) {
      case static_cast<std::uint32_t>(MessageType::handshake_initiation):
        if (d.len != initiation::size) break;
        receive_handshake(d, out);
        continue;
      case static_cast<std::uint32_t>(MessageType::handshake_response):
        if (d.len != response::size) break;
        receive_handshake(d, out);
        continue;
      case static_cast<std::uint32_t>(MessageType::cookie_reply):
        if (d.len != cookie_reply::size) break;
        receive_cookie_reply(d);
        continue;
      case static_cast<std::uint32_t>(MessageType::transport_data):
        if (d.len < transport::min_size) break;
        receive_data(d, deliveries, out);
        continue;
      default:
        ++counters_.rx_bad_type;
        continue;
    }
    ++counters_.rx_bad_length;
  }
}

void Device::receive_handshake(Datagram& d, Outbox& out) {
  Nanos now = clock_.now();
  if (!identity_.present) {
    ++counters_.rx_initiation_no_private_key;
    return;
  }
  auto verdict = cookie_checker_.check(d.data, d.len, d.source, now);
  if (verdict == CookieChecker::Verdict::bad_mac1) {
    ++counters_.rx_bad_mac1;
    return;
  }
  if (under_load(now)) {
    if (verdict != CookieChecker::Verdict::mac1_and_mac2) {
      std::uint8_t* reply = out.slot();
      if (!reply) {
        ++counters_.tx_outbox_full;
        return;
      }
      cookie_checker_.create_reply(reply, d.data, d.len, load_le32(d.data + 4), d.source, now);
      out.push(d.source, reply, cookie_reply::size);
      ++counters_.rx_cookie_replies_sent;
      return;
    }
    if (!ratelimiter_.allow(d.source.address, now)) {
      ++counters_.rx_handshake_ratelimited;
      return;
    }
  }
  if (d.data[0] == static_cast<std::uint8_t>(MessageType::handshake_initiation)) {
    receive_initiation(d, out);
  } else {
    receive_response(d, out);
  }
}

void Device::receive_initiation(Datagram& d, Outbox& out) {
  ++counters_.rx_initiations;
  Peer* owner = nullptr;
  std::optional<std::uint32_t> superseded_index;
  HandshakeError error{};
  Handshake* hs = consume_initiation(
      identity_, d.data, clock_.now(),
      [&](const Key& remote_static) -> Handshake* {
        owner = find(remote_static);
        if (!owner) return nullptr;
        auto state = owner->handshake.state;
        if (state == HandshakeState::created_initiation || state == HandshakeState::created_response) {
          superseded_index = owner->handshake.local_index;  // freed only if this initiation is genuine
        }
        return &owner->handshake;
      },
      error);
  if (!hs) {
    switch (error) {
      case HandshakeError::unknown_peer: ++counters_.rx_initiation_unknown_peer; break;
      case HandshakeError::replayed_timestamp: ++counters_.rx_initiation_replayed; break;
      case HandshakeError::initiation_flood: ++counters_.rx_initiation_flood; break;
      default: ++counters_.rx_initiation_decrypt_failed; break;
    }
    return;
  }
  Peer& peer = *owner;
  if (superseded_index) {
    auto stale = indices_.find(*superseded_index);
    if (stale != indices_.end() && stale->second.keypair == nullptr) indices_.erase(stale);
  }
  peer.endpoint = d.source;  // roaming: the latest authenticated source wins
  peer.stats.rx_bytes += d.len;
  authenticated_received(peer);
  std::uint8_t* msg = out.slot();
  if (!msg) {
    ++counters_.tx_outbox_full;
    peer.handshake.clear();
    return;
  }
  std::uint32_t index = new_index(peer, nullptr);
  if (!create_response(peer.handshake, index, msg)) {
    drop_index(index);
    return;
  }
  peer.cookie.add_macs(msg, response::size, clock_.now());
  auto keys = derive_session(peer.handshake);
  if (!keys) {
    drop_index(index);
    return;
  }
  install_session(peer, *keys);
  out.push(*peer.endpoint, msg, response::size);
  peer.stats.tx_bytes += response::size;
  authenticated_sent(peer);
}

void Device::receive_response(Datagram& d, Outbox& out) {
  ++counters_.rx_responses;
  Peer* owner = nullptr;
  HandshakeError error{};
  Handshake* hs = consume_response(
      identity_, d.data,
      [&](std::uint32_t index) -> Handshake* {
        auto it = indices_.find(index);
        if (it == indices_.end() || it->second.keypair != nullptr) return nullptr;
        owner = it->second.peer;
        return &owner->handshake;
      },
      error);
  if (!hs) {
    switch (error) {
      case HandshakeError::unknown_index: ++counters_.rx_response_unknown_index; break;
      case HandshakeError::wrong_state: ++counters_.rx_response_wrong_state; break;
      default: ++counters_.rx_response_decrypt_failed; break;
    }
    return;
  }
  Peer& peer = *owner;
  auto keys = derive_session(peer.handshake);
  if (!keys) return;
  peer.endpoint = d.source;
  peer.stats.rx_bytes += d.len;
  install_session(peer, *keys);
  // handshake_complete
  peer.timers.retransmit_handshake = kDisarmed;
  peer.timers.handshake_attempts = 0;
  peer.timers.sent_lastminute_handshake = false;
  peer.stats.last_handshake = clock_.wall();
  authenticated_received(peer);
  // Staged packets confirm the session; with none, a keepalive does.
  send_keepalive(peer, out);
}

void Device::receive_cookie_reply(Datagram& d) {
  ++counters_.rx_cookie_replies;
  auto it = indices_.find(load_le32(d.data + cookie_reply::receiver));
  if (it == indices_.end()) {
    ++counters_.rx_cookie_reply_unknown_index;
    return;
  }
  if (!it->second.peer->cookie.consume_reply(d.data, clock_.now())) ++counters_.rx_cookie_reply_decrypt_failed;
}

void Device::receive_data(Datagram& d, std::vector<Delivery>& deliveries, Outbox& out) {
  ++counters_.rx_data;
  Nanos now = clock_.now();
  auto it = indices_.find(load_le32(d.data + transport::receiver));
  if (it == indices_.end() || it->second.keypair == nullptr) {
    ++counters_.rx_data_unknown_index;
    return;
  }
  Peer& peer = *it->second.peer;
  Keypair* kp = it->second.keypair;
  if (!kp->can_receive(now)) {
    ++counters_.rx_data_expired_key;
    return;
  }
  std::size_t plain_len = 0;
  switch (kp->open(d.data, d.len, plain_len)) {
    case Keypair::OpenResult::ok: break;
    case Keypair::OpenResult::decrypt_failed: ++counters_.rx_data_decrypt_failed; return;
    case Keypair::OpenResult::replayed: ++counters_.rx_data_replayed; return;
  }
  peer.endpoint = d.source;
  peer.stats.rx_bytes += d.len;
  authenticated_received(peer);
  if (kp == peer.next.get()) {
    // The initiator used the new session: it is confirmed, rotate it in (received_with_keypair).
    drop_keypair(peer.previous);
    peer.previous = std::move(peer.current);
    peer.current = std::move(peer.next);
    peer.stats.last_handshake = clock_.wall();
    peer.timers.retransmit_handshake = kDisarmed;
    peer.timers.handshake_attempts = 0;
    send_staged(peer, out);
  }
  // keep_key_fresh on receive: the initiator re-keys a little before the responder would reject.
  if (kp == peer.current.get() && kp->initiator() && !peer.timers.sent_lastminute_handshake &&
      now - kp->created() >= kRejectAfterTime - kKeepaliveTimeout - kRekeyTimeout) {
    peer.timers.sent_lastminute_handshake = true;
    send_initiation(peer, false, out);
  }
  if (plain_len == 0) {
    ++counters_.rx_keepalives;
    return;
  }
  std::uint8_t* plain = d.data + transport::header_size;
  auto header = inner_header(plain, plain_len);
  if (!header) {
    ++counters_.rx_data_bad_inner;
    return;
  }
  if (options_.check_allowed_source) {
    auto owner = allowed_ips_.lookup(header->source);
    if (!owner || *owner != peer.id) {
      ++counters_.rx_data_disallowed_source;
      return;
    }
  }
  if (peer.timers.send_keepalive == kDisarmed) {  // data_received
    peer.timers.send_keepalive = now + kKeepaliveTimeout;
  } else {
    peer.timers.need_another_keepalive = true;
  }
  deliveries.push_back({plain, header->total_len, peer.id});
}

// --- timers ----------------------------------------------------------------------------------------

void Device::tick(Outbox& out) {
  Nanos now = clock_.now();
  constexpr unsigned kMaxHandshakeAttempts = kRekeyAttemptTime / kRekeyTimeout;
  for (auto& owned : peers_) {
    Peer& peer = *owned;
    PeerTimers& t = peer.timers;
    if (due(t.retransmit_handshake, now)) {
      t.retransmit_handshake = kDisarmed;
      if (t.handshake_attempts > kMaxHandshakeAttempts) {
        ++counters_.handshake_gave_up;
        t.send_keepalive = kDisarmed;
        peer.staged.clear();
        if (t.zero_key_material == kDisarmed) t.zero_key_material = now + 3 * kRejectAfterTime;
      } else {
        ++t.handshake_attempts;
        send_initiation(peer, true, out);
      }
    }
    if (due(t.send_keepalive, now)) {
      t.send_keepalive = kDisarmed;
      send_keepalive(peer, out);
      if (t.need_another_keepalive) {
        t.need_another_keepalive = false;
        t.send_keepalive = now + kKeepaliveTimeout;
      }
    }
    if (due(t.new_handshake, now)) {
      t.new_handshake = kDisarmed;
      send_initiation(peer, false, out);
    }
    if (due(t.zero_key_material, now)) {
      ++counters_.key_material_zeroed;
      zero_key_material(peer);
    }
    if (due(t.persistent_keepalive, now)) {
      t.persistent_keepalive = kDisarmed;
      send_keepalive(peer, out);
    }
  }
}

}  // namespace anymesh::wg
