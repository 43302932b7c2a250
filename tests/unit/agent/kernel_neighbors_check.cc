// Runs inside namespace A of kernel_neighbors_test.sh: route lookups, neighbour resolution and the
// interface facts, checked against what `ip` reported about the veth pair.
//   usage: anymesh_agent_kernel_check IFNAME IFINDEX OWN_MAC PEER_MAC
// The addresses are the script's: A 10.200.250.1/24 fd00:250::1/64, B .2 and ::2, routes
// 10.200.251.0/24 via 10.200.250.2 and fd00:251::/64 via fd00:250::2, no default route.
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "dataplane/agent/kernel_routes.h"

namespace {

using namespace anymesh;
using namespace anymesh::agent;

int failures = 0;

void expect(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++failures;
}

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

std::string mac_text(const std::array<std::uint8_t, 6>& mac) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return text;
}

std::optional<Neighbor> find(const std::vector<Neighbor>& neighbors, const IpAddress& address) {
  for (const auto& n : neighbors) {
    if (n.address == address) return n;
  }
  return std::nullopt;
}

// Polls the neighbour cache until `address` is usable or 3 s pass; returns the last entry seen.
std::optional<Neighbor> wait_usable(int ifindex, const IpAddress& address) {
  std::optional<Neighbor> seen;
  for (int i = 0; i < 300; ++i) {
    auto dump = dump_neighbors(ifindex);
    if (!dump) {
      expect(false, "dump_neighbors: " + dump.error());
      return std::nullopt;
    }
    seen = find(*dump, address);
    if (seen && seen->usable) return seen;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return seen;
}

void check_resolution(int ifindex, const IpAddress& peer, const std::string& peer_mac) {
  auto before = dump_neighbors(ifindex);
  expect(before.ok(), "dump before resolving " + peer.to_string());
  if (before) {
    auto entry = find(*before, peer);
    expect(!entry || !entry->usable, peer.to_string() + " is not usable before anything asked for it");
  }
  auto asked = request_resolution(ifindex, peer);
  expect(asked.ok(), "request_resolution(" + peer.to_string() + ")" + (asked ? "" : ": " + asked.error()));
  auto resolved = wait_usable(ifindex, peer);
  expect(resolved && resolved->usable, peer.to_string() + " becomes usable");
  if (resolved) {
    expect(mac_text(resolved->mac) == peer_mac, peer.to_string() + " has the peer's MAC " + peer_mac + " (got " +
                                                    mac_text(resolved->mac) + ")");
    expect(resolved->ifindex == ifindex, peer.to_string() + " is on interface " + std::to_string(ifindex));
  }
}

void check_route(const IpAddress& destination, const IpAddress& via, int ifindex) {
  auto hop = route_next_hop(destination);
  expect(hop.ok(), "route_next_hop(" + destination.to_string() + ")" + (hop ? "" : ": " + hop.error()));
  if (hop) {
    expect(hop->via == via, destination.to_string() + " goes via " + via.to_string() + " (got " + hop->via.to_string() + ")");
    expect(hop->ifindex == ifindex, destination.to_string() + " leaves through interface " + std::to_string(ifindex) +
                                        " (got " + std::to_string(hop->ifindex) + ")");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s IFNAME IFINDEX OWN_MAC PEER_MAC\n", argv[0]);
    return 2;
  }
  const std::string ifname = argv[1];
  const int ifindex = std::stoi(argv[2]);
  const std::string own_mac = argv[3], peer_mac = argv[4];

  expect(interface_index(ifname) == ifindex, "interface_index(" + ifname + ") == " + std::to_string(ifindex));
  expect(interface_index("amt-agentio-no") == 0, "interface_index of a missing interface is 0");
  try {
    expect(mac_text(interface_mac(ifname)) == own_mac, "interface_mac(" + ifname + ") == " + own_mac);
  } catch (const std::exception& e) {
    expect(false, std::string("interface_mac: ") + e.what());
  }
  try {
    interface_mac("amt-agentio-no");
    expect(false, "interface_mac of a missing interface throws");
  } catch (const std::runtime_error& e) {
    expect(std::string(e.what()).find("amt-agentio-no") != std::string::npos,
           std::string("interface_mac of a missing interface throws naming it: ") + e.what());
  }

  // Routes: on-link, through a gateway, this host's own address, and no route at all.
  check_route(ip("10.200.250.2"), ip("10.200.250.2"), ifindex);
  check_route(ip("10.200.251.7"), ip("10.200.250.2"), ifindex);
  check_route(ip("fd00:250::2"), ip("fd00:250::2"), ifindex);
  check_route(ip("fd00:251::7"), ip("fd00:250::2"), ifindex);
  auto own = route_next_hop(ip("10.200.250.1"));
  expect(!own && own.error().find("address of this host") != std::string::npos,
         "own address refused: " + (own ? std::string("accepted") : own.error()));
  auto nowhere = route_next_hop(ip("192.0.2.9"));
  expect(!nowhere && nowhere.error().find("unreachable") != std::string::npos,
         "no route refused: " + (nowhere ? std::string("accepted") : nowhere.error()));

  // Resolution: the kernel does ARP and ND for us and the cache shows the peer's real MAC.
  check_resolution(ifindex, ip("10.200.250.2"), peer_mac);
  check_resolution(ifindex, ip("fd00:250::2"), peer_mac);

  // An address nobody holds: the request is accepted, the entry exists and stays unusable.
  auto silent = ip("10.200.250.99");
  expect(request_resolution(ifindex, silent).ok(), "request_resolution of a silent address is accepted");
  auto dump = dump_neighbors(ifindex);
  auto entry = dump ? find(*dump, silent) : std::nullopt;
  expect(entry && !entry->usable, "a silent address is listed and not usable");

  // Filtering by interface, and the whole cache.
  auto all = dump_neighbors(0);
  expect(all && find(*all, ip("10.200.250.2")) && find(*all, ip("fd00:250::2")), "dump of all interfaces lists both peers");
  auto other = dump_neighbors(ifindex + 1000);
  expect(other && other->empty(), "dump of another interface lists nothing");

  auto bad = request_resolution(ifindex + 1000, ip("10.200.250.2"));
  expect(!bad, "request_resolution on a missing interface is refused: " + (bad ? std::string("accepted") : bad.error()));

  std::printf("%s: %d failure(s)\n", failures ? "FAIL" : "ok", failures);
  return failures ? 1 : 0;
}
