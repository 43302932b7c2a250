// The drill: baseline, drain, wait for Acks, sample counters while drained, restore, wait, report.
#include "controlplane/cli/drill.h"

#include <csignal>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

namespace anymesh::cli {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

double ms_since(Clock::time_point t0, Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t - t0).count();
}

// The counter that says a gateway sent VIP packets to its own region's backends: a drained
// region's gateways see it fall to the traffic of the flows pinned there before the drain.
constexpr const char* kDelivered = "pipeline_anycast_to_backend";

struct AckWait {
  bool all = false;
  double slowest_ms = 0;
  std::uint32_t slowest = 0;
  std::size_t gateways = 0;  // connected ones waited for
  std::vector<std::string> nacks;
};

// Until every connected gateway has acknowledged a version above the one it had before the change.
AckWait wait_for_acks(ControllerClient& controller, const v1::StatusReply& before, Clock::time_point t0,
                      milliseconds limit) {
  std::map<std::uint32_t, const v1::GatewayStatus*> was;
  for (const auto& g : before.gateways()) was[g.gateway_id()] = &g;
  std::map<std::uint32_t, double> acked_at;
  AckWait result;
  while (Clock::now() - t0 < limit) {
    auto now_status = controller.status();
    const auto t = Clock::now();
    if (!now_status) break;
    std::size_t waiting = 0;
    result.gateways = 0;
    result.nacks.clear();
    for (const auto& g : now_status->gateways()) {
      if (!g.connected()) continue;
      ++result.gateways;
      const auto* b = was.count(g.gateway_id()) ? was[g.gateway_id()] : nullptr;
      const std::uint64_t before_sent = b ? b->version_sent() : 0;
      if (g.nack_version() > before_sent) {
        result.nacks.push_back("gateway " + std::to_string(g.gateway_id()) + " refused v" +
                               std::to_string(g.nack_version()) + ": " + g.nack_reason());
      }
      if (g.version_acked() > before_sent && g.version_acked() >= g.version_sent()) {
        acked_at.emplace(g.gateway_id(), ms_since(t0, t));
      } else {
        ++waiting;
      }
    }
    if (waiting == 0) {
      result.all = true;
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  for (const auto& [id, at] : acked_at) {
    if (at >= result.slowest_ms) {
      result.slowest_ms = at;
      result.slowest = id;
    }
  }
  return result;
}

struct Sample {
  double t_ms = 0;
  std::map<std::uint32_t, std::uint64_t> delivered;
  std::map<std::uint32_t, std::uint64_t> reports;
};

Sample sample(ControllerClient& controller, Clock::time_point t0) {
  Sample s;
  s.t_ms = ms_since(t0, Clock::now());
  if (auto c = controller.counters()) {
    for (const auto& g : c->gateways()) {
      auto it = g.counters().find(kDelivered);
      if (it != g.counters().end()) s.delivered[g.gateway_id()] = it->second;
      s.reports[g.gateway_id()] = g.reports();
    }
  }
  return s;
}

bool has_anycast_counters(const v1::CountersReply& counters) {
  for (const auto& g : counters.gateways()) {
    for (const auto& [name, value] : g.counters()) {
      if (name.find("anycast") != std::string::npos) return true;
    }
  }
  return false;
}

void print_loadgen(std::FILE* out, const std::string& path, const std::string& region) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(out, "loadgen: %s: cannot read it\n", path.c_str());
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string json = text.str();
  static const std::regex flow_re(
      R"re(\{"flow":(\d+),"proto":"(\w+)","local":"[^"]*","sent":(\d+),"received":(\d+),"lost":(-?\d+),"backend":("([^"]*)"|null))re");
  static const std::regex changes_re(R"re("changes":\[([^\]]*)\])re");
  std::size_t flows = 0, lossy = 0, in_region = 0, changed = 0;
  long long lost = 0;
  for (auto it = std::sregex_iterator(json.begin(), json.end(), flow_re); it != std::sregex_iterator(); ++it) {
    ++flows;
    const long long flow_lost = std::stoll((*it)[5]);
    lost += flow_lost > 0 ? flow_lost : 0;
    lossy += flow_lost > 0 ? 1 : 0;
    if ((*it)[7].str().rfind(region + "-", 0) == 0) ++in_region;
  }
  for (auto it = std::sregex_iterator(json.begin(), json.end(), changes_re); it != std::sregex_iterator(); ++it) {
    changed += (*it)[1].str().empty() ? 0 : 1;
  }
  std::smatch gap;
  static const std::regex max_gap_re(R"re("max_gap_ms":([0-9.]+))re");
  const bool has_gap = std::regex_search(json, gap, max_gap_re);
  if (flows == 0) {
    std::fprintf(out, "loadgen: %s: no flows found (not a loadgen report?)\n", path.c_str());
    return;
  }
  std::fprintf(out,
               "loadgen: %zu flows, %zu changed backend, %zu lost packets (%lld lost in all), %zu end on a "
               "backend of %s, longest gap %s ms\n",
               flows, changed, lossy, lost, in_region, region.c_str(), has_gap ? gap[1].str().c_str() : "?");
}

}  // namespace

int run_drill(ControllerClient& controller, const DrillOptions& options, std::FILE* out) {
  auto services = controller.services();
  if (!services) {
    std::fprintf(stderr, "anymesh drill: %s\n", services.error().c_str());
    return 1;
  }
  std::size_t groups = 0;
  for (const auto& s : services->services()) {
    for (const auto& g : s.groups()) groups += g.region() == options.region ? 1 : 0;
  }
  for (const auto& r : services->drained_regions()) {
    if (r == options.region) {
      std::fprintf(stderr, "anymesh drill: region %s is drained already (another drill?)\n", options.region.c_str());
      return 1;
    }
  }
  auto before = controller.status();
  auto counters = controller.counters();
  if (!before || !counters) {
    std::fprintf(stderr, "anymesh drill: %s\n", (!before ? before.error() : counters.error()).c_str());
    return 1;
  }
  std::size_t connected = 0;
  for (const auto& g : before->gateways()) connected += g.connected() ? 1 : 0;
  const bool anycast = has_anycast_counters(*counters);
  std::fprintf(out, "drill: region %s, %zu endpoint group(s), %zu of %d gateways connected, %lld ms drained\n",
               options.region.c_str(), groups, connected, before->gateways_size(),
               static_cast<long long>(options.duration.count()));
  if (!anycast) {
    std::fprintf(out,
                 "note: no gateway reports anycast counters (no services, or gateways too old to have the "
                 "anycast stage), so this drill shows the control-plane side only (the drain compiled, pushed "
                 "and acknowledged); the counters below are shown as measured, not as traffic moving.\n");
  }

  const auto t0 = Clock::now();
  std::vector<Sample> samples{sample(controller, t0)};
  auto drained = controller.drain(options.region, true);
  if (!drained) {
    std::fprintf(stderr, "anymesh drill: drain: %s\n", drained.error().c_str());
    return 1;
  }
  const double drain_rpc_ms = ms_since(t0, Clock::now());
  auto old_int = std::signal(SIGINT, on_interrupt);
  auto old_term = std::signal(SIGTERM, on_interrupt);
  const auto drain_acks = wait_for_acks(controller, *before, t0, options.ack_limit);
  std::fprintf(out, "drain:   %llu snapshot(s) issued in %.1f ms; %s%zu connected gateway(s) acked in %.1f ms (slowest: %u)\n",
               static_cast<unsigned long long>(drained->versions_issued()), drain_rpc_ms,
               drain_acks.all ? "all " : "NOT all ", drain_acks.gateways, drain_acks.slowest_ms, drain_acks.slowest);
  for (const auto& n : drain_acks.nacks) std::fprintf(out, "         %s\n", n.c_str());

  const auto hold_until = t0 + options.duration;
  while (Clock::now() < hold_until && !g_interrupted) {
    std::this_thread::sleep_for(std::min<Clock::duration>(milliseconds(1000), hold_until - Clock::now()));
    samples.push_back(sample(controller, t0));
  }
  if (g_interrupted) std::fprintf(out, "interrupted: restoring now\n");

  auto before_restore = controller.status();
  const auto t1 = Clock::now();
  auto restored = controller.drain(options.region, false);
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  if (!restored || !before_restore) {
    std::fprintf(stderr, "anymesh drill: restore: %s\n  region %s stays drained: run `anymesh drill` again or "
                         "restart the controller\n",
                 (!restored ? restored.error() : before_restore.error()).c_str(), options.region.c_str());
    return 1;
  }
  const auto restore_acks = wait_for_acks(controller, *before_restore, t1, options.ack_limit);
  std::fprintf(out, "restore: %llu snapshot(s) issued; %s%zu connected gateway(s) acked in %.1f ms (slowest: %u)\n",
               static_cast<unsigned long long>(restored->versions_issued()), restore_acks.all ? "all " : "NOT all ",
               restore_acks.gateways, restore_acks.slowest_ms, restore_acks.slowest);
  for (const auto& n : restore_acks.nacks) std::fprintf(out, "         %s\n", n.c_str());
  samples.push_back(sample(controller, t0));

  // Deltas between samples, per gateway: the controller keeps each gateway's latest report
  // (about one a second), so these are as fine as the reports.
  std::fprintf(out, "%s per sample (from the gateways' latest reports, about 1 s apart):\n", kDelivered);
  std::fprintf(out, "  %-9s", "t (ms)");
  for (const auto& [id, v] : samples.front().delivered) std::fprintf(out, " gw%-9u", id);
  std::fprintf(out, "\n");
  for (std::size_t i = 1; i < samples.size(); ++i) {
    std::fprintf(out, "  %-9.0f", samples[i].t_ms);
    for (const auto& [id, v] : samples[i - 1].delivered) {
      auto it = samples[i].delivered.find(id);
      const long long delta = it == samples[i].delivered.end() ? 0 : static_cast<long long>(it->second - v);
      std::fprintf(out, " %-11lld", delta);
    }
    std::fprintf(out, "\n");
  }
  if (samples.front().delivered.empty()) std::fprintf(out, "  (no gateway has reported %s)\n", kDelivered);
  if (!options.loadgen_json.empty()) print_loadgen(out, options.loadgen_json, options.region);
  return drain_acks.all && restore_acks.all && drain_acks.nacks.empty() && restore_acks.nacks.empty() ? 0 : 1;
}

}  // namespace anymesh::cli
