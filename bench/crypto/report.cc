// The seal/open benchmark's table and JSON; machine facts from /proc and uname.
#include "bench/crypto/report.h"

#include <openssl/crypto.h>
#include <sys/utsname.h>

#include <fstream>
#include <thread>

#include "bench/crypto/kernels.h"

namespace anymesh::bench {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void json_rate(std::FILE* f, const char* name, const Rate& r) {
  std::fprintf(f, "      \"%s\": {\"mpps\": %.4f, \"gbps\": %.4f},\n", name, r.mpps, r.gbps);
}

}  // namespace

RunInfo describe_machine() {
  RunInfo info;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) info.cpu_model = line.substr(line.find_first_not_of(" \t", colon + 1));
      break;
    }
  }
  info.nproc = std::thread::hardware_concurrency();
  struct utsname u {};
  if (::uname(&u) == 0) info.kernel = u.release;
  info.openssl = OpenSSL_version(OPENSSL_VERSION);
  return info;
}

void print_table(std::FILE* out, const RunInfo& info, const std::vector<SizeResult>& results) {
  std::fprintf(out, "seal/open per core, one thread%s: %s, %u CPUs, kernel %s, %s\n",
               info.pinned_cpu >= 0 ? (" on CPU " + std::to_string(info.pinned_cpu)).c_str() : "",
               info.cpu_model.c_str(), info.nproc, info.kernel.c_str(), info.openssl.c_str());
  std::fprintf(out, "best of %d x %.2f s, batches of %zu; Gbit/s of plaintext%s\n\n", info.repetitions,
               info.seconds, kBatch, info.quick ? " (QUICK RUN: not a measurement)" : "");
  std::fprintf(out, "| size | raw seal Mpps | raw seal Gbit/s | seal Mpps | seal Gbit/s | seal/raw "
                    "| raw open Mpps | raw open Gbit/s | open Mpps | open Gbit/s | open/raw |\n");
  std::fprintf(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const SizeResult& r : results) {
    std::fprintf(out, "| %s | %.3f | %.3f | %.3f | %.3f | %.1f %% | %.3f | %.3f | %.3f | %.3f | %.1f %% |\n",
                 r.workload.name.c_str(), r.raw_seal.mpps, r.raw_seal.gbps, r.seal.mpps, r.seal.gbps,
                 100 * r.seal_vs_raw(), r.raw_open.mpps, r.raw_open.gbps, r.open.mpps, r.open.gbps,
                 100 * r.open_vs_raw());
  }
}

bool write_json(const std::string& path, const RunInfo& info, const std::vector<SizeResult>& results) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  std::fprintf(f, "{\n  \"benchmark\": \"seal_open\",\n");
  std::fprintf(f, "  \"machine\": {\"cpu\": %s, \"nproc\": %u, \"kernel\": %s, \"openssl\": %s},\n",
               json_string(info.cpu_model).c_str(), info.nproc, json_string(info.kernel).c_str(),
               json_string(info.openssl).c_str());
  std::fprintf(f,
               "  \"settings\": {\"seconds_per_repetition\": %.3f, \"repetitions\": %d, \"batch\": %zu, "
               "\"pinned_cpu\": %d, \"quick\": %s, \"mtu\": %zu,\n"
               "    \"imix\": \"7:4:1 of 64/576/1500 B, 1500 capped to the tunnel MTU 1420\"},\n",
               info.seconds, info.repetitions, kBatch, info.pinned_cpu, info.quick ? "true" : "false", kTunnelMtu);
  std::fprintf(f, "  \"results\": [\n");
  for (std::size_t i = 0; i < results.size(); ++i) {
    const SizeResult& r = results[i];
    std::fprintf(f, "    {\n      \"size\": %s,\n      \"average_plaintext_bytes\": %.2f,\n",
                 json_string(r.workload.name).c_str(), r.workload.average_length());
    json_rate(f, "raw_seal", r.raw_seal);
    json_rate(f, "seal", r.seal);
    json_rate(f, "raw_open", r.raw_open);
    json_rate(f, "open", r.open);
    std::fprintf(f, "      \"seal_vs_raw\": %.4f,\n      \"open_vs_raw\": %.4f\n    }%s\n", r.seal_vs_raw(),
                 r.open_vs_raw(), i + 1 < results.size() ? "," : "");
  }
  std::fprintf(f, "  ]\n}\n");
  return std::fclose(f) == 0;
}

}  // namespace anymesh::bench
