// AppliedSnapshot: a gateway snapshot that passed validation, in our own types; immutable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/agent/anycast_services.h"
#include "dataplane/agent/probe_settings.h"
#include "dataplane/packet/ip_address.h"
#include "dataplane/probe/probe_constants.h"
#include "dataplane/routing/route_description.h"
#include "dataplane/routing/route_table.h"
#include "dataplane/routing/routing_limits.h"
#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/endpoint.h"

namespace anymesh::agent {

using routing::GatewayId;

struct GatewayIdentity {
  GatewayId id = 0;
  std::string region;
  IpAddress tunnel_address;  // IPv4
  // Key rotation: the public key to use on lane i; none (or past the end): the configured key.
  std::vector<std::optional<wg::Key>> lane_keys;
};

struct PeerLane {
  probe::LaneId id = 0;       // the lane's number within the peer, as probes carry it
  std::uint16_t port = 0;     // the peer's UDP port for this lane
  routing::LaneSlot slot = 0; // the lane's bit in the gateway-wide routing::LaneUpMask
  wg::Key public_key{};       // the peer's key on this lane (its public_key unless rotating)
};

struct PeerGateway {
  GatewayId id = 0;
  std::string region;
  wg::Key public_key{};
  std::vector<wg::Endpoint> endpoints;  // at least one
  IpAddress tunnel_address;             // IPv4
  std::vector<PeerLane> lanes;          // lanes[i].id == i
  bool no_probes = false;               // plain WireGuard: not probed, lanes always up
};

// Only validate_snapshot() makes one, so holding one means every reference inside resolves:
// next hops and backups name known peers and lanes, and the route table is built.
// A new snapshot is a new object; this one never changes (readers may share it freely).
class AppliedSnapshot {
 public:
  std::uint64_t version() const { return version_; }
  const GatewayIdentity& self() const { return self_; }
  const std::vector<PeerGateway>& peers() const { return peers_; }
  const PeerGateway* find_peer(GatewayId id) const;
  const routing::RouteDescription& route_description() const { return route_description_; }
  const routing::RouteTable& routes() const { return routes_; }
  const ProbeSettings& probe() const { return probe_; }
  std::size_t lane_count() const;  // lane slots in use, over every peer
  // Anycast services: steered by the table, local backends to check, VIPs to announce.
  const AnycastServices& anycast() const { return anycast_; }

 private:
  friend class SnapshotValidator;
  AppliedSnapshot(std::uint64_t version, GatewayIdentity self, std::vector<PeerGateway> peers,
                  routing::RouteDescription description, routing::RouteTable routes,
                  ProbeSettings probe, AnycastServices anycast)
      : version_(version),
        self_(std::move(self)),
        peers_(std::move(peers)),
        route_description_(std::move(description)),
        routes_(std::move(routes)),
        probe_(probe),
        anycast_(std::move(anycast)) {}

  std::uint64_t version_;
  GatewayIdentity self_;
  std::vector<PeerGateway> peers_;
  routing::RouteDescription route_description_;
  routing::RouteTable routes_;
  ProbeSettings probe_;
  AnycastServices anycast_;
};

}  // namespace anymesh::agent
