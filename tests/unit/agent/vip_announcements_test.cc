// servable_vips: which VIPs a gateway announces as its own and the other regions' groups fail;
// fill_group_health: the report's per-group health from the checks.
#include <catch2/catch.hpp>

#include <set>

#include "dataplane/agent/group_health_report.h"
#include "dataplane/agent/vip_announcements.h"

namespace anymesh::agent {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

anycast::EndpointGroup group(std::uint16_t id, const char* region, std::vector<anycast::Backend> backends,
                             bool healthy = true) {
  anycast::EndpointGroup g;
  g.id = id;
  g.region = region;
  g.healthy = healthy;
  g.backends = std::move(backends);
  return g;
}

anycast::Backend backend(std::uint32_t id, const char* address, bool healthy = true) {
  anycast::Backend b;
  b.id = id;
  b.address = ip(address);
  b.healthy = healthy;
  return b;
}

// "web" on 203.0.113.10 (+ fd00::10) with groups r1 (local to r1, two backends) and r2; "dns" on
// 203.0.113.20 in r2 only.
std::vector<anycast::Service> services(bool r1_be1, bool r1_be2, bool r2_healthy, bool dns_healthy = true) {
  anycast::Service web;
  web.name = "web";
  web.vip = ip("203.0.113.10");
  web.extra_vips = {ip("fd00::10")};
  web.ports = anycast::PortRange::single(80);
  web.maglev_table_size = 1009;
  web.groups = {group(1, "r1", {backend(11, "10.200.1.11", r1_be1), backend(12, "10.200.1.12", r1_be2)}),
                group(2, "r2", {}, r2_healthy)};
  anycast::Service dns;
  dns.name = "dns";
  dns.vip = ip("203.0.113.20");
  dns.protocol = 17;
  dns.ports = anycast::PortRange::single(53);
  dns.groups = {group(7, "r2", {}, dns_healthy)};
  return {web, dns};
}

std::set<std::string> announced(const std::vector<anycast::Service>& s, const char* region) {
  auto table = anycast::ServiceTable::build(s);
  REQUIRE(table);
  std::set<std::string> out;
  for (const auto& v : servable_vips(*table, region)) out.insert(v.to_string());
  return out;
}

TEST_CASE("a region with a healthy local group announces its VIPs, and ingress-only VIPs of healthy groups") {
  CHECK(announced(services(true, true, true), "r1") ==
        std::set<std::string>{"203.0.113.10", "fd00::10", "203.0.113.20"});
  CHECK(announced(services(true, false, true), "r1") ==
        std::set<std::string>{"203.0.113.10", "fd00::10", "203.0.113.20"});
}

TEST_CASE("a region whose own backends all fail withdraws while another region serves") {
  CHECK(announced(services(false, false, true), "r1") == std::set<std::string>{"203.0.113.20"});

  // dns has one group (r2): marked unhealthy, no group serves anywhere, so r2 keeps announcing it.
  CHECK(announced(services(true, true, true, false), "r2").count("203.0.113.20") == 1);
}

TEST_CASE("when no group of a service serves anywhere every region keeps announcing it (fail open)") {
  CHECK(announced(services(false, false, false), "r1") ==
        std::set<std::string>{"203.0.113.10", "fd00::10", "203.0.113.20"});
}

TEST_CASE("an ingress-only region withdraws a VIP only if every group fails (then fails open)") {
  // r3 has no group of web: it announces web while r1 or r2 serves.
  CHECK(announced(services(false, false, true), "r3").count("203.0.113.10") == 1);
  CHECK(announced(services(true, true, false), "r3").count("203.0.113.10") == 1);
}

TEST_CASE("fill_group_health counts each checked group's healthy and failing backends") {
  std::vector<BackendCheck> checks{{11, ip("10.200.1.11"), "web", 1, {}}, {12, ip("10.200.1.12"), "web", 1, {}},
                                   {31, ip("10.200.1.31"), "dns", 7, {}}};
  auto table = anycast::ServiceTable::build({});
  REQUIRE(table);
  AnycastServices s({}, std::move(*table), checks);
  HealthSnapshot health;
  BackendHealth up;
  up.backend_id = 11;
  up.address = ip("10.200.1.11");
  BackendHealth down;
  down.backend_id = 12;
  down.address = ip("10.200.1.12");
  down.healthy = false;
  health.backends = {up, down};
  v1::Report report;
  fill_group_health(s, health, report);
  REQUIRE(report.groups_size() == 2);
  // Sorted by (service, group): dns first.
  CHECK(report.groups(0).service() == "dns");
  CHECK(report.groups(0).healthy_backends() == 1);  // not checked yet: healthy (fail open)
  CHECK(report.groups(0).total_backends() == 1);
  CHECK(report.groups(1).service() == "web");
  CHECK(report.groups(1).group() == 1);
  CHECK(report.groups(1).healthy_backends() == 1);
  CHECK(report.groups(1).total_backends() == 2);
  REQUIRE(report.groups(1).unhealthy_size() == 1);
  CHECK(report.groups(1).unhealthy(0) == 12);
}

}  // namespace
}  // namespace anymesh::agent
