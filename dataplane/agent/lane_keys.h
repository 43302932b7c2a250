// Which private key each lane's WireGuard session uses: the configured key unless the snapshot
// names another public key for the lane (key rotation), which must be the next key's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dataplane/agent/applied_snapshot.h"
#include "dataplane/agent/key_file.h"
#include "dataplane/packet/result.h"

namespace anymesh::agent {

// The keys a gateway holds: private-key-file and, during a rotation, next-private-key-file.
struct KeyRing {
  PrivateKey current{wg::Key{}};
  std::optional<PrivateKey> next;
};

// One private key per lane 0 .. lanes - 1; the reason when the snapshot asks for a key the ring
// lacks ("lane 1 uses key X..., which this gateway does not hold (next-private-key-file?)").
Result<std::vector<wg::Key>, std::string> lane_private_keys(const AppliedSnapshot& snapshot, const KeyRing& keys,
                                                            unsigned lanes);

}  // namespace anymesh::agent
