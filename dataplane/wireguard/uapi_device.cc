// UAPI <-> Device: the configuration semantics wg(8) expects from wireguard-go.
#include "dataplane/wireguard/uapi_device.h"

namespace anymesh::wg {

int apply_uapi_set(Device& device, const UapiSetRequest& request, Outbox& out) {
  if (request.private_key) {
    device.set_private_key(is_zero(*request.private_key) ? std::nullopt : std::optional<Key>(*request.private_key));
  }
  if (request.replace_peers) device.remove_all_peers();
  auto own = device.public_key();
  for (const UapiPeerChange& change : request.peers) {
    if (own && change.public_key == *own) continue;  // wireguard-go ignores a peer with our own key
    if (change.remove) {
      device.remove_peer(change.public_key);
      continue;
    }
    Peer* peer = device.find(change.public_key);
    if (!peer) {
      if (change.update_only) continue;
      if (device.peers().size() >= kMaxPeers) return 12;  // ENOMEM: the peer table is full
      peer = &device.upsert_peer(change.public_key);
    }
    if (change.preshared_key) device.set_preshared_key(*peer, *change.preshared_key);
    if (change.endpoint) device.set_endpoint(*peer, Endpoint{change.endpoint->address, change.endpoint->port});
    if (change.replace_allowed_ips) device.clear_allowed_ips(*peer);
    for (const IpPrefix& prefix : change.allowed_ips) device.add_allowed_ip(*peer, prefix);
    if (change.persistent_keepalive_interval) {
      device.set_persistent_keepalive(*peer, *change.persistent_keepalive_interval, out);
    }
  }
  return 0;
}

UapiDeviceState uapi_state_of(Device& device, std::uint16_t listen_port, std::uint32_t fwmark) {
  UapiDeviceState state;
  state.private_key = device.private_key();
  state.listen_port = listen_port;
  state.fwmark = fwmark;
  for (const auto& peer : device.peers()) {
    UapiPeerState p;
    p.public_key = peer->public_key;
    p.preshared_key = peer->handshake.preshared_key;
    if (peer->endpoint) p.endpoint = UapiEndpoint{peer->endpoint->address, peer->endpoint->port, {}};
    if (peer->stats.last_handshake.time_since_epoch().count() != 0) {
      auto since = peer->stats.last_handshake.time_since_epoch();
      auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
      p.last_handshake_sec = secs.count();
      p.last_handshake_nsec = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs).count();
    }
    p.rx_bytes = peer->stats.rx_bytes;
    p.tx_bytes = peer->stats.tx_bytes;
    p.persistent_keepalive_interval = peer->persistent_keepalive_interval;
    p.allowed_ips = device.allowed_ips().prefixes_of(peer->id);
    state.peers.push_back(std::move(p));
  }
  return state;
}

}  // namespace anymesh::wg
