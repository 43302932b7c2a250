// Services, endpoint groups and backends, and the immutable ServiceTable that classifies and steers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "bpf/include/flow_hash.h"
#include "dataplane/anycast/group_choice.h"
#include "dataplane/anycast/maglev.h"
#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/result.h"

namespace anymesh::anycast {

enum class Affinity : std::uint8_t {
  none = AM_AFFINITY_NONE,            // each 5-tuple decides on its own
  source_ip = AM_AFFINITY_SOURCE_IP,  // all flows of one client to one VIP decide alike
};

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;  // inclusive; a single port has first == last
  bool contains(std::uint16_t port) const { return first <= port && port <= last; }
  static PortRange single(std::uint16_t port) { return {port, port}; }
};

// id: stable across snapshots (the controller keeps it) and unique in the table, because flows are
// pinned to it and the XDP backends array is indexed by it.
struct Backend {
  std::uint32_t id = 0;
  IpAddress address;
  std::uint32_t weight = 1;  // 0-255; 0 takes no new flows, pinned flows stay
  bool healthy = true;
};

// A region's share of a service. backends lists the region's backends when this gateway serves
// them itself; a group of another region lists none and is reached through the tunnel.
struct EndpointGroup {
  std::uint16_t id = 0;  // stable across snapshots, unique within the service
  std::string region;
  std::uint32_t weight = 128;        // 0-255
  std::uint32_t dial_percent = 100;  // 0-100: share of the group's weight that new flows get
  bool healthy = true;               // the region's own verdict (reported through the controller)
  std::vector<Backend> backends;
  // Empty: build() makes the group's Maglev table. Otherwise the table itself, one backend id per
  // slot (prime size, every id one of backends), as the XDP maglev map holds it: lets a test replay
  // XDP fixtures through the same table, without the 100-slots-per-backend rule.
  std::vector<std::uint32_t> maglev_slots;
};

// Ingress protection (docs/configuration.md `limits`). Rates are per second and per gateway;
// 0 is unlimited (the default: no limits). New-flow limits count flows the flow table does not
// hold; pinned flows never hit them. Source limits apply per source prefix (IPv4 /source_prefix_v4,
// IPv6 /source_prefix_v6) and per service. A rate needs a burst of at least 1.
struct ServiceLimits {
  std::uint32_t new_flows_per_second = 0;  // the whole service, over all clients
  std::uint32_t new_flows_burst = 0;
  std::uint32_t source_new_flows_per_second = 0;
  std::uint32_t source_new_flows_burst = 0;
  std::uint32_t source_packets_per_second = 0;
  std::uint32_t source_packets_burst = 0;
  std::uint8_t source_prefix_v4 = 24;  // 1 .. 32
  std::uint8_t source_prefix_v6 = 64;  // 1 .. 128
  bool any() const {
    return new_flows_per_second != 0 || source_new_flows_per_second != 0 || source_packets_per_second != 0;
  }
  bool operator==(const ServiceLimits&) const = default;
};

struct Service {
  std::string name;
  IpAddress vip;
  std::vector<IpAddress> extra_vips;  // more addresses of the same service (e.g. its IPv6 VIP)
  std::uint8_t protocol = 6;  // tcp (6) or udp (17)
  PortRange ports;
  Affinity affinity = Affinity::none;
  std::vector<EndpointGroup> groups;
  std::uint32_t maglev_table_size = kDefaultMaglevTableSize;
  ServiceLimits limits;
};

// field is a path into the description, e.g. "services[2].groups[0].dial_percent".
struct ServiceError {
  std::string field;
  std::string reason;
  std::string to_string() const { return field + ": " + reason; }
};

// What the snapshot precomputes for one group.
struct GroupState {
  bool serving = false;               // healthy and (no local backends or one of them healthy)
  std::optional<MaglevTable> maglev;  // slots index the group's backends; only with local backends
};

struct ServiceEntry {
  std::uint32_t id = 0;  // position in the table, the service_id of the XDP maps
  Service service;
  std::vector<GroupState> groups;            // parallel to service.groups
  std::vector<GroupCandidate> candidates;    // parallel to service.groups, for choose_group
};

// Where a decision points in this snapshot. backend is null for a group reached through the tunnel.
struct SteeringTarget {
  const EndpointGroup* group = nullptr;
  const Backend* backend = nullptr;
};

class ServiceTable {
 public:
  // Validates everything (first error wins, naming its field) and builds every Maglev table.
  // Maglev tables are built over a group's healthy backends, or all of them when none is healthy
  // (fail open), skipping weight-0 ones; backend names for the permutations are the addresses.
  static Result<ServiceTable, ServiceError> build(std::vector<Service> services);

  // The service whose VIP, protocol and port range cover this destination, or null.
  const ServiceEntry* classify(const IpAddress& dst, std::uint8_t protocol,
                               std::uint16_t dst_port) const;

  // The group and backend with these ids in this snapshot; nullopt when either is gone.
  std::optional<SteeringTarget> find(const ServiceEntry& entry, std::uint16_t group_id,
                                     std::uint32_t backend_id) const;

  std::span<const ServiceEntry> services() const { return entries_; }

 private:
  struct VipKey {
    IpAddress vip;
    std::uint8_t protocol;
    bool operator==(const VipKey&) const = default;
  };
  struct VipKeyHash {
    std::size_t operator()(const VipKey& k) const;
  };
  struct PortSlice {
    PortRange ports;
    std::uint32_t service;
  };
  struct BackendPlace {
    std::uint32_t service;
    std::uint32_t group;
    std::uint32_t backend;
  };

  std::vector<ServiceEntry> entries_;
  std::unordered_map<VipKey, std::vector<PortSlice>, VipKeyHash> by_vip_;  // slices sorted by port
  std::unordered_map<std::uint32_t, BackendPlace> by_backend_id_;
};

}  // namespace anymesh::anycast
