// Port: one DPDK ethdev (a PCI NIC or a vdev) configured with N queue pairs and started.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "dataplane/agent/option_values.h"

struct rte_mempool;

namespace anymesh::dpdk {

struct Port {
  std::uint16_t id = 0;
  std::string name;                       // the ethdev name: "net_af_xdp0", "0000:00:05.0"
  std::array<std::uint8_t, 6> mac{};
  std::optional<std::string> interface;   // the kernel interface of an af_xdp/af_packet vdev (iface=)
  unsigned queues = 1;
};

// The ethdev name of a port spec: a vdev's name before its first comma, or the PCI address.
std::string port_name(const agent::PortSpec& spec);
// The value of iface= in a vdev's arguments.
std::optional<std::string> port_interface(const agent::PortSpec& spec);

// Configures queues (RSS over IP and UDP/TCP ports when more than one), sets up every queue from
// pool, starts the port. Throws std::runtime_error naming the port and DPDK's reason.
Port open_port(const agent::PortSpec& spec, unsigned queues, rte_mempool* pool);

void close_port(const Port& port);

}  // namespace anymesh::dpdk
