// The gateway benchmark's table and JSON, and the process's memory as /proc and DPDK see it.
#include "bench/gateway/gateway_report.h"

#include <rte_malloc.h>
#include <rte_memory.h>

#include <fstream>
#include <sstream>

namespace anymesh::bench {
namespace {

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

// What relaying costs at best: one open and one seal per packet on the same core.
double relay_limit(const Rate& open, const Rate& seal) {
  if (open.mpps <= 0 || seal.mpps <= 0) return 0;
  return 1.0 / (1.0 / open.mpps + 1.0 / seal.mpps);
}
double relay_limit_mpps(const GatewaySizeResult& r) { return relay_limit(r.raw_open, r.raw_seal); }
double relay_limit_per_cpu(const GatewaySizeResult& r) { return relay_limit(r.raw_open_per_cpu, r.raw_seal_per_cpu); }

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  return out + "\"";
}

std::string json_rate(const Rate& r, unsigned workers) {
  std::ostringstream o;
  o.precision(4);
  o << std::fixed << "{\"mpps\": " << r.mpps << ", \"mpps_per_core\": " << r.mpps / workers << ", \"gbps\": " << r.gbps
    << "}";
  return o.str();
}

std::string json_path(const PathRate& p, unsigned workers) {
  std::string r = json_rate(p.rate, workers);
  r.pop_back();
  std::ostringstream c;
  c.precision(4);
  c << std::fixed << ", \"per_cpu_second\": {\"mpps\": " << p.per_cpu.mpps << ", \"gbps\": " << p.per_cpu.gbps << "}";
  return r + c.str() + ", \"complete\": " + (p.complete ? "true" : "false") + ", \"packets\": " + std::to_string(p.packets) + "}";
}

}  // namespace

MemoryUse measure_memory() {
  MemoryUse m;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    auto value = [&](const char* key, long& out) {
      if (line.rfind(key, 0) == 0) out = std::stol(line.substr(line.find(':') + 1));
    };
    value("HugetlbPages:", m.hugetlb_kb);
    value("VmRSS:", m.rss_kb);
    value("VmHWM:", m.rss_peak_kb);
    value("RssAnon:", m.anon_kb);
    value("RssFile:", m.file_kb);
  }
  for (int socket = 0; socket < RTE_MAX_NUMA_NODES; ++socket) {
    rte_malloc_socket_stats s{};
    if (rte_malloc_get_socket_stats(socket, &s) != 0) continue;
    m.dpdk_heap_bytes += s.heap_totalsz_bytes;
    m.dpdk_heap_used_bytes += s.heap_allocsz_bytes;
  }
  return m;
}

void print_gateway_table(std::FILE* out, const GatewayRunInfo& info, const std::vector<GatewaySizeResult>& results) {
  const RunInfo& m = info.machine;
  std::fprintf(out, "gateway pipeline (GatewayRuntime, %u worker(s), %u lane(s)) over ring ports: %s, %u CPUs, kernel %s, %s, DPDK %s\n",
               info.workers, info.lanes, m.cpu_model.c_str(), m.nproc, m.kernel.c_str(), m.openssl.c_str(),
               info.dpdk.c_str());
  std::fprintf(out, "best of %d x %.2f s timed per point, batches of %zu frames; sizes are inner IP packet bytes, "
                    "Gbit/s counts them%s\n\n",
               m.repetitions, m.seconds, info.batch, m.quick ? " (QUICK RUN: not a measurement)" : "");
  std::string cpus;
  bool shared = false;
  for (unsigned c : info.worker_cpus) {
    cpus += (cpus.empty() ? "" : ",") + std::to_string(c);
    shared = shared || c == info.main_cpu;
  }
  std::fprintf(out, "workers on CPU %s, the benchmark's main lcore on CPU %u%s\n", cpus.c_str(), info.main_cpu,
               shared ? " (SHARED with a worker: per-core figures are per CPU second below, not per wall second)" : "");
  std::fprintf(out, "Mpps per worker core, per wall second and per CPU second the worker lcore was given (the cost,\n"
                    "whatever else the machine runs); ratios are per CPU second. Raw open per CPU-s is derived (aead_limit.h).\n\n");
  std::fprintf(out, "| size | raw seal | per CPU-s | raw open | per CPU-s | plain fwd | per CPU-s | seal | per CPU-s | open "
                    "| per CPU-s | relay | per CPU-s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  double w = info.workers;
  auto mark = [](const PathRate& p) { return p.complete ? "" : " (incomplete)"; };
  for (const auto& r : results) {
    std::fprintf(out, "| %s | %.3f | %.3f | %.3f | %.3f | %.2f%s | %.1f | %.3f%s | %.3f | %.3f%s | %.3f | %.3f%s | %.3f |\n",
                 r.workload.name.c_str(), r.raw_seal.mpps, r.raw_seal_per_cpu.mpps, r.raw_open.mpps,
                 r.raw_open_per_cpu.mpps, r.plain.rate.mpps, mark(r.plain), r.plain.per_cpu.mpps, r.seal.rate.mpps / w, mark(r.seal),
                 r.seal.per_cpu.mpps, r.open.rate.mpps / w, mark(r.open), r.open.per_cpu.mpps, r.relay.rate.mpps / w,
                 mark(r.relay), r.relay.per_cpu.mpps);
  }
  std::fprintf(out, "\n| size | seal Gbit/s | seal/raw seal | open Gbit/s | open/raw open | relay Gbit/s "
                    "| relay/(open+seal) | plain fwd / seal per CPU-s |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& r : results) {
    std::fprintf(out, "| %s | %.3f | %.1f %% | %.3f | %.1f %% | %.3f | %.1f %% | %.1fx |\n", r.workload.name.c_str(),
                 r.seal.rate.gbps, 100 * ratio(r.seal.per_cpu.mpps, r.raw_seal_per_cpu.mpps), r.open.rate.gbps,
                 100 * ratio(r.open.per_cpu.mpps, r.raw_open_per_cpu.mpps), r.relay.rate.gbps,
                 100 * ratio(r.relay.per_cpu.mpps, relay_limit_per_cpu(r)), ratio(r.plain.per_cpu.mpps, r.seal.per_cpu.mpps));
  }
  std::fprintf(out, "\nanycast-local (client frame to a VIP on the outer port -> Maglev -> GUE to a local backend on the\n"
                    "inner port, %u client flows cycling; new flows: every packet a new 5-tuple), Mpps per worker core:\n\n",
               info.anycast_flows);
  std::fprintf(out, "| size | plain fwd per CPU-s | anycast-local | per CPU-s | / plain | anycast new flows | per CPU-s "
                    "| / plain |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& r : results) {
    std::fprintf(out, "| %s | %.1f | %.3f%s | %.3f | %.1f %% | %.3f%s | %.3f | %.1f %% |\n", r.workload.name.c_str(),
                 r.plain.per_cpu.mpps, r.anycast.rate.mpps / w, mark(r.anycast), r.anycast.per_cpu.mpps,
                 100 * ratio(r.anycast.per_cpu.mpps, r.plain.per_cpu.mpps), r.anycast_new_flows.rate.mpps / w,
                 mark(r.anycast_new_flows), r.anycast_new_flows.per_cpu.mpps,
                 100 * ratio(r.anycast_new_flows.per_cpu.mpps, r.plain.per_cpu.mpps));
  }
  std::fprintf(out, "\nanycast-remote (client frame to a VIP whose only group is in r2 -> Maglev -> IP-in-IP to r2's\n"
                    "gateway -> sealed on r2's lane of the flow on the outer port), Mpps per worker core:\n\n");
  std::fprintf(out, "| size | anycast-remote | per CPU-s | / seal per CPU-s | / anycast-local per CPU-s |\n"
                    "|---|---:|---:|---:|---:|\n");
  for (const auto& r : results) {
    if (r.anycast_remote.packets == 0) {
      std::fprintf(out, "| %s | not measured: + 20 B of IP-in-IP exceeds the tunnel MTU | | | |\n", r.workload.name.c_str());
      continue;
    }
    std::fprintf(out, "| %s | %.3f%s | %.3f | %.1f %% | %.1f %% |\n", r.workload.name.c_str(), r.anycast_remote.rate.mpps / w,
                 mark(r.anycast_remote), r.anycast_remote.per_cpu.mpps,
                 100 * ratio(r.anycast_remote.per_cpu.mpps, r.seal.per_cpu.mpps),
                 100 * ratio(r.anycast_remote.per_cpu.mpps, r.anycast.per_cpu.mpps));
  }
  const MemoryUse& mem = info.memory;
  std::fprintf(out, "\nmemory: hugepages mapped %.1f MiB (DPDK heap %.1f MiB, %.1f MiB allocated: gateway mbuf pool %.1f MiB, "
                    "benchmark frames %.1f MiB); RSS %.1f MiB (peak %.1f, anon %.1f, file %.1f)%s\n",
               mem.hugetlb_kb / 1024.0, mem.dpdk_heap_bytes / 1048576.0, mem.dpdk_heap_used_bytes / 1048576.0,
               mem.gateway_pool_bytes / 1048576.0, mem.bench_pool_bytes / 1048576.0, mem.rss_kb / 1024.0,
               mem.rss_peak_kb / 1024.0, mem.anon_kb / 1024.0, mem.file_kb / 1024.0,
               info.hugepages ? "" : " [--no-huge: DPDK memory is anonymous, counted in RSS]");
  std::fprintf(out, "verified at the far end: %llu sampled packets\n", static_cast<unsigned long long>(info.verified));
  std::fprintf(out, "counters (non-zero):");
  for (const auto& [name, v] : info.counters) std::fprintf(out, " %s=%llu", name.c_str(), static_cast<unsigned long long>(v));
  std::fprintf(out, "\n");
}

bool write_gateway_json(const std::string& path, const GatewayRunInfo& info,
                        const std::vector<GatewaySizeResult>& results) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const RunInfo& m = info.machine;
  std::fprintf(f, "{\n  \"benchmark\": \"anymesh-bench-gateway\",\n");
  std::fprintf(f, "  \"machine\": {\"cpu\": %s, \"nproc\": %u, \"kernel\": %s, \"openssl\": %s, \"dpdk\": %s},\n",
               json_string(m.cpu_model).c_str(), m.nproc, json_string(m.kernel).c_str(), json_string(m.openssl).c_str(),
               json_string(info.dpdk).c_str());
  std::string eal;
  for (const auto& a : info.eal) eal += (eal.empty() ? "" : ", ") + json_string(a);
  std::string cpus;
  for (unsigned c : info.worker_cpus) cpus += (cpus.empty() ? "" : ", ") + std::to_string(c);
  std::fprintf(f, "  \"settings\": {\"quick\": %s, \"seconds\": %.3f, \"repetitions\": %d, \"batch\": %zu, \"workers\": %u, "
                  "\"lanes\": %u, \"anycast_flows\": %u, \"hugepages\": %s, \"main_cpu\": %u, \"worker_cpus\": [%s], \"eal\": [%s]},\n",
               m.quick ? "true" : "false", m.seconds, m.repetitions, info.batch, info.workers, info.lanes, info.anycast_flows,
               info.hugepages ? "true" : "false", info.main_cpu, cpus.c_str(), eal.c_str());
  const MemoryUse& mem = info.memory;
  std::fprintf(f, "  \"memory\": {\"hugetlb_kb\": %ld, \"rss_kb\": %ld, \"rss_peak_kb\": %ld, \"rss_anon_kb\": %ld, "
                  "\"rss_file_kb\": %ld, \"dpdk_heap_bytes\": %llu, \"dpdk_heap_used_bytes\": %llu, "
                  "\"gateway_pool_bytes\": %llu, \"bench_pool_bytes\": %llu},\n",
               mem.hugetlb_kb, mem.rss_kb, mem.rss_peak_kb, mem.anon_kb, mem.file_kb,
               static_cast<unsigned long long>(mem.dpdk_heap_bytes), static_cast<unsigned long long>(mem.dpdk_heap_used_bytes),
               static_cast<unsigned long long>(mem.gateway_pool_bytes), static_cast<unsigned long long>(mem.bench_pool_bytes));
  std::fprintf(f, "  \"verified_packets\": %llu,\n  \"counters\": {", static_cast<unsigned long long>(info.verified));
  for (std::size_t i = 0; i < info.counters.size(); ++i) {
    std::fprintf(f, "%s%s: %llu", i ? ", " : "", json_string(info.counters[i].first).c_str(),
                 static_cast<unsigned long long>(info.counters[i].second));
  }
  std::fprintf(f, "},\n  \"results\": [\n");
  unsigned w = info.workers;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    std::fprintf(f, "    {\"size\": %s, \"average_ip_bytes\": %.1f,\n", json_string(r.workload.name).c_str(),
                 r.workload.average_length());
    std::fprintf(f, "     \"raw_seal\": %s, \"raw_open\": %s, \"relay_limit_mpps\": %.4f,\n", json_rate(r.raw_seal, 1).c_str(),
                 json_rate(r.raw_open, 1).c_str(), relay_limit_mpps(r));
    std::fprintf(f, "     \"raw_seal_per_cpu_second\": %s, \"raw_open_per_cpu_second\": %s, \"relay_limit_per_cpu_second_mpps\": %.4f,\n",
                 json_rate(r.raw_seal_per_cpu, 1).c_str(), json_rate(r.raw_open_per_cpu, 1).c_str(), relay_limit_per_cpu(r));
    std::fprintf(f, "     \"plain\": %s,\n     \"seal\": %s,\n     \"open\": %s,\n     \"relay\": %s,\n",
                 json_path(r.plain, 1).c_str(), json_path(r.seal, w).c_str(), json_path(r.open, w).c_str(),
                 json_path(r.relay, w).c_str());
    std::fprintf(f, "     \"anycast_local\": %s,\n     \"anycast_new_flows\": %s,\n     \"anycast_remote\": %s,\n",
                 json_path(r.anycast, w).c_str(), json_path(r.anycast_new_flows, w).c_str(),
                 json_path(r.anycast_remote, w).c_str());
    std::fprintf(f, "     \"ratios\": {\"seal_vs_raw\": %.4f, \"open_vs_raw\": %.4f, \"relay_vs_limit\": %.4f, "
                    "\"seal_vs_raw_wall\": %.4f, \"open_vs_raw_wall\": %.4f, \"relay_vs_limit_wall\": %.4f, "
                    "\"seal_vs_plain\": %.4f, \"open_vs_plain\": %.4f, \"relay_vs_plain\": %.4f, "
                    "\"anycast_local_vs_plain\": %.4f, \"anycast_new_flows_vs_plain\": %.4f, "
                    "\"anycast_remote_vs_seal\": %.4f}}%s\n",
                 ratio(r.seal.per_cpu.mpps, r.raw_seal_per_cpu.mpps), ratio(r.open.per_cpu.mpps, r.raw_open_per_cpu.mpps),
                 ratio(r.relay.per_cpu.mpps, relay_limit_per_cpu(r)), ratio(r.seal.rate.mpps / w, r.raw_seal.mpps),
                 ratio(r.open.rate.mpps / w, r.raw_open.mpps), ratio(r.relay.rate.mpps / w, relay_limit_mpps(r)),
                 ratio(r.seal.per_cpu.mpps, r.plain.per_cpu.mpps), ratio(r.open.per_cpu.mpps, r.plain.per_cpu.mpps),
                 ratio(r.relay.per_cpu.mpps, r.plain.per_cpu.mpps), ratio(r.anycast.per_cpu.mpps, r.plain.per_cpu.mpps),
                 ratio(r.anycast_new_flows.per_cpu.mpps, r.plain.per_cpu.mpps),
                 ratio(r.anycast_remote.per_cpu.mpps, r.seal.per_cpu.mpps), i + 1 < results.size() ? "," : "");
  }
  std::fprintf(f, "  ]\n}\n");
  return std::fclose(f) == 0;
}

}  // namespace anymesh::bench
