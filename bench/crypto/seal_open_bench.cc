// anymesh-bench-seal: per-core packet rate of Keypair seal/open against raw ChaCha20-Poly1305.
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "bench/crypto/kernels.h"
#include "bench/crypto/report.h"
#include "bench/crypto/workload.h"

namespace {

using namespace anymesh::bench;

struct Options {
  double seconds = 1.0;  // per repetition and operation
  double warmup = 0.25;
  int repetitions = 3;
  int cpu = -2;  // -2: the CPU we start on, -1: do not pin
  bool quick = false;
  std::string json;
  std::string size;  // only this workload (for profiling); empty: all
};

int usage(const char* argv0) {
  std::fprintf(stderr,
               "Usage: %s [--quick] [--seconds S] [--json FILE] [--cpu N|none] [--size 64|512|1420|imix]\n"
               "  Measures, on one thread, raw ChaCha20-Poly1305 (AeadContext) and Keypair seal/open\n"
               "  (whole WireGuard transport messages) for 64, 512, 1420 B and IMIX; best of 3.\n"
               "  --quick      a short smoke run (figures are not meaningful)\n"
               "  --seconds S  timed seconds per repetition and operation (default 1)\n"
               "  --json FILE  also write the results as JSON\n"
               "  --cpu N      pin to CPU N (default: the CPU it starts on; 'none' to not pin)\n"
               "  --size NAME  only this workload (to profile one size)\n",
               argv0);
  return 2;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      o.quick = true;
      o.seconds = 0.05;
      o.warmup = 0.02;
    } else if (arg == "--seconds" && has_value) {
      o.seconds = std::atof(argv[++i]);
      if (!(o.seconds > 0 && o.seconds <= 600)) return false;
      o.warmup = std::min(0.25, o.seconds / 2);
    } else if (arg == "--json" && has_value) {
      o.json = argv[++i];
    } else if (arg == "--size" && has_value) {
      o.size = argv[++i];
    } else if (arg == "--cpu" && has_value) {
      std::string v = argv[++i];
      o.cpu = v == "none" ? -1 : std::atoi(v.c_str());
    } else {
      return false;
    }
  }
  return true;
}

int pin(int cpu) {
  if (cpu == -1) return -1;
  if (cpu == -2) cpu = sched_getcpu();
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    std::perror("anymesh-bench-seal: sched_setaffinity");
    return -1;
  }
  return cpu;
}

// Runs batches until `seconds` of wall time passed (untimed preparation included, so open runs see
// fewer packets than seal runs; the rate only counts the timed part).
Tally run_for(Kernel& kernel, double seconds) {
  Tally tally;
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  do {
    for (int i = 0; i < 16; ++i) kernel.batch(tally);
  } while (std::chrono::steady_clock::now() < end);
  return tally;
}

Rate rate_of(const Tally& t) {
  double s = std::chrono::duration<double>(t.timed).count();
  if (s <= 0) return {};
  return {static_cast<double>(t.packets) / s / 1e6, static_cast<double>(t.plaintext_bytes) * 8 / s / 1e9};
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) return usage(argv[0]);
  try {
    RunInfo info = describe_machine();
    info.pinned_cpu = pin(options.cpu);
    info.seconds = options.seconds;
    info.repetitions = options.repetitions;
    info.quick = options.quick;

    std::vector<SizeResult> results;
    for (const Workload& w : standard_workloads()) {
      if (!options.size.empty() && w.name != options.size) continue;
      SizeResult result{w, {}, {}, {}, {}};
      // Repetitions go round the four operations so a noisy moment hurts all of them alike.
      std::unique_ptr<Kernel> kernels[] = {std::make_unique<RawSeal>(w), std::make_unique<KeypairSeal>(w),
                                           std::make_unique<RawOpen>(w), std::make_unique<KeypairOpen>(w)};
      Rate* best[] = {&result.raw_seal, &result.seal, &result.raw_open, &result.open};
      for (auto& k : kernels) run_for(*k, options.warmup);
      for (int rep = 0; rep < options.repetitions; ++rep) {
        for (int k = 0; k < 4; ++k) {
          Tally t = run_for(*kernels[k], options.seconds);
          if (t.failures != 0) {
            std::fprintf(stderr, "anymesh-bench-seal: %s: %llu operations failed; the benchmark is broken\n",
                         w.name.c_str(), static_cast<unsigned long long>(t.failures));
            return 1;
          }
          Rate r = rate_of(t);
          if (r.mpps > best[k]->mpps) *best[k] = r;
        }
      }
      results.push_back(result);
    }
    if (results.empty()) return usage(argv[0]);
    print_table(stdout, info, results);
    if (!options.json.empty() && !write_json(options.json, info, results)) {
      std::perror(("anymesh-bench-seal: " + options.json).c_str());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anymesh-bench-seal: %s\n", e.what());
    return 1;
  }
  return 0;
}
