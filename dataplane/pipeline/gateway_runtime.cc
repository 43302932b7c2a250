// Setting up and running the gateway's data plane, and the agent's reads and writes of it.
#include "dataplane/pipeline/gateway_runtime.h"

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <sstream>
#include <stdexcept>

#include "dataplane/agent/metrics_text.h"
#include "dataplane/dpdk/mbuf_pool.h"
#include "dataplane/packet/bytes.h"
#include "dataplane/pipeline/worker.h"

namespace anymesh::pipeline {
namespace {

int run_worker(void* arg) { return static_cast<Worker*>(arg)->run(); }

template <typename Counters>
Counters sum(const std::array<Published<Counters>, kMaxWorkers>& published, unsigned workers) {
  Counters total;
  for (unsigned w = 0; w < workers; ++w) add_counters(total, published[w].read());
  return total;
}

std::string ipv4_text(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) +
         "." + std::to_string(a & 255);
}

}  // namespace

GatewayRuntime::GatewayRuntime(const agent::GatewayOptions& options, std::uint32_t outer_address,
                               std::uint32_t inner_address, std::uint16_t inner_mtu) {
  shared_.inner_address = inner_address;
  shared_.inner_mtu = inner_mtu;
  shared_.workers = options.queues;
  shared_.private_key = options.private_key.bytes();
  shared_.listen_port = options.listen_port;
  shared_.lanes_per_peer = options.lanes_per_peer;
  shared_.outer_address = outer_address;
  for (std::size_t i = 1; i < options.lcores.size(); ++i) worker_lcores_.push_back(options.lcores[i]);
  if (worker_lcores_.size() != shared_.workers) throw std::runtime_error("--lcores: one worker lcore per queue");

  dpdk::MbufPoolSize size;
  size.queues = options.queues;
  size.workers = shared_.workers;
  shared_.pool = dpdk::create_mbuf_pool(size);
  shared_.outer = dpdk::open_port(options.outer_port, options.queues, shared_.pool);
  shared_.inner = dpdk::open_port(options.inner_port, options.queues, shared_.pool);

  std::size_t rcu_size = rte_rcu_qsbr_get_memsize(kMaxWorkers);
  shared_.rcu = static_cast<rte_rcu_qsbr*>(rte_zmalloc("anymesh_rcu", rcu_size, RTE_CACHE_LINE_SIZE));
  if (shared_.rcu == nullptr || rte_rcu_qsbr_init(shared_.rcu, kMaxWorkers) != 0) {
    throw std::runtime_error("cannot set up RCU: " + std::string(rte_strerror(rte_errno)));
  }
  for (unsigned w = 0; w < shared_.workers; ++w) {
    std::string name = "anymesh_handoff" + std::to_string(w);
    shared_.handoff[w] = rte_ring_create(name.c_str(), 4096, SOCKET_ID_ANY, RING_F_SC_DEQ);
    if (shared_.handoff[w] == nullptr) throw std::runtime_error("cannot create " + name);
  }
  shared_.neighbor_misses = rte_ring_create("anymesh_misses", 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
  if (shared_.neighbor_misses == nullptr) throw std::runtime_error("cannot create the neighbour miss ring");
  for (unsigned w = 0; w < shared_.workers; ++w) workers_.push_back(std::make_unique<Worker>(shared_, w));
}

GatewayRuntime::~GatewayRuntime() {
  stop();
  workers_.clear();
  delete shared_.routes.exchange(nullptr);
  delete shared_.neighbors.exchange(nullptr);
  dpdk::close_port(shared_.outer);
  dpdk::close_port(shared_.inner);
  for (rte_ring* r : shared_.handoff) rte_ring_free(r);
  rte_ring_free(shared_.neighbor_misses);
  rte_free(shared_.rcu);
}

void GatewayRuntime::start() {
  if (running_) return;
  for (unsigned w = 0; w < shared_.workers; ++w) {
    if (int rc = rte_eal_remote_launch(run_worker, workers_[w].get(), worker_lcores_[w]); rc != 0) {
      throw std::runtime_error("cannot launch a worker on lcore " + std::to_string(worker_lcores_[w]));
    }
  }
  running_ = true;
}

void GatewayRuntime::stop() {
  if (!running_) return;
  shared_.stop.store(true);
  for (unsigned lcore : worker_lcores_) rte_eal_wait_lcore(lcore);
  running_ = false;
}

void GatewayRuntime::publish(std::shared_ptr<const agent::AppliedSnapshot> snapshot,
                             std::shared_ptr<const anycast::ServiceTable> services, std::vector<wg::Key> lane_keys) {
  {
    std::lock_guard lock(snapshot_mutex_);
    current_ = snapshot;
    current_services_ = services;
  }
  auto* next = new RouteState(std::move(snapshot), std::move(services), std::move(lane_keys));
  const RouteState* old = shared_.routes.exchange(next, std::memory_order_acq_rel);
  if (running_) rte_rcu_qsbr_synchronize(shared_.rcu, RTE_QSBR_THRID_INVALID);
  delete old;
}

void GatewayRuntime::publish(NeighborState neighbors) {
  auto* next = new NeighborState(std::move(neighbors));
  const NeighborState* old = shared_.neighbors.exchange(next, std::memory_order_acq_rel);
  if (running_) rte_rcu_qsbr_synchronize(shared_.rcu, RTE_QSBR_THRID_INVALID);
  delete old;
}

std::shared_ptr<const agent::AppliedSnapshot> GatewayRuntime::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return current_;
}

std::shared_ptr<const anycast::ServiceTable> GatewayRuntime::services() const {
  std::lock_guard lock(snapshot_mutex_);
  return current_services_;
}

std::vector<NeighborMiss> GatewayRuntime::take_neighbor_misses() {
  std::vector<NeighborMiss> out;
  void* entries[64];
  unsigned n;
  while ((n = rte_ring_dequeue_burst(shared_.neighbor_misses, entries, 64, nullptr)) != 0) {
    for (unsigned i = 0; i < n; ++i) {
      auto e = reinterpret_cast<std::uintptr_t>(entries[i]);
      out.push_back({static_cast<PortSide>(e >> 32), static_cast<std::uint32_t>(e)});
    }
  }
  return out;
}

PipelineCounters GatewayRuntime::pipeline_counters() const { return sum(shared_.pipeline_counters, shared_.workers); }

AnycastCounters GatewayRuntime::anycast_counters() const { return sum(shared_.anycast_counters, shared_.workers); }

wg::DeviceCounters GatewayRuntime::tunnel_counters() const { return sum(shared_.tunnel_counters, shared_.workers); }

wg::UapiDeviceState GatewayRuntime::uapi_state() const {
  wg::UapiDeviceState state;
  state.private_key = shared_.private_key;
  state.listen_port = shared_.listen_port;
  auto s = snapshot();
  if (!s) return state;
  for (const auto& peer : s->peers()) {
    // What the peer carries for us: the prefixes of the groups it is a next hop of, and its
    // tunnel address (the probes'); the same for each of its lanes.
    std::vector<IpPrefix> allowed;
    for (const auto& prefix : s->route_description().prefixes) {
      for (const auto& group : s->route_description().groups) {
        if (group.name != prefix.group) continue;
        for (const auto& hop : group.next_hops) {
          if (hop.gateway == peer.id) allowed.push_back(prefix.prefix);
        }
      }
    }
    allowed.push_back(IpPrefix{peer.tunnel_address, 32});
    for (const auto& lane : peer.lanes) {
      const LaneStatus& st = shared_.lanes.status(lane.slot);
      wg::UapiPeerState p;
      p.public_key = lane.public_key;
      std::uint64_t e = st.endpoint.load(std::memory_order_relaxed);
      wg::Endpoint endpoint = peer.endpoints.front();
      endpoint.port = lane.port;
      if (e != 0) endpoint = wg::Endpoint{IpAddress::v4(static_cast<std::uint32_t>(e >> 16)), static_cast<std::uint16_t>(e)};
      p.endpoint = wg::UapiEndpoint(endpoint.address, endpoint.port);
      std::int64_t hs = st.last_handshake_ns.load(std::memory_order_relaxed);
      p.last_handshake_sec = hs / 1'000'000'000;
      p.last_handshake_nsec = hs % 1'000'000'000;
      p.rx_bytes = st.rx_bytes.load(std::memory_order_relaxed);
      p.tx_bytes = st.tx_bytes.load(std::memory_order_relaxed);
      p.allowed_ips = allowed;
      state.peers.push_back(std::move(p));
    }
  }
  return state;
}

std::string GatewayRuntime::status_text() const {
  std::ostringstream out;
  auto s = snapshot();
  PipelineCounters c = pipeline_counters();
  out << "gateway " << (s ? s->self().id : 0) << " region " << (s ? s->self().region : "?")
      << " snapshot version " << (s ? s->version() : 0) << "\n";
  out << "workers " << shared_.workers << ", outer " << shared_.outer.name << " (" << ipv4_text(shared_.outer_address)
      << "), inner " << shared_.inner.name << ", lanes per peer " << shared_.lanes_per_peer << "\n";
  out << "packets: inner rx " << c.inner_rx << " -> tunnel " << c.inner_to_tunnel << "; outer rx " << c.outer_rx
      << " -> delivered " << c.outer_delivered << ", relayed " << c.outer_relayed << "\n";
  if (s && !s->anycast().services().empty()) {
    AnycastCounters a = anycast_counters();
    std::uint64_t flows = 0;
    for (unsigned w = 0; w < shared_.workers; ++w) flows += shared_.anycast_flows[w].load(std::memory_order_relaxed);
    out << "anycast: " << s->anycast().services().size() << " service(s), " << flows << " pinned flow(s); to backends "
        << a.to_backend << ", to other regions " << a.to_region << ", new flows " << a.flow_new << ", drops "
        << (a.no_capacity + a.tunnel_no_local_group + a.gue_too_big + a.gue_no_source + a.no_headroom) << "\n";
  }
  if (!s) return out.str();
  out << "peer  region  lane  state  rtt_ms  loss%  handshake_age_s  rx_bytes  tx_bytes\n";
  auto now = std::chrono::system_clock::now().time_since_epoch();
  for (const auto& peer : s->peers()) {
    for (const auto& lane : peer.lanes) {
      const LaneStatus& st = shared_.lanes.status(lane.slot);
      std::int64_t hs = st.last_handshake_ns.load();
      std::int64_t rtt = st.rtt_ewma_ns.load();
      char line[256];
      std::snprintf(line, sizeof line, "%-5u %-7s %-5u %-6s %-7s %-6.2f %-16s %-9llu %llu\n", peer.id,
                    peer.region.c_str(), lane.id, shared_.lanes.is_up(lane.slot) ? "up" : "down",
                    rtt < 0 ? "-" : std::to_string(static_cast<double>(rtt) / 1e6).substr(0, 6).c_str(),
                    st.loss_ppm.load() / 1e4,
                    hs == 0 ? "never"
                            : std::to_string((std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() - hs) /
                                             1'000'000'000).c_str(),
                    static_cast<unsigned long long>(st.rx_bytes.load()),
                    static_cast<unsigned long long>(st.tx_bytes.load()));
      out << line;
    }
  }
  return out.str();
}

std::string GatewayRuntime::routes_text() const {
  std::ostringstream out;
  auto s = snapshot();
  if (!s) return "no snapshot\n";
  const auto& d = s->route_description();
  out << "snapshot version " << s->version() << "\n";
  for (const auto& prefix : d.prefixes) out << prefix.prefix.to_string() << " -> " << prefix.group << "\n";
  for (const auto& group : d.groups) {
    out << "group " << group.name << "\n";
    for (const auto& hop : group.next_hops) {
      out << "  next hop gateway " << hop.gateway << " weight " << hop.weight << " lanes";
      for (auto slot : hop.lanes) out << " " << slot << (shared_.lanes.is_up(slot) ? "(up)" : "(down)");
      out << "\n";
    }
    for (const auto& backup : group.backups) {
      out << "  backup " << routing::to_string(backup.kind) << " gateway " << backup.gateway << " lanes";
      for (auto slot : backup.lanes) out << " " << slot << (shared_.lanes.is_up(slot) ? "(up)" : "(down)");
      out << "\n";
    }
  }
  return out.str();
}

void GatewayRuntime::fill_report(v1::Report& report) const {
  auto s = snapshot();
  if (s) {
    for (const auto& peer : s->peers()) {
      for (const auto& lane : peer.lanes) {
        const LaneStatus& st = shared_.lanes.status(lane.slot);
        auto* r = report.add_lanes();
        r->set_peer(peer.id);
        r->set_lane(lane.id);
        r->set_up(shared_.lanes.is_up(lane.slot));
        auto ewma = st.rtt_ewma_ns.load(std::memory_order_relaxed);
        auto min = st.rtt_min_ns.load(std::memory_order_relaxed);
        r->set_rtt_ewma_ns(ewma < 0 ? 0 : static_cast<std::uint64_t>(ewma));
        r->set_rtt_min_ns(min < 0 ? 0 : static_cast<std::uint64_t>(min));
        r->set_loss(static_cast<double>(st.loss_ppm.load(std::memory_order_relaxed)) / 1e6);
      }
    }
  }
  auto& counters = *report.mutable_counters();
  pipeline_counters().for_each([&](const char* name, std::uint64_t v) { counters[std::string("pipeline_") + name] = v; });
  tunnel_counters().for_each([&](const char* name, std::uint64_t v) { counters[std::string("tunnel_") + name] = v; });
  anycast_counters().for_each([&](const char* name, std::uint64_t v) { counters[std::string("anycast_") + name] = v; });
}

std::string GatewayRuntime::metrics_text() const {
  agent::MetricsText m;
  auto s = snapshot();
  m.family("anymesh_snapshot_version", "Version of the snapshot the data plane forwards with.", agent::MetricType::gauge);
  m.sample({}, s ? s->version() : 0);
  m.family("anymesh_pipeline_packets_total", "Packets by pipeline outcome or drop reason, per worker lcore.",
           agent::MetricType::counter);
  for (unsigned w = 0; w < shared_.workers; ++w) {
    std::string worker = std::to_string(w);
    shared_.pipeline_counters[w].read().for_each(
        [&](const char* name, std::uint64_t v) { m.sample({{"worker", worker}, {"what", name}}, v); });
  }
  m.family("anymesh_tunnel_messages_total", "WireGuard messages by outcome or drop reason, per worker lcore.",
           agent::MetricType::counter);
  for (unsigned w = 0; w < shared_.workers; ++w) {
    std::string worker = std::to_string(w);
    shared_.tunnel_counters[w].read().for_each(
        [&](const char* name, std::uint64_t v) { m.sample({{"worker", worker}, {"what", name}}, v); });
  }
  m.family("anymesh_anycast_packets_total",
           "Anycast stage: packets by outcome or refusal reason (flow_* are notes), per worker lcore.",
           agent::MetricType::counter);
  for (unsigned w = 0; w < shared_.workers; ++w) {
    std::string worker = std::to_string(w);
    shared_.anycast_counters[w].read().for_each(
        [&](const char* name, std::uint64_t v) { m.sample({{"worker", worker}, {"what", name}}, v); });
  }
  m.family("anymesh_anycast_flows", "Pinned anycast flows in the worker's flow table.", agent::MetricType::gauge);
  for (unsigned w = 0; w < shared_.workers; ++w) {
    m.sample({{"worker", std::to_string(w)}}, shared_.anycast_flows[w].load(std::memory_order_relaxed));
  }
  if (!s) return m.text();
  struct LaneRow {
    std::string peer, region, lane;
    const LaneStatus* st;
    bool up;
  };
  std::vector<LaneRow> rows;
  for (const auto& peer : s->peers()) {
    for (const auto& lane : peer.lanes) {
      rows.push_back({std::to_string(peer.id), peer.region, std::to_string(lane.id), &shared_.lanes.status(lane.slot),
                      shared_.lanes.is_up(lane.slot)});
    }
  }
  auto lane_family = [&](const char* name, const char* help, agent::MetricType type, auto value) {
    m.family(name, help, type);
    for (const auto& r : rows) m.sample({{"peer", r.peer}, {"region", r.region}, {"lane", r.lane}}, value(r));
  };
  using agent::MetricType;
  lane_family("anymesh_lane_up", "1 while probes see the lane up.", MetricType::gauge,
              [](const LaneRow& r) { return r.up ? 1 : 0; });
  lane_family("anymesh_lane_rtt_seconds", "Probe round-trip time, moving average (-1: no sample yet).",
              MetricType::gauge, [](const LaneRow& r) {
                auto ns = r.st->rtt_ewma_ns.load();
                return ns < 0 ? -1.0 : static_cast<double>(ns) / 1e9;
              });
  lane_family("anymesh_lane_loss_ratio", "Probe loss over the loss window, 0 .. 1.", MetricType::gauge,
              [](const LaneRow& r) { return static_cast<double>(r.st->loss_ppm.load()) / 1e6; });
  lane_family("anymesh_lane_rx_bytes_total", "Bytes received on the lane's WireGuard session.", MetricType::counter,
              [](const LaneRow& r) { return r.st->rx_bytes.load(); });
  lane_family("anymesh_lane_tx_bytes_total", "Bytes sent on the lane's WireGuard session.", MetricType::counter,
              [](const LaneRow& r) { return r.st->tx_bytes.load(); });
  lane_family("anymesh_lane_probes_sent_total", "Probes sent on the lane.", MetricType::counter,
              [](const LaneRow& r) { return r.st->probes_sent.load(); });
  lane_family("anymesh_lane_probes_answered_total", "Probes answered in time.", MetricType::counter,
              [](const LaneRow& r) { return r.st->probes_answered.load(); });
  lane_family("anymesh_lane_down_transitions_total", "Times probes took the lane down.", MetricType::counter,
              [](const LaneRow& r) { return r.st->went_down.load(); });
  return m.text();
}

}  // namespace anymesh::pipeline
