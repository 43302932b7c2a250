// Peer construction, teardown and the staged-packet ring.
#include "dataplane/wireguard/peer.h"

#include <cstring>

namespace anymesh::wg {

bool StagedPackets::push(const std::uint8_t* data, std::size_t len) {
  if (count_ == slots_.size()) return false;
  std::size_t slot = (head_ + count_) % slots_.size();
  auto& buf = slots_[slot];
  if (buf.size() < kHeadroom + len + kTailroom) buf.resize(kHeadroom + len + kTailroom);
  if (len) std::memcpy(buf.data() + kHeadroom, data, len);
  lens_[slot] = len;
  ++count_;
  return true;
}

void StagedPackets::pop() {
  head_ = (head_ + 1) % slots_.size();
  --count_;
}

Peer::Peer(PeerId peer_id, const Key& key) : id(peer_id), public_key(key) {
  handshake.remote_static = key;
  cookie.set_peer_public_key(key);
}

Peer::~Peer() {
  handshake.clear();
  secure_zero(handshake.preshared_key);
  secure_zero(handshake.static_static);
}

}  // namespace anymesh::wg
