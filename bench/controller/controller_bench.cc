// anymesh-bench-controller: anymesh-controller against N emulated gateway sessions over loopback
// gRPC; the time from a probe change (the gateways' reports showing a path down) to every
// affected gateway having Acked the new snapshot, and the controller's CPU and memory.
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/controller/controller_process.h"
#include "bench/controller/emulated_fleet.h"
#include "bench/controller/mesh_generator.h"

namespace {

using namespace anymesh;
using namespace anymesh::bench;
using std::chrono::milliseconds;

struct Options {
  MeshShape shape;
  std::uint32_t rounds = 3;
  std::uint32_t channels = 0;  // 0: one per gateway
  milliseconds report_interval{1000};
  milliseconds limit{20'000};
  std::string json;
  std::string controller = ANYMESH_CONTROLLER_BIN;
  std::string keep_mesh;
  bool quick = false;
};

[[noreturn]] void usage_error(const std::string& problem) {
  std::fprintf(stderr,
               "anymesh-bench-controller: %s\n"
               "Usage: anymesh-bench-controller [--quick] [--gateways N] [--per-region K] [--lanes L] [--relay]\n"
               "         [--rounds R] [--report-interval-ms MS] [--channels C] [--json FILE]\n"
               "         [--controller PATH] [--write-mesh FILE]\n",
               problem.c_str());
  std::exit(2);
}

std::uint32_t number(const std::string& name, const char* text, std::uint32_t low, std::uint32_t high) {
  char* end = nullptr;
  const unsigned long v = std::strtoul(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < low || v > high) {
    usage_error(name + ": '" + text + "' is not in " + std::to_string(low) + " .. " + std::to_string(high));
  }
  return static_cast<std::uint32_t>(v);
}

Options parse(int argc, char** argv) {
  Options o;
  bool gateways_given = false, rounds_given = false, interval_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--quick") {
      o.quick = true;
    } else if (a == "--gateways") {
      o.shape.gateways = number(a, value(), 4, 1024);
      gateways_given = true;
    } else if (a == "--per-region") {
      o.shape.per_region = number(a, value(), 1, 8);
    } else if (a == "--lanes") {
      o.shape.lanes = number(a, value(), 1, 16);
    } else if (a == "--relay") {
      o.shape.relay = true;
    } else if (a == "--rounds") {
      o.rounds = number(a, value(), 1, 100);
      rounds_given = true;
    } else if (a == "--report-interval-ms") {
      o.report_interval = milliseconds(number(a, value(), 10, 10'000));
      interval_given = true;
    } else if (a == "--channels") {
      o.channels = number(a, value(), 1, 1024);
    } else if (a == "--json") {
      o.json = value();
    } else if (a == "--controller") {
      o.controller = value();
    } else if (a == "--write-mesh") {
      o.keep_mesh = value();
    } else {
      usage_error("unknown argument '" + a + "'");
    }
  }
  if (o.quick) {
    if (!gateways_given) o.shape.gateways = 48;
    if (!rounds_given) o.rounds = 1;
    if (!interval_given) o.report_interval = milliseconds(500);
  }
  if (o.shape.gateways * o.shape.lanes > 1024 + o.shape.lanes) usage_error("gateways x lanes above 1024 lane slots");
  if (region_count(o.shape) < 3) usage_error("at least 3 regions are needed");
  return o;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

double own_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string machine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "unknown";
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return model + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores";
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool has_next_hop(const v1::GatewaySnapshot& s, const std::string& region, std::uint32_t gateway) {
  for (const auto& g : s.groups()) {
    if (g.region() != region) continue;
    for (const auto& h : g.next_hops()) {
      if (h.gateway() == gateway) return true;
    }
    return false;
  }
  return false;
}

struct ScenarioResult {
  std::string name;
  std::uint32_t round = 0;
  std::size_t affected = 0;
  std::size_t converged = 0;
  double sent_ms = 0;     // the emulator finished queueing the affected gateways' reports
  double median_ms = 0;
  double max_ms = 0;
  std::uint64_t unaffected_acks = 0;
  double controller_cpu_s = 0;
};

// Takes the path(s) down or up, has the reporting gateways report at once, and waits for every
// affected gateway to Ack a snapshot whose route to the region of `target` has (or lacks) it.
ScenarioResult scenario(EmulatedFleet& fleet, ControllerProcess& controller, const Options& o, const std::string& name,
                        std::uint32_t round, const std::vector<std::uint32_t>& reporters, std::uint32_t target,
                        bool up) {
  const std::string region = "r" + std::to_string(region_of(o.shape, target));
  for (std::uint32_t g : reporters) fleet.set_path(g, target, up);
  fleet.watch(std::set<std::uint32_t>(reporters.begin(), reporters.end()),
              [region, target, up](std::uint32_t, const v1::GatewaySnapshot& s) {
                return has_next_hop(s, region, target) == up;
              });
  const double cpu0 = controller.usage().cpu_seconds;
  const auto t0 = Clock::now();
  fleet.report_now(reporters);
  const double sent_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  auto arrived = fleet.wait_watch(t0, o.limit);
  ScenarioResult r;
  r.name = name;
  r.round = round;
  r.affected = reporters.size();
  r.converged = arrived.size();
  r.sent_ms = sent_ms;
  std::vector<double> times;
  for (const auto& [id, ms] : arrived) times.push_back(ms);
  std::sort(times.begin(), times.end());
  if (!times.empty()) {
    r.median_ms = times[times.size() / 2];
    r.max_ms = times.back();
  }
  // Let stragglers (gateways outside the set that got a version anyway) show up before counting.
  std::this_thread::sleep_for(milliseconds(300));
  r.unaffected_acks = fleet.unwatched_acks();
  r.controller_cpu_s = controller.usage().cpu_seconds - cpu0;
  return r;
}

template <typename F>
bool wait_until(F&& condition, milliseconds limit) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return condition();
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const auto bench_start = Clock::now();
  char dir_template[] = "/tmp/anymesh-bench-controller-XXXXXX";
  if (!::mkdtemp(dir_template)) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::filesystem::path dir = dir_template;
  const auto mesh_path = dir / "mesh.yaml";
  {
    std::ofstream(mesh_path) << generate_mesh_yaml(o.shape);
  }
  if (!o.keep_mesh.empty()) std::filesystem::copy_file(mesh_path, o.keep_mesh, std::filesystem::copy_options::overwrite_existing);
  const std::uint32_t regions = region_count(o.shape);
  const std::uint32_t channels = o.channels == 0 ? o.shape.gateways : o.channels;
  std::fprintf(stderr, "controller bench: %u gateways, %u regions, %u lane(s), relay %s, %u channels, reports every %lld ms\n",
               o.shape.gateways, regions, o.shape.lanes, o.shape.relay ? "on" : "off", channels,
               static_cast<long long>(o.report_interval.count()));

  int rc = 0;
  std::vector<ScenarioResult> results;
  double startup_ms = 0, initial_ms = 0, steady_cores = 0, steady_reports = 0, bench_cpu = 0;
  ProcessUsage final_usage;
  std::uint64_t snapshots = 0, snapshot_bytes = 0, nacks = 0;
  try {
    const std::string address = "127.0.0.1:" + std::to_string(free_port());
    const auto t_start = Clock::now();
    ControllerProcess controller(o.controller, mesh_path, dir, address);
    {
      // A new channel per attempt: a channel that failed once waits out gRPC's reconnect backoff.
      const bool up = wait_until(
          [&] {
            if (!controller.running()) return false;
            auto stub = v1::Control::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
            grpc::ClientContext c;
            c.set_deadline(std::chrono::system_clock::now() + milliseconds(500));
            v1::StatusReply reply;
            return stub->Status(&c, v1::StatusRequest{}, &reply).ok();
          },
          milliseconds(120'000));
      if (!up) throw std::runtime_error("the controller did not start (see " + (dir / "controller.log").string() + ")");
    }
    startup_ms = std::chrono::duration<double, std::milli>(Clock::now() - t_start).count();
    std::fprintf(stderr, "controller up in %.0f ms (every gateway compiled once)\n", startup_ms);

    EmulatedFleet fleet(o.shape, address, controller.public_key(), channels);
    const auto t_connect = Clock::now();
    fleet.connect();
    if (!wait_until([&] { return fleet.acked_gateways() == o.shape.gateways; }, milliseconds(120'000))) {
      throw std::runtime_error(std::to_string(fleet.acked_gateways()) + " of " + std::to_string(o.shape.gateways) +
                               " gateways got their first snapshot");
    }
    initial_ms = std::chrono::duration<double, std::milli>(Clock::now() - t_connect).count();
    std::fprintf(stderr, "all %u sessions open and acked their first snapshot in %.0f ms\n", o.shape.gateways, initial_ms);

    // Steady state: every gateway reports every interval; measure the controller's share of a core.
    fleet.start_reports(o.report_interval);
    std::this_thread::sleep_for(o.report_interval);
    {
      const double cpu0 = controller.usage().cpu_seconds;
      const auto t0 = Clock::now();
      std::this_thread::sleep_for(o.report_interval * 2);
      const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
      steady_cores = (controller.usage().cpu_seconds - cpu0) / wall;
      steady_reports = o.shape.gateways / std::chrono::duration<double>(o.report_interval).count();
    }
    std::fprintf(stderr, "steady: %.0f reports/s, controller %.2f cores\n", steady_reports, steady_cores);

    for (std::uint32_t round = 0; round < o.rounds; ++round) {
      // The target gateway: the first of a region other than r0/r1; the link: every gateway of r1 to it.
      const std::uint32_t target_region = 2 + round % (regions - 2);
      const std::uint32_t target = target_region * o.shape.per_region + 1;
      std::vector<std::uint32_t> link;
      for (std::uint32_t g = 1; g <= o.shape.gateways; ++g) {
        if (region_of(o.shape, g) == 1) link.push_back(g);
      }
      std::vector<std::uint32_t> everyone;
      for (std::uint32_t g = 1; g <= o.shape.gateways; ++g) {
        if (region_of(o.shape, g) != target_region) everyone.push_back(g);
      }
      const auto settle = std::max(o.report_interval, milliseconds(500));
      results.push_back(scenario(fleet, controller, o, "link_down", round, link, target, false));
      std::this_thread::sleep_for(settle);
      results.push_back(scenario(fleet, controller, o, "link_up", round, link, target, true));
      std::this_thread::sleep_for(settle);
      results.push_back(scenario(fleet, controller, o, "gateway_down", round, everyone, target, false));
      std::this_thread::sleep_for(settle);
      results.push_back(scenario(fleet, controller, o, "gateway_up", round, everyone, target, true));
      std::this_thread::sleep_for(settle);
      for (std::size_t i = results.size() - 4; i < results.size(); ++i) {
        const auto& r = results[i];
        std::fprintf(stderr, "round %u %-12s affected %4zu converged %4zu  median %7.1f ms  max %7.1f ms\n", round,
                     r.name.c_str(), r.affected, r.converged, r.median_ms, r.max_ms);
      }
    }
    fleet.stop_reports();
    final_usage = controller.usage();
    snapshots = fleet.snapshots_received();
    snapshot_bytes = fleet.snapshot_bytes();
    nacks = fleet.nacks();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anymesh-bench-controller: %s\n", e.what());
    rc = 1;
  }
  bench_cpu = own_cpu_seconds();
  const double wall_s = std::chrono::duration<double>(Clock::now() - bench_start).count();

  // Summary per scenario: the worst round.
  std::map<std::string, ScenarioResult> worst;
  bool all_converged = !results.empty();
  for (const auto& r : results) {
    auto& w = worst[r.name];
    if (w.name.empty() || r.max_ms > w.max_ms || r.converged < w.converged) w = r;
    all_converged = all_converged && r.converged == r.affected;
  }
  double worst_ms = 0;
  for (const auto& [name, r] : worst) worst_ms = std::max(worst_ms, r.max_ms);
  const bool met = all_converged && worst_ms <= 1000.0;

  std::printf("\nController convergence: %u gateways in %u regions (relay %s), reports every %lld ms, %u channels\n",
              o.shape.gateways, regions, o.shape.relay ? "on" : "off", static_cast<long long>(o.report_interval.count()),
              channels);
  std::printf("| scenario | round | affected | acked | reports queued (ms) | median (ms) | max (ms) | other gateways' acks | controller CPU (s) |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& r : results) {
    std::printf("| %s | %u | %zu | %zu | %.1f | %.1f | %.1f | %llu | %.2f |\n", r.name.c_str(), r.round, r.affected,
                r.converged, r.sent_ms, r.median_ms, r.max_ms, static_cast<unsigned long long>(r.unaffected_acks),
                r.controller_cpu_s);
  }
  std::printf("\ncontroller: start-up %.0f ms, first snapshots to all %u gateways %.0f ms, steady %.2f cores at %.0f "
              "reports/s, RSS %.0f MB (peak %.0f MB), %u threads, CPU %.1f s in all\n",
              startup_ms, o.shape.gateways, initial_ms, steady_cores, steady_reports, final_usage.rss_mb,
              final_usage.peak_rss_mb, final_usage.threads, final_usage.cpu_seconds);
  std::printf("emulated gateways: %llu snapshots (%.1f MB) verified and acked, %llu nacks, bench process CPU %.1f s, wall %.0f s\n",
              static_cast<unsigned long long>(snapshots), static_cast<double>(snapshot_bytes) / 1e6,
              static_cast<unsigned long long>(nacks), bench_cpu, wall_s);
  std::printf("target: every affected gateway acked within 1000 ms: %s (worst %.1f ms)\n", met ? "met" : "NOT met",
              worst_ms);

  if (!o.json.empty()) {
    std::FILE* f = std::fopen(o.json.c_str(), "w");
    if (!f) {
      std::perror(o.json.c_str());
      return 1;
    }
    std::fprintf(f, "{\"bench\":\"controller\",\"machine\":\"%s\",\"quick\":%s,\"ok\":%s,\n", json_escape(machine()).c_str(),
                 o.quick ? "true" : "false", rc == 0 ? "true" : "false");
    std::fprintf(f, " \"config\":{\"gateways\":%u,\"regions\":%u,\"per_region\":%u,\"lanes\":%u,\"relay\":%s,"
                    "\"report_interval_ms\":%lld,\"channels\":%u,\"rounds\":%u,\"refresh_period_ms\":200},\n",
                 o.shape.gateways, regions, o.shape.per_region, o.shape.lanes, o.shape.relay ? "true" : "false",
                 static_cast<long long>(o.report_interval.count()), channels, o.rounds);
    std::fprintf(f, " \"startup_ms\":%.1f,\"initial_convergence_ms\":%.1f,\"steady\":{\"reports_per_s\":%.1f,"
                    "\"controller_cores\":%.3f},\n",
                 startup_ms, initial_ms, steady_reports, steady_cores);
    std::fprintf(f, " \"controller\":{\"rss_mb\":%.1f,\"peak_rss_mb\":%.1f,\"threads\":%u,\"cpu_s\":%.2f},\n",
                 final_usage.rss_mb, final_usage.peak_rss_mb, final_usage.threads, final_usage.cpu_seconds);
    std::fprintf(f, " \"emulator\":{\"snapshots\":%llu,\"snapshot_bytes\":%llu,\"nacks\":%llu,\"cpu_s\":%.2f},\n",
                 static_cast<unsigned long long>(snapshots), static_cast<unsigned long long>(snapshot_bytes),
                 static_cast<unsigned long long>(nacks), bench_cpu);
    std::fprintf(f, " \"scenarios\":[");
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      std::fprintf(f, "%s\n  {\"name\":\"%s\",\"round\":%u,\"affected\":%zu,\"acked\":%zu,\"reports_queued_ms\":%.2f,"
                      "\"median_ms\":%.2f,\"max_ms\":%.2f,\"other_acks\":%llu,\"controller_cpu_s\":%.3f}",
                   i ? "," : "", r.name.c_str(), r.round, r.affected, r.converged, r.sent_ms, r.median_ms, r.max_ms,
                   static_cast<unsigned long long>(r.unaffected_acks), r.controller_cpu_s);
    }
    std::fprintf(f, "],\n \"target_ms\":1000,\"worst_ms\":%.2f,\"met\":%s,\"wall_s\":%.1f}\n", worst_ms,
                 met ? "true" : "false", wall_s);
    std::fclose(f);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return rc;
}
