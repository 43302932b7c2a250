// XdpPrestage: the xdp_gateway program the af_xdp PMD attached to each kernel-owned port, told
// which packets are the data plane's (tunnel ports outside, mesh prefixes inside); the rest
// (ARP, BGP, traffic to the host, non-mesh forwarding) stays with the kernel.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/agent/applied_snapshot.h"
#include "dataplane/agent/gateway_options.h"

namespace anymesh::gateway {

// The EAL vdev arguments with xdp_prog= (and queue_count= when several queues) added to every
// net_af_xdp port that does not name them; other ports unchanged.
agent::PortSpec with_xdp_program(const agent::PortSpec& port, unsigned queues);

class XdpPrestage {
 public:
  // Opens the maps of the programs attached to the af_xdp ports' interfaces (none for other
  // PMDs) and configures their roles. Throws std::runtime_error with the reason.
  XdpPrestage(const agent::GatewayOptions& options, std::uint32_t outer_address);
  ~XdpPrestage();

  // The inner program steers the snapshot's region prefixes to the data plane.
  void apply(const agent::AppliedSnapshot& snapshot);
  bool active() const;
  std::string metrics_text() const;  // per port and verdict, Prometheus text

 private:
  struct Port;
  std::vector<std::unique_ptr<Port>> ports_;
};

}  // namespace anymesh::gateway
