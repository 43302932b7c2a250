// Kernel routes and neighbours over rtnetlink: the next hop for a destination, the ARP/ND cache,
// asking the kernel to resolve an address, and the index and MAC of a kernel-owned port.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/result.h"

namespace anymesh::agent {

// The gateway's ports are kernel interfaces (af_xdp/af_packet vdevs): the kernel owns their
// addresses, routes and neighbour cache, and the agent reads them instead of running ARP/ND itself.
// Every call opens its own rtnetlink socket in the calling thread's network namespace, waits at most
// about a second for the kernel and returns the kernel's reason on failure.

struct NextHop {
  IpAddress via;    // the route's gateway, or the destination itself when it is on-link
  int ifindex = 0;  // the interface the kernel would send through
  auto operator<=>(const NextHop&) const = default;
};

// What `ip route get DESTINATION` answers. Refused: no route (the kernel's "Network is unreachable"),
// a destination that is not reached through a unicast route (an address of this host, broadcast,
// blackhole, prohibit...).
Result<NextHop, std::string> route_next_hop(const IpAddress& destination);

struct Neighbor {
  IpAddress address;
  std::array<std::uint8_t, 6> mac{};  // all zero when the kernel has no link-layer address
  int ifindex = 0;
  // The kernel has a link-layer address it vouches for (reachable, stale, delay, probe, permanent,
  // noarp): frames may be sent to `mac`. Incomplete and failed entries are listed, not usable.
  bool usable = false;
  auto operator<=>(const Neighbor&) const = default;
};

// The IPv4 (ARP) and IPv6 (ND) neighbour caches, of one interface or of all (ifindex 0).
Result<std::vector<Neighbor>, std::string> dump_neighbors(int ifindex);

// No value: the kernel accepted the request.
using Accepted = std::monostate;

// Asks the kernel to resolve `address` on `ifindex` now, as `ip neigh replace ADDR dev DEV use` does
// (RTM_NEWNEIGH with NTF_USE and no link-layer address); the answer shows up in dump_neighbors().
Result<Accepted, std::string> request_resolution(int ifindex, const IpAddress& address);

// The interface's index, 0 when there is no interface of that name.
int interface_index(const std::string& name);

// The interface's Ethernet address. Throws std::runtime_error naming the interface when there is
// none (no such interface, or not an Ethernet-like device): a start-up check.
std::array<std::uint8_t, 6> interface_mac(const std::string& name);

}  // namespace anymesh::agent
