// JSON report of a load run: per flow backends, changes of backend and gaps in replies.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "lab/loadgen/flow.h"

namespace anymesh::lab {

struct RunInfo {
  std::string target;
  int port = 0;
  double interval_ms = 0;
  double gap_threshold_ms = 0;
  double duration_ms = 0;
  std::uint64_t late_ticks = 0;  // timer ticks the client itself missed (CPU starvation), not network loss
};

void write_report(std::FILE* out, const RunInfo& run, std::vector<Flow>& flows);

}  // namespace anymesh::lab
