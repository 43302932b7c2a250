// WireGuard keys as text: base64 (wg genkey/pubkey, config files) and hex (the UAPI).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dataplane/wireguard/crypto.h"

namespace anymesh::wg {

std::string key_to_base64(const Key& key);
// Exactly 44 characters of standard base64 with one '=' and canonical last character, as wg requires.
std::optional<Key> key_from_base64(std::string_view text);
std::string key_to_hex(const Key& key);
std::optional<Key> key_from_hex(std::string_view text);  // exactly 64 hex digits, either case

}  // namespace anymesh::wg
