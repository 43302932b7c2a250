// The worker lcore's loop and its stages.
#include "dataplane/pipeline/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "bpf/include/flow_hash.h"
#include "dataplane/packet/bytes.h"
#include "dataplane/packet/ipv4.h"
#include "dataplane/probe/probe_constants.h"
#include "dataplane/probe/probe_packet.h"

namespace anymesh::pipeline {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kSealTag = 0x80000000u;
constexpr std::uint8_t kIpInIp = 4;         // IP protocol number of IPv4-in-IPv4
constexpr std::size_t kIpv4Header = 20;  // handoff: seal on the lane slot in the low bits
constexpr wg::Nanos kTimerInterval = 500us;       // probes and handshake timers are polled this often
constexpr wg::Nanos kDeviceTickInterval = 5ms;
constexpr wg::Nanos kPublishInterval = 100ms;
constexpr wg::Nanos kNeighborWait = 1s;
constexpr wg::Nanos kFirstProbeDelayForHigherId = 500ms;
constexpr std::uint64_t kSpinAfterWorkMicroseconds = 300;
constexpr std::uint64_t kDeepSleepAfterMicroseconds = 2000;
constexpr unsigned kIdleSleepMicroseconds = 50;
constexpr unsigned kDeepIdleSleepMicroseconds = 250;

std::uint8_t* data_of(rte_mbuf* m) { return rte_pktmbuf_mtod(m, std::uint8_t*); }

// Points the mbuf at [p, p + len), which must lie inside its buffer.
bool set_data(rte_mbuf* m, std::uint8_t* p, std::size_t len) {
  auto* base = static_cast<std::uint8_t*>(m->buf_addr);
  if (p < base || p + len > base + m->buf_len) return false;
  m->data_off = static_cast<std::uint16_t>(p - base);
  m->data_len = static_cast<std::uint16_t>(len);
  m->pkt_len = static_cast<std::uint32_t>(len);
  return true;
}

bool inside(const rte_mbuf* m, const std::uint8_t* p) {
  const auto* base = static_cast<const std::uint8_t*>(m->buf_addr);
  return p >= base && p < base + m->buf_len;
}

// The lane choice hash of an IPv4 packet: addresses, protocol and (TCP/UDP) ports, mixed so
// nearby flows spread evenly over lanes and weights.
std::uint32_t flow_hash(const std::uint8_t* ip, std::size_t len) {
  std::uint32_t h = load_be32(ip + 12) * 0x9e3779b1u;
  h ^= load_be32(ip + 16) + 0x7f4a7c15u + (h << 6) + (h >> 2);
  std::uint8_t protocol = ip[9];
  std::size_t ihl = std::size_t{ip[0] & 0x0fu} * 4;
  bool first_fragment = (load_be16(ip + 6) & 0x1fff) == 0;
  if ((protocol == 6 || protocol == 17) && first_fragment && len >= ihl + 4) {
    h ^= load_be32(ip + ihl) + 0x165667b1u + (h << 6) + (h >> 2);
  }
  return am_fmix32(h ^ protocol);  // MurmurHash3's finaliser, shared with the BPF side
}

AnycastStageConfig anycast_config(const GatewayShared& shared) {
  AnycastStageConfig config;
  if (shared.inner_address != 0) config.gateway_v4 = IpAddress::v4(shared.inner_address);
  config.mtu = shared.inner_mtu;
  config.limit_share = shared.workers;  // each worker enforces its share of every ingress limit
  return config;
}

}  // namespace

Worker::Worker(GatewayShared& shared, unsigned index)
    : shared_(shared), index_(index), queue_(static_cast<std::uint16_t>(index)), anycast_(anycast_config(shared)) {
  deliveries_.reserve(kBurst);
}

Worker::~Worker() = default;

int Worker::run() {
  rte_rcu_qsbr_thread_register(shared_.rcu, index_);
  rte_rcu_qsbr_thread_online(shared_.rcu, index_);
  const std::uint64_t spin_cycles = rte_get_tsc_hz() / 1'000'000 * kSpinAfterWorkMicroseconds;
  const std::uint64_t deep_cycles = rte_get_tsc_hz() / 1'000'000 * kDeepSleepAfterMicroseconds;
  std::uint64_t last_work = rte_rdtsc();
  while (!shared_.stop.load(std::memory_order_relaxed)) {
    refresh();
    std::size_t work = 0;
    if (routes_ != nullptr && neighbors_ != nullptr) {
      up_ = shared_.lanes.mask();
      work += poll_handoff();
      work += poll(shared_.inner.id, &Worker::from_inner);
      work += poll(shared_.outer.id, &Worker::from_outer);
      flush_seals();
      run_timers();
      flush_seals();
      flush();
    }
    shared_.loops[index_].store(shared_.loops[index_].load(std::memory_order_relaxed) + 1,
                                std::memory_order_relaxed);
    rte_rcu_qsbr_quiescent(shared_.rcu, index_);
    std::uint64_t now = rte_rdtsc();
    if (work != 0) {
      last_work = now;
    } else if (now - last_work > spin_cycles) {
      // Idle for a while: give the core away (three lab gateways share two cores), longer once
      // idle for long; probes and timers run at least every sleep plus the scheduler's slack.
      // Right after traffic the worker keeps spinning, so a flow's next packet finds it awake.
      rte_rcu_qsbr_thread_offline(shared_.rcu, index_);
      ::usleep(now - last_work > deep_cycles ? kDeepIdleSleepMicroseconds : kIdleSleepMicroseconds);
      rte_rcu_qsbr_thread_online(shared_.rcu, index_);
    } else {
      rte_pause();
    }
  }
  publish_status();
  rte_rcu_qsbr_thread_offline(shared_.rcu, index_);
  rte_rcu_qsbr_thread_unregister(shared_.rcu, index_);
  return 0;
}

void Worker::refresh() {
  const RouteState* routes = shared_.routes.load(std::memory_order_acquire);
  neighbors_ = shared_.neighbors.load(std::memory_order_acquire);
  if (routes != routes_ && routes != nullptr) {
    // Health changes publish a new RouteState over the same snapshot: only the services change.
    if (routes_ == nullptr || routes->shared() != routes_->shared() || routes->lane_keys() != routes_->lane_keys()) {
      reconfigure(*routes);
    }
    anycast_.set_services(routes->services());
  }
  routes_ = routes;
}

// A new snapshot: sessions and probes of peers that stay are kept (a snapshot change must not
// take a working lane down); new peers get sessions, gone peers lose theirs.
void Worker::reconfigure(const RouteState& state) {
  const agent::AppliedSnapshot& s = state.snapshot();
  for (std::uint32_t lane = 0; lane < shared_.lanes_per_peer; ++lane) {
    if (owns(lane)) reconfigure_device(lane, state);
  }
  std::vector<PeerRuntime> next;
  next.reserve(s.peers().size());
  const auto& probe_settings = s.probe();
  for (std::size_t i = 0; i < s.peers().size(); ++i) {
    const agent::PeerGateway& p = s.peers()[i];
    PeerRuntime r;
    r.id = p.id;
    r.lanes = p.lanes.size();
    r.tunnel_address = p.tunnel_address;
    r.no_probes = p.no_probes;
    for (const auto& lane : p.lanes) {
      r.slot[lane.id] = lane.slot;
      if (owns(lane.id) && devices_[lane.id]) r.lane_peer[lane.id] = devices_[lane.id]->find(lane.public_key);
    }
    auto old = std::find_if(peers_.begin(), peers_.end(), [&](const PeerRuntime& o) {
      return o.id == p.id && o.lanes == r.lanes && o.tunnel_address == r.tunnel_address && o.no_probes == r.no_probes;
    });
    if (old != peers_.end() && old->probes &&
        old->probes->sender().interval() == probe_settings.interval) {
      r.probes = std::move(old->probes);
    } else if (!p.no_probes) {
      probe::ProbeSenderConfig sender;
      sender.self = s.self().id;
      sender.local_tunnel_address = s.self().tunnel_address;
      sender.peer_tunnel_address = p.tunnel_address;
      sender.lanes = p.lanes.size();
      sender.interval = probe_settings.interval;
      probe::LaneHealthConfig health;
      health.timeout = probe_settings.timeout;
      health.misses_to_down = probe_settings.miss_threshold;
      health.goods_to_up = probe_settings.recover_threshold;
      // Both ends of a new pair would initiate their first handshake at once, each then drops
      // the other's response (a peer holds one handshake) and they retry only after
      // REKEY_TIMEOUT. The gateway with the higher id lets the lower one go first.
      wg::Nanos start = clock_.now() + (s.self().id > p.id ? kFirstProbeDelayForHigherId : wg::Nanos{0});
      r.probes = std::make_unique<probe::PeerProbes>(sender, health, start);
      probe::LaneUpBits owned = 0;
      for (std::uint32_t lane = 0; lane < r.lanes; ++lane) {
        if (owns(lane)) owned |= probe::LaneUpBits{1} << lane;
      }
      r.probes->set_owned_lanes(owned);
    }
    for (std::uint32_t lane = 0; lane < r.lanes; ++lane) {
      if (!owns(lane)) continue;
      bool up = r.no_probes ? true : r.probes->lane(static_cast<probe::LaneId>(lane)).is_up();
      if (up) r.published_up |= probe::LaneUpBits{1} << lane;
      shared_.lanes.set_up(r.slot[lane], up);
    }
    next.push_back(std::move(r));
  }
  peers_ = std::move(next);
  for (std::uint32_t lane = 0; lane < shared_.lanes_per_peer; ++lane) {
    if (!owns(lane) || !devices_[lane]) continue;
    auto& index = peer_index_[lane];
    index.assign(index.size(), UINT32_MAX);
    for (std::size_t i = 0; i < peers_.size(); ++i) {
      wg::Peer* peer = peers_[i].lane_peer[lane];
      if (peer == nullptr) continue;
      if (peer->id >= index.size()) index.resize(peer->id + 64, UINT32_MAX);
      index[peer->id] = static_cast<std::uint32_t>(i);
    }
  }
  responder_ = std::make_unique<probe::ProbeResponder>(s.self().tunnel_address, s.self().id);
}

void Worker::reconfigure_device(std::uint32_t lane, const RouteState& state) {
  const agent::AppliedSnapshot& s = state.snapshot();
  if (!devices_[lane]) {
    wg::Device::Options options;
    options.mtu = shared_.tunnel_mtu;
    options.check_allowed_source = false;  // routing is the snapshot's; relays carry foreign sources
    devices_[lane] = std::make_unique<wg::Device>(clock_, options);
    devices_[lane]->set_private_key(shared_.private_key);
  }
  wg::Device& device = *devices_[lane];
  // Key rotation moves one lane at a time to the next key (a no-op when it is the same key).
  const wg::Key* key = state.lane_key(lane);
  device.set_private_key(key != nullptr ? *key : shared_.private_key);
  std::vector<wg::Key> keep;
  for (const auto& p : s.peers()) {
    if (lane >= p.lanes.size()) continue;
    const wg::Key& peer_key = p.lanes[lane].public_key;
    wg::Peer& peer = device.upsert_peer(peer_key);
    wg::Endpoint endpoint = p.endpoints.front();
    endpoint.port = p.lanes[lane].port;
    // A roamed endpoint (the peer's current source) is kept while the snapshot's stays the same.
    if (!peer.endpoint || peer.configured_endpoint != endpoint) {
      device.set_endpoint(peer, endpoint);
      peer.configured_endpoint = endpoint;
    }
    keep.push_back(peer_key);
  }
  std::vector<wg::Key> gone;
  for (const auto& peer : device.peers()) {
    if (std::find(keep.begin(), keep.end(), peer->public_key) == keep.end()) gone.push_back(peer->public_key);
  }
  for (const auto& key : gone) device.remove_peer(key);
}

Worker::PeerRuntime* Worker::peer_of(std::uint32_t lane, wg::PeerId id) {
  const auto& index = peer_index_[lane];
  if (id >= index.size() || index[id] == UINT32_MAX) return nullptr;
  return &peers_[index[id]];
}

// --- stages ------------------------------------------------------------------------------------

std::size_t Worker::poll(std::uint16_t port, void (Worker::*stage)(rte_mbuf*)) {
  std::array<rte_mbuf*, kBurst> burst;
  std::uint16_t n = rte_eth_rx_burst(port, queue_, burst.data(), kBurst);
  for (std::uint16_t i = 0; i < n; ++i) (this->*stage)(burst[i]);
  return n;
}

std::size_t Worker::poll_handoff() {
  rte_ring* ring = shared_.handoff[index_];
  if (ring == nullptr) return 0;
  std::array<rte_mbuf*, kBurst> burst;
  unsigned n = rte_ring_dequeue_burst(ring, reinterpret_cast<void**>(burst.data()), kBurst, nullptr);
  for (unsigned i = 0; i < n; ++i) {
    rte_mbuf* m = burst[i];
    ++counters_.handoff_in;
    std::uint32_t tag = m->hash.usr;
    if (tag & kSealTag) {
      seal_on_slot(m, static_cast<routing::LaneSlot>(tag & 0xffffu));
    } else {
      auto d = parse_outer_frame({data_of(m), m->data_len});
      if (!d) {
        drop(m, counters_.outer_bad_frame);
        continue;
      }
      open_on_lane(m, *d, tag);
    }
  }
  return n;
}

void Worker::from_inner(rte_mbuf* m) {
  ++counters_.inner_rx;
  if (m->nb_segs != 1) return drop(m, counters_.inner_multi_segment);
  auto p = parse_inner_frame({data_of(m), m->data_len});
  if (!p) return drop(m, p.error() == FrameError::not_ipv4 ? counters_.inner_not_ip : counters_.inner_bad_ip);
  std::uint8_t* ip = data_of(m) + p->ip_offset;
  set_data(m, ip, p->ip_length);
  if (p->ip_length > shared_.tunnel_mtu) return drop(m, counters_.inner_too_big);
  if (!ipv4_decrement_ttl({ip, p->ip_length})) return drop(m, counters_.inner_ttl_expired);
  route_to_tunnel(m, p->dst, false);
}

void Worker::route_to_tunnel(rte_mbuf* m, std::uint32_t dst, bool relayed) {
  const routing::NextHopGroup* group = routes_->lookup(dst);
  if (group == nullptr) return drop(m, relayed ? counters_.relay_no_route : counters_.inner_no_route);
  send_via_group(m, *group, relayed ? TunnelSource::relay : TunnelSource::inner);
}

void Worker::send_via_group(rte_mbuf* m, const routing::NextHopGroup& group, TunnelSource source,
                            std::optional<std::uint32_t> hash_of_flow) {
  bool relayed = source == TunnelSource::relay;
  std::uint32_t hash = hash_of_flow ? *hash_of_flow : flow_hash(data_of(m), m->data_len);
  auto choice = group.select(hash, up_);
  if (!choice) {
    // No lane of the group is proven up (probes broken, or just started): fail open to the
    // primary path rather than blackhole the region, and count it.
    ++(relayed ? counters_.relay_all_lanes_down : counters_.inner_all_lanes_down);
    choice = group.select(hash, routing::LaneUpMask::all_up());
    if (!choice) return drop(m, counters_.inner_no_route);
  }
  if (relayed && choice->role == routing::HopRole::backup && choice->backup_kind == routing::BackupKind::relay) {
    // Loop-free by construction: a relayed packet takes only direct paths, never a second relay.
    return drop(m, counters_.relay_refused_loop);
  }
  switch (source) {
    case TunnelSource::inner: ++counters_.inner_to_tunnel; break;
    case TunnelSource::relay: ++counters_.outer_relayed; break;
    case TunnelSource::anycast: ++counters_.anycast_to_region; break;
  }
  seal_on_slot(m, choice->lane);
}

void Worker::seal_on_slot(rte_mbuf* m, routing::LaneSlot slot) {
  const SlotLane& where = routes_->slot(slot);
  if (where.peer >= peers_.size()) return drop(m, counters_.inner_no_route);
  if (!owns(where.lane)) return handoff(m, lane_owner(where.lane, shared_.workers), kSealTag | slot);
  seal_on_lane(m, peers_[where.peer], where.lane);
}

// m holds one IP packet (data at its first byte). Queued: flush_seals() seals runs of packets for
// the same session with one call (one clock read, one key-freshness check per run), in place, and
// frames each in its own mbuf.
void Worker::seal_on_lane(rte_mbuf* m, PeerRuntime& peer, std::uint32_t lane) {
  wg::Peer* session = peer.lane_peer[lane];
  if (session == nullptr || !devices_[lane]) return drop(m, counters_.inner_no_route);
  if (seal_count_ == seals_.size()) flush_seals();
  seals_[seal_count_++] = PendingSeal{m, session, lane};
}

void Worker::flush_seals() {
  std::array<wg::Packet, kMaxPendingSeals> packets;
  std::array<rte_mbuf*, kMaxPendingSeals> mbufs;
  for (std::size_t i = 0; i < seal_count_;) {
    const PendingSeal& first = seals_[i];
    std::size_t n = 0;
    for (; i < seal_count_ && seals_[i].session == first.session && seals_[i].lane == first.lane; ++i, ++n) {
      mbufs[n] = seals_[i].m;
      packets[n] = wg::Packet{data_of(mbufs[n]), mbufs[n]->data_len};
    }
    outbox_.clear();
    devices_[first.lane]->send_to(*first.session, {packets.data(), n}, outbox_);
    send_outbox(static_cast<std::uint16_t>(shared_.listen_port + first.lane), {mbufs.data(), n});
  }
  seal_count_ = 0;
}

// Sends everything the device put in the outbox. A transmit inside one of in_place (sealed in
// place, in their order) is framed in that mbuf; the rest (handshakes, keepalives, staged packets)
// are copied into new ones. An mbuf nothing used is freed (the device staged or refused it).
void Worker::send_outbox(std::uint16_t src_port, std::span<rte_mbuf* const> in_place) {
  std::array<bool, kMaxPendingSeals> used{};
  std::size_t next = 0;
  for (const wg::Transmit& t : outbox_.transmits()) {
    bool framed = false;
    for (std::size_t k = next; k < in_place.size(); ++k) {
      if (!inside(in_place[k], t.data)) continue;
      used[k] = true;
      next = k + 1;
      to_outer(in_place[k], t.data, t.len, t.to, src_port);
      framed = true;
      break;
    }
    if (framed) continue;
    rte_mbuf* copy = rte_pktmbuf_alloc(shared_.pool);
    if (copy == nullptr) {
      ++counters_.no_mbuf;
      continue;
    }
    std::uint8_t* payload = data_of(copy) + kOuterHeaders;
    std::memcpy(payload, t.data, t.len);
    // Handshake messages, cookie replies and keepalives may wait for a neighbour only while the
    // queue is at most half full: a flood of initiations from unresolvable sources must not crowd
    // out data packets waiting there.
    to_outer(copy, payload, t.len, t.to, src_port, awaiting_count_ < awaiting_.size() / 2);
  }
  outbox_.clear();
  for (std::size_t k = 0; k < in_place.size(); ++k) {
    if (!used[k]) drop(in_place[k], counters_.seal_not_sent);
  }
}

void Worker::to_outer(rte_mbuf* m, const std::uint8_t* payload, std::size_t length, const wg::Endpoint& to,
                      std::uint16_t src_port, bool may_wait) {
  if (!to.address.is_v4()) return drop(m, counters_.outer_no_neighbor);  // IPv6 outer: not built yet
  std::uint32_t dst = load_be32(to.address.bytes.data());
  const MacAddress* mac = neighbors_->outer.find(dst);
  auto* frame = const_cast<std::uint8_t*>(payload) - kOuterHeaders;
  if (!set_data(m, frame, length + kOuterHeaders)) return drop(m, counters_.outer_bad_frame);
  OuterAddressing a;
  a.src_mac = shared_.outer.mac;
  if (mac != nullptr) a.dst_mac = *mac;
  a.src = shared_.outer_address;
  a.dst = dst;
  a.src_port = src_port;
  a.dst_port = to.port;
  write_outer_headers(frame, a, length);
  if (mac == nullptr) {
    if (!may_wait) {
      neighbor_miss(PortSide::outer, dst);
      return drop(m, counters_.outer_no_neighbor);
    }
    return await_neighbor(m, PortSide::outer, dst);
  }
  transmit(m, PortSide::outer);
}

void Worker::transmit(rte_mbuf* m, PortSide side) {
  if (side == PortSide::outer) {
    outer_tx_[outer_tx_count_++] = m;
    ++counters_.outer_tx;
    if (outer_tx_count_ == kBurst) flush();
  } else {
    inner_tx_[inner_tx_count_++] = m;
    ++counters_.inner_tx;
    if (inner_tx_count_ == kBurst) flush();
  }
}

// The frame is complete but for its destination MAC: it waits (as a router's ARP queue) while
// the agent has the kernel resolve the next hop, and is dropped after kNeighborWait.
void Worker::await_neighbor(rte_mbuf* m, PortSide side, std::uint32_t dst) {
  neighbor_miss(side, dst);
  if (awaiting_count_ == awaiting_.size()) {
    return drop(m, side == PortSide::outer ? counters_.outer_no_neighbor : counters_.inner_no_neighbor);
  }
  awaiting_[awaiting_count_++] = AwaitingNeighbor{m, dst, clock_.now() + kNeighborWait, side};
  ++counters_.awaiting_neighbor;
}

void Worker::from_outer(rte_mbuf* m) {
  ++counters_.outer_rx;
  if (m->nb_segs != 1) return drop(m, counters_.outer_multi_segment);
  auto d = parse_outer_frame({data_of(m), m->data_len});
  bool tunnel = d && d->dst == shared_.outer_address && d->dst_port >= shared_.listen_port &&
                d->dst_port < shared_.listen_port + shared_.lanes_per_peer;
  if (!tunnel) {
    // A client's packet for a VIP (the XDP pre-stage sends only tunnel and VIP packets here).
    if (anycast(m, Framing::ethernet, AnycastOrigin::client)) return;
    bool foreign = d || d.error() == FrameError::not_ipv4 || d.error() == FrameError::not_udp;
    return drop(m, foreign ? counters_.outer_not_tunnel : counters_.outer_bad_frame);
  }
  std::uint32_t lane = d->dst_port - shared_.listen_port;
  if (!owns(lane)) return handoff(m, lane_owner(lane, shared_.workers), lane);
  open_on_lane(m, *d, lane);
}

void Worker::open_on_lane(rte_mbuf* m, const OuterDatagram& d, std::uint32_t lane) {
  ++counters_.outer_messages;
  if (!devices_[lane]) return drop(m, counters_.outer_not_tunnel);
  wg::Datagram datagram{wg::Endpoint{IpAddress::v4(d.src), d.src_port}, data_of(m) + d.payload_offset,
                        d.payload_length};
  deliveries_.clear();
  outbox_.clear();
  devices_[lane]->receive({&datagram, 1}, deliveries_, outbox_);
  send_outbox(static_cast<std::uint16_t>(shared_.listen_port + lane), {});
  if (deliveries_.empty()) {
    rte_pktmbuf_free(m);  // a handshake message, keepalive or refused datagram: the device counted it
    return;
  }
  deliver(m, deliveries_.front(), lane);
}

void Worker::deliver(rte_mbuf* m, const wg::Delivery& delivery, std::uint32_t lane) {
  set_data(m, delivery.data, delivery.len);
  if (delivery.len < 20 || (delivery.data[0] >> 4) != 4) return drop(m, counters_.inner_not_ip);
  std::uint32_t dst = load_be32(delivery.data + 16);
  if (delivery.data[9] == kIpInIp && routes_->own_region_gateway(dst)) return from_other_region(m);
  if (dst == routes_->self_tunnel_address()) return on_probe(m, peer_of(lane, delivery.peer), lane);
  if (!ipv4_decrement_ttl({delivery.data, delivery.len})) return drop(m, counters_.relay_ttl_expired);
  if (routes_->lookup(dst) != nullptr) return route_to_tunnel(m, dst, true);
  ++counters_.outer_delivered;
  to_inner(m, dst);
}

bool Worker::anycast(rte_mbuf* m, Framing framing, AnycastOrigin origin) {
  if (routes_->services() == nullptr) return false;
  AnycastDecision d = anycast_.classify({data_of(m), m->data_len}, m->data_off, framing, origin, clock_.now());
  switch (d.verdict) {
    case AnycastVerdict::pass:
      return false;
    case AnycastVerdict::drop:
      drop(m, counters_.anycast_dropped);  // the stage counted why
      return true;
    case AnycastVerdict::to_backend: {
      // The GUE packet alone (the stage's Ethernet header and trailing padding left out); the
      // inner port's framing and the backend's next hop come from to_inner().
      std::uint8_t* ip = d.packet.data() + d.l3_offset;
      std::size_t length = (ip[0] >> 4) == 4 ? load_be16(ip + 2) : std::size_t{40} + load_be16(ip + 4);
      if (!d.backend->address.is_v4() || !set_data(m, ip, length)) {
        drop(m, counters_.anycast_dropped);
        return true;
      }
      ++counters_.anycast_to_backend;
      to_inner(m, load_be32(ip + 16));
      return true;
    }
    case AnycastVerdict::to_region: {
      // The client's packet goes to the region's gateway inside an IP-in-IP header: relays route
      // it by that address, and the receiving gateway knows it was steered to its region.
      const routing::NextHopGroup* route = routes_->region_route(*d.service, *d.group);
      const std::uint32_t target = routes_->region_target(*d.service, *d.group);
      std::uint8_t* outer = d.packet.data() - kIpv4Header;
      if (route == nullptr || target == 0 || !set_data(m, outer, d.packet.size() + kIpv4Header)) {
        drop(m, counters_.anycast_no_region_route);
        return true;
      }
      if (d.packet.size() + kIpv4Header > shared_.tunnel_mtu) {
        drop(m, counters_.inner_too_big);
        return true;
      }
      const std::uint32_t hash = flow_hash(d.packet.data(), d.packet.size());  // the client's flow picks the lane
      Ipv4Fields ip;
      ip.src = IpAddress::v4(routes_->self_tunnel_address());
      ip.dst = IpAddress::v4(target);
      ip.protocol = kIpInIp;
      ip.dont_fragment = false;
      (void)write_ipv4_header({outer, kIpv4Header}, ip, d.packet.size());
      send_via_group(m, *route, TunnelSource::anycast, hash);
      return true;
    }
  }
  return false;
}

// An IP-in-IP packet from another region's gateway: the client packet inside was steered to
// this region; only the local Maglev step follows, never another region (loop-free).
void Worker::from_other_region(rte_mbuf* m) {
  std::uint8_t* outer = data_of(m);
  std::size_t ihl = std::size_t{outer[0] & 0x0fu} * 4;
  std::size_t total = load_be16(outer + 2);
  if (ihl < kIpv4Header || total > m->data_len || total < ihl + kIpv4Header || !set_data(m, outer + ihl, total - ihl)) {
    return drop(m, counters_.anycast_dropped);
  }
  if (!anycast(m, Framing::ip, AnycastOrigin::tunnel)) {
    drop(m, counters_.anycast_dropped);  // not (or no longer) a VIP here: the stage counted why
  }
}

void Worker::on_probe(rte_mbuf* m, PeerRuntime* peer, std::uint32_t lane) {
  std::span<std::uint8_t> packet{data_of(m), m->data_len};
  auto parsed = probe::parse_probe_packet(packet);
  if (!parsed || peer == nullptr) return drop(m, parsed ? counters_.probe_refused : counters_.to_self_not_probe);
  if (parsed->message.kind == probe::ProbeKind::request) {
    auto length = responder_->respond_in_place(packet);
    if (!length) return drop(m, counters_.probe_refused);
    m->data_len = static_cast<std::uint16_t>(*length);
    m->pkt_len = *length;
    ++counters_.probe_requests_answered;
    return seal_on_lane(m, *peer, lane);  // the echo returns on the lane the request came on
  }
  if (!peer->probes) return drop(m, counters_.probe_refused);
  auto verdict = peer->probes->on_packet(packet, clock_.now());
  if (!verdict) return drop(m, counters_.probe_refused);
  ++counters_.probe_echoes;
  rte_pktmbuf_free(m);
}

void Worker::to_inner(rte_mbuf* m, std::uint32_t dst) {
  const MacAddress* mac = neighbors_->inner.find(dst);
  std::uint8_t* frame = data_of(m) - kEthernetHeader;
  if (!set_data(m, frame, m->data_len + kEthernetHeader)) return drop(m, counters_.outer_bad_frame);
  write_ethernet(frame, mac != nullptr ? *mac : MacAddress{}, shared_.inner.mac, kEtherTypeIpv4);
  if (mac == nullptr) return await_neighbor(m, PortSide::inner, dst);
  transmit(m, PortSide::inner);
}

void Worker::retry_awaiting(wg::Nanos now) {
  // Compacts in place: transmit() and drop() never queue a frame again.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < awaiting_count_; ++i) {
    AwaitingNeighbor& a = awaiting_[i];
    const NeighborTable& table = a.side == PortSide::outer ? neighbors_->outer : neighbors_->inner;
    if (const MacAddress* mac = table.find(a.dst)) {
      std::memcpy(data_of(a.m), mac->data(), mac->size());
      transmit(a.m, a.side);
    } else if (now >= a.deadline) {
      drop(a.m, a.side == PortSide::outer ? counters_.outer_no_neighbor : counters_.inner_no_neighbor);
    } else {
      awaiting_[kept++] = a;
    }
  }
  awaiting_count_ = kept;
}

void Worker::handoff(rte_mbuf* m, unsigned worker, std::uint32_t tag) {
  m->hash.usr = tag;
  if (rte_ring_enqueue(shared_.handoff[worker], m) != 0) return drop(m, counters_.handoff_ring_full);
  ++counters_.handoff_out;
}

void Worker::neighbor_miss(PortSide side, std::uint32_t ipv4) {
  if (shared_.neighbor_misses == nullptr) return;
  auto entry = (static_cast<std::uintptr_t>(side) << 32) | ipv4;
  rte_ring_enqueue(shared_.neighbor_misses, reinterpret_cast<void*>(entry));  // full: asked already
}

void Worker::flush() {
  if (outer_tx_count_ != 0) {
    std::uint16_t sent = rte_eth_tx_burst(shared_.outer.id, queue_, outer_tx_.data(),
                                          static_cast<std::uint16_t>(outer_tx_count_));
    for (std::size_t i = sent; i < outer_tx_count_; ++i) drop(outer_tx_[i], counters_.tx_ring_full);
    outer_tx_count_ = 0;
  }
  if (inner_tx_count_ != 0) {
    std::uint16_t sent = rte_eth_tx_burst(shared_.inner.id, queue_, inner_tx_.data(),
                                          static_cast<std::uint16_t>(inner_tx_count_));
    for (std::size_t i = sent; i < inner_tx_count_; ++i) drop(inner_tx_[i], counters_.tx_ring_full);
    inner_tx_count_ = 0;
  }
}

void Worker::drop(rte_mbuf* m, std::uint64_t& reason) {
  ++reason;
  rte_pktmbuf_free(m);
}

// --- timers and probes -------------------------------------------------------------------------

void Worker::run_timers() {
  wg::Nanos now = clock_.now();
  if (now < next_timers_) return;
  next_timers_ = now + kTimerInterval;
  if (awaiting_count_ != 0) retry_awaiting(now);
  anycast_.expire_flows(now, 64);
  if (now >= next_device_tick_) {
    next_device_tick_ = now + kDeviceTickInterval;
    for (std::uint32_t lane = 0; lane < shared_.lanes_per_peer; ++lane) {
      if (!devices_[lane]) continue;
      outbox_.clear();
      devices_[lane]->tick(outbox_);
      send_outbox(static_cast<std::uint16_t>(shared_.listen_port + lane), {});
    }
  }
  std::array<probe::OutgoingProbe, probe::kMaxLanesPerPeer> due;
  for (PeerRuntime& peer : peers_) {
    if (!peer.probes) continue;
    std::size_t n = peer.probes->tick(now, due);
    for (std::size_t i = 0; i < n; ++i) {
      rte_mbuf* m = rte_pktmbuf_alloc(shared_.pool);
      if (m == nullptr) {
        ++counters_.no_mbuf;
        continue;
      }
      // Room in front for the WireGuard header and the outer headers.
      std::uint8_t* at = data_of(m) + kOuterHeaders + wg::kHeadroom;
      auto written = peer.probes->sender().write(due[i], {at, probe::kProbePacketLength});
      if (!written) {
        rte_pktmbuf_free(m);
        continue;
      }
      set_data(m, at, *written);
      ++counters_.probes_sent;
      seal_on_lane(m, peer, due[i].lane);
    }
    // Echoes change lane states between timer runs too: compare with what was last published.
    probe::LaneUpBits before = peer.published_up;
    probe::LaneUpBits after = peer.probes->up_lanes();
    if (after != before) {
      peer.published_up = after;
      for (std::uint32_t lane = 0; lane < peer.lanes; ++lane) {
        bool was = (before >> lane) & 1u, is = (after >> lane) & 1u;
        if (was == is) continue;
        shared_.lanes.set_up(peer.slot[lane], is);
        ++(is ? counters_.lane_went_up : counters_.lane_went_down);
      }
    }
  }
  if (now >= next_publish_) {
    next_publish_ = now + kPublishInterval;
    publish_status();
  }
}

void Worker::publish_status() {
  shared_.pipeline_counters[index_].publish(counters_);
  wg::DeviceCounters sum;
  for (const auto& device : devices_) {
    if (device) add_counters(sum, device->counters());
  }
  shared_.tunnel_counters[index_].publish(sum);
  shared_.anycast_counters[index_].publish(anycast_.counters());
  shared_.anycast_flows[index_].store(anycast_.flows().size(), std::memory_order_relaxed);
  for (PeerRuntime& peer : peers_) {
    for (std::uint32_t lane = 0; lane < peer.lanes; ++lane) {
      if (!owns(lane)) continue;
      LaneStatus& st = shared_.lanes.status(peer.slot[lane]);
      if (const wg::Peer* session = peer.lane_peer[lane]) {
        st.rx_bytes.store(session->stats.rx_bytes, std::memory_order_relaxed);
        st.tx_bytes.store(session->stats.tx_bytes, std::memory_order_relaxed);
        st.last_handshake_ns.store(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       session->stats.last_handshake.time_since_epoch()).count(),
                                   std::memory_order_relaxed);
        if (session->endpoint && session->endpoint->address.is_v4()) {
          std::uint64_t e = (std::uint64_t{load_be32(session->endpoint->address.bytes.data())} << 16) |
                            session->endpoint->port;
          st.endpoint.store(e, std::memory_order_relaxed);
        }
      }
      if (peer.probes) {
        const probe::LaneHealth& h = peer.probes->lane(static_cast<probe::LaneId>(lane));
        st.rtt_ewma_ns.store(h.rtt_ewma() ? h.rtt_ewma()->count() : -1, std::memory_order_relaxed);
        st.rtt_min_ns.store(h.rtt_min() ? h.rtt_min()->count() : -1, std::memory_order_relaxed);
        st.loss_ppm.store(static_cast<std::uint32_t>(h.loss() * 1e6), std::memory_order_relaxed);
        st.probes_sent.store(h.counters().sent, std::memory_order_relaxed);
        st.probes_answered.store(h.counters().answered, std::memory_order_relaxed);
        st.went_down.store(h.counters().went_down, std::memory_order_relaxed);
        st.went_up.store(h.counters().went_up, std::memory_order_relaxed);
      }
    }
  }
}

}  // namespace anymesh::pipeline
