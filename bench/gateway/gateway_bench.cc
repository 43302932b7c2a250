// anymesh-bench-gateway: packet rate of the gateway's DPDK pipeline (the real GatewayRuntime and its
// workers) per worker core for seal (inner -> outer), open (outer -> inner) and relay (outer ->
// outer), anycast-local (a client's frame to a VIP -> Maglev -> GUE to a local backend) and
// anycast-remote (a client's frame to a VIP served in r2 -> IP-in-IP -> sealed to r2), against raw
// AEAD (the physical limit) and plain forwarding (the I/O ceiling) on the same core in the same run.
// Ports are ring ethdevs the benchmark fills and drains; the peer gateways are tunnel-core devices
// on the main lcore (see emulated_peer.h).
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_version.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/crypto/report.h"
#include "bench/crypto/workload.h"
#include "bench/gateway/aead_limit.h"
#include "bench/gateway/client_traffic.h"
#include "bench/gateway/emulated_peer.h"
#include "bench/gateway/gateway_report.h"
#include "bench/gateway/plain_forward.h"
#include "bench/gateway/ring_port.h"
#include "bench/gateway/traffic.h"
#include "dataplane/agent/snapshot_loader.h"
#include "dataplane/dpdk/eal.h"
#include "dataplane/dpdk/port.h"
#include "dataplane/packet/bytes.h"
#include "dataplane/pipeline/gateway_runtime.h"

namespace {

using namespace anymesh;
using namespace anymesh::bench;
using namespace std::chrono_literals;

// Addresses (documentation and 10.200/16 style, as in the lab): this gateway is region r1, the
// emulated peers are r2 (prefix 10.2/16) and r3 (10.3/16); r1's LAN hosts are 10.1.0.x.
constexpr std::uint32_t kGatewayOuter = 0xc6336401;  // 198.51.100.1
constexpr std::uint32_t kPeerR2Outer = 0xc6336402;   // 198.51.100.2
constexpr std::uint32_t kPeerR3Outer = 0xc6336403;   // 198.51.100.3
constexpr std::uint32_t kLanHost = 0x0a010005;       // 10.1.0.5 sends
constexpr std::uint32_t kLanDestinations = 0x0a01000a;  // 10.1.0.10.. receive
constexpr std::uint32_t kR2Host = 0x0a020005;
constexpr std::uint32_t kR2Destinations = 0x0a02000a;
constexpr std::uint32_t kR3Destinations = 0x0a03000a;
constexpr std::uint16_t kListenPort = 51820;
// Anycast: service "bench" at 203.0.113.10 UDP 7000, one local group of kBackends backends on the
// LAN (10.1.0.100..), GUE from the gateway's inner address 10.1.0.1.
constexpr std::uint32_t kVip = 0xcb00710a;          // 203.0.113.10
constexpr std::uint16_t kVipPort = 7000;
constexpr std::uint32_t kGatewayInner = 0x0a010001;  // 10.1.0.1
constexpr std::uint32_t kFirstBackend = 0x0a010064;  // 10.1.0.100
constexpr unsigned kBackends = 8;
// Service "bench-remote" at 203.0.113.11 UDP 7000: one group, in r2 (backends 10.2.0.100..); the
// gateway sends its clients' packets to r2's gateway (tunnel address 10.200.0.2) inside IP-in-IP.
constexpr std::uint32_t kRemoteVip = 0xcb00710b;  // 203.0.113.11
constexpr std::uint32_t kSelfTunnel = 0x0ac80001;   // 10.200.0.1
constexpr std::uint32_t kR2Tunnel = 0x0ac80002;     // 10.200.0.2
constexpr pipeline::MacAddress kClientMac{0x02, 0xc1, 0, 0, 0, 0x01};
constexpr pipeline::MacAddress kLanMac{0x02, 0xa1, 0, 0, 0, 0x05};
constexpr pipeline::MacAddress kR2Mac{0x02, 0xa2, 0, 0, 0, 0x02};
constexpr pipeline::MacAddress kR3Mac{0x02, 0xa3, 0, 0, 0, 0x03};
// How many packets of each batch are opened or parsed at the far end to check the path is real.
constexpr std::size_t kSamplePerBatch = 4;

struct Options {
  double seconds = 0.5;  // timed per repetition and point
  int repetitions = 3;
  bool quick = false;
  std::size_t batch = 32768;
  unsigned workers = 1;
  std::uint32_t anycast_flows = 4096;
  std::string json;
  std::string size;
};

int usage(const char* argv0) {
  std::fprintf(stderr,
               "Usage: %s [--quick] [--seconds S] [--repetitions N] [--batch N] [--workers 1|2] [--size NAME] [--flows N] [--json FILE]\n"
               "  Runs anymesh's GatewayRuntime over ring ports and measures seal (inner -> outer), open\n"
               "  (outer -> inner), relay (outer -> outer), anycast-local (VIP -> GUE to a local backend) and\n"
               "  anycast-remote (VIP served in r2 -> IP-in-IP sealed to r2) for 64, 512, 1420 B and IMIX, next to\n"
               "  raw AEAD and plain forwarding on the same worker core. Needs hugepages (else falls back to --no-huge).\n"
               "  --quick        a short smoke run (figures are not meaningful)\n"
               "  --seconds S    timed seconds per repetition and point (default 0.5)\n"
               "  --batch N      frames pushed at once (default 32768)\n"
               "  --workers N    worker lcores = lanes per peer (default 1)\n"
               "  --flows N      client flows cycling on the anycast-local and -remote paths (default 4096)\n",
               argv0);
  return 2;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      o.quick = true;
      o.seconds = 0.1;
      o.repetitions = 1;
      o.batch = 4096;
    } else if (arg == "--seconds" && has_value) {
      o.seconds = std::atof(argv[++i]);
      if (!(o.seconds > 0 && o.seconds <= 600)) return false;
    } else if (arg == "--repetitions" && has_value) {
      o.repetitions = std::atoi(argv[++i]);
      if (o.repetitions < 1 || o.repetitions > 100) return false;
    } else if (arg == "--batch" && has_value) {
      o.batch = static_cast<std::size_t>(std::atol(argv[++i]));
      if (o.batch < 64 || o.batch > 32768) return false;
    } else if (arg == "--workers" && has_value) {
      o.workers = static_cast<unsigned>(std::atoi(argv[++i]));
      if (o.workers < 1 || o.workers > 4) return false;
    } else if (arg == "--flows" && has_value) {
      o.anycast_flows = static_cast<std::uint32_t>(std::atol(argv[++i]));
      if (o.anycast_flows < 1 || o.anycast_flows > 1000000) return false;
    } else if (arg == "--json" && has_value) {
      o.json = argv[++i];
    } else if (arg == "--size" && has_value) {
      o.size = argv[++i];
    } else {
      return false;
    }
  }
  return true;
}

long free_hugepages() {
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    if (line.rfind("HugePages_Free:", 0) == 0) return std::stol(line.substr(15));
  }
  return 0;
}

std::string escaped_bytes(const wg::Key& key) {
  std::string out;
  char b[8];
  for (std::uint8_t c : key) {
    std::snprintf(b, sizeof b, "\\x%02x", c);
    out += b;
  }
  return out;
}

std::string peer_text(unsigned id, const char* region, const wg::Key& key, const char* endpoint_ip,
                      const char* tunnel, unsigned lanes) {
  std::string s = "peers { id: " + std::to_string(id) + " region: \"" + region + "\" public_key: \"" +
                  escaped_bytes(key) + "\" endpoints: \"" + endpoint_ip + ":" + std::to_string(kListenPort) +
                  "\" tunnel_address: \"" + tunnel + "\"";
  for (unsigned l = 0; l < lanes; ++l) {
    s += " lanes { id: " + std::to_string(l) + " port: " + std::to_string(kListenPort + l) + " }";
  }
  return s + " no_probes: true }\n";
}

std::string group_text(const char* region, unsigned gateway, unsigned lanes) {
  std::string l;
  for (unsigned i = 0; i < lanes; ++i) l += (i ? ", " : "") + std::to_string(i);
  return "groups { region: \"" + std::string(region) + "\" next_hops { gateway: " + std::to_string(gateway) +
         " lanes: [" + l + "] weight: 1 } }\n";
}

// An anycast service of one group of kBackends (the shape lab/gateway_snapshot.py writes): in r1,
// on the LAN, or in r2 (remote); no health checker runs here, so every backend counts as healthy.
std::string service_text(const char* name, const char* vip, const char* region, const char* lan,
                         unsigned first_id, bool local) {
  std::string s = "services { name: \"" + std::string(name) + "\" vips: \"" + vip +
                  "\" protocol: PROTOCOL_UDP port_first: " + std::to_string(kVipPort) + " groups { id: 1 region: \"" +
                  region + "\" weight: 1 dial_percent: 100 health_check { type: HEALTH_CHECK_UDP "
                  "interval_ms: 1000 rise: 2 fall: 3 port: " + std::to_string(kVipPort) + " } }";
  for (unsigned b = 0; b < kBackends; ++b) {
    s += " backends { id: " + std::to_string(first_id + b) + " address: \"" + lan + std::to_string(100 + b) +
         "\" weight: 1 group: 1 local: " + (local ? "true" : "false") + " }";
  }
  return s + " }\n";
}

std::uint8_t* data_of(rte_mbuf* m) { return rte_pktmbuf_mtod(m, std::uint8_t*); }

void free_all(std::vector<rte_mbuf*>& frames) {
  if (!frames.empty()) rte_pktmbuf_free_bulk(frames.data(), static_cast<unsigned>(frames.size()));
  frames.clear();
}

// A prepared batch: frames per rx queue, and the inner IP bytes it carries.
struct Batch {
  std::vector<std::vector<rte_mbuf*>> per_queue;
  std::size_t frames = 0;
  std::uint64_t ip_bytes = 0;
};

class Bench {
 public:
  Bench(const Options& o, rte_mempool* pool, RingPort& inner, RingPort& outer)
      : o_(o), pool_(pool), inner_(inner), outer_(outer) {}

  // Runs batches (prepare untimed, push + wait timed, check untimed) until `seconds` are timed;
  // keeps the best repetition's rate in `out`.
  void measure(PathRate& out, const std::function<void(Batch&)>& prepare, RingPort& into, RingPort& from,
               const std::function<void(std::vector<rte_mbuf*>&)>& check) {
    std::chrono::nanoseconds timed{0}, cpu{0};
    std::uint64_t packets = 0, bytes = 0;
    Batch batch;
    batch.per_queue.resize(into.queues());
    std::vector<rte_mbuf*> arrived;
    while (timed < std::chrono::duration<double>(o_.seconds)) {
      for (auto& q : batch.per_queue) q.clear();
      batch.frames = 0;
      batch.ip_bytes = 0;
      prepare(batch);
      BatchTiming t = timed_batch(into, batch.per_queue, from, batch.frames, 3s, clocks_, yield_cpu_);
      timed += t.elapsed;
      cpu += t.cpu;
      packets += t.arrived;
      bytes += t.complete ? batch.ip_bytes : batch.ip_bytes * t.arrived / std::max<std::size_t>(batch.frames, 1);
      if (!t.complete) out.complete = false;
      from.take_sent(arrived);
      check(arrived);
      free_all(arrived);
    }
    out.packets += packets;
    double s = std::chrono::duration<double>(timed).count();
    Rate r{static_cast<double>(packets) / s / 1e6, static_cast<double>(bytes) * 8 / s / 1e9};
    if (r.mpps > out.rate.mpps) out.rate = r;
    double c = std::chrono::duration<double>(cpu).count();
    if (c > 0) {
      Rate per_cpu{static_cast<double>(packets) / c / 1e6, static_cast<double>(bytes) * 8 / c / 1e9};
      if (per_cpu.mpps > out.per_cpu.mpps) out.per_cpu = per_cpu;
    }
  }

  // The CPU-time clocks of the lcores that do the measured work.
  void set_worker_clocks(std::vector<clockid_t> clocks) { clocks_ = std::move(clocks); }
  void set_yield_cpu(bool yield) { yield_cpu_ = yield; }

  // Inner frames of `traffic` from the LAN, spread over the rx queues by flow (what RSS would do).
  void prepare_inner(Batch& b, const Traffic& traffic, const pipeline::MacAddress& to) {
    std::vector<rte_mbuf*> frames(o_.batch);
    if (rte_pktmbuf_alloc_bulk(pool_, frames.data(), static_cast<unsigned>(frames.size())) != 0) {
      throw std::runtime_error("benchmark frame pool exhausted");
    }
    for (rte_mbuf* m : frames) {
      std::uint64_t i = sequence_++;
      std::size_t len = traffic.write_frame(i, data_of(m), to, kLanMac);
      m->data_len = static_cast<std::uint16_t>(len);
      m->pkt_len = static_cast<std::uint32_t>(len);
      b.ip_bytes += len - pipeline::kEthernetHeader;
      b.per_queue[(i % Traffic::kFlows) % b.per_queue.size()].push_back(m);
    }
    b.frames = frames.size();
  }

  // Client frames to the VIP on the outer port, spread over the rx queues by flow.
  void prepare_clients(Batch& b, const ClientTraffic& traffic, const pipeline::MacAddress& to) {
    std::vector<rte_mbuf*> frames(o_.batch);
    if (rte_pktmbuf_alloc_bulk(pool_, frames.data(), static_cast<unsigned>(frames.size())) != 0) {
      throw std::runtime_error("benchmark frame pool exhausted");
    }
    for (rte_mbuf* m : frames) {
      std::uint64_t i = sequence_++;
      std::size_t len = traffic.write_frame(i, data_of(m), to, kClientMac);
      m->data_len = static_cast<std::uint16_t>(len);
      m->pkt_len = static_cast<std::uint32_t>(len);
      b.ip_bytes += len - pipeline::kEthernetHeader;
      std::uint64_t flow = traffic.flows() > 0 ? i % traffic.flows() : i;
      b.per_queue[flow % b.per_queue.size()].push_back(m);
    }
    b.frames = frames.size();
  }

  // GUE frames the gateway sent on its inner port: the first few must be UDP from the gateway's
  // inner address to one of the backends, carrying a packet for the VIP.
  void check_gue(std::vector<rte_mbuf*>& frames) {
    for (std::size_t i = 0; i < frames.size() && i < kSamplePerBatch; ++i) {
      auto p = pipeline::parse_inner_frame({data_of(frames[i]), frames[i]->data_len});
      const std::uint8_t* ip = data_of(frames[i]) + (p ? p->ip_offset : 0);
      bool gue = p && p->ip_length >= 20 + 8 + 4 + 20 && ip[9] == 17 && load_be32(ip + 12) == kGatewayInner &&
                 load_be32(ip + 16) >= kFirstBackend && load_be32(ip + 16) < kFirstBackend + kBackends;
      std::size_t inner = 20 + 8;
      while (gue && inner + 20 <= p->ip_length && (ip[inner] >> 4) != 4) inner += 4;  // GUE header (and options)
      if (!gue || inner + 20 > p->ip_length || load_be32(ip + inner + 16) != kVip) {
        throw std::runtime_error("the gateway sent a frame that is not GUE to a backend carrying a VIP packet");
      }
      ++verified_;
    }
  }

  // Transport datagrams sealed by `peer` to the gateway, each on the lane of its flow, queued to
  // that lane's worker.
  void prepare_sealed(Batch& b, const Traffic& traffic, EmulatedPeer& peer, unsigned lanes) {
    std::vector<rte_mbuf*> frames(o_.batch);
    if (rte_pktmbuf_alloc_bulk(pool_, frames.data(), static_cast<unsigned>(frames.size())) != 0) {
      throw std::runtime_error("benchmark frame pool exhausted");
    }
    for (rte_mbuf* m : frames) {
      std::uint64_t i = sequence_++;
      m->data_off = static_cast<std::uint16_t>(m->data_off + pipeline::kOuterHeaders + wg::kHeadroom);
      std::size_t len = traffic.write_packet(i, data_of(m));
      m->data_len = static_cast<std::uint16_t>(len);
      m->pkt_len = static_cast<std::uint32_t>(len);
      unsigned lane = static_cast<unsigned>((i % Traffic::kFlows) % lanes);
      if (!peer.seal(m, lane)) throw std::runtime_error("the emulated peer has no session to seal with");
      b.ip_bytes += len;
      b.per_queue[pipeline::lane_owner(lane, static_cast<unsigned>(b.per_queue.size()))].push_back(m);
    }
    b.frames = frames.size();
  }

  // Frames the gateway sent on its outer port: handshakes go to their peer (and its answers back to
  // the gateway); of the transport data, the first few of each batch are opened by the peer and
  // must satisfy `valid`.
  void to_peers(std::vector<rte_mbuf*>& frames, std::vector<EmulatedPeer*> peers, EmulatedPeer* sample,
                const std::function<bool(std::span<const std::uint8_t>)>& valid) {
    std::vector<ToGateway> replies;
    std::size_t sampled = 0;
    for (rte_mbuf* m : frames) {
      auto d = pipeline::parse_outer_frame({data_of(m), m->data_len});
      if (!d) throw std::runtime_error("the gateway sent a frame that is not IPv4/UDP");
      std::uint8_t type = d->payload_length > 0 ? data_of(m)[d->payload_offset] : 0;
      EmulatedPeer* peer = nullptr;
      for (EmulatedPeer* p : peers) {
        if (p->address() == d->dst) peer = p;
      }
      if (peer == nullptr) throw std::runtime_error("the gateway sent a frame to an unknown address");
      // Sampled data, and every handshake or keepalive (a passive keepalive may follow a run of
      // received data; it opens to nothing).
      bool data = type == 4 && d->payload_length > 32;
      if (data && (peer != sample || sampled >= kSamplePerBatch)) {
        if (peer != sample) throw std::runtime_error("the gateway sealed a packet for the wrong peer");
        continue;
      }
      std::span<const std::uint8_t> inner;
      std::size_t delivered = peer->receive(m, *d, pool_, replies, &inner);
      if (data) {
        ++sampled;
        if (delivered != 1 || !valid(inner)) {
          throw std::runtime_error("a sealed packet did not open to what was sent at the peer");
        }
        ++verified_;
      }
    }
    for (const ToGateway& r : replies) {
      rte_mbuf* m = r.frame;
      if (outer_.push(pipeline::lane_owner(r.lane, outer_.queues()), &m, 1) != 1) rte_pktmbuf_free(m);
    }
  }

  // Frames the gateway delivered on its inner port: the first few must be the packets sent.
  void check_delivered(std::vector<rte_mbuf*>& frames, const Traffic& expect) {
    for (std::size_t i = 0; i < frames.size() && i < kSamplePerBatch; ++i) {
      auto p = pipeline::parse_inner_frame({data_of(frames[i]), frames[i]->data_len});
      if (!p || !valid_inner({data_of(frames[i]) + p->ip_offset, p->ip_length}, expect)) {
        throw std::runtime_error("the gateway delivered a packet that is not one sent");
      }
      ++verified_;
    }
  }

  // The handshakes: inner packets to every region until every emulated peer has a session on
  // every lane (the gateway initiates, as it would for the first packet of a flow).
  void establish(std::vector<EmulatedPeer*> peers, const std::vector<const Traffic*>& traffic) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      bool ready = std::all_of(peers.begin(), peers.end(), [](EmulatedPeer* p) { return p->ready(); });
      if (ready) return;
      for (const Traffic* t : traffic) {
        for (unsigned flow = 0; flow < Traffic::kFlows; ++flow) {
          rte_mbuf* m = rte_pktmbuf_alloc(pool_);
          if (m == nullptr) throw std::runtime_error("benchmark frame pool exhausted");
          std::uint64_t i = sequence_++;
          std::size_t len = t->write_frame(i, data_of(m), inner_mac_, kLanMac);
          m->data_len = static_cast<std::uint16_t>(len);
          m->pkt_len = static_cast<std::uint32_t>(len);
          if (inner_.push(static_cast<unsigned>((i % Traffic::kFlows) % inner_.queues()), &m, 1) != 1) rte_pktmbuf_free(m);
        }
      }
      auto until = std::chrono::steady_clock::now() + 50ms;
      std::vector<rte_mbuf*> sent;
      std::vector<ToGateway> replies;
      while (std::chrono::steady_clock::now() < until) {
        outer_.take_sent(sent);
        for (rte_mbuf* m : sent) {
          auto d = pipeline::parse_outer_frame({data_of(m), m->data_len});
          if (!d) continue;
          for (EmulatedPeer* p : peers) {
            if (p->address() == d->dst) p->receive(m, *d, pool_, replies);
          }
        }
        free_all(sent);
        for (EmulatedPeer* p : peers) p->tick(pool_, replies);
        for (const ToGateway& r : replies) {
          rte_mbuf* f = r.frame;
          if (outer_.push(pipeline::lane_owner(r.lane, outer_.queues()), &f, 1) != 1) rte_pktmbuf_free(f);
        }
        replies.clear();
        inner_.take_sent(sent);
        free_all(sent);
      }
    }
    throw std::runtime_error("no WireGuard session with the emulated peers within 5 s");
  }

  void set_inner_mac(const pipeline::MacAddress& m) { inner_mac_ = m; }
  std::uint64_t verified() const { return verified_; }

  // What r2 opens on the anycast-remote path: IP-in-IP from this gateway's tunnel address to r2's,
  // around the client's packet to the remote VIP.
  static bool valid_steered(std::span<const std::uint8_t> ip) {
    return ip.size() >= 40 && ip[0] == 0x45 && load_be16(ip.data() + 2) == ip.size() && ip[9] == 4 &&
           load_be32(ip.data() + 12) == kSelfTunnel && load_be32(ip.data() + 16) == kR2Tunnel && (ip[20] >> 4) == 4 &&
           load_be16(ip.data() + 22) == ip.size() - 20 && load_be32(ip.data() + 36) == kRemoteVip;
  }

  static bool valid_inner(std::span<const std::uint8_t> ip, const Traffic& expect) {
    if (ip.size() < 20 || (ip[0] >> 4) != 4 || load_be16(ip.data() + 2) != ip.size()) return false;
    const auto& lengths = expect.workload().lengths;
    if (std::find(lengths.begin(), lengths.end(), ip.size()) == lengths.end()) return false;
    auto dsts = expect.destinations();
    return std::find(dsts.begin(), dsts.end(), load_be32(ip.data() + 16)) != dsts.end();
  }

 private:
  const Options& o_;
  rte_mempool* pool_;
  RingPort& inner_;
  RingPort& outer_;
  pipeline::MacAddress inner_mac_{};
  std::vector<clockid_t> clocks_;
  bool yield_cpu_ = false;
  std::uint64_t sequence_ = 0;
  std::uint64_t verified_ = 0;
};

int record_cpu_clock(void* arg) {
  return pthread_getcpuclockid(pthread_self(), static_cast<clockid_t*>(arg));
}

std::uint64_t pool_bytes(const rte_mempool* pool) {
  if (pool == nullptr) return 0;
  return std::uint64_t{pool->size} * (pool->header_size + pool->elt_size + pool->trailer_size);
}

int run(const Options& o) {
  GatewayRunInfo info;
  info.machine = describe_machine();
  info.machine.seconds = o.seconds;
  info.machine.repetitions = o.repetitions;
  info.machine.quick = o.quick;
  info.dpdk = rte_version();
  info.workers = o.workers;
  info.lanes = o.workers;
  info.batch = o.batch;
  info.anycast_flows = o.anycast_flows;

  std::vector<Workload> workloads;
  for (const Workload& w : standard_workloads()) {
    if (o.size.empty() || w.name == o.size) workloads.push_back(w);
  }
  if (workloads.empty()) throw std::runtime_error("--size: one of 64, 512, 1420, imix");

  // Lcores: main on the CPU we started on, workers on the others (round robin when there are more
  // workers than other CPUs: then the figures per core are not per core; the table says so).
  cpu_set_t allowed;
  sched_getaffinity(0, sizeof allowed, &allowed);
  std::vector<unsigned> cpus;
  for (unsigned c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  }
  unsigned main_cpu = static_cast<unsigned>(sched_getcpu());
  info.main_cpu = main_cpu;
  std::vector<unsigned> others;
  for (unsigned c : cpus) {
    if (c != main_cpu) others.push_back(c);
  }
  if (others.empty()) others.push_back(main_cpu);
  std::string lcores = "0@" + std::to_string(main_cpu);
  for (unsigned w = 0; w < o.workers; ++w) {
    unsigned cpu = others[w % others.size()];
    if (w >= others.size()) cpu = main_cpu;
    info.worker_cpus.push_back(cpu);
    lcores += "," + std::to_string(w + 1) + "@" + std::to_string(cpu);
  }
  // Memory: the benchmark's frames (two batches in flight at most) plus the gateway's own pool.
  std::size_t pool_frames = 2 * o.batch + 4096;
  std::size_t need_mb = (pool_frames + 16384) * 2560 / 1048576 + 96;
  info.hugepages = static_cast<std::size_t>(free_hugepages()) * 2 >= need_mb + 64;
  info.eal = {"anymesh-bench-gateway", "--lcores", lcores, "--main-lcore", "0", "--no-pci", "--log-level", "error"};
  if (info.hugepages) {
    info.eal.push_back("--in-memory");
  } else {
    for (const char* a : {"--no-huge", "-m", "", "--file-prefix", ""}) info.eal.push_back(a);
    info.eal[info.eal.size() - 3] = std::to_string(need_mb + 64);
    info.eal.back() = "anymesh-bench-" + std::to_string(::getpid());
  }
  dpdk::Eal eal(info.eal);

  unsigned slots = 65536;
  RingPort inner("bgw_in", o.workers, slots), outer("bgw_out", o.workers, slots);
  RingPort plain_in("bgw_pin", 1, slots), plain_out("bgw_pout", 1, slots);
  rte_mempool* pool = rte_pktmbuf_pool_create("bench_frames", static_cast<unsigned>(pool_frames), 256, 0,
                                              RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  if (pool == nullptr) throw std::runtime_error("cannot create the benchmark's frame pool");
  Bench bench(o, pool, inner, outer);
  std::vector<clockid_t> clocks(o.workers);
  for (unsigned w = 0; w < o.workers; ++w) {
    rte_eal_remote_launch(record_cpu_clock, &clocks[w], w + 1);
    if (rte_eal_wait_lcore(w + 1) != 0) throw std::runtime_error("no CPU-time clock for a worker lcore");
  }
  std::vector<GatewaySizeResult> results;
  for (const Workload& w : workloads) results.push_back({w, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}});

  // 1. The physical limit on the first worker's lcore (taken again after the gateway).
  AeadLimit limit;
  limit.workloads = workloads;
  limit.seconds = o.seconds;
  limit.warmup = o.quick ? 0.02 : 0.1;
  limit.repetitions = o.repetitions;
  std::fprintf(stderr, "anymesh-bench-gateway: raw AEAD on lcore 1 (CPU %u)\n", info.worker_cpus[0]);
  rte_eal_remote_launch(run_aead_limit, &limit, 1);
  rte_eal_wait_lcore(1);

  // 2. The I/O ceiling: plain forwarding over the same kind of ring ports, same lcore.
  std::fprintf(stderr, "anymesh-bench-gateway: plain forwarding\n");
  {
    dpdk::Port in = dpdk::open_port({agent::PortKind::vdev, plain_in.name()}, 1, pool);
    dpdk::Port out = dpdk::open_port({agent::PortKind::vdev, plain_out.name()}, 1, pool);
    PlainForward forward;
    forward.from_port = in.id;
    forward.to_port = out.id;
    bench.set_worker_clocks({clocks[0]});
    rte_eal_remote_launch(run_plain_forward, &forward, 1);
    for (int rep = 0; rep < o.repetitions; ++rep) {
      for (auto& r : results) {
        Traffic t(r.workload, kLanHost, kR2Destinations);
        bench.measure(r.plain, [&](Batch& b) { bench.prepare_inner(b, t, in.mac); }, plain_in, plain_out,
                      [](std::vector<rte_mbuf*>&) {});
      }
    }
    forward.stop = true;
    rte_eal_wait_lcore(1);
    dpdk::close_port(in);
    dpdk::close_port(out);
  }

  // 3. The gateway: GatewayRuntime over the ring ports, peers r2 and r3 emulated on this lcore.
  std::fprintf(stderr, "anymesh-bench-gateway: gateway pipeline, %u worker(s)\n", o.workers);
  {
    agent::GatewayOptions options;
    options.gateway_id = 1;
    options.region = "r1";
    options.private_key = agent::PrivateKey(wg::generate_private_key());
    options.outer_port = {agent::PortKind::vdev, outer.name()};
    options.inner_port = {agent::PortKind::vdev, inner.name()};
    options.lcores = {0};
    for (unsigned w = 0; w < o.workers; ++w) options.lcores.push_back(w + 1);
    options.queues = o.workers;
    options.lanes_per_peer = o.workers;
    options.listen_port = kListenPort;
    wg::Key gateway_public = wg::public_key_of(options.private_key.bytes());

    wg::SystemClock clock;
    pipeline::GatewayRuntime runtime(options, kGatewayOuter, kGatewayInner);
    const pipeline::MacAddress gateway_outer_mac = runtime.shared().outer.mac;
    bench.set_inner_mac(runtime.shared().inner.mac);
    auto peer_config = [&](std::uint32_t address, const pipeline::MacAddress& mac) {
      EmulatedPeerConfig c;
      c.private_key = wg::generate_private_key();
      c.address = address;
      c.mac = mac;
      c.lanes = o.workers;
      c.listen_port = kListenPort;
      c.gateway_public_key = gateway_public;
      c.gateway_address = kGatewayOuter;
      c.gateway_listen_port = kListenPort;
      c.gateway_mac = gateway_outer_mac;
      return c;
    };
    EmulatedPeer r2(clock, peer_config(kPeerR2Outer, kR2Mac));
    EmulatedPeer r3(clock, peer_config(kPeerR3Outer, kR3Mac));

    std::string text = "version: 1\nself { id: 1 region: \"r1\" tunnel_address: \"10.200.0.1\" }\n" +
                       peer_text(2, "r2", r2.public_key(), "198.51.100.2", "10.200.0.2", o.workers) +
                       peer_text(3, "r3", r3.public_key(), "198.51.100.3", "10.200.0.3", o.workers) +
                       group_text("r2", 2, o.workers) + group_text("r3", 3, o.workers) +
                       "prefixes { prefix: \"10.2.0.0/16\" region: \"r2\" }\n"
                       "prefixes { prefix: \"10.3.0.0/16\" region: \"r3\" }\n" +
                       service_text("bench", "203.0.113.10", "r1", "10.1.0.", 1, true) +
                       service_text("bench-remote", "203.0.113.11", "r2", "10.2.0.", 101, false);
    auto snapshot = agent::load_snapshot_text(text);
    if (!snapshot) throw std::runtime_error("benchmark snapshot refused: " + snapshot.error().to_string());
    runtime.publish(std::make_shared<const agent::AppliedSnapshot>(std::move(*snapshot)));
    std::vector<pipeline::NeighborEntry> outer_neighbors{{kPeerR2Outer, kR2Mac}, {kPeerR3Outer, kR3Mac}};
    std::vector<pipeline::NeighborEntry> inner_neighbors;
    for (unsigned h = 0; h < Traffic::kHosts; ++h) inner_neighbors.push_back({kLanDestinations + h, kLanMac});
    for (unsigned b = 0; b < kBackends; ++b) inner_neighbors.push_back({kFirstBackend + b, kLanMac});
    runtime.publish(pipeline::NeighborState{pipeline::NeighborTable(outer_neighbors),
                                            pipeline::NeighborTable(inner_neighbors)});
    runtime.start();
    bench.set_worker_clocks(clocks);
    bench.set_yield_cpu(std::find(info.worker_cpus.begin(), info.worker_cpus.end(), main_cpu) != info.worker_cpus.end());

    Traffic to_r2(workloads.front(), kLanHost, kR2Destinations), to_r3(workloads.front(), kLanHost, kR3Destinations);
    bench.establish({&r2, &r3}, {&to_r2, &to_r3});
    std::fprintf(stderr, "anymesh-bench-gateway: sessions up with r2 and r3 on %u lane(s)\n", o.workers);

    for (int rep = 0; rep < o.repetitions; ++rep) {
      for (auto& r : results) {
        Traffic seal(r.workload, kLanHost, kR2Destinations);
        Traffic open(r.workload, kR2Host, kLanDestinations);
        Traffic relay(r.workload, kR2Host, kR3Destinations);
        const pipeline::MacAddress inner_mac = runtime.shared().inner.mac;
        bench.measure(r.seal, [&](Batch& b) { bench.prepare_inner(b, seal, inner_mac); }, inner, outer,
                      [&](std::vector<rte_mbuf*>& f) {
                        bench.to_peers(f, {&r2, &r3}, &r2, [&](auto ip) { return Bench::valid_inner(ip, seal); });
                      });
        bench.measure(r.open, [&](Batch& b) { bench.prepare_sealed(b, open, r2, o.workers); }, outer, inner,
                      [&](std::vector<rte_mbuf*>& f) { bench.check_delivered(f, open); });
        bench.measure(r.relay, [&](Batch& b) { bench.prepare_sealed(b, relay, r2, o.workers); }, outer, outer,
                      [&](std::vector<rte_mbuf*>& f) {
                        bench.to_peers(f, {&r2, &r3}, &r3, [&](auto ip) { return Bench::valid_inner(ip, relay); });
                      });
        ClientTraffic warm(r.workload, kVip, kVipPort, o.anycast_flows);
        ClientTraffic fresh(r.workload, kVip, kVipPort, 0);
        bench.measure(r.anycast, [&](Batch& b) { bench.prepare_clients(b, warm, gateway_outer_mac); }, outer, inner,
                      [&](std::vector<rte_mbuf*>& f) { bench.check_gue(f); });
        bench.measure(r.anycast_new_flows, [&](Batch& b) { bench.prepare_clients(b, fresh, gateway_outer_mac); }, outer,
                      inner, [&](std::vector<rte_mbuf*>& f) { bench.check_gue(f); });
        // The IP-in-IP header must fit the tunnel MTU: larger client packets are dropped
        // (inner_too_big) and are not measured.
        const auto& lengths = r.workload.lengths;
        if (*std::max_element(lengths.begin(), lengths.end()) + 20 <= runtime.shared().tunnel_mtu) {
          ClientTraffic remote(r.workload, kRemoteVip, kVipPort, o.anycast_flows);
          bench.measure(r.anycast_remote, [&](Batch& b) { bench.prepare_clients(b, remote, gateway_outer_mac); }, outer,
                        outer, [&](std::vector<rte_mbuf*>& f) { bench.to_peers(f, {&r2, &r3}, &r2, Bench::valid_steered); });
        }
      }
    }
    info.memory = measure_memory();
    info.memory.gateway_pool_bytes = pool_bytes(runtime.shared().pool);
    info.memory.bench_pool_bytes = pool_bytes(pool);
    runtime.stop();
    runtime.pipeline_counters().for_each([&](const char* name, std::uint64_t v) {
      if (v != 0) info.counters.emplace_back(std::string("pipeline.") + name, v);
    });
    runtime.tunnel_counters().for_each([&](const char* name, std::uint64_t v) {
      if (v != 0) info.counters.emplace_back(std::string("tunnel.") + name, v);
    });
  }

  // 4. The physical limit again, now that the worker lcore is free: the best of both counts.
  std::fprintf(stderr, "anymesh-bench-gateway: raw AEAD again\n");
  rte_eal_remote_launch(run_aead_limit, &limit, 1);
  rte_eal_wait_lcore(1);
  if (limit.failures != 0) throw std::runtime_error("raw AEAD open failed: the benchmark is broken");
  for (std::size_t i = 0; i < results.size(); ++i) {
    results[i].raw_seal = limit.seal[i];
    results[i].raw_open = limit.open[i];
    results[i].raw_seal_per_cpu = limit.seal_per_cpu[i];
    results[i].raw_open_per_cpu = limit.open_per_cpu[i];
  }
  info.verified = bench.verified();
  print_gateway_table(stdout, info, results);
  if (!o.json.empty() && !write_gateway_json(o.json, info, results)) {
    throw std::runtime_error("cannot write " + o.json);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) return usage(argv[0]);
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anymesh-bench-gateway: %s\n", e.what());
    return 1;
  }
}
