// validate_snapshot(): a decoded GatewaySnapshot message checked whole and turned into an
// AppliedSnapshot, or refused with the first offending field.
#pragma once

#include "controlplane/proto/anymesh.pb.h"
#include "dataplane/agent/applied_snapshot.h"
#include "dataplane/agent/probe_settings.h"
#include "dataplane/agent/snapshot_error.h"
#include "dataplane/packet/result.h"

namespace anymesh::agent {

// Rules, checked in message order (the first violation is reported):
// - version: not 0.
// - self: present; id not 0; a region name; an IPv4 tunnel address.
// - peers: id not 0, not self's, unique; a region name; a 32-byte, non-zero, unique public key;
//   at least one endpoint, each "ip:port" with a non-zero port; an IPv4 tunnel address used by
//   nobody else; 1 .. 16 lanes with ids 0 .. count - 1 once each and distinct non-zero ports;
//   at most routing::kMaxLaneSlots lanes over all peers.
// - groups: a region name, not self's region, once each; next hops and backups name known peers
//   and lanes of those peers, each lane once per hop; no hop through a peer of self's region;
//   backups have a kind; other_gateway is in the group's region; relay is in a third region;
//   the rest of routing::validate_routes() (weights, counts, other_lane against the primaries).
// - prefixes: "address/length" with no host bits, naming a group's region, once each.
// - probe: 0 fields take `fallback`'s value; the result must pass check_probe_settings().
// - services: a unique name; 1 .. 16 distinct VIPs; tcp or udp; port_first 1 .. 65535, port_last 0
//   or port_first .. 65535; a known affinity; groups: ids unique in the service and below 65536,
//   a region name once per service, weight <= 255, dial_percent <= 100, a complete health check;
//   backends: ids unique in the snapshot and below 65536, an IP address, weight <= 255, a group id
//   of the service, an address once per group, `local` set exactly for groups of self's region,
//   not every backend of a group at weight 0; maglev_table_size 0 (65537) or a prime up to 2^24
//   with 100 slots per backend of the largest group; no two services on one VIP, protocol and port;
//   limits (optional): each rate with a burst of at least 1 and no burst without its rate,
//   source_prefix_v4 0 (24) or 1 .. 32, source_prefix_v6 0 (64) or 1 .. 128.
//   Only local backends enter the AnycastServices table; all are checked.
Result<AppliedSnapshot, SnapshotError> validate_snapshot(const v1::GatewaySnapshot& snapshot,
                                                         const ProbeSettings& fallback = {});

}  // namespace anymesh::agent
