// lane_private_keys: matching each lane's wanted public key against the key ring.
#include "dataplane/agent/lane_keys.h"

#include "dataplane/wireguard/key.h"

namespace anymesh::agent {

Result<std::vector<wg::Key>, std::string> lane_private_keys(const AppliedSnapshot& snapshot, const KeyRing& keys,
                                                            unsigned lanes) {
  const wg::Key current_public = wg::public_key_of(keys.current.bytes());
  std::optional<wg::Key> next_public;
  if (keys.next) next_public = wg::public_key_of(keys.next->bytes());
  std::vector<wg::Key> out;
  const auto& wanted = snapshot.self().lane_keys;
  for (unsigned lane = 0; lane < lanes; ++lane) {
    if (lane >= wanted.size() || !wanted[lane] || *wanted[lane] == current_public) {
      out.push_back(keys.current.bytes());
    } else if (next_public && *wanted[lane] == *next_public) {
      out.push_back(keys.next->bytes());
    } else {
      return fail(
          "lane " + std::to_string(lane) + " uses key " + wg::key_to_base64(*wanted[lane]) +
          ", which this gateway does not hold (private-key-file" +
          std::string(keys.next ? ", next-private-key-file" : "; no next-private-key-file") + ")");
    }
  }
  return out;
}

}  // namespace anymesh::agent
