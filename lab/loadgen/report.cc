// Writes the load client's JSON; times are milliseconds since the run started.
#include "lab/loadgen/report.h"

#include <algorithm>
#include <map>

namespace anymesh::lab {
namespace {

double ms(Nanos ns) { return static_cast<double>(ns) / 1e6; }

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i];
}

}  // namespace

void write_report(std::FILE* out, const RunInfo& run, std::vector<Flow>& flows) {
  std::fprintf(out, "{\"target\":%s,\"port\":%d,\"interval_ms\":%.3f,\"gap_threshold_ms\":%.3f,\"duration_ms\":%.3f,"
                    "\"late_ticks\":%llu,\"flows\":[",
               quoted(run.target).c_str(), run.port, run.interval_ms, run.gap_threshold_ms, run.duration_ms,
               static_cast<unsigned long long>(run.late_ticks));
  std::uint64_t sent = 0, received = 0, changes = 0, gaps = 0;
  double max_gap = 0;
  std::map<std::string, std::uint64_t> flows_by_backend;
  for (std::size_t f = 0; f < flows.size(); ++f) {
    Flow& flow = flows[f];
    std::sort(flow.rtt_ms.begin(), flow.rtt_ms.end());
    sent += flow.sent;
    received += flow.received;
    changes += flow.changes.size();
    gaps += flow.gaps.size();
    if (!flow.backend.empty()) ++flows_by_backend[flow.backend];
    std::fprintf(out, "%s{\"flow\":%d,\"proto\":\"%s\",\"local\":%s,\"sent\":%llu,\"received\":%llu,\"lost\":%lld,"
                      "\"backend\":%s,\"error\":%s,\"backends\":{",
                 f ? "," : "", flow.id, flow.tcp ? "tcp" : "udp", quoted(flow.local).c_str(),
                 static_cast<unsigned long long>(flow.sent), static_cast<unsigned long long>(flow.received),
                 static_cast<long long>(flow.sent) - static_cast<long long>(flow.received),
                 quoted(flow.backend).c_str(), flow.error.empty() ? "null" : quoted(flow.error).c_str());
    bool first = true;
    for (const auto& [name, n] : flow.replies_by_backend) {
      std::fprintf(out, "%s%s:%llu", first ? "" : ",", quoted(name).c_str(), static_cast<unsigned long long>(n));
      first = false;
    }
    std::fprintf(out, "},\"changes\":[");
    for (std::size_t i = 0; i < flow.changes.size(); ++i) {
      const auto& c = flow.changes[i];
      std::fprintf(out, "%s{\"t_ms\":%.3f,\"seq\":%llu,\"from\":%s,\"to\":%s}", i ? "," : "", ms(c.at),
                   static_cast<unsigned long long>(c.seq), quoted(c.from).c_str(), quoted(c.to).c_str());
    }
    std::fprintf(out, "],\"gaps\":[");
    for (std::size_t i = 0; i < flow.gaps.size(); ++i) {
      const auto& g = flow.gaps[i];
      max_gap = std::max(max_gap, ms(g.length));
      std::fprintf(out, "%s{\"t_ms\":%.3f,\"length_ms\":%.3f,\"open\":%s}", i ? "," : "", ms(g.at), ms(g.length),
                   g.open ? "true" : "false");
    }
    const auto& r = flow.rtt_ms;
    std::fprintf(out, "],\"rtt_ms\":{\"min\":%.3f,\"median\":%.3f,\"p99\":%.3f,\"max\":%.3f}}",
                 r.empty() ? 0.0 : r.front(), percentile(r, 0.5), percentile(r, 0.99), r.empty() ? 0.0 : r.back());
  }
  std::fprintf(out, "],\"summary\":{\"flows\":%zu,\"sent\":%llu,\"received\":%llu,\"changes\":%llu,\"gaps\":%llu,"
                    "\"max_gap_ms\":%.3f,\"flows_by_backend\":{",
               flows.size(), static_cast<unsigned long long>(sent), static_cast<unsigned long long>(received),
               static_cast<unsigned long long>(changes), static_cast<unsigned long long>(gaps), max_gap);
  bool first = true;
  for (const auto& [name, n] : flows_by_backend) {
    std::fprintf(out, "%s%s:%llu", first ? "" : ",", quoted(name).c_str(), static_cast<unsigned long long>(n));
    first = false;
  }
  std::fprintf(out, "}}}\n");
}

}  // namespace anymesh::lab
