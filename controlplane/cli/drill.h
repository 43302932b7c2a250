// `anymesh drill`: a scheduled failover drill through the controller: drain a region's endpoint
// groups, watch the gateways acknowledge and their counters move, restore, report.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "controlplane/cli/controller_client.h"

namespace anymesh::cli {

struct DrillOptions {
  std::string region;
  std::chrono::milliseconds duration{10'000};  // how long the region stays drained
  std::string loadgen_json;  // a lab loadgen report covering the drill (read after the restore)
  std::chrono::milliseconds ack_limit{10'000};  // longest wait for the gateways' Acks
};

// 0: drained and restored, every connected gateway acknowledged both; 1 otherwise (the reason on
// stderr). The region is restored also after SIGINT/SIGTERM during the drained time.
int run_drill(ControllerClient& controller, const DrillOptions& options, std::FILE* out);

}  // namespace anymesh::cli
