// Snapshot services: what validation keeps (local backends, checks, VIPs, a table that steers) and
// each broken field or reference refused with its path.
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "bpf/include/flow_hash.h"
#include "dataplane/agent/snapshot_validation.h"
#include "dataplane/anycast/flow_tuple.h"
#include "tests/unit/agent/snapshot_fixture.h"

namespace anymesh::agent {
namespace {

v1::HealthCheck* set_check(v1::EndpointGroup* g, v1::HealthCheckType type, std::uint32_t port, const char* path = "") {
  auto* c = g->mutable_health_check();
  c->set_type(type);
  c->set_interval_ms(500);
  c->set_rise(2);
  c->set_fall(3);
  c->set_port(port);
  c->set_path(path);
  return c;
}

// services[0] "web": VIPs 203.0.113.10 and fd00:1:2::10, tcp 80-81, groups[0] r1 (id 1, local,
// backends 101 10.200.1.11 and 102 10.200.1.12), groups[1] r2 (id 2, backend 201 10.200.2.11).
// services[1] "dns": 203.0.113.10 udp 53, one group r2 (id 7) without backends.
v1::GatewaySnapshot with_services() {
  auto s = test::r1_snapshot();
  auto* web = s.add_services();
  web->set_name("web");
  web->add_vips("203.0.113.10");
  web->add_vips("fd00:1:2::10");
  web->set_protocol(v1::PROTOCOL_TCP);
  web->set_port_first(80);
  web->set_port_last(81);
  web->set_maglev_table_size(1009);
  auto* r1 = web->add_groups();
  r1->set_id(1);
  r1->set_region("r1");
  r1->set_weight(100);
  r1->set_dial_percent(100);
  set_check(r1, v1::HEALTH_CHECK_HTTP, 8080, "/healthz");
  auto* r2 = web->add_groups();
  r2->set_id(2);
  r2->set_region("r2");
  r2->set_weight(50);
  r2->set_dial_percent(40);
  r2->set_healthy(false);
  set_check(r2, v1::HEALTH_CHECK_TCP, 80);
  auto backend = [&](v1::Service* svc, std::uint32_t id, const char* address, std::uint32_t group, bool local) {
    auto* b = svc->add_backends();
    b->set_id(id);
    b->set_address(address);
    b->set_weight(1);
    b->set_group(group);
    b->set_local(local);
  };
  backend(web, 101, "10.200.1.11", 1, true);
  backend(web, 102, "10.200.1.12", 1, true);
  backend(web, 201, "10.200.2.11", 2, false);
  auto* dns = s.add_services();
  dns->set_name("dns");
  dns->add_vips("203.0.113.10");
  dns->set_protocol(v1::PROTOCOL_UDP);
  dns->set_port_first(53);
  auto* only = dns->add_groups();
  only->set_id(7);
  only->set_region("r2");
  only->set_weight(1);
  only->set_dial_percent(100);
  set_check(only, v1::HEALTH_CHECK_UDP, 53);
  return s;
}

TEST_CASE("a snapshot's services become a table with this region's backends, checks and VIPs") {
  auto applied = validate_snapshot(with_services());
  INFO((applied ? "" : applied.error().to_string()));
  REQUIRE(applied);
  const auto& any = applied->anycast();
  REQUIRE(any.services().size() == 2);
  const auto& web = any.services()[0];
  CHECK(web.vip == *IpAddress::parse("203.0.113.10"));
  REQUIRE(web.extra_vips.size() == 1);
  CHECK(web.ports.first == 80);
  CHECK(web.ports.last == 81);
  REQUIRE(web.groups.size() == 2);
  CHECK(web.groups[0].backends.size() == 2);
  CHECK(web.groups[1].backends.empty());  // r2's backend is reached through the tunnel
  CHECK_FALSE(web.groups[1].healthy);
  CHECK(web.groups[1].dial_percent == 40);
  CHECK(any.services()[1].ports.last == 53);  // port_last 0: one port

  const auto& table = any.table();
  CHECK(table.classify(*IpAddress::parse("fd00:1:2::10"), 6, 81) == &table.services()[0]);
  CHECK(table.classify(*IpAddress::parse("203.0.113.10"), 17, 53) == &table.services()[1]);
  CHECK(table.classify(*IpAddress::parse("203.0.113.10"), 6, 82) == nullptr);

  REQUIRE(any.checks().size() == 2);
  CHECK(any.checks()[0].backend_id == 101);
  CHECK(any.checks()[0].service == "web");
  CHECK(any.checks()[0].check.kind == HealthCheckKind::http);
  CHECK(any.checks()[0].check.path == "/healthz");
  CHECK(any.checks()[0].check.port == 8080);
  CHECK(any.checks()[0].check.interval == std::chrono::milliseconds(500));
  CHECK(any.checks()[1].address == *IpAddress::parse("10.200.1.12"));

  auto vips = any.vips();
  REQUIRE(vips.size() == 2);
  CHECK(vips[0] == *IpAddress::parse("203.0.113.10"));
  CHECK(vips[1] == *IpAddress::parse("fd00:1:2::10"));
}

TEST_CASE("with_health rebuilds the table so unhealthy local backends take no new flows") {
  auto applied = validate_snapshot(with_services());
  REQUIRE(applied);
  auto table = applied->anycast().with_health([](std::uint32_t id) { return id != 101; });
  const auto& entry = table.services()[0];
  for (std::uint32_t h = 0; h < 2000; ++h) {
    auto slot = entry.groups[0].maglev->lookup(h * 2654435761u);
    CHECK(entry.service.groups[0].backends[slot].id == 102);
  }
  CHECK(entry.groups[0].serving);
  auto none = applied->anycast().with_health([](std::uint32_t) { return false; });
  CHECK_FALSE(none.services()[0].groups[0].serving);
}

TEST_CASE("a snapshot without services has an empty table") {
  auto applied = validate_snapshot(test::r1_snapshot());
  REQUIRE(applied);
  CHECK(applied->anycast().services().empty());
  CHECK(applied->anycast().table().services().empty());
  CHECK(applied->anycast().vips().empty());
}

struct Breakage {
  const char* what;
  std::function<void(v1::GatewaySnapshot&)> change;
  const char* field;
  const char* problem;
};

v1::Service& web(v1::GatewaySnapshot& s) { return *s.mutable_services(0); }

const Breakage kBreakages[] = {
    {"no name", [](auto& s) { web(s).clear_name(); }, "services[0].name", "must not be empty"},
    {"two services named alike", [](auto& s) { s.mutable_services(1)->set_name("web"); }, "services[1].name",
     "names another service"},
    {"no VIP", [](auto& s) { web(s).clear_vips(); }, "services[0].vips", "1 to 16"},
    {"a VIP that is no address", [](auto& s) { web(s).set_vips(1, "fd00::zz"); }, "services[0].vips[1]",
     "not an IP address"},
    {"a VIP twice", [](auto& s) { web(s).set_vips(1, "203.0.113.10"); }, "services[0].vips[1]", "listed twice"},
    {"no protocol", [](auto& s) { web(s).clear_protocol(); }, "services[0].protocol", "PROTOCOL_TCP"},
    {"port 0", [](auto& s) { web(s).set_port_first(0); }, "services[0].port_first", "not a port"},
    {"a range ending below its start", [](auto& s) { web(s).set_port_last(79); }, "services[0].port_last",
     "from port_first (80)"},
    {"an unknown affinity", [](auto& s) { web(s).set_affinity(static_cast<v1::Affinity>(9)); },
     "services[0].affinity", "unknown affinity 9"},
    {"no group", [](auto& s) { s.mutable_services(1)->clear_groups(); }, "services[1].groups", "at least one"},
    {"two groups with one id", [](auto& s) { web(s).mutable_groups(1)->set_id(1); }, "services[0].groups[1].id",
     "another group"},
    {"a group id above 65535", [](auto& s) { web(s).mutable_groups(1)->set_id(70000); }, "services[0].groups[1].id",
     "above 65535"},
    {"two groups of one region", [](auto& s) { web(s).mutable_groups(1)->set_region("r1"); },
     "services[0].groups[1].region", "another group"},
    {"a group region that is no name", [](auto& s) { web(s).mutable_groups(0)->set_region("r/1"); },
     "services[0].groups[0].region", "not a region name"},
    {"weight 256", [](auto& s) { web(s).mutable_groups(0)->set_weight(256); }, "services[0].groups[0].weight",
     "above 255"},
    {"dial 101", [](auto& s) { web(s).mutable_groups(1)->set_dial_percent(101); },
     "services[0].groups[1].dial_percent", "above 100"},
    {"no health check", [](auto& s) { web(s).mutable_groups(0)->clear_health_check(); },
     "services[0].groups[0].health_check.type", "HEALTH_CHECK_TCP"},
    {"a check every 5 ms", [](auto& s) { web(s).mutable_groups(0)->mutable_health_check()->set_interval_ms(5); },
     "services[0].groups[0].health_check.interval_ms", "10 .. 3600000"},
    {"rise 0", [](auto& s) { web(s).mutable_groups(0)->mutable_health_check()->set_rise(0); },
     "services[0].groups[0].health_check.rise", "1 .. 1000"},
    {"fall 1001", [](auto& s) { web(s).mutable_groups(0)->mutable_health_check()->set_fall(1001); },
     "services[0].groups[0].health_check.fall", "1 .. 1000"},
    {"check port 0", [](auto& s) { web(s).mutable_groups(1)->mutable_health_check()->set_port(0); },
     "services[0].groups[1].health_check.port", "not a port"},
    {"an http path without /", [](auto& s) { web(s).mutable_groups(0)->mutable_health_check()->set_path("x"); },
     "services[0].groups[0].health_check.path", "does not start with /"},
    {"a path on a tcp check", [](auto& s) { web(s).mutable_groups(1)->mutable_health_check()->set_path("/"); },
     "services[0].groups[1].health_check.path", "only an http check"},
    {"a backend id above 65535", [](auto& s) { web(s).mutable_backends(1)->set_id(65536); },
     "services[0].backends[1].id", "above 65535"},
    {"a backend id used twice", [](auto& s) { web(s).mutable_backends(2)->set_id(101); },
     "services[0].backends[2].id", "101 already is services[0].backends[0]"},
    {"a backend that is no address", [](auto& s) { web(s).mutable_backends(0)->set_address("10.200.1"); },
     "services[0].backends[0].address", "not an IP address"},
    {"a backend twice in its group", [](auto& s) { web(s).mutable_backends(1)->set_address("10.200.1.11"); },
     "services[0].backends[1].address", "appears twice in group 1"},
    {"a backend weight of 300", [](auto& s) { web(s).mutable_backends(0)->set_weight(300); },
     "services[0].backends[0].weight", "above 255"},
    {"a backend of a group that does not exist", [](auto& s) { web(s).mutable_backends(2)->set_group(3); },
     "services[0].backends[2].group", "no group with id 3"},
    {"a remote backend marked local", [](auto& s) { web(s).mutable_backends(2)->set_local(true); },
     "services[0].backends[2].local", "not this gateway's 'r1'"},
    {"a local backend not marked", [](auto& s) { web(s).mutable_backends(0)->set_local(false); },
     "services[0].backends[0].local", "this gateway's"},
    {"every backend of a group at weight 0",
     [](auto& s) {
       web(s).mutable_backends(0)->set_weight(0);
       web(s).mutable_backends(1)->set_weight(0);
     },
     "services[0].groups[0]", "weight 0"},
    {"a table size that is not prime", [](auto& s) { web(s).set_maglev_table_size(1000); },
     "services[0].maglev_table_size", "not prime"},
    {"a table too small for its backends", [](auto& s) { web(s).set_maglev_table_size(199); },
     "services[0].maglev_table_size", "below 100 slots for each of 2"},
    {"two services on one VIP, protocol and port",
     [](auto& s) {
       s.mutable_services(1)->set_protocol(v1::PROTOCOL_TCP);
       s.mutable_services(1)->set_port_first(81);
     },
     "services[1].port_first", "overlaps services[0]"},
    {"an overlap on a second VIP",
     [](auto& s) {
       auto* dns = s.mutable_services(1);
       dns->set_vips(0, "192.0.2.1");
       dns->add_vips("fd00:1:2::10");
       dns->set_protocol(v1::PROTOCOL_TCP);
       dns->set_port_first(80);
     },
     "services[1].vips[1]", "overlaps services[0]"},
    {"a new-flow rate without a burst", [](auto& s) { web(s).mutable_limits()->set_new_flows_per_second(100); },
     "services[0].limits.new_flows_burst", "0 with new_flows_per_second 100: a rate needs a burst of at least 1"},
    {"a source burst without its rate", [](auto& s) { web(s).mutable_limits()->set_source_new_flows_burst(5); },
     "services[0].limits.source_new_flows_burst", "without source_new_flows_per_second"},
    {"a packet rate without a burst", [](auto& s) { web(s).mutable_limits()->set_source_packets_per_second(9); },
     "services[0].limits.source_packets_burst", "a rate needs a burst"},
    {"an IPv4 source prefix of 33", [](auto& s) { web(s).mutable_limits()->set_source_prefix_v4(33); },
     "services[0].limits.source_prefix_v4", "1 .. 32"},
    {"an IPv6 source prefix of 129", [](auto& s) { web(s).mutable_limits()->set_source_prefix_v6(129); },
     "services[0].limits.source_prefix_v6", "1 .. 128"},
};

TEST_CASE("a service's limits reach the table, absent ones are none and prefix 0 is the default") {
  auto message = with_services();
  auto* l = web(message).mutable_limits();
  l->set_new_flows_per_second(1000);
  l->set_new_flows_burst(2000);
  l->set_source_packets_per_second(50);
  l->set_source_packets_burst(10);
  l->set_source_prefix_v6(48);
  auto applied = validate_snapshot(message);
  REQUIRE(applied);
  const auto& table = applied->anycast().table();
  const auto* entry = table.classify(*IpAddress::parse("203.0.113.10"), 6, 80);
  REQUIRE(entry != nullptr);
  const auto& got = entry->service.limits;
  CHECK(got.new_flows_per_second == 1000);
  CHECK(got.new_flows_burst == 2000);
  CHECK(got.source_new_flows_per_second == 0);
  CHECK(got.source_packets_per_second == 50);
  CHECK(got.source_packets_burst == 10);
  CHECK(got.source_prefix_v4 == 24);
  CHECK(got.source_prefix_v6 == 48);
  const auto* dns = table.classify(*IpAddress::parse("203.0.113.10"), 17, 53);
  REQUIRE(dns != nullptr);
  CHECK(dns->service.limits == anycast::ServiceLimits{});
}

TEST_CASE("each broken service field or reference is refused with its path and reason") {
  for (const auto& breakage : kBreakages) {
    SECTION(breakage.what) {
      auto message = with_services();
      breakage.change(message);
      auto refused = validate_snapshot(message);
      REQUIRE_FALSE(refused);
      INFO(refused.error().to_string());
      CHECK(refused.error().field == breakage.field);
      CHECK_THAT(refused.error().problem, Catch::Contains(breakage.problem));
    }
  }
}

}  // namespace
}  // namespace anymesh::agent
