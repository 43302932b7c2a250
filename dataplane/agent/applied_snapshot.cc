// AppliedSnapshot lookups.
#include "dataplane/agent/applied_snapshot.h"

namespace anymesh::agent {

const PeerGateway* AppliedSnapshot::find_peer(GatewayId id) const {
  for (const auto& peer : peers_) {
    if (peer.id == id) return &peer;
  }
  return nullptr;
}

std::size_t AppliedSnapshot::lane_count() const {
  std::size_t n = 0;
  for (const auto& peer : peers_) n += peer.lanes.size();
  return n;
}

}  // namespace anymesh::agent
