// XdpGatewayMaps: the maps of an xdp_gateway program (usually attached by the DPDK af_xdp PMD), filled by the agent.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/include/ingress_limits.h"
#include "bpf/include/map_layouts.h"
#include "bpf/include/xdp_counters.h"
#include "bpf/loader/bpf_fd.h"
#include "bpf/loader/bpf_status.h"
#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/result.h"

namespace anymesh::bpf {

enum class GatewayRole : std::uint32_t {
  unset = AM_GW_ROLE_UNSET,  // every packet to the kernel (the state right after attaching)
  outer = AM_GW_ROLE_OUTER,  // tunnel UDP ports (and VIPs) to AF_XDP, the rest to the kernel
  inner = AM_GW_ROLE_INNER,  // destinations in the mesh prefixes to AF_XDP, the rest to the kernel
};

struct GatewayConfig {
  GatewayRole role = GatewayRole::unset;
  std::uint16_t tunnel_port_first = 0;  // WireGuard lanes listen on [first, first + count)
  std::uint16_t tunnel_port_count = 0;
  std::optional<IpAddress> gateway_v4;  // GUE outer source; none: IPv4 backends go to AF_XDP
  std::optional<IpAddress> gateway_v6;
  std::array<std::uint8_t, 6> next_hop_mac{};  // all zero: GUE frames go back to the sender's MAC
  std::uint16_t gue_port = AM_GUE_DEFAULT_PORT;
  std::uint16_t mtu = AM_GW_DEFAULT_MTU;
  std::chrono::milliseconds flow_idle{0};  // 0: pinned flows leave only by LRU eviction
  // CPUs sharing each ingress limit: the XDP buckets are per CPU and each enforces 1/limit_share
  // of every rate and burst. Set it to the number of CPUs that take the port's packets (its RX
  // queues); 0: the online CPUs.
  std::uint32_t limit_share = 0;
};

// A vips entry: (VIP, protocol, port) -> service. port 0 with a range is the VIP's one wildcard entry.
struct XdpVip {
  IpAddress address;
  std::uint8_t protocol = 0;  // IPPROTO_UDP / IPPROTO_TCP
  std::uint16_t port = 0;
  std::uint32_t service_id = 0;  // < 1024: key of the service's Maglev table
  std::uint32_t table_size = 0;  // entries of that table
  bool local_only = false;       // every serving group is local: XDP decides and encapsulates
  bool affinity_source_ip = false;
  std::optional<std::pair<std::uint16_t, std::uint16_t>> port_range;  // with port 0
};

// A backends entry: where GUE goes. ids < 65536 (the Maglev tables hold them).
struct XdpBackend {
  std::uint32_t id = 0;
  IpAddress address;
  std::uint16_t group_id = 0;
  bool healthy = false;
  bool local = false;  // in this region: XDP may encapsulate to it
};

// A service_limits entry: one service's ingress limits, the fields of anycast::ServiceLimits
// (per second and per gateway; 0 = unlimited; a rate needs a burst of at least 1).
struct XdpServiceLimits {
  std::uint32_t service_id = 0;  // < 1024, as in XdpVip
  std::uint32_t new_flows_per_second = 0;
  std::uint32_t new_flows_burst = 0;
  std::uint32_t source_new_flows_per_second = 0;
  std::uint32_t source_new_flows_burst = 0;
  std::uint32_t source_packets_per_second = 0;
  std::uint32_t source_packets_burst = 0;
  std::uint8_t source_prefix_v4 = 24;  // 1 .. 32
  std::uint8_t source_prefix_v6 = 64;  // 1 .. 128
};

am_service_limits to_map_value(const XdpServiceLimits& limits);

// The raw map value for a config (exposed for tests and for the fixtures runner).
am_gw_config to_map_value(const GatewayConfig& config);

// Name of an xdp_counters index ("xsk_tunnel", ...); "" past the end.
std::string_view xdp_counter_name(std::uint32_t index);
// Index of a counter name, nullopt if unknown.
std::optional<std::uint32_t> xdp_counter_index(std::string_view name);

// Packets per reason, summed over CPUs; index = enum am_xdp_counter.
using XdpCounters = std::array<std::uint64_t, AM_XDP_COUNTER_COUNT>;

class XdpGatewayMaps {
 public:
  // The maps of the XDP program attached to ifname (any mode), found through the program's map ids.
  static Result<XdpGatewayMaps, std::string> open_attached(const std::string& ifname);
  // The maps of a loaded xdp_gateway program, by its fd (tests load it themselves).
  static Result<XdpGatewayMaps, std::string> open_program(int prog_fd);

  BpfStatus set_config(const GatewayConfig& config);
  // Replaces the whole set: prefixes not listed are removed after the new ones are in.
  BpfStatus set_mesh_prefixes(std::span<const IpPrefix> prefixes);
  Result<XdpCounters, std::string> counters() const;

  // Stage order for a consistent view: backends, then Maglev tables, then vips.
  // Writes the listed backends and clears those listed by an earlier call but not this one.
  BpfStatus set_backends(std::span<const XdpBackend> backends);
  // A fresh table for the service (backend id per slot; size prime), swapped in atomically.
  BpfStatus set_maglev(std::uint32_t service_id, std::span<const std::uint32_t> slots);
  BpfStatus remove_maglev(std::uint32_t service_id);
  // Replaces the whole VIP set.
  BpfStatus set_vips(std::span<const XdpVip> vips);
  // Replaces the whole set of limits: services not listed have none. A service whose limits
  // changed starts with a full service bucket on every CPU; its source buckets keep their tokens
  // (cut to the new burst) until the LRU drops them.
  BpfStatus set_service_limits(std::span<const XdpServiceLimits> limits);
  // Forgets every pinned flow (e.g. after a snapshot that renumbered backends).
  BpfStatus clear_flows();

  std::uint32_t program_id() const { return program_id_; }
  int xsks_map_fd() const { return xsks_map_.get(); }

 private:
  std::uint32_t program_id_ = 0;
  BpfFd xsks_map_;
  BpfFd config_;
  BpfFd mesh_v4_;
  BpfFd mesh_v6_;
  BpfFd counters_;
  BpfFd vips_;
  BpfFd maglev_;
  BpfFd backends_;
  BpfFd flows_;
  BpfFd service_limits_;
  BpfFd service_buckets_;
  BpfFd source_buckets_;
  std::vector<std::uint32_t> backend_ids_;
  std::vector<std::uint32_t> limited_services_;
};

}  // namespace anymesh::bpf
