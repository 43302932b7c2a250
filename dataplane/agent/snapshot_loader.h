// The snapshot loader: bytes or a file -> a validated AppliedSnapshot, or the reason it was refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "dataplane/agent/applied_snapshot.h"
#include "dataplane/agent/probe_settings.h"
#include "dataplane/agent/snapshot_error.h"
#include "dataplane/packet/result.h"

namespace anymesh::agent {

// Larger inputs are refused before parsing: a mesh of thousands of gateways stays far below it.
inline constexpr std::size_t kMaxSnapshotBytes = 64 * 1024 * 1024;

// Pure: reads nothing but its arguments and returns a new snapshot or an error, so a refused
// snapshot can never be half-applied. `probe_fallback` fills probe settings the snapshot leaves 0.

// A binary-serialized GatewaySnapshot (as in SignedSnapshot.snapshot).
Result<AppliedSnapshot, SnapshotError> load_snapshot(std::span<const std::uint8_t> bytes,
                                                     const ProbeSettings& probe_fallback = {});

// Protobuf text format (what people write by hand; see configs/ for an example).
Result<AppliedSnapshot, SnapshotError> load_snapshot_text(std::string_view text,
                                                          const ProbeSettings& probe_fallback = {});

// A file: text format when its name ends in ".txtpb", binary otherwise. File errors are
// reported with the field "snapshot file".
Result<AppliedSnapshot, SnapshotError> load_snapshot_file(const std::filesystem::path& path,
                                                          const ProbeSettings& probe_fallback = {});

// load_snapshot_file() for this gateway: also refused when the snapshot's self is another
// gateway (field "self.id") or another region (field "self.region"). Start-up checks and reloads
// use this one, so they refuse the same files.
Result<AppliedSnapshot, SnapshotError> load_own_snapshot_file(const std::filesystem::path& path,
                                                              routing::GatewayId gateway_id,
                                                              const std::string& region,
                                                              const ProbeSettings& probe_fallback = {});

}  // namespace anymesh::agent
