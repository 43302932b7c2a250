// Noise_IKpsk2 message processing, step by step as in whitepaper section 5.4.
#include "dataplane/wireguard/noise.h"

#include "dataplane/packet/bytes.h"

#include <cstring>

namespace anymesh::wg {
namespace {

const Hash& initial_chaining_key() {
  static const Hash ck = blake2s({label_bytes(kConstruction)});
  return ck;
}

const Hash& initial_hash_prefix() {
  static const Hash h = blake2s({initial_chaining_key(), label_bytes(kIdentifier)});
  return h;
}

void mix_hash(Hash& h, Bytes data) { h = blake2s({h, data}); }

void mix_key(Hash& ck, Bytes input) { kdf(ck, input, {&ck}); }

// (ck, key) = KDF2(ck, DH(priv, pub)); false when the DH result is invalid.
bool mix_dh(Hash& ck, Hash& key, const Key& priv, const Key& pub) {
  Key shared{};
  if (!x25519(shared, priv, pub)) return false;
  kdf(ck, shared, {&ck, &key});
  secure_zero(shared);
  return true;
}

}  // namespace

const char* to_string(HandshakeError e) {
  switch (e) {
    case HandshakeError::no_identity: return "no_private_key";
    case HandshakeError::unknown_peer: return "unknown_peer";
    case HandshakeError::decrypt_static: return "decrypt_static";
    case HandshakeError::decrypt_timestamp: return "decrypt_timestamp";
    case HandshakeError::replayed_timestamp: return "replayed_timestamp";
    case HandshakeError::initiation_flood: return "initiation_flood";
    case HandshakeError::unknown_index: return "unknown_index";
    case HandshakeError::wrong_state: return "wrong_state";
    case HandshakeError::decrypt_empty: return "decrypt_empty";
    case HandshakeError::bad_dh: return "bad_dh";
  }
  return "unknown";
}

void StaticIdentity::set(const Key& key) {
  private_key = key;
  public_key = public_key_of(key);
  initial_hash = blake2s({initial_hash_prefix(), public_key});
  present = true;
}

void StaticIdentity::clear() {
  secure_zero(private_key);
  public_key = {};
  initial_hash = {};
  present = false;
}

void Handshake::clear() {
  state = HandshakeState::zeroed;
  secure_zero(hash);
  secure_zero(chaining_key);
  secure_zero(ephemeral_private);
  remote_ephemeral = {};
  local_index = 0;
  remote_index = 0;
}

void Handshake::precompute(const StaticIdentity& identity) {
  static_static_valid = identity.present && x25519(static_static, identity.private_key, remote_static);
}

bool create_initiation(Handshake& hs, const StaticIdentity& identity, std::uint32_t local_index,
                       std::chrono::system_clock::time_point wall, std::uint8_t* msg) {
  if (!identity.present || !hs.static_static_valid) return false;
  hs.clear();
  std::memset(msg, 0, initiation::size);
  msg[0] = static_cast<std::uint8_t>(MessageType::handshake_initiation);
  store_le32(msg + initiation::sender, local_index);

  hs.chaining_key = initial_chaining_key();
  hs.hash = blake2s({initial_hash_prefix(), hs.remote_static});

  hs.ephemeral_private = generate_private_key();
  Key ephemeral_public = public_key_of(hs.ephemeral_private);
  std::memcpy(msg + initiation::ephemeral, ephemeral_public.data(), kKeyLen);
  mix_key(hs.chaining_key, ephemeral_public);
  mix_hash(hs.hash, ephemeral_public);

  Hash key{};
  bool ok = mix_dh(hs.chaining_key, key, hs.ephemeral_private, hs.remote_static) &&
            aead_seal(key, 0, identity.public_key, hs.hash, msg + initiation::encrypted_static);
  if (ok) {
    mix_hash(hs.hash, {msg + initiation::encrypted_static, kKeyLen + kTagLen});
    kdf(hs.chaining_key, hs.static_static, {&hs.chaining_key, &key});
    Tai64n ts = tai64n_from(wall);
    ok = aead_seal(key, 0, ts, hs.hash, msg + initiation::encrypted_timestamp);
  }
  secure_zero(key);
  if (!ok) {
    hs.clear();
    return false;
  }
  mix_hash(hs.hash, {msg + initiation::encrypted_timestamp, kTimestampLen + kTagLen});
  hs.local_index = local_index;
  hs.state = HandshakeState::created_initiation;
  return true;
}

Handshake* consume_initiation(const StaticIdentity& identity, const std::uint8_t* msg, std::chrono::nanoseconds now,
                              const HandshakeByStatic& peer_handshake, HandshakeError& error) {
  if (!identity.present) {
    error = HandshakeError::no_identity;
    return nullptr;
  }
  Hash ck = initial_chaining_key();
  Hash h = identity.initial_hash;
  Key remote_ephemeral;
  std::memcpy(remote_ephemeral.data(), msg + initiation::ephemeral, kKeyLen);
  mix_key(ck, remote_ephemeral);
  mix_hash(h, remote_ephemeral);

  Hash key{};
  Key remote_static{};
  Tai64n ts{};
  Handshake* hs = nullptr;
  if (!mix_dh(ck, key, identity.private_key, remote_ephemeral)) {
    error = HandshakeError::bad_dh;
  } else if (!aead_open(key, 0, {msg + initiation::encrypted_static, kKeyLen + kTagLen}, h,
                        remote_static.data())) {
    error = HandshakeError::decrypt_static;
  } else if (mix_hash(h, {msg + initiation::encrypted_static, kKeyLen + kTagLen});
             (hs = peer_handshake(remote_static)) == nullptr) {
    error = HandshakeError::unknown_peer;
  } else if (!hs->static_static_valid) {
    error = HandshakeError::bad_dh;
    hs = nullptr;
  } else if (kdf(ck, hs->static_static, {&ck, &key});
             !aead_open(key, 0, {msg + initiation::encrypted_timestamp, kTimestampLen + kTagLen}, h,
                        ts.data())) {
    error = HandshakeError::decrypt_timestamp;
    hs = nullptr;
  } else if (!tai64n_after(ts, hs->latest_timestamp)) {
    error = HandshakeError::replayed_timestamp;
    hs = nullptr;
  } else if (hs->last_initiation_consumption.count() >= 0 &&
             now - hs->last_initiation_consumption < kHandshakeInitiationRate) {
    error = HandshakeError::initiation_flood;
    hs = nullptr;
  }
  secure_zero(key);
  if (hs == nullptr) {
    secure_zero(ck);
    return nullptr;
  }
  mix_hash(h, {msg + initiation::encrypted_timestamp, kTimestampLen + kTagLen});
  hs->clear();
  hs->chaining_key = ck;
  hs->hash = h;
  hs->remote_ephemeral = remote_ephemeral;
  hs->remote_index = load_le32(msg + initiation::sender);
  hs->latest_timestamp = ts;
  hs->last_initiation_consumption = now;
  hs->state = HandshakeState::consumed_initiation;
  secure_zero(ck);
  return hs;
}

bool create_response(Handshake& hs, std::uint32_t local_index, std::uint8_t* msg) {
  if (hs.state != HandshakeState::consumed_initiation) return false;
  std::memset(msg, 0, response::size);
  msg[0] = static_cast<std::uint8_t>(MessageType::handshake_response);
  store_le32(msg + response::sender, local_index);
  store_le32(msg + response::receiver, hs.remote_index);

  hs.ephemeral_private = generate_private_key();
  Key ephemeral_public = public_key_of(hs.ephemeral_private);
  std::memcpy(msg + response::ephemeral, ephemeral_public.data(), kKeyLen);
  mix_key(hs.chaining_key, ephemeral_public);
  mix_hash(hs.hash, ephemeral_public);

  Key shared{};
  bool ok = x25519(shared, hs.ephemeral_private, hs.remote_ephemeral);
  if (ok) mix_key(hs.chaining_key, shared);
  ok = ok && x25519(shared, hs.ephemeral_private, hs.remote_static);
  if (ok) mix_key(hs.chaining_key, shared);
  secure_zero(shared);
  Hash tau{}, key{};
  if (ok) {
    kdf(hs.chaining_key, hs.preshared_key, {&hs.chaining_key, &tau, &key});
    mix_hash(hs.hash, tau);
    ok = aead_seal(key, 0, {}, hs.hash, msg + response::encrypted_nothing);
  }
  secure_zero(tau);
  secure_zero(key);
  if (!ok) {
    hs.clear();
    return false;
  }
  mix_hash(hs.hash, {msg + response::encrypted_nothing, kTagLen});
  hs.local_index = local_index;
  hs.state = HandshakeState::created_response;
  return true;
}

Handshake* consume_response(const StaticIdentity& identity, const std::uint8_t* msg, const HandshakeByIndex& by_index,
                            HandshakeError& error) {
  if (!identity.present) {
    error = HandshakeError::no_identity;
    return nullptr;
  }
  Handshake* hs = by_index(load_le32(msg + response::receiver));
  if (hs == nullptr) {
    error = HandshakeError::unknown_index;
    return nullptr;
  }
  if (hs->state != HandshakeState::created_initiation) {
    error = HandshakeError::wrong_state;
    return nullptr;
  }
  Hash ck = hs->chaining_key;
  Hash h = hs->hash;
  Key remote_ephemeral;
  std::memcpy(remote_ephemeral.data(), msg + response::ephemeral, kKeyLen);
  mix_key(ck, remote_ephemeral);
  mix_hash(h, remote_ephemeral);

  Key shared{};
  bool ok = x25519(shared, hs->ephemeral_private, remote_ephemeral);
  if (ok) mix_key(ck, shared);
  ok = ok && x25519(shared, identity.private_key, remote_ephemeral);
  if (ok) mix_key(ck, shared);
  secure_zero(shared);
  Hash tau{}, key{};
  std::uint8_t nothing[1];
  if (!ok) {
    error = HandshakeError::bad_dh;
  } else {
    kdf(ck, hs->preshared_key, {&ck, &tau, &key});
    mix_hash(h, tau);
    ok = aead_open(key, 0, {msg + response::encrypted_nothing, kTagLen}, h, nothing);
    if (!ok) error = HandshakeError::decrypt_empty;
  }
  secure_zero(tau);
  secure_zero(key);
  if (!ok) {
    secure_zero(ck);
    return nullptr;
  }
  mix_hash(h, {msg + response::encrypted_nothing, kTagLen});
  hs->chaining_key = ck;
  hs->hash = h;
  hs->remote_ephemeral = remote_ephemeral;
  hs->remote_index = load_le32(msg + response::sender);
  hs->state = HandshakeState::consumed_response;
  secure_zero(ck);
  return hs;
}

std::optional<SessionKeys> derive_session(Handshake& hs) {
  bool initiator = hs.state == HandshakeState::consumed_response;
  if (!initiator && hs.state != HandshakeState::created_response) return std::nullopt;
  SessionKeys keys;
  Hash first{}, second{};
  kdf(hs.chaining_key, {}, {&first, &second});
  keys.sending = initiator ? first : second;
  keys.receiving = initiator ? second : first;
  keys.local_index = hs.local_index;
  keys.remote_index = hs.remote_index;
  keys.initiator = initiator;
  secure_zero(first);
  secure_zero(second);
  hs.clear();
  return keys;
}

}  // namespace anymesh::wg
