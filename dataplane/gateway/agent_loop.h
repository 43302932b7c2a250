// The gateway's main lcore: start the data plane, then serve the agent's jobs until stopped.
#pragma once

#include "dataplane/agent/gateway_options.h"

namespace anymesh::gateway {

// Runs until SIGINT or SIGTERM; returns the process exit code. Start-up failures are printed
// with their reason and return 1.
int run_gateway(const agent::GatewayOptions& options);

}  // namespace anymesh::gateway
