// AnycastServices: the snapshot's services as validated: the description this gateway steers by,
// the ServiceTable built from it, the local backends to health-check and the VIPs to announce.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dataplane/anycast/service.h"
#include "dataplane/packet/ip_address.h"

namespace anymesh::agent {

enum class HealthCheckKind : std::uint8_t { tcp, http, udp };

// How one backend is checked (from its endpoint group's health_check).
struct HealthCheckSpec {
  HealthCheckKind kind = HealthCheckKind::tcp;
  std::chrono::milliseconds interval{1000};
  std::uint32_t rise = 2;  // consecutive passes that make an unhealthy backend healthy
  std::uint32_t fall = 3;  // consecutive failures that make a healthy backend unhealthy
  std::uint16_t port = 0;
  std::string path = "/";  // http only
};

// A backend of this gateway's region: the health checker's work list.
struct BackendCheck {
  std::uint32_t backend_id = 0;
  IpAddress address;
  std::string service;       // the service's name
  std::uint16_t group_id = 0;
  HealthCheckSpec check;
};

// Only validate_snapshot() makes one with services. Every backend in services() is local (its
// group's region is this gateway's); other regions' groups list none and are reached through the
// tunnel. table() assumes every local backend healthy; with_health() rebuilds it as checked.
class AnycastServices {
 public:
  AnycastServices();  // no services
  AnycastServices(std::vector<anycast::Service> services, anycast::ServiceTable table,
                  std::vector<BackendCheck> checks);

  const std::vector<anycast::Service>& services() const { return services_; }
  const anycast::ServiceTable& table() const { return table_; }
  const std::vector<BackendCheck>& checks() const { return checks_; }
  // Every VIP of every service, each once, sorted: what this gateway announces over BGP.
  std::vector<IpAddress> vips() const;

  // The table again with each local backend's healthy flag from `healthy(backend id)`. Health does
  // not enter validation, so this never fails.
  anycast::ServiceTable with_health(const std::function<bool(std::uint32_t)>& healthy) const;

 private:
  std::vector<anycast::Service> services_;
  anycast::ServiceTable table_;
  std::vector<BackendCheck> checks_;
};

}  // namespace anymesh::agent
