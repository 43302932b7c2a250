// Reading and writing the controller's state file (versions issued per gateway).
#include "controlplane/server/controller_state.h"

#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "dataplane/agent/snapshot_store.h"

namespace anymesh::server {
namespace {

bool is_hex_digest(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

ControllerState load_controller_state(const std::filesystem::path& state_dir) {
  const auto path = state_dir / kControllerStateName;
  ControllerState state;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return state;
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot open");
  std::string line;
  for (unsigned number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string gateway_word, version_word, digest_word, acked_word, extra;
    long long id = -1;
    IssuedVersion issued;
    fields >> gateway_word >> id >> version_word >> issued.version >> digest_word >> issued.digest >> acked_word >>
        issued.acked;
    const bool parsed = !fields.fail() && !(fields >> extra) && gateway_word == "gateway" &&
                        version_word == "version" && digest_word == "digest" && acked_word == "acked";
    if (!parsed || id <= 0 || id > std::numeric_limits<GatewayId>::max() || issued.version == 0 ||
        issued.acked > issued.version || !is_hex_digest(issued.digest) ||
        !state.emplace(static_cast<GatewayId>(id), issued).second) {
      throw std::runtime_error(path.string() + ":" + std::to_string(number) +
                               ": not 'gateway ID version N digest HEX acked N' (or a repeated gateway)");
    }
  }
  return state;
}

std::optional<std::string> save_controller_state(const std::filesystem::path& state_dir,
                                                 const ControllerState& state) {
  std::string text = "# anymesh-controller: the last snapshot version issued to each gateway\n";
  for (const auto& [id, issued] : state) {
    text += "gateway " + std::to_string(id) + " version " + std::to_string(issued.version) + " digest " +
            issued.digest + " acked " + std::to_string(issued.acked) + "\n";
  }
  return agent::write_file_atomically(state_dir / kControllerStateName, text);
}

}  // namespace anymesh::server
