// anymesh-bench-xdp: ns per packet of the xdp_gateway program under BPF_PROG_TEST_RUN for a local
// VIP flow found pinned (hit), a VIP flow decided by Maglev and pinned (miss), and a packet that is
// neither tunnel nor VIP (XDP_PASS, the floor). Needs root (CAP_BPF + CAP_NET_ADMIN).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/xdp/xdp_report.h"
#include "bpf/loader/object_path.h"
#include "bpf/loader/xdp_gateway_maps.h"
#include "dataplane/anycast/maglev.h"
#include "dataplane/packet/bytes.h"
#include "dataplane/packet/ipv4.h"

namespace {

using namespace anymesh;
using namespace anymesh::bench;

// One local_only service: 203.0.113.10 UDP 7000, 8 local healthy backends 10.1.0.100.., GUE from
// 198.51.100.1 (the gateway's outer address, as the agent configures the outer port).
constexpr std::uint32_t kVip = 0xcb00710a;
constexpr std::uint16_t kVipPort = 7000;
constexpr std::uint32_t kServiceId = 1;
constexpr unsigned kBackends = 8;
constexpr std::uint32_t kClientBase = 0xc0000200;  // 192.0.2.0
constexpr std::uint32_t kNotVip = 0xcb007163;      // 203.0.113.99: neither VIP nor tunnel
constexpr std::size_t kIpPacket = 64;              // IP bytes, as the DPDK benchmark's 64 B point
constexpr std::size_t kFrame = 14 + kIpPacket;

struct Options {
  std::uint32_t repeat = 1000000;  // of the repeat-N calls
  std::uint32_t flows = 100000;    // distinct flows of the miss and many-flow hit cases
  std::uint32_t single_calls = 200000;
  int passes = 3;
  bool quick = false;
  std::string json;
};

int usage(const char* argv0) {
  std::fprintf(stderr,
               "Usage: %s [--quick] [--repeat N] [--flows N] [--passes N] [--json FILE]\n"
               "  Loads xdp_gateway.bpf.o (ANYMESH_BPF_DIR or the build tree), configures one local_only VIP\n"
               "  service and measures ns per packet with BPF_PROG_TEST_RUN: flow hit, flow miss, XDP_PASS floor.\n"
               "  --repeat N   repeat of the floor's calls (default 1000000)\n"
               "  --flows N    distinct flows for the miss / hit passes (default 100000, at most 200000)\n"
               "  --quick      a short smoke run (figures are not meaningful)\n",
               argv0);
  return 2;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      o.quick = true;
      o.repeat = 10000;
      o.flows = 2000;
      o.single_calls = 2000;
      o.passes = 1;
    } else if (arg == "--repeat" && has_value) {
      o.repeat = static_cast<std::uint32_t>(std::atol(argv[++i]));
      if (o.repeat < 1 || o.repeat > 100000000) return false;
    } else if (arg == "--flows" && has_value) {
      o.flows = static_cast<std::uint32_t>(std::atol(argv[++i]));
      if (o.flows < 1 || o.flows > 200000) return false;  // well under the flows LRU (262144)
    } else if (arg == "--passes" && has_value) {
      o.passes = std::atoi(argv[++i]);
      if (o.passes < 1 || o.passes > 100) return false;
    } else if (arg == "--json" && has_value) {
      o.json = argv[++i];
    } else {
      return false;
    }
  }
  return true;
}

struct ObjectCloser {
  void operator()(bpf_object* o) const { bpf_object__close(o); }
};
using Object = std::unique_ptr<bpf_object, ObjectCloser>;

IpAddress v4(std::uint32_t a) { return IpAddress::v4(a); }

// Ethernet/IPv4/UDP, kIpPacket IP bytes, from client tuple `flow` to dst:port.
std::vector<std::uint8_t> frame(std::uint32_t flow, std::uint32_t dst, std::uint16_t port) {
  std::vector<std::uint8_t> f(kFrame, 0);
  const std::uint8_t macs[12] = {0x02, 0x00, 0, 0, 0, 0x01, 0x02, 0xc1, 0, 0, 0, 0x01};
  std::memcpy(f.data(), macs, sizeof macs);
  store_be16(f.data() + 12, 0x0800);
  Ipv4Fields ip;
  ip.src = v4(kClientBase + 1 + flow % 254);
  ip.dst = v4(dst);
  ip.protocol = 17;
  if (!write_ipv4_header(std::span<std::uint8_t>(f.data() + 14, kIpPacket), ip, kIpPacket - 20)) {
    throw std::runtime_error("cannot build an IPv4 header");
  }
  std::uint8_t* udp = f.data() + 34;
  store_be16(udp, static_cast<std::uint16_t>(1024 + flow / 254));
  store_be16(udp + 2, port);
  store_be16(udp + 4, static_cast<std::uint16_t>(kIpPacket - 20));
  return f;
}

const char* verdict_name(std::uint32_t v) {
  switch (v) {
    case XDP_ABORTED: return "XDP_ABORTED";
    case XDP_DROP: return "XDP_DROP";
    case XDP_PASS: return "XDP_PASS";
    case XDP_TX: return "XDP_TX";
    case XDP_REDIRECT: return "XDP_REDIRECT";
    default: return "?";
  }
}

class Runner {
 public:
  explicit Runner(int prog) : prog_(prog), out_(kFrame + 256) {}

  // One BPF_PROG_TEST_RUN call; returns the kernel's mean duration, checks the verdict.
  std::uint32_t run(const std::vector<std::uint8_t>& in, std::uint32_t repeat, std::uint32_t expect) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(), .data_out = out_.data(),
                .data_size_in = static_cast<std::uint32_t>(in.size()),
                .data_size_out = static_cast<std::uint32_t>(out_.size()), .repeat = static_cast<int>(repeat));
    int rc = bpf_prog_test_run_opts(prog_, &opts);
    if (rc != 0) throw std::runtime_error(std::string("BPF_PROG_TEST_RUN: ") + std::strerror(-rc));
    if (opts.retval != expect) {
      throw std::runtime_error(std::string("verdict ") + verdict_name(opts.retval) + ", expected " + verdict_name(expect));
    }
    return opts.duration;
  }

  // Mean duration over one call per frame, repeat 1.
  double each_once(const std::vector<std::vector<std::uint8_t>>& frames, std::uint32_t expect) {
    double sum = 0;
    for (const auto& f : frames) sum += run(f, 1, expect);
    return sum / static_cast<double>(frames.size());
  }

 private:
  int prog_;
  std::vector<std::uint8_t> out_;
};

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

std::uint64_t counter(const bpf::XdpGatewayMaps& maps, std::uint32_t index) {
  auto c = maps.counters();
  if (!c) throw std::runtime_error("cannot read xdp_counters: " + c.error());
  return (*c)[index];
}

void configure(bpf::XdpGatewayMaps& maps) {
  bpf::GatewayConfig config;
  config.role = bpf::GatewayRole::outer;
  config.tunnel_port_first = 51820;
  config.tunnel_port_count = 1;
  config.gateway_v4 = v4(0xc6336401);  // 198.51.100.1
  config.next_hop_mac = {0x02, 0, 0, 0, 0, 0x03};
  config.mtu = 1500;
  std::vector<bpf::XdpBackend> backends;
  std::vector<anycast::MaglevBackend> names;
  for (unsigned b = 0; b < kBackends; ++b) {
    backends.push_back({b + 1, v4(0x0a010064 + b), 1, true, true});
    names.push_back({"backend-" + std::to_string(b + 1), 1});
  }
  auto table = anycast::build_maglev(names);
  if (!table) throw std::runtime_error("cannot build the Maglev table");
  std::vector<std::uint32_t> slots(table->slots().begin(), table->slots().end());
  for (auto& s : slots) s += 1;  // index -> backend id
  bpf::XdpVip vip;
  vip.address = v4(kVip);
  vip.protocol = 17;
  vip.port = kVipPort;
  vip.service_id = kServiceId;
  vip.table_size = table->size();
  vip.local_only = true;
  bool ok = maps.set_config(config) && maps.set_backends(backends) && maps.set_maglev(kServiceId, slots) &&
            maps.set_vips({&vip, 1});
  if (!ok) throw std::runtime_error("cannot fill the xdp_gateway maps");
}

int run(const Options& o) {
  // BPF_PROG_TEST_RUN runs on the calling CPU: stay on one (as the fixture runner does).
  XdpRunInfo info;
  info.cpu = sched_getcpu();
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(static_cast<unsigned>(info.cpu), &one);
  if (sched_setaffinity(0, sizeof one, &one) != 0) throw std::runtime_error("cannot pin to a CPU");
  utsname u{};
  uname(&u);
  info.kernel = u.release;
  info.cpu_model = cpu_model();
  info.nproc = std::thread::hardware_concurrency();
  info.quick = o.quick;
  info.passes = o.passes;
  info.flows = o.flows;

  std::string path = bpf::xdp_gateway_object_path();
  Object object(bpf_object__open_file(path.c_str(), nullptr));
  if (!object) throw std::runtime_error("cannot open " + path);
  if (int rc = bpf_object__load(object.get()); rc != 0) {
    throw std::runtime_error("cannot load " + path + " (root?): " + std::strerror(-rc));
  }
  bpf_program* program = bpf_object__find_program_by_name(object.get(), "xdp_gateway");
  if (program == nullptr) throw std::runtime_error("no xdp_gateway program in " + path);
  int prog = bpf_program__fd(program);
  auto maps = bpf::XdpGatewayMaps::open_program(prog);
  if (!maps) throw std::runtime_error("xdp_gateway maps: " + maps.error());
  configure(*maps);

  Runner runner(prog);
  std::vector<std::vector<std::uint8_t>> many;
  for (std::uint32_t f = 0; f < o.flows; ++f) many.push_back(frame(f, kVip, kVipPort));
  std::vector<std::vector<std::uint8_t>> same(o.single_calls, frame(o.flows, kVip, kVipPort));
  std::vector<std::vector<std::uint8_t>> other(o.single_calls, frame(0, kNotVip, 80));
  const auto floor_frame = frame(0, kNotVip, 80);

  double floor_n = 1e18, floor_1 = 1e18, miss = 1e18, hit_many = 1e18, hit_one = 1e18, vip_n = 1e18;
  std::uint32_t vip_n_verdict = XDP_PASS;
  std::uint64_t new0 = counter(*maps, AM_XDP_NOTE_FLOW_NEW), pinned0 = counter(*maps, AM_XDP_NOTE_FLOW_PINNED);
  for (int pass = 0; pass < o.passes; ++pass) {
    floor_n = std::min<double>(floor_n, runner.run(floor_frame, o.repeat, XDP_PASS));
    floor_1 = std::min(floor_1, runner.each_once(other, XDP_PASS));
    if (!maps->clear_flows()) throw std::runtime_error("cannot clear the flows map");
    miss = std::min(miss, runner.each_once(many, XDP_TX));      // every call a new flow
    hit_many = std::min(hit_many, runner.each_once(many, XDP_TX));  // the same flows, now pinned
    hit_one = std::min(hit_one, runner.each_once(same, XDP_TX));    // one flow (pinned by its first call)
    // repeat N on a VIP frame: the kernel reruns the program on the SAME buffer, which the first
    // run turned into a GUE packet to a backend; the rest are not VIP packets. Kept to show it.
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = same[0].data(), .data_size_in = static_cast<std::uint32_t>(kFrame),
                .repeat = static_cast<int>(o.repeat));
    std::vector<std::uint8_t> out(kFrame + 256);
    opts.data_out = out.data();
    opts.data_size_out = static_cast<std::uint32_t>(out.size());
    if (bpf_prog_test_run_opts(prog, &opts) != 0) throw std::runtime_error("BPF_PROG_TEST_RUN failed");
    vip_n = std::min<double>(vip_n, opts.duration);
    vip_n_verdict = opts.retval;
  }
  info.flows_new = counter(*maps, AM_XDP_NOTE_FLOW_NEW) - new0;
  info.flows_pinned = counter(*maps, AM_XDP_NOTE_FLOW_PINNED) - pinned0;
  // Every miss call must have been a new flow and every hit call a pinned one, else the figures are
  // not what they are called. Per pass: the misses plus the single flow's first call are new; the
  // many-flow hits, the single flow's other calls and the repeat-N call's first run are pinned.
  std::uint64_t passes = static_cast<std::uint64_t>(o.passes);
  if (info.flows_new != passes * (o.flows + 1) || info.flows_pinned != passes * (o.flows + o.single_calls)) {
    throw std::runtime_error("flow table not as expected: note_flow_new=" + std::to_string(info.flows_new) +
                             " (expected " + std::to_string(passes * (o.flows + 1)) + "), note_flow_pinned=" +
                             std::to_string(info.flows_pinned) + " (expected " +
                             std::to_string(passes * (o.flows + o.single_calls)) + ")");
  }
  info.timer_overhead_ns = std::max(0.0, floor_1 - floor_n);
  auto net = [&](double ns) { return std::max(0.0, ns - info.timer_overhead_ns); };
  std::vector<XdpPoint> points;
  points.push_back({"pass_floor", "non-VIP UDP frame (203.0.113.99:80) -> XDP_PASS; one call, repeat N", o.repeat, 1,
                    floor_n, -1, "XDP_PASS"});
  points.push_back({"pass_floor_repeat1", "the same, one call per packet (repeat 1): gives the timer overhead", 1,
                    o.single_calls, floor_1, net(floor_1), "XDP_PASS"});
  points.push_back({"flow_hit", "one VIP flow already pinned, one call per packet (repeat 1)", 1, o.single_calls,
                    hit_one, net(hit_one), "XDP_TX"});
  points.push_back({"flow_hit_many", std::to_string(o.flows) + " VIP flows all pinned, one call each (repeat 1)", 1,
                    o.flows, hit_many, net(hit_many), "XDP_TX"});
  points.push_back({"flow_miss", std::to_string(o.flows) + " new VIP flows after clear_flows: Maglev + pin, one call each",
                    1, o.flows, miss, net(miss), "XDP_TX"});
  points.push_back({"vip_repeat_n_invalid",
                    "VIP frame with repeat N: only the first run sees the VIP (the kernel reuses the rewritten buffer); "
                    "NOT a flow-hit figure",
                    o.repeat, 1, vip_n, -1, verdict_name(vip_n_verdict)});
  print_xdp_table(stdout, info, points);
  if (!o.json.empty() && !write_xdp_json(o.json, info, points)) throw std::runtime_error("cannot write " + o.json);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) return usage(argv[0]);
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anymesh-bench-xdp: %s\n", e.what());
    return 1;
  }
}
