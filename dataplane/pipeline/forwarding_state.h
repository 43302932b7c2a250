// The immutable tables workers read, published by the agent with an RCU pointer swap:
// RouteState (a snapshot with its rte_lpm and its anycast services as health checks see them) and
// NeighborState (next-hop Ethernet addresses).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/agent/applied_snapshot.h"
#include "dataplane/anycast/service.h"
#include "dataplane/pipeline/neighbor_table.h"

struct rte_lpm;

namespace anymesh::pipeline {

// Which peer (index into snapshot->peers()) and lane a lane slot is.
struct SlotLane {
  std::uint32_t peer = UINT32_MAX;
  std::uint32_t lane = 0;
};

class RouteState {
 public:
  // Builds the IPv4 LPM (prefix -> group index) in DPDK memory. services: the snapshot's anycast
  // table with the health checks' verdicts (null: the snapshot's own table, every backend
  // healthy). Throws std::runtime_error when DPDK has no memory for it.
  // lane_keys: the private key of each lane's sessions (empty: every lane uses the gateway's key).
  explicit RouteState(std::shared_ptr<const agent::AppliedSnapshot> snapshot,
                      std::shared_ptr<const anycast::ServiceTable> services = nullptr,
                      std::vector<wg::Key> lane_keys = {});
  ~RouteState();
  RouteState(const RouteState&) = delete;
  RouteState& operator=(const RouteState&) = delete;

  const agent::AppliedSnapshot& snapshot() const { return *snapshot_; }
  const std::shared_ptr<const agent::AppliedSnapshot>& shared() const { return snapshot_; }
  // The next-hop group of an IPv4 destination (host order), or nullptr.
  const routing::NextHopGroup* lookup(std::uint32_t ipv4) const;
  const SlotLane& slot(routing::LaneSlot s) const { return slots_[s]; }
  std::uint32_t self_tunnel_address() const { return self_tunnel_; }

  // The private key of lane `lane`'s sessions, or null for the gateway's own key.
  const wg::Key* lane_key(std::uint32_t lane) const { return lane < lane_keys_.size() ? &lane_keys_[lane] : nullptr; }
  const std::vector<wg::Key>& lane_keys() const { return lane_keys_; }

  // The anycast services in force, or null when the snapshot has none.
  const anycast::ServiceTable* services() const { return services_; }
  // The tunnel route to a remote endpoint group's region (the next-hop group named after it), or
  // null when the snapshot has no route there. group must belong to entry, from services().
  const routing::NextHopGroup* region_route(const anycast::ServiceEntry& entry, const anycast::EndpointGroup& group) const;
  // The tunnel address (host order) of a gateway of that region (the lowest id): where a client packet
  // steered to the region is addressed inside the tunnel (IP-in-IP), so relays route it like any
  // region traffic; 0 when unknown.
  std::uint32_t region_target(const anycast::ServiceEntry& entry, const anycast::EndpointGroup& group) const;
  // True for this gateway's tunnel address and those of the other gateways of its region: an
  // IP-in-IP packet to one of them carries a client packet steered to this region.
  bool own_region_gateway(std::uint32_t ipv4) const {
    for (std::uint32_t a : own_region_addresses_) {
      if (a == ipv4) return true;
    }
    return false;
  }

 private:
  std::shared_ptr<const agent::AppliedSnapshot> snapshot_;
  rte_lpm* lpm_ = nullptr;
  std::vector<SlotLane> slots_;
  std::uint32_t self_tunnel_ = 0;
  std::vector<wg::Key> lane_keys_;
  std::shared_ptr<const anycast::ServiceTable> services_owner_;
  const anycast::ServiceTable* services_ = nullptr;
  struct RegionRoute {
    const routing::NextHopGroup* group = nullptr;
    std::uint32_t target = 0;
  };
  std::vector<std::vector<RegionRoute>> region_routes_;  // [service id][group index]
  std::vector<std::uint32_t> own_region_addresses_;
};

struct NeighborState {
  NeighborTable outer;  // peer endpoint address -> Ethernet address of its next hop
  NeighborTable inner;  // region-side destination -> Ethernet address of its next hop
};

// Outer/inner lookups that failed: the agent resolves them (NTF_USE) for later packets.
enum class PortSide : std::uint8_t { outer = 0, inner = 1 };

}  // namespace anymesh::pipeline
