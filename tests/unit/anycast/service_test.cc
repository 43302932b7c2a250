// ServiceTable: classification by VIP, protocol and port (ranges, IPv6) and validation by field.
#include <catch2/catch.hpp>

#include <set>

#include "dataplane/anycast/service.h"

using namespace anymesh;
using namespace anymesh::anycast;

namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

Service service(std::string name, const char* vip, std::uint8_t proto, PortRange ports,
                std::uint32_t first_backend_id) {
  Service s;
  s.name = std::move(name);
  s.vip = ip(vip);
  s.protocol = proto;
  s.ports = ports;
  s.maglev_table_size = 307;
  EndpointGroup local;
  local.id = 1;
  local.region = "r1";
  for (std::uint32_t i = 0; i < 3; ++i) {
    local.backends.push_back({first_backend_id + i, ip(("10.200.1." + std::to_string(first_backend_id + i)).c_str()), 1, true});
  }
  EndpointGroup remote;
  remote.id = 2;
  remote.region = "r2";
  s.groups = {local, remote};
  return s;
}

std::vector<Service> sample() {
  return {
      service("web", "203.0.113.10", 6, PortRange::single(443), 10),
      service("games", "203.0.113.10", 17, {27000, 27100}, 20),
      service("web-alt", "203.0.113.10", 6, {8000, 8999}, 30),
      service("web6", "fd00:ff::10", 6, PortRange::single(443), 40),
      service("any-port", "198.51.100.50", 17, {0, 65535}, 50),
  };
}

std::string name_of(const ServiceEntry* e) { return e ? e->service.name : "none"; }

ServiceError error_of(std::vector<Service> services) {
  auto table = ServiceTable::build(std::move(services));
  REQUIRE_FALSE(table.ok());
  return table.error();
}

}  // namespace

TEST_CASE("service table classifies by VIP, protocol and port, ranges inclusive") {
  auto table = ServiceTable::build(sample());
  REQUIRE(table.ok());
  CHECK(name_of(table->classify(ip("203.0.113.10"), 6, 443)) == "web");
  CHECK(name_of(table->classify(ip("203.0.113.10"), 17, 443)) == "none");
  CHECK(name_of(table->classify(ip("203.0.113.10"), 6, 444)) == "none");
  CHECK(name_of(table->classify(ip("203.0.113.10"), 17, 27000)) == "games");
  CHECK(name_of(table->classify(ip("203.0.113.10"), 17, 27100)) == "games");
  CHECK(name_of(table->classify(ip("203.0.113.10"), 17, 27101)) == "none");
  CHECK(name_of(table->classify(ip("203.0.113.10"), 17, 26999)) == "none");
  CHECK(name_of(table->classify(ip("203.0.113.10"), 6, 8500)) == "web-alt");
  CHECK(name_of(table->classify(ip("203.0.113.10"), 6, 80)) == "none");
  CHECK(name_of(table->classify(ip("203.0.113.11"), 6, 443)) == "none");
  CHECK(name_of(table->classify(ip("198.51.100.50"), 17, 0)) == "any-port");
  CHECK(name_of(table->classify(ip("198.51.100.50"), 17, 65535)) == "any-port");
}

TEST_CASE("service table classifies IPv6 VIPs and never mixes families") {
  auto table = ServiceTable::build(sample());
  REQUIRE(table.ok());
  CHECK(name_of(table->classify(ip("fd00:ff::10"), 6, 443)) == "web6");
  CHECK(name_of(table->classify(ip("fd00:ff::11"), 6, 443)) == "none");
  // 203.0.113.10 as the low 32 bits of an IPv6 address is not the IPv4 VIP.
  CHECK(name_of(table->classify(ip("::cb00:710a"), 6, 443)) == "none");
}

TEST_CASE("service table numbers services in order and builds a Maglev table per local group") {
  auto table = ServiceTable::build(sample());
  REQUIRE(table.ok());
  REQUIRE(table->services().size() == 5);
  const auto& web = table->services()[0];
  CHECK(web.id == 0);
  CHECK(table->services()[3].id == 3);
  REQUIRE(web.groups.size() == 2);
  REQUIRE(web.groups[0].maglev.has_value());
  CHECK(web.groups[0].maglev->size() == 307);
  CHECK_FALSE(web.groups[1].maglev.has_value());  // remote region: reached through the tunnel
  CHECK(web.groups[0].serving);
  CHECK(web.groups[1].serving);
}

TEST_CASE("a group's Maglev table skips unhealthy backends unless none is healthy") {
  auto services = sample();
  services.resize(1);
  services[0].groups[0].backends[1].healthy = false;
  auto table = ServiceTable::build(services);
  REQUIRE(table.ok());
  const auto& state = table->services()[0].groups[0];
  for (auto slot : state.maglev->slots()) REQUIRE(slot != 1);
  CHECK(state.serving);

  for (auto& b : services[0].groups[0].backends) b.healthy = false;
  auto all_down = ServiceTable::build(services);
  REQUIRE(all_down.ok());
  const auto& down = all_down->services()[0].groups[0];
  CHECK_FALSE(down.serving);
  std::set<std::uint32_t> used(down.maglev->slots().begin(), down.maglev->slots().end());
  CHECK(used == std::set<std::uint32_t>{0, 1, 2});
}

TEST_CASE("service table finds pinned group and backend ids, and reports ones that left") {
  auto table = ServiceTable::build(sample());
  REQUIRE(table.ok());
  const auto& web = table->services()[0];
  auto local = table->find(web, 1, 11);
  REQUIRE(local.has_value());
  CHECK(local->group->region == "r1");
  CHECK(local->backend->address.to_string() == "10.200.1.11");
  auto remote = table->find(web, 2, AM_MAGLEV_EMPTY);
  REQUIRE(remote.has_value());
  CHECK(remote->backend == nullptr);
  CHECK_FALSE(table->find(web, 3, 11).has_value());   // no such group
  CHECK_FALSE(table->find(web, 1, 21).has_value());   // backend of another service
  CHECK_FALSE(table->find(web, 2, 11).has_value());   // backend of another group
  CHECK_FALSE(table->find(web, 1, 99).has_value());   // unknown backend
}

TEST_CASE("service validation names the offending field") {
  auto check = [](auto mutate, const std::string& field, const std::string& words) {
    auto services = sample();
    mutate(services);
    auto e = error_of(services);
    INFO(e.to_string());
    CHECK(e.field == field);
    CHECK_THAT(e.reason, Catch::Contains(words));
  };
  check([](auto& s) { s[1].name = ""; }, "services[1].name", "empty");
  check([](auto& s) { s[2].name = "web"; }, "services[2].name", "another service");
  check([](auto& s) { s[0].protocol = 1; }, "services[0].protocol", "neither tcp");
  check([](auto& s) { s[1].ports = {100, 99}; }, "services[1].ports", "above last port");
  check([](auto& s) { s[2].ports = {443, 500}; }, "services[2].ports", "overlaps services[0]");
  check([](auto& s) { s[0].groups.clear(); }, "services[0].groups", "empty");
  check([](auto& s) { s[0].groups[1].region = ""; }, "services[0].groups[1].region", "empty");
  check([](auto& s) { s[0].groups[1].region = "r1"; }, "services[0].groups[1].region", "another group");
  check([](auto& s) { s[0].groups[1].id = 1; }, "services[0].groups[1].id", "another group");
  check([](auto& s) { s[3].groups[0].weight = 256; }, "services[3].groups[0].weight", "above 255");
  check([](auto& s) { s[3].groups[1].dial_percent = 101; }, "services[3].groups[1].dial_percent",
        "above 100");
  check([](auto& s) { s[4].groups[0].backends[2].id = 10; }, "services[4].groups[0].backends[2].id",
        "another backend");
  check([](auto& s) { s[0].groups[0].backends[1].id = AM_MAGLEV_EMPTY; },
        "services[0].groups[0].backends[1].id", "reserved");
  check([](auto& s) { s[0].groups[0].backends[2].address = s[0].groups[0].backends[0].address; },
        "services[0].groups[0].backends[2].address", "twice");
  check([](auto& s) { s[0].groups[0].backends[0].weight = 300; },
        "services[0].groups[0].backends[0].weight", "above 255");
  check([](auto& s) { for (auto& b : s[0].groups[0].backends) b.weight = 0; },
        "services[0].groups[0].backends", "weight 0");
  check([](auto& s) { s[1].maglev_table_size = 300; }, "services[1].maglev_table_size", "not prime");
  check([](auto& s) { s[1].maglev_table_size = 293; }, "services[1].maglev_table_size",
        "below 100 slots for each of 3 backends");
  check([](auto& s) { s[1].maglev_table_size = 16777259; }, "services[1].maglev_table_size",
        "above 16777216");
  check([](auto& s) { s[2].limits.new_flows_per_second = 100; }, "services[2].limits.new_flows_burst",
        "0 with new_flows_per_second 100: a rate needs a burst of at least 1");
  check([](auto& s) { s[0].limits.source_new_flows_burst = 5; }, "services[0].limits.source_new_flows_burst",
        "5 without source_new_flows_per_second");
  check([](auto& s) { s[3].limits.source_packets_per_second = 1000; }, "services[3].limits.source_packets_burst",
        "a rate needs a burst");
  check([](auto& s) { s[1].limits.source_prefix_v4 = 33; }, "services[1].limits.source_prefix_v4", "not 1 .. 32");
  check([](auto& s) { s[1].limits.source_prefix_v4 = 0; }, "services[1].limits.source_prefix_v4", "not 1 .. 32");
  check([](auto& s) { s[1].limits.source_prefix_v6 = 129; }, "services[1].limits.source_prefix_v6", "not 1 .. 128");
}

TEST_CASE("limits with a rate and a burst each are valid, and none is the default") {
  auto services = sample();
  CHECK_FALSE(services[0].limits.any());
  services[0].limits.new_flows_per_second = 1000;
  services[0].limits.new_flows_burst = 2000;
  services[0].limits.source_packets_per_second = 1;
  services[0].limits.source_packets_burst = 1;
  services[0].limits.source_prefix_v4 = 32;
  services[0].limits.source_prefix_v6 = 128;
  CHECK(services[0].limits.any());
  auto table = ServiceTable::build(services);
  REQUIRE(table.ok());
  CHECK(table->services()[0].service.limits == services[0].limits);
}

TEST_CASE("the same ports on another protocol or VIP do not overlap") {
  auto services = sample();
  services.push_back(service("web-udp", "203.0.113.10", 17, PortRange::single(443), 60));
  services.push_back(service("web-b", "203.0.113.11", 6, PortRange::single(443), 70));
  CHECK(ServiceTable::build(services).ok());
}
