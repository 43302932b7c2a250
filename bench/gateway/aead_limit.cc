// Raw AEAD rates on the lcore that later runs (or ran) the gateway's worker.
#include "bench/gateway/aead_limit.h"

#include <time.h>

#include <chrono>
#include <memory>

#include "bench/crypto/kernels.h"

namespace anymesh::bench {
namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Measured {
  Rate rate;          // per timed (wall) second
  Tally tally;
  double cpu_seconds = 0;  // everything the loop did, untimed preparation included
};

Measured measure(Kernel& kernel, double seconds, std::uint64_t& failures) {
  Measured m;
  double cpu0 = thread_cpu_seconds();
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  do {
    for (int i = 0; i < 16; ++i) kernel.batch(m.tally);
  } while (std::chrono::steady_clock::now() < end);
  m.cpu_seconds = thread_cpu_seconds() - cpu0;
  failures += m.tally.failures;
  double s = std::chrono::duration<double>(m.tally.timed).count();
  if (s > 0) {
    m.rate = {static_cast<double>(m.tally.packets) / s / 1e6, static_cast<double>(m.tally.plaintext_bytes) * 8 / s / 1e9};
  }
  return m;
}

Rate per(const Tally& t, double cpu_seconds) {
  if (cpu_seconds <= 0) return {};
  return {static_cast<double>(t.packets) / cpu_seconds / 1e6, static_cast<double>(t.plaintext_bytes) * 8 / cpu_seconds / 1e9};
}

void keep_best(Rate& best, const Rate& r) {
  if (r.mpps > best.mpps) best = r;
}

}  // namespace

int run_aead_limit(void* arg) {
  auto& job = *static_cast<AeadLimit*>(arg);
  job.seal.resize(job.workloads.size());
  job.open.resize(job.workloads.size());
  job.seal_per_cpu.resize(job.workloads.size());
  job.open_per_cpu.resize(job.workloads.size());
  std::vector<std::unique_ptr<Kernel>> seals, opens;
  for (const Workload& w : job.workloads) {
    seals.push_back(std::make_unique<RawSeal>(w));
    opens.push_back(std::make_unique<RawOpen>(w));
    measure(*seals.back(), job.warmup, job.failures);
    measure(*opens.back(), job.warmup, job.failures);
  }
  for (int rep = 0; rep < job.repetitions; ++rep) {
    for (std::size_t i = 0; i < job.workloads.size(); ++i) {
      Measured seal = measure(*seals[i], job.seconds, job.failures);
      Measured open = measure(*opens[i], job.seconds, job.failures);
      keep_best(job.seal[i], seal.rate);
      keep_best(job.open[i], open.rate);
      keep_best(job.seal_per_cpu[i], per(seal.tally, seal.cpu_seconds));
      if (seal.tally.packets > 0) {
        double reseal = seal.cpu_seconds / static_cast<double>(seal.tally.packets) * static_cast<double>(open.tally.packets);
        keep_best(job.open_per_cpu[i], per(open.tally, open.cpu_seconds - reseal));
      }
    }
  }
  return 0;
}

}  // namespace anymesh::bench
