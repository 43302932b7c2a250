// Key files and pinned keys: the gateway's private key file and base64 32-byte keys in options.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "dataplane/packet/result.h"
#include "dataplane/wireguard/crypto.h"

namespace anymesh::agent {

// The gateway's X25519 private key; wiped when dropped.
class PrivateKey {
 public:
  explicit PrivateKey(const wg::Key& key) : key_(key) {}
  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  ~PrivateKey() { wg::secure_zero(key_); }
  const wg::Key& bytes() const { return key_; }

 private:
  wg::Key key_;
};

// Reads a key file as `wg genkey` writes it: base64 of 32 bytes, surrounding whitespace allowed.
// Refused, with the reason: missing or unreadable, not a regular file, readable or writable by
// every user (a leaked key cannot be revoked by the controller), larger than a key file can be,
// or not a key.
Result<PrivateKey, std::string> read_private_key_file(const std::filesystem::path& path);

// A 32-byte key in base64 (44 characters, as wg(8) prints), e.g. the pinned controller key.
std::optional<wg::Key> parse_base64_key(std::string_view text);

}  // namespace anymesh::agent
