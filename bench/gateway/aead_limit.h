// AeadLimit: the physical limit of the gateway benchmark: raw ChaCha20-Poly1305 seal and open
// (bench/crypto's RawSeal/RawOpen, i.e. AeadContext) per workload, run on the worker lcore itself.
#pragma once

#include <vector>

#include "bench/crypto/report.h"
#include "bench/crypto/workload.h"

namespace anymesh::bench {

struct AeadLimit {
  // In: what to measure. Each repetition goes round the workloads; the best repetition counts.
  std::vector<Workload> workloads;
  double seconds = 0.5;
  double warmup = 0.1;
  int repetitions = 3;
  // Out, one per workload; kept when higher than what is already there (the limit is taken twice
  // per run, before and after the gateway, and the best of all counts).
  std::vector<Rate> seal;
  std::vector<Rate> open;
  // The same per CPU second the thread was given (CLOCK_THREAD_CPUTIME_ID), so a loaded machine
  // does not move them. Open's CPU time includes re-sealing its ring (untimed in `open`); the
  // seal cost per packet measured just before is subtracted, so open_per_cpu is derived.
  std::vector<Rate> seal_per_cpu;
  std::vector<Rate> open_per_cpu;
  std::uint64_t failures = 0;  // an open that did not authenticate: the benchmark is broken
};

// rte_eal_remote_launch entry point; arg is an AeadLimit*.
int run_aead_limit(void* arg);

}  // namespace anymesh::bench
