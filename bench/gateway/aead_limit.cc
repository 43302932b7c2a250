// Raw AEAD rates on the lcore that later runs (or ran) the gateway's worker.
#include "bench/gateway/aead_limit.h"

#include <chrono>
#include <memory>

#include "bench/crypto/kernels.h"

namespace anymesh::bench {
namespace {

Rate measure(Kernel& kernel, double seconds, std::uint64_t& failures) {
  Tally tally;
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  do {
    for (int i = 0; i < 16; ++i) kernel.batch(tally);
  } while (std::chrono::steady_clock::now() < end);
  failures += tally.failures;
  double s = std::chrono::duration<double>(tally.timed).count();
  if (s <= 0) return {};
  return {static_cast<double>(tally.packets) / s / 1e6, static_cast<double>(tally.plaintext_bytes) * 8 / s / 1e9};
}

void keep_best(Rate& best, const Rate& r) {
  if (r.mpps > best.mpps) best = r;
}

}  // namespace

int run_aead_limit(void* arg) {
  auto& job = *static_cast<AeadLimit*>(arg);
  job.seal.resize(job.workloads.size());
  job.open.resize(job.workloads.size());
  std::vector<std::unique_ptr<Kernel>> seals, opens;
  for (const Workload& w : job.workloads) {
    seals.push_back(std::make_unique<RawSeal>(w));
    opens.push_back(std::make_unique<RawOpen>(w));
    measure(*seals.back(), job.warmup, job.failures);
    measure(*opens.back(), job.warmup, job.failures);
  }
  for (int rep = 0; rep < job.repetitions; ++rep) {
    for (std::size_t i = 0; i < job.workloads.size(); ++i) {
      keep_best(job.seal[i], measure(*seals[i], job.seconds, job.failures));
      keep_best(job.open[i], measure(*opens[i], job.seconds, job.failures));
    }
  }
  return 0;
}

}  // namespace anymesh::bench
