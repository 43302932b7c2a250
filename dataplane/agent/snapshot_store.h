// The gateway's last good snapshot in its state directory: written atomically, verified again when read.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "controlplane/proto/anymesh.pb.h"
#include "dataplane/agent/applied_snapshot.h"
#include "dataplane/agent/probe_settings.h"
#include "dataplane/agent/snapshot_error.h"
#include "dataplane/packet/result.h"
#include "dataplane/wireguard/crypto.h"

namespace anymesh::agent {

// The serialized SignedSnapshot, exactly the bytes the controller signed plus the signature.
inline constexpr const char* kStoredSnapshotName = "snapshot.signed";

// Replaces `file` with `bytes` so a crash leaves the old or the new content, never a mix:
// FILE.tmp is written, fsynced, renamed over FILE, then the directory is fsynced. Mode 0600.
// Returns the problem, or nothing when it is on disk.
std::optional<std::string> write_file_atomically(const std::filesystem::path& file, std::string_view bytes);

std::filesystem::path stored_snapshot_path(const std::filesystem::path& state_dir);

// Persists a snapshot the gateway has applied. Returns the problem, or nothing.
std::optional<std::string> store_signed_snapshot(const std::filesystem::path& state_dir,
                                                 const v1::SignedSnapshot& signed_snapshot);

struct StoredSnapshot {
  v1::SignedSnapshot signed_snapshot;
  std::shared_ptr<const AppliedSnapshot> applied;
};

// Static stability: what the gateway runs at start before (or without) reaching the controller.
// The file is trusted no more than the network: the signature and the snapshot are checked
// again (open_signed_snapshot). Missing file: field "snapshot file", problem kNoStoredSnapshot.
inline constexpr const char* kNoStoredSnapshot = "none persisted yet";
Result<StoredSnapshot, SnapshotError> load_stored_snapshot(const std::filesystem::path& state_dir,
                                                           const wg::Key& controller_key, GatewayId self,
                                                           const ProbeSettings& probe_fallback = {});

}  // namespace anymesh::agent
