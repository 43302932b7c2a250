// NeighborResolver: turns the kernel's routes and neighbour cache into the data plane's next-hop
// Ethernet addresses for peer endpoints (outer) and region-side destinations (inner).
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <vector>

#include "dataplane/agent/applied_snapshot.h"
#include "dataplane/pipeline/forwarding_state.h"
#include "dataplane/pipeline/gateway_runtime.h"

namespace anymesh::gateway {

class NeighborResolver {
 public:
  NeighborResolver(int outer_ifindex, int inner_ifindex) : outer_(outer_ifindex), inner_(inner_ifindex) {}

  // Destinations the workers could not send to: remembered (bounded) and resolved from now on.
  void add_misses(const std::vector<pipeline::NeighborMiss>& misses);
  // Reads the kernel and builds the tables. `refresh` also asks the kernel to re-confirm every
  // next hop in use (NTF_USE), since only our DPDK traffic uses them and the kernel would
  // otherwise let the entries go stale and expire.
  pipeline::NeighborState build(const agent::AppliedSnapshot* snapshot, bool refresh);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  int outer_;
  int inner_;
  std::set<std::uint32_t> outer_wanted_;
  std::set<std::uint32_t> inner_wanted_;
  std::vector<std::string> problems_;
};

}  // namespace anymesh::gateway
