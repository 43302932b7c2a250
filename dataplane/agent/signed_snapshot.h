// Opening a signed snapshot on the gateway: the pinned controller key's signature, then the loader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "controlplane/proto/anymesh.pb.h"
#include "dataplane/agent/applied_snapshot.h"
#include "dataplane/agent/probe_settings.h"
#include "dataplane/agent/snapshot_error.h"
#include "dataplane/packet/result.h"
#include "dataplane/wireguard/crypto.h"

namespace anymesh::agent {

inline constexpr std::size_t kSnapshotSignatureBytes = 64;  // ed25519, detached
// What a KeyEndorsement's signature covers: this text, then the endorsed 32-byte public key.
inline constexpr std::string_view kEndorsementContext = "anymesh controller signing key endorsement v1";

// ed25519 (libsodium, detached) over `message` by the holder of `public_key`. A signature of any
// other length never matches.
bool signature_matches(std::span<const std::uint8_t> message, std::span<const std::uint8_t> signature,
                       const wg::Key& public_key);

// The one path every snapshot from outside takes (the session and the state dir alike): the
// signature is checked before a byte is parsed, then the loader validates, then the snapshot must
// be for this gateway and carry the envelope's version. The signature verifies against the pinned
// key, or against an endorsed key whose endorsement the pinned key signed (signing-key rotation).
// Refusals name the field: "signature", "endorsement", "version" or "self.id", or the loader's own.
Result<AppliedSnapshot, SnapshotError> open_signed_snapshot(const v1::SignedSnapshot& signed_snapshot,
                                                            const wg::Key& controller_key, GatewayId self,
                                                            const ProbeSettings& probe_fallback = {});

}  // namespace anymesh::agent
