// Worker: one lcore's run-to-completion loop over its queue pair: inner rx -> route -> lane ->
// seal -> outer tx; outer rx -> lane -> open -> inner tx, relay or probe; outer rx of a VIP ->
// anycast stage -> GUE to a local backend (inner tx) or through the tunnel to another region;
// plus the WireGuard timers and probes of the lanes it owns.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "dataplane/pipeline/anycast_stage.h"
#include "dataplane/pipeline/frames.h"
#include "dataplane/pipeline/gateway_shared.h"
#include "dataplane/probe/peer_probes.h"
#include "dataplane/probe/probe_responder.h"
#include "dataplane/wireguard/clock.h"
#include "dataplane/wireguard/device.h"

struct rte_mbuf;

namespace anymesh::pipeline {

class Worker {
 public:
  Worker(GatewayShared& shared, unsigned index);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The lcore's loop; returns when shared.stop is set.
  int run();

 private:
  // One peer gateway as this worker sees it: its session on each owned lane, and its probes.
  struct PeerRuntime {
    routing::GatewayId id = 0;
    std::array<wg::Peer*, probe::kMaxLanesPerPeer> lane_peer{};  // owned lanes only
    std::array<routing::LaneSlot, probe::kMaxLanesPerPeer> slot{};
    std::size_t lanes = 0;
    std::unique_ptr<probe::PeerProbes> probes;  // none for plain WireGuard peers
    IpAddress tunnel_address;
    bool no_probes = false;
    probe::LaneUpBits published_up = 0;  // as last written to the shared lane mask
  };

  bool owns(std::uint32_t lane) const { return lane_owner(lane, shared_.workers) == index_; }
  void refresh();
  void reconfigure(const RouteState& state);
  void reconfigure_device(std::uint32_t lane, const RouteState& state);

  // One rx burst of a port through a stage (from_inner or from_outer).
  std::size_t poll(std::uint16_t port, void (Worker::*stage)(rte_mbuf*));
  std::size_t poll_handoff();
  void run_timers();
  void publish_status();

  void from_inner(rte_mbuf* m);
  void from_outer(rte_mbuf* m);
  void route_to_tunnel(rte_mbuf* m, std::uint32_t dst, bool relayed);
  // Where a packet for the tunnel came from: the region (inner port), another gateway (relay: it
  // may not take a second relay), or the anycast stage (a client's packet for another region).
  enum class TunnelSource : std::uint8_t { inner, relay, anycast };
  // hash_of_flow: the hash that picks the lane, when m's own headers are not the flow's (IP-in-IP).
  void send_via_group(rte_mbuf* m, const routing::NextHopGroup& group, TunnelSource source,
                      std::optional<std::uint32_t> hash_of_flow = std::nullopt);
  void from_other_region(rte_mbuf* m);
  // Gives the anycast stage a VIP packet (m's data: an Ethernet frame from a client, or an IP
  // packet from a tunnel); false when it is not one (m untouched), true when m was consumed.
  bool anycast(rte_mbuf* m, Framing framing, AnycastOrigin origin);
  void seal_on_slot(rte_mbuf* m, routing::LaneSlot slot);
  void seal_on_lane(rte_mbuf* m, PeerRuntime& peer, std::uint32_t lane);
  void open_on_lane(rte_mbuf* m, const OuterDatagram& d, std::uint32_t lane);
  void deliver(rte_mbuf* m, const wg::Delivery& delivery, std::uint32_t lane);
  void on_probe(rte_mbuf* m, PeerRuntime* peer, std::uint32_t lane);
  void send_outbox(std::uint16_t src_port, std::span<rte_mbuf* const> in_place);
  void flush_seals();
  void to_outer(rte_mbuf* m, const std::uint8_t* payload, std::size_t length, const wg::Endpoint& to,
                std::uint16_t src_port, bool may_wait = true);
  void to_inner(rte_mbuf* m, std::uint32_t dst);
  void handoff(rte_mbuf* m, unsigned worker, std::uint32_t tag);
  void neighbor_miss(PortSide side, std::uint32_t ipv4);
  void flush();
  void drop(rte_mbuf* m, std::uint64_t& reason);
  PeerRuntime* peer_of(std::uint32_t lane, wg::PeerId id);

  GatewayShared& shared_;
  unsigned index_;
  std::uint16_t queue_;
  wg::SystemClock clock_;
  const RouteState* routes_ = nullptr;
  const NeighborState* neighbors_ = nullptr;
  routing::LaneUpMask up_;
  std::array<std::unique_ptr<wg::Device>, probe::kMaxLanesPerPeer> devices_;
  // Per owned lane: the device's PeerId -> index into peers_.
  std::array<std::vector<std::uint32_t>, probe::kMaxLanesPerPeer> peer_index_;
  std::vector<PeerRuntime> peers_;
  std::unique_ptr<probe::ProbeResponder> responder_;
  wg::Outbox outbox_{512};
  std::vector<wg::Delivery> deliveries_;
  std::array<rte_mbuf*, kBurst> outer_tx_{};
  std::array<rte_mbuf*, kBurst> inner_tx_{};
  std::size_t outer_tx_count_ = 0;
  std::size_t inner_tx_count_ = 0;
  // Frames whose next hop's Ethernet address the kernel is still resolving (as a router's ARP
  // queue): retried on every timer run, dropped after kNeighborWait.
  struct AwaitingNeighbor {
    rte_mbuf* m = nullptr;
    std::uint32_t dst = 0;
    wg::Nanos deadline{0};
    PortSide side = PortSide::inner;
  };
  void await_neighbor(rte_mbuf* m, PortSide side, std::uint32_t dst);
  void transmit(rte_mbuf* m, PortSide side);
  std::array<AwaitingNeighbor, 64> awaiting_{};
  std::size_t awaiting_count_ = 0;
  void retry_awaiting(wg::Nanos now);

  // Packets waiting to be sealed, in arrival order; flushed after every stage.
  static constexpr std::size_t kMaxPendingSeals = 64;
  struct PendingSeal {
    rte_mbuf* m;
    wg::Peer* session;
    std::uint32_t lane;
  };
  std::array<PendingSeal, kMaxPendingSeals> seals_{};
  std::size_t seal_count_ = 0;

  AnycastStage anycast_;
  PipelineCounters counters_;
  wg::Nanos next_timers_{0};
  wg::Nanos next_device_tick_{0};
  wg::Nanos next_publish_{0};
};

}  // namespace anymesh::pipeline
