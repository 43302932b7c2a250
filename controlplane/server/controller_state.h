// What the controller keeps across its restarts: per gateway, the last version issued and what it held.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace anymesh::server {

using GatewayId = std::uint32_t;

struct IssuedVersion {
  std::uint64_t version = 0;  // the newest version issued to the gateway
  std::string digest;         // BLAKE2b of the snapshot at that version, version field left out (hex)
  std::uint64_t acked = 0;    // the newest version the gateway acknowledged
  bool operator==(const IssuedVersion&) const = default;
};

using ControllerState = std::map<GatewayId, IssuedVersion>;

// STATE_DIR/controller.state: a text file, one line a gateway:
//   gateway 11 version 4 digest 5f0c...e1 acked 4
inline constexpr const char* kControllerStateName = "controller.state";

// Nothing there yet: an empty state. A file that does not parse throws std::runtime_error naming
// the file and line: versions issued before must not be forgotten silently (they would be reused).
ControllerState load_controller_state(const std::filesystem::path& state_dir);

// Atomically (tmp + fsync + rename). Returns the problem, or nothing.
std::optional<std::string> save_controller_state(const std::filesystem::path& state_dir,
                                                 const ControllerState& state);

}  // namespace anymesh::server
