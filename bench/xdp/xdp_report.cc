// The XDP benchmark's table and JSON.
#include "bench/xdp/xdp_report.h"

namespace anymesh::bench {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  return out + "\"";
}

}  // namespace

void print_xdp_table(std::FILE* out, const XdpRunInfo& info, const std::vector<XdpPoint>& points) {
  std::fprintf(out, "xdp_gateway under BPF_PROG_TEST_RUN on CPU %d: %s, %u CPUs, kernel %s; best of %d passes%s\n",
               info.cpu, info.cpu_model.c_str(), info.nproc, info.kernel.c_str(), info.passes,
               info.quick ? " (QUICK RUN: not a measurement)" : "");
  std::fprintf(out, "timer overhead per call (pass floor at repeat 1 minus at repeat N): %.1f ns; %u distinct flows; "
                    "note_flow_new=%llu note_flow_pinned=%llu\n\n",
               info.timer_overhead_ns, info.flows, static_cast<unsigned long long>(info.flows_new),
               static_cast<unsigned long long>(info.flows_pinned));
  std::fprintf(out, "| case | verdict | repeat | calls | ns/packet | net of timer |\n|---|---|---:|---:|---:|---:|\n");
  for (const auto& p : points) {
    std::fprintf(out, "| %s | %s | %u | %llu | %.1f | ", p.name.c_str(), p.verdict.c_str(), p.repeat,
                 static_cast<unsigned long long>(p.calls), p.ns);
    if (p.ns_net >= 0) {
      std::fprintf(out, "%.1f |\n", p.ns_net);
    } else {
      std::fprintf(out, "- |\n");
    }
  }
  std::fprintf(out, "\n");
  for (const auto& p : points) std::fprintf(out, "  %s: %s\n", p.name.c_str(), p.how.c_str());
}

bool write_xdp_json(const std::string& path, const XdpRunInfo& info, const std::vector<XdpPoint>& points) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  std::fprintf(f, "{\n  \"benchmark\": \"anymesh-bench-xdp\",\n");
  std::fprintf(f, "  \"machine\": {\"cpu\": %s, \"nproc\": %u, \"kernel\": %s, \"bench_cpu\": %d},\n",
               json_string(info.cpu_model).c_str(), info.nproc, json_string(info.kernel).c_str(), info.cpu);
  std::fprintf(f, "  \"settings\": {\"quick\": %s, \"passes\": %d, \"flows\": %u},\n", info.quick ? "true" : "false",
               info.passes, info.flows);
  std::fprintf(f, "  \"timer_overhead_ns\": %.2f,\n  \"counters\": {\"note_flow_new\": %llu, \"note_flow_pinned\": %llu},\n",
               info.timer_overhead_ns, static_cast<unsigned long long>(info.flows_new),
               static_cast<unsigned long long>(info.flows_pinned));
  std::fprintf(f, "  \"results\": [\n");
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    std::fprintf(f, "    {\"case\": %s, \"verdict\": %s, \"repeat\": %u, \"calls\": %llu, \"ns_per_packet\": %.2f, ",
                 json_string(p.name).c_str(), json_string(p.verdict).c_str(), p.repeat,
                 static_cast<unsigned long long>(p.calls), p.ns);
    if (p.ns_net >= 0) {
      std::fprintf(f, "\"ns_per_packet_net\": %.2f, ", p.ns_net);
    } else {
      std::fprintf(f, "\"ns_per_packet_net\": null, ");
    }
    std::fprintf(f, "\"how\": %s}%s\n", json_string(p.how).c_str(), i + 1 < points.size() ? "," : "");
  }
  std::fprintf(f, "  ]\n}\n");
  return std::fclose(f) == 0;
}

}  // namespace anymesh::bench
