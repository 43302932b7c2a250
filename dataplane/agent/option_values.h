// Parsers for the value kinds of gateway.conf: DPDK port specs, lcore lists, host:port addresses.
// Each returns the value or the problem, phrased to follow "--option: ".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/result.h"

namespace anymesh::agent {

// Debian 12's DPDK is built with RTE_MAX_LCORE 128 (rte_build_config.h): lcore ids are below it.
inline constexpr unsigned kMaxLcoreId = 127;

enum class PortKind : std::uint8_t {
  pci,   // a NIC bound to vfio: "0000:00:05.0" (the domain may be left out)
  vdev,  // a DPDK virtual device and its arguments: "net_af_xdp0,iface=eth1"
};

struct PortSpec {
  PortKind kind = PortKind::pci;
  std::string device;  // exactly as EAL takes it (-a DEVICE or --vdev DEVICE)
  bool operator==(const PortSpec&) const = default;
};

Result<PortSpec, std::string> parse_port_spec(std::string_view text);

// An EAL lcore list: "0-3", "0,2,4", "1-2,5": ids in increasing order, each once.
Result<std::vector<unsigned>, std::string> parse_lcore_list(std::string_view text);

// A gRPC target "host:port": host is a DNS name, an IPv4 address or a bracketed IPv6 address.
Result<std::string, std::string> parse_host_port(std::string_view text);

// 127.0.0.0/8 or ::1.
bool is_loopback(const IpAddress& address);

}  // namespace anymesh::agent
