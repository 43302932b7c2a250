// Runs tests/vectors/xdp through the compiled BPF programs with BPF_PROG_TEST_RUN (needs root).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>

#include "bpf/loader/gue_decap_attachment.h"
#include "bpf/loader/object_path.h"
#include "bpf/loader/xdp_gateway_maps.h"
#include "tests/bpf/bpf_fixture.h"

namespace anymesh::bpf::test {
namespace {

struct ObjectCloser {
  void operator()(bpf_object* o) const { bpf_object__close(o); }
};
using Object = std::unique_ptr<bpf_object, ObjectCloser>;

Object load_object(const std::string& program) {
  auto path = bpf_object_path(program);
  Object object(bpf_object__open_file(path.c_str(), nullptr));
  if (!object) throw std::runtime_error("cannot open " + path);
  int rc = bpf_object__load(object.get());
  if (rc != 0) throw std::runtime_error("verifier refused " + path + ": " + std::strerror(-rc));
  return object;
}

IpAddress address(const std::string& text) {
  auto a = IpAddress::parse(text);
  if (!a) throw std::runtime_error("bad address " + text);
  return *a;
}

GatewayConfig parse_config(const std::vector<std::string>& tokens) {
  GatewayConfig c;
  for (const auto& [key, value] : key_values(tokens, 1)) {
    if (key == "role") {
      c.role = value == "outer" ? GatewayRole::outer : value == "inner" ? GatewayRole::inner : GatewayRole::unset;
    } else if (key == "tunnel_port_first") {
      c.tunnel_port_first = static_cast<std::uint16_t>(std::stoul(value));
    } else if (key == "tunnel_port_count") {
      c.tunnel_port_count = static_cast<std::uint16_t>(std::stoul(value));
    } else if (key == "gateway_v4") {
      c.gateway_v4 = address(value);
    } else if (key == "gateway_v6") {
      c.gateway_v6 = address(value);
    } else if (key == "next_hop_mac") {
      for (std::size_t i = 0; i < 6; ++i) {
        c.next_hop_mac[i] = static_cast<std::uint8_t>(std::stoul(value.substr(i * 3, 2), nullptr, 16));
      }
    } else if (key == "gue_port") {
      c.gue_port = static_cast<std::uint16_t>(std::stoul(value));
    } else if (key == "mtu") {
      c.mtu = static_cast<std::uint16_t>(std::stoul(value));
    } else if (key == "flow_idle_ms") {
      c.flow_idle = std::chrono::milliseconds(std::stoul(value));
    } else if (key == "limit_share") {
      c.limit_share = static_cast<std::uint32_t>(std::stoul(value));
    } else {
      throw std::runtime_error("unknown config key " + key);
    }
  }
  return c;
}

// An AF_XDP socket, never bound: enough for bpf_redirect_map to find an entry and say XDP_REDIRECT.
struct XskSocket {
  int fd = ::socket(AF_XDP, SOCK_RAW, 0);
  ~XskSocket() {
    if (fd >= 0) ::close(fd);
  }
};

std::vector<std::string> split(const std::string& text, char by) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t at; (at = text.find(by, start)) != std::string::npos; start = at + 1) {
    parts.push_back(text.substr(start, at - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool has_flag(const std::map<std::string, std::string>& kv, const std::string& flag) {
  auto it = kv.find("flags");
  if (it == kv.end()) return false;
  for (const auto& f : split(it->second, ',')) {
    if (f == flag) return true;
  }
  return false;
}

// vip ADDR PROTO PORT key=value...
XdpVip parse_vip(const std::vector<std::string>& line) {
  if (line.size() < 4) throw std::runtime_error("vip needs ADDR PROTO PORT");
  XdpVip vip;
  vip.address = address(line[1]);
  vip.protocol = line[2] == "udp" ? 17 : line[2] == "tcp" ? 6 : static_cast<std::uint8_t>(std::stoul(line[2]));
  vip.port = static_cast<std::uint16_t>(std::stoul(line[3]));
  auto kv = key_values(line, 4);
  vip.service_id = static_cast<std::uint32_t>(std::stoul(kv.at("service")));
  vip.table_size = static_cast<std::uint32_t>(std::stoul(kv.at("table_size")));
  vip.local_only = has_flag(kv, "local_only");
  vip.affinity_source_ip = has_flag(kv, "source_ip");
  if (kv.count("ports")) {
    auto range = split(kv.at("ports"), '-');
    vip.port_range = std::pair{static_cast<std::uint16_t>(std::stoul(range.at(0))),
                               static_cast<std::uint16_t>(std::stoul(range.at(1)))};
  }
  return vip;
}

// backend ID ADDR key=value...
XdpBackend parse_backend(const std::vector<std::string>& line) {
  if (line.size() < 3) throw std::runtime_error("backend needs ID ADDR");
  XdpBackend b;
  b.id = static_cast<std::uint32_t>(std::stoul(line[1]));
  b.address = address(line[2]);
  auto kv = key_values(line, 3);
  b.group_id = static_cast<std::uint16_t>(std::stoul(kv.count("group") ? kv.at("group") : "0"));
  b.healthy = has_flag(kv, "healthy");
  b.local = has_flag(kv, "local");
  return b;
}

// limits SERVICE key=value... (the XdpServiceLimits field names)
XdpServiceLimits parse_limits(const std::vector<std::string>& line) {
  if (line.size() < 2) throw std::runtime_error("limits needs SERVICE");
  XdpServiceLimits l;
  l.service_id = static_cast<std::uint32_t>(std::stoul(line[1]));
  for (const auto& [key, value] : key_values(line, 2)) {
    auto n = static_cast<std::uint32_t>(std::stoul(value));
    if (key == "new_flows_per_second") l.new_flows_per_second = n;
    else if (key == "new_flows_burst") l.new_flows_burst = n;
    else if (key == "source_new_flows_per_second") l.source_new_flows_per_second = n;
    else if (key == "source_new_flows_burst") l.source_new_flows_burst = n;
    else if (key == "source_packets_per_second") l.source_packets_per_second = n;
    else if (key == "source_packets_burst") l.source_packets_burst = n;
    else if (key == "source_prefix_v4") l.source_prefix_v4 = static_cast<std::uint8_t>(n);
    else if (key == "source_prefix_v6") l.source_prefix_v6 = static_cast<std::uint8_t>(n);
    else throw std::runtime_error("unknown limits key " + key);
  }
  return l;
}

// Applies the setup lines of an xdp_gateway fixture to the loaded program's maps, in the order the
// agent would: backends, Maglev tables, VIPs.
void apply_setup(const BpfFixture& fixture, XdpGatewayMaps& maps, std::vector<std::unique_ptr<XskSocket>>& sockets) {
  std::vector<IpPrefix> prefixes;
  std::vector<XdpVip> vips;
  std::vector<XdpBackend> backends;
  std::vector<XdpServiceLimits> limits;
  std::vector<std::pair<std::uint32_t, std::vector<std::uint32_t>>> tables;
  for (const auto& line : fixture.setup) {
    if (line[0] == "limits") {
      limits.push_back(parse_limits(line));
      continue;
    }
    if (line[0] == "vip") {
      vips.push_back(parse_vip(line));
      continue;
    }
    if (line[0] == "backend") {
      backends.push_back(parse_backend(line));
      continue;
    }
    if (line[0] == "maglev" && line.size() > 2) {
      std::vector<std::uint32_t> slots;
      for (std::size_t i = 2; i < line.size(); ++i) slots.push_back(static_cast<std::uint32_t>(std::stoul(line[i])));
      tables.emplace_back(static_cast<std::uint32_t>(std::stoul(line[1])), std::move(slots));
      continue;
    }
    if (line[0] == "config") {
      auto done = maps.set_config(parse_config(line));
      if (!done) throw std::runtime_error(done.error());
    } else if (line[0] == "mesh_prefix" && line.size() == 2) {
      auto p = IpPrefix::parse(line[1]);
      if (!p) throw std::runtime_error("bad prefix " + line[1]);
      prefixes.push_back(*p);
    } else if (line[0] == "xsk_socket" && line.size() == 2) {
      auto s = std::make_unique<XskSocket>();
      if (s->fd < 0) throw std::runtime_error(std::string("AF_XDP socket: ") + std::strerror(errno));
      std::uint32_t queue = static_cast<std::uint32_t>(std::stoul(line[1]));
      if (bpf_map_update_elem(maps.xsks_map_fd(), &queue, &s->fd, BPF_ANY) != 0) {
        throw std::runtime_error(std::string("xsks_map update: ") + std::strerror(errno));
      }
      sockets.push_back(std::move(s));
    } else {
      throw std::runtime_error(fixture.file + ": unknown setup line " + line[0]);
    }
  }
  auto done = maps.set_mesh_prefixes(prefixes);
  if (done) done = maps.set_backends(backends);
  for (const auto& [service, slots] : tables) {
    if (done) done = maps.set_maglev(service, slots);
  }
  if (done) done = maps.set_service_limits(limits);
  if (done) done = maps.set_vips(vips);
  if (!done) throw std::runtime_error(done.error());
}

std::uint32_t xdp_verdict(const std::string& name) {
  static const std::map<std::string, std::uint32_t> verdicts = {
      {"aborted", XDP_ABORTED}, {"drop", XDP_DROP}, {"pass", XDP_PASS}, {"tx", XDP_TX}, {"redirect", XDP_REDIRECT}};
  auto it = verdicts.find(name);
  if (it == verdicts.end()) throw std::runtime_error("unknown XDP verdict " + name);
  return it->second;
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

// Runs one fixture file; returns the number of cases run.
std::size_t run_xdp_gateway_fixture(const BpfFixture& fixture) {
  // BPF_PROG_TEST_RUN runs on the calling CPU and the limit buckets are per CPU: stay on one.
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(static_cast<unsigned>(sched_getcpu()), &one);
  REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);
  auto object = load_object(fixture.program);
  bpf_program* program = bpf_object__find_program_by_name(object.get(), "xdp_gateway");
  REQUIRE(program != nullptr);
  auto maps = XdpGatewayMaps::open_program(bpf_program__fd(program));
  INFO((maps.ok() ? std::string() : maps.error()));
  REQUIRE(maps.ok());
  std::vector<std::unique_ptr<XskSocket>> sockets;
  apply_setup(fixture, *maps, sockets);

  for (const auto& c : fixture.cases) {
    INFO(fixture.file << " case " << c.name);
    auto before = maps->counters();
    REQUIRE(before.ok());
    std::vector<std::uint8_t> out(c.packet.size() + 256);
    LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = c.packet.data(),
                .data_out = out.data(), .data_size_in = static_cast<std::uint32_t>(c.packet.size()),
                .data_size_out = static_cast<std::uint32_t>(out.size()), .repeat = 1);
    REQUIRE(bpf_prog_test_run_opts(bpf_program__fd(program), &run) == 0);
    CHECK(run.retval == xdp_verdict(c.verdict));

    auto after = maps->counters();
    REQUIRE(after.ok());
    XdpCounters expected = *before;
    for (const auto& name : c.counters) {
      auto index = xdp_counter_index(name);
      INFO("counter " << name);
      REQUIRE(index.has_value());
      expected[*index] += 1;
    }
    for (std::uint32_t i = 0; i < AM_XDP_COUNTER_COUNT; ++i) {
      INFO("counter " << xdp_counter_name(i));
      CHECK((*after)[i] == expected[i]);
    }
    if (c.output) {
      out.resize(run.data_size_out);
      CHECK(hex(out) == hex(*c.output));
    }
  }
  return fixture.cases.size();
}

DecapCounters read_decap_counters(int map_fd) {
  std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(libbpf_num_possible_cpus()));
  DecapCounters sums{};
  for (std::uint32_t i = 0; i < AM_DECAP_COUNTER_COUNT; ++i) {
    REQUIRE(bpf_map_lookup_elem(map_fd, &i, per_cpu.data()) == 0);
    for (auto v : per_cpu) sums[i] += v;
  }
  return sums;
}

std::size_t run_gue_decap_fixture(const BpfFixture& fixture) {
  REQUIRE(fixture.setup.empty());
  auto object = load_object(fixture.program);
  bpf_program* program = bpf_object__find_program_by_name(object.get(), "gue_decap");
  REQUIRE(program != nullptr);
  int counters = bpf_object__find_map_fd_by_name(object.get(), "decap_counters");
  REQUIRE(counters >= 0);
  for (const auto& c : fixture.cases) {
    INFO(fixture.file << " case " << c.name);
    auto before = read_decap_counters(counters);
    std::vector<std::uint8_t> out(c.packet.size() + 256);
    LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = c.packet.data(),
                .data_out = out.data(), .data_size_in = static_cast<std::uint32_t>(c.packet.size()),
                .data_size_out = static_cast<std::uint32_t>(out.size()), .repeat = 1);
    REQUIRE(bpf_prog_test_run_opts(bpf_program__fd(program), &run) == 0);
    CHECK(run.retval == xdp_verdict(c.verdict));
    auto after = read_decap_counters(counters);
    for (const auto& name : c.counters) {
      auto index = decap_counter_index(name);
      INFO("counter " << name);
      REQUIRE(index.has_value());
      before[*index] += 1;
    }
    for (std::uint32_t i = 0; i < AM_DECAP_COUNTER_COUNT; ++i) {
      INFO("counter " << decap_counter_name(i));
      CHECK(after[i] == before[i]);
    }
    if (c.output) {
      out.resize(run.data_size_out);
      CHECK(hex(out) == hex(*c.output));
    }
  }
  return fixture.cases.size();
}

}  // namespace

TEST_CASE("gue_decap strips GUE from fixture packets and leaves every other packet untouched") {
  std::size_t cases = 0;
  for (const auto& file : bpf_fixture_files(ANYMESH_VECTORS_DIR "/xdp")) {
    auto fixture = load_bpf_fixture(file);
    if (fixture.program != "gue_decap") continue;
    cases += run_gue_decap_fixture(fixture);
  }
  CHECK(cases >= 20);
}

TEST_CASE("xdp_gateway gives every fixture packet its verdict, counters and frame") {
  std::size_t cases = 0;
  for (const auto& file : bpf_fixture_files(ANYMESH_VECTORS_DIR "/xdp")) {
    auto fixture = load_bpf_fixture(file);
    if (fixture.program != "xdp_gateway") continue;
    cases += run_xdp_gateway_fixture(fixture);
  }
  CHECK(cases >= 99);
}

TEST_CASE("open_program refuses a program without the xdp_gateway maps") {
  auto object = load_object("xdp_gateway");
  // The counters map's own fd is not a program: the lookup fails with an error, not a crash.
  int counters = bpf_object__find_map_fd_by_name(object.get(), "xdp_counters");
  auto maps = XdpGatewayMaps::open_program(counters);
  CHECK_FALSE(maps.ok());
}

}  // namespace anymesh::bpf::test
