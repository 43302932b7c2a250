// GatewayRuntime: a running data plane: mbuf pool, both ports, the workers on their lcores, and
// the agent's side of publishing (snapshots, neighbours) and reading (counters, lane status).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dataplane/agent/applied_snapshot.h"
#include "dataplane/agent/gateway_options.h"
#include "dataplane/pipeline/gateway_shared.h"
#include "dataplane/wireguard/uapi.h"
#include "controlplane/proto/anymesh.pb.h"

namespace anymesh::pipeline {

class Worker;

struct NeighborMiss {
  PortSide side;
  std::uint32_t ipv4;  // host order
};

class GatewayRuntime {
 public:
  // EAL must be up. Opens the ports and prepares everything; workers start with start().
  // outer_address is the IPv4 source of tunnel datagrams; inner_address that of GUE packets to
  // backends (0: none, IPv4 backends cannot be reached), inner_mtu the largest IP packet the inner
  // port sends. Throws std::runtime_error.
  GatewayRuntime(const agent::GatewayOptions& options, std::uint32_t outer_address, std::uint32_t inner_address = 0,
                 std::uint16_t inner_mtu = 1500);
  ~GatewayRuntime();

  void start();  // launches one worker per worker lcore
  void stop();   // stops and joins them (idempotent)

  // Publishes a new snapshot (RCU: returns once no worker can still read the old one), with its
  // anycast services as the health checks see them (null: every backend healthy).
  // lane_keys: each lane's private key (empty: the gateway's key on every lane).
  void publish(std::shared_ptr<const agent::AppliedSnapshot> snapshot,
               std::shared_ptr<const anycast::ServiceTable> services = nullptr, std::vector<wg::Key> lane_keys = {});
  void publish(NeighborState neighbors);
  std::shared_ptr<const agent::AppliedSnapshot> snapshot() const;
  std::shared_ptr<const anycast::ServiceTable> services() const;  // as last published
  const NeighborState* neighbors() const { return shared_.neighbors.load(std::memory_order_acquire); }
  std::vector<NeighborMiss> take_neighbor_misses();

  const GatewayShared& shared() const { return shared_; }
  PipelineCounters pipeline_counters() const;  // summed over workers
  AnycastCounters anycast_counters() const;    // summed over workers
  wg::DeviceCounters tunnel_counters() const;
  wg::UapiDeviceState uapi_state() const;  // every lane of every peer as one WireGuard peer
  std::string status_text() const;
  std::string routes_text() const;
  std::string metrics_text() const;
  // Per lane RTT, loss and state, and the summed counters, for the controller.
  void fill_report(v1::Report& report) const;

 private:
  GatewayShared shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<unsigned> worker_lcores_;
  // The agent's own reference to the published snapshot: metrics and control-socket threads read
  // it here, never through the workers' RCU pointer.
  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const agent::AppliedSnapshot> current_;
  std::shared_ptr<const anycast::ServiceTable> current_services_;
  bool running_ = false;
};

}  // namespace anymesh::pipeline
