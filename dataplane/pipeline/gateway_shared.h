// GatewayShared: everything the agent and the workers of one gateway share; set up before the
// workers start, then changed only through atomics, RCU-published pointers and rings.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "dataplane/dpdk/port.h"
#include "dataplane/pipeline/anycast_stage.h"
#include "dataplane/pipeline/forwarding_state.h"
#include "dataplane/pipeline/pipeline_counters.h"
#include "dataplane/pipeline/shared_lanes.h"
#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/device.h"

struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;

namespace anymesh::pipeline {

inline constexpr unsigned kMaxWorkers = 64;
inline constexpr unsigned kBurst = 32;

struct GatewayShared {
  // Fixed at start.
  dpdk::Port outer;
  dpdk::Port inner;
  rte_mempool* pool = nullptr;
  unsigned workers = 1;
  wg::Key private_key{};
  std::uint16_t listen_port = 51820;  // lane i: listen_port + i
  unsigned lanes_per_peer = 1;
  std::uint32_t outer_address = 0;  // host order
  std::uint32_t inner_address = 0;  // host order; GUE source towards backends (0: the tunnel address)
  std::uint16_t inner_mtu = 1500;   // largest IP packet sent on the inner port (GUE included)
  std::size_t tunnel_mtu = wg::kDefaultMtu;

  // Published by the agent (RCU: workers report quiescent states every loop).
  rte_rcu_qsbr* rcu = nullptr;
  std::atomic<const RouteState*> routes{nullptr};
  std::atomic<const NeighborState*> neighbors{nullptr};

  // Worker -> worker: packets for a lane another worker owns (multi-producer, one consumer each).
  std::array<rte_ring*, kMaxWorkers> handoff{};
  // Workers -> agent: next hops without an Ethernet address, (side << 32 | IPv4).
  rte_ring* neighbor_misses = nullptr;

  SharedLanes lanes;
  std::array<Published<PipelineCounters>, kMaxWorkers> pipeline_counters;
  std::array<Published<wg::DeviceCounters>, kMaxWorkers> tunnel_counters;
  std::array<Published<AnycastCounters>, kMaxWorkers> anycast_counters;
  std::array<std::atomic<std::uint64_t>, kMaxWorkers> anycast_flows{};  // pinned flows per worker
  std::array<std::atomic<std::uint64_t>, kMaxWorkers> loops{};  // liveness, for status
  std::atomic<bool> stop{false};
};

// Lane ownership: lane id i of every peer lives on worker i % workers, so each WireGuard session
// is touched by one lcore only and a region pair with L lanes spreads over min(L, workers) cores.
inline unsigned lane_owner(std::uint32_t lane, unsigned workers) { return lane % workers; }

}  // namespace anymesh::pipeline
