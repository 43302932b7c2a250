// Signature check and validation of a SignedSnapshot against the pinned controller key.
#include "dataplane/agent/signed_snapshot.h"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "dataplane/agent/snapshot_loader.h"

namespace anymesh::agent {
namespace {

std::span<const std::uint8_t> bytes_of(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

bool signature_matches(std::span<const std::uint8_t> message, std::span<const std::uint8_t> signature,
                       const wg::Key& public_key) {
  static_assert(crypto_sign_BYTES == kSnapshotSignatureBytes);
  static_assert(crypto_sign_PUBLICKEYBYTES == sizeof(wg::Key));
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) == 0;
}

Result<AppliedSnapshot, SnapshotError> open_signed_snapshot(const v1::SignedSnapshot& signed_snapshot,
                                                            const wg::Key& controller_key, GatewayId self,
                                                            const ProbeSettings& probe_fallback) {
  if (signed_snapshot.signature().size() != kSnapshotSignatureBytes) {
    return fail(SnapshotError{"signature", "must be " + std::to_string(kSnapshotSignatureBytes) + " bytes, got " +
                                               std::to_string(signed_snapshot.signature().size())});
  }
  if (!signature_matches(bytes_of(signed_snapshot.snapshot()), bytes_of(signed_snapshot.signature()),
                         controller_key)) {
    if (!signed_snapshot.has_endorsement()) {
      return fail(SnapshotError{"signature", "does not verify against the pinned controller key"});
    }
    // Signed by a new controller key: acceptable only if the pinned key endorsed that key.
    const auto& e = signed_snapshot.endorsement();
    wg::Key endorsed{};
    if (e.public_key().size() != endorsed.size()) {
      return fail(SnapshotError{"endorsement.public_key", "must be 32 bytes, got " + std::to_string(e.public_key().size())});
    }
    std::copy(e.public_key().begin(), e.public_key().end(), endorsed.begin());
    std::string endorsed_message(kEndorsementContext);
    endorsed_message += e.public_key();
    if (!signature_matches(bytes_of(endorsed_message), bytes_of(e.signature()), controller_key)) {
      return fail(SnapshotError{"endorsement", "not signed by the pinned controller key"});
    }
    if (!signature_matches(bytes_of(signed_snapshot.snapshot()), bytes_of(signed_snapshot.signature()), endorsed)) {
      return fail(SnapshotError{"signature", "verifies neither against the pinned controller key nor the key it endorsed"});
    }
  }
  auto loaded = load_snapshot(bytes_of(signed_snapshot.snapshot()), probe_fallback);
  if (!loaded) return loaded;
  if (loaded->version() != signed_snapshot.version()) {
    return fail(SnapshotError{"version", "the envelope says " + std::to_string(signed_snapshot.version()) +
                                             ", the snapshot " + std::to_string(loaded->version())});
  }
  if (loaded->self().id != self) {
    return fail(SnapshotError{"self.id", "the snapshot is for gateway " + std::to_string(loaded->self().id) +
                                             ", this is gateway " + std::to_string(self)});
  }
  return loaded;
}

}  // namespace anymesh::agent
