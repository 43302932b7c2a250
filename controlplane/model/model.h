// Model: the validated contents of mesh.yaml (regions, gateways, services, policy) as the controller uses them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/anycast/service.h"
#include "dataplane/packet/ip_address.h"
#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/endpoint.h"

namespace anymesh::model {

struct Region {
  std::string name;
  std::vector<IpPrefix> prefixes;  // the region's LANs; no host bits set, each listed once in the mesh
};

struct Gateway {
  std::uint32_t id = 0;  // non-zero, unique: probes and snapshots carry it
  std::string region;    // names a Region
  wg::Key public_key{};
  std::vector<wg::Endpoint> endpoints;  // outer addresses peers send to, at least one
  IpAddress tunnel_address;             // IPv4 inner address probes are sent to
  std::uint32_t lanes = 1;              // WireGuard sessions per peer gateway, 1 .. 16
};

enum class HealthCheckType : std::uint8_t { tcp, http, udp };

struct HealthCheck {
  HealthCheckType type = HealthCheckType::tcp;
  std::chrono::milliseconds interval{1000};
  std::uint32_t rise = 2;  // consecutive passes that make a backend healthy
  std::uint32_t fall = 3;  // consecutive failures that make it unhealthy
  std::uint16_t port = 0;  // filled with the service's first port when the file leaves it out
  std::string path = "/";  // http only
};

// service is the anycast description (group ids are positions in the service, backend ids count
// up from 1 across the file); health_checks is parallel to service.groups.
struct ServiceModel {
  anycast::Service service;
  std::vector<HealthCheck> health_checks;
};

// A share "numerator / denominator" in 0 .. 1, kept exact so steering stays deterministic.
struct Fraction {
  std::uint32_t numerator = 0;
  std::uint32_t denominator = 1;
  auto operator<=>(const Fraction&) const = default;
};

struct Policy {
  struct Probe {
    std::chrono::milliseconds interval{10};
    std::uint32_t miss_threshold = 3;
    std::uint32_t recover_threshold = 5;
    std::chrono::milliseconds timeout{20};
  };
  // A path replaces the current one only when it is better by min_improvement and by
  // min_improvement_fraction of the current RTT, in sustained_reports consecutive reports.
  struct Hysteresis {
    std::chrono::milliseconds min_improvement{10};
    Fraction min_improvement_fraction{1, 3};
    std::uint32_t sustained_reports = 3;
  };
  Probe probe;
  Hysteresis hysteresis;
  double loss_threshold_percent = 5.0;  // a path losing more than this counts as down
  bool relay = true;                    // one-hop relays through a third region allowed
};

struct Model {
  std::vector<Region> regions;
  std::vector<Gateway> gateways;
  std::vector<ServiceModel> services;
  Policy policy;
};

}  // namespace anymesh::model
