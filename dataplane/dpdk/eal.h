// Eal: DPDK's Environment Abstraction Layer, started from the gateway's options and torn down once.
#pragma once

#include <string>
#include <vector>

#include "dataplane/agent/gateway_options.h"

namespace anymesh::dpdk {

// The EAL command line for these options: lcores, one --vdev per vdev port, --no-pci when no port
// is a PCI device, --in-memory (no files shared with other processes, so several gateways can run
// on one host), and the operator's extra arguments last.
std::vector<std::string> eal_arguments(const agent::GatewayOptions& options);

class Eal {
 public:
  // Throws std::runtime_error with DPDK's reason when the EAL refuses to start.
  explicit Eal(const std::vector<std::string>& arguments);
  ~Eal();
  Eal(const Eal&) = delete;
  Eal& operator=(const Eal&) = delete;
};

}  // namespace anymesh::dpdk
