// Output of the seal/open benchmark: the human table and the JSON file the plots and RESULTS.md read.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "bench/crypto/workload.h"

namespace anymesh::bench {

// Packet rate and plaintext throughput of one operation (the best repetition).
struct Rate {
  double mpps = 0;
  double gbps = 0;
};

struct SizeResult {
  Workload workload;
  Rate raw_seal;
  Rate seal;
  Rate raw_open;
  Rate open;
  double seal_vs_raw() const { return raw_seal.mpps > 0 ? seal.mpps / raw_seal.mpps : 0; }
  double open_vs_raw() const { return raw_open.mpps > 0 ? open.mpps / raw_open.mpps : 0; }
};

// Where and how the figures were taken.
struct RunInfo {
  std::string cpu_model;
  unsigned nproc = 0;
  std::string kernel;
  std::string openssl;
  int pinned_cpu = -1;
  double seconds = 0;
  int repetitions = 0;
  bool quick = false;
};

RunInfo describe_machine();
void print_table(std::FILE* out, const RunInfo& info, const std::vector<SizeResult>& results);
bool write_json(const std::string& path, const RunInfo& info, const std::vector<SizeResult>& results);

}  // namespace anymesh::bench
