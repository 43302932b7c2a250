// The controller's ed25519 signing key (libsodium), its key file, and signing a gateway snapshot.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "controlplane/proto/anymesh.pb.h"
#include "dataplane/packet/result.h"
#include "dataplane/wireguard/crypto.h"

namespace anymesh::server {

// The key file holds the 32-byte ed25519 seed in base64, the format of `wg genkey`, so the same
// permission checks apply; gateways pin the public key (gateway.conf controller-public-key).
class SigningKey {
 public:
  static SigningKey from_seed(const wg::Key& seed);
  static SigningKey generate();
  SigningKey(const SigningKey& other) = default;
  SigningKey& operator=(const SigningKey& other) = default;
  ~SigningKey() { wg::secure_zero(secret_); }

  const wg::Key& public_key() const { return public_key_; }
  // Detached ed25519 signature, 64 bytes.
  std::string sign(std::string_view message) const;

 private:
  SigningKey() = default;
  std::array<std::uint8_t, 64> secret_{};  // libsodium's secret key: seed and public key
  wg::Key public_key_{};
};

// Refused with the reason: missing, unreadable, readable by every user, or not a key.
Result<SigningKey, std::string> read_signing_key_file(const std::filesystem::path& path);

// Creates `path` (mode 0600) with a new key and returns it; never replaces an existing file, so a
// typo cannot silently orphan every gateway's pinned key.
Result<SigningKey, std::string> write_new_signing_key_file(const std::filesystem::path& path);

// `snapshot` serialized once; the signature covers exactly the bytes sent.
v1::SignedSnapshot sign_snapshot(const SigningKey& key, const v1::GatewaySnapshot& snapshot);

// The same from the snapshot serialized (serialize_deterministic) with version 0, and the version:
// field 1 comes first in a deterministic serialization, so its encoding prefixed to those bytes
// gives exactly the bytes of the snapshot at that version, without copying the message.
v1::SignedSnapshot sign_unversioned(const SigningKey& key, std::string_view unversioned, std::uint64_t version);

// Signing-key rotation: `previous` vouches for `next` (the gateway side: open_signed_snapshot).
v1::KeyEndorsement endorse(const SigningKey& previous, const wg::Key& next);

// Serialization with a fixed field and map order, so equal snapshots have equal bytes.
std::string serialize_deterministic(const v1::GatewaySnapshot& snapshot);

}  // namespace anymesh::server
