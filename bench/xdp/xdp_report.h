// Output of the XDP benchmark: the human table and the JSON file RESULTS.md reads.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace anymesh::bench {

// One measured case: the kernel's BPF_PROG_TEST_RUN duration (ns per run of the program).
struct XdpPoint {
  std::string name;
  std::string how;           // what was run, in words
  std::uint32_t repeat = 0;  // the repeat of each BPF_PROG_TEST_RUN call
  std::uint64_t calls = 0;   // calls averaged (per pass)
  double ns = 0;             // best pass: mean duration the kernel reported
  double ns_net = -1;        // ns minus the per-call timer overhead (repeat 1 cases), -1 if n/a
  std::string verdict;       // what every call returned
};

struct XdpRunInfo {
  std::string cpu_model;
  unsigned nproc = 0;
  std::string kernel;
  int cpu = -1;
  bool quick = false;
  int passes = 0;
  std::uint32_t flows = 0;          // distinct flows of the miss / many-flow hit cases
  double timer_overhead_ns = 0;     // pass floor at repeat 1 minus at repeat N
  std::uint64_t flows_new = 0;      // note_flow_new over the run (the misses, checked)
  std::uint64_t flows_pinned = 0;   // note_flow_pinned over the run (the hits, checked)
};

void print_xdp_table(std::FILE* out, const XdpRunInfo& info, const std::vector<XdpPoint>& points);
bool write_xdp_json(const std::string& path, const XdpRunInfo& info, const std::vector<XdpPoint>& points);

}  // namespace anymesh::bench
