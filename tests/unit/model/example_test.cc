// configs/mesh.yaml loads into the lab's model, and defaults fill what a file leaves out.
#include <catch2/catch.hpp>

#include <set>

#include "controlplane/model/loader.h"
#include "dataplane/wireguard/key.h"

using namespace anymesh;
using namespace anymesh::model;

TEST_CASE("the example mesh.yaml loads with three regions, gateways and the lab's VIP") {
  auto loaded = load_model_file(ANYMESH_SOURCE_DIR "/configs/mesh.yaml");
  if (!loaded) {
    for (const auto& e : loaded.error()) UNSCOPED_INFO(e.to_string());
  }
  REQUIRE(loaded.ok());
  const Model& m = *loaded;
  REQUIRE(m.regions.size() == 3);
  REQUIRE(m.gateways.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    auto n = std::to_string(i + 1);
    CHECK(m.regions[i].name == "r" + n);
    REQUIRE(m.regions[i].prefixes.size() == 1);
    CHECK(m.regions[i].prefixes[0] == *IpPrefix::parse("10.200." + n + ".0/24"));
    const auto& g = m.gateways[i];
    CHECK(g.id == i + 1);
    CHECK(g.region == "r" + n);
    REQUIRE(g.endpoints.size() == 1);
    CHECK(g.endpoints[0] == *wg::Endpoint::parse("198.51.100.1" + n + ":51820"));
    CHECK(g.tunnel_address == *IpAddress::parse("10.200.0." + n));
  }
  CHECK(m.gateways[0].public_key != m.gateways[1].public_key);
  CHECK(wg::key_to_base64(m.gateways[0].public_key) == "x7XGpsWZbTBiEttI8xR5zrg/yIsgA3JKcGgfDezWky4=");

  REQUIRE(m.services.size() == 1);
  const auto& web = m.services[0];
  CHECK(web.service.vip == *IpAddress::parse("203.0.113.10"));
  CHECK(web.service.protocol == 6);
  CHECK(web.service.ports.first == 80);
  CHECK(web.service.ports.last == 80);
  REQUIRE(web.service.groups.size() == 3);
  REQUIRE(web.health_checks.size() == 3);
  std::set<std::uint32_t> backend_ids;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& group = web.service.groups[i];
    auto n = std::to_string(i + 1);
    CHECK(group.region == "r" + n);
    CHECK(group.weight == 128);
    CHECK(group.dial_percent == 100);
    REQUIRE(group.backends.size() == 2);
    CHECK(group.backends[0].address == *IpAddress::parse("10.200." + n + ".11"));
    CHECK(group.backends[1].address == *IpAddress::parse("10.200." + n + ".12"));
    for (const auto& b : group.backends) backend_ids.insert(b.id);
    CHECK(web.health_checks[i].type == HealthCheckType::http);
    CHECK(web.health_checks[i].port == 80);
  }
  CHECK(backend_ids.size() == 6);
  CHECK(m.policy.probe.interval == std::chrono::milliseconds(10));
  CHECK(m.policy.hysteresis.min_improvement_fraction == Fraction{1, 3});
  CHECK(m.policy.relay);
  // What the model describes, the data plane's service table accepts.
  std::vector<anycast::Service> described{web.service};
  CHECK(anycast::ServiceTable::build(described).ok());
}

TEST_CASE("fields a mesh.yaml leaves out take their documented defaults") {
  auto loaded = load_model_text(R"(
regions:
  - name: a
gateways:
  - id: 7
    region: a
    public_key: x7XGpsWZbTBiEttI8xR5zrg/yIsgA3JKcGgfDezWky4=
    endpoints: ["[fd00::7]:51820"]
    tunnel_address: 10.200.0.7
services:
  - name: dns
    vip: fd00:53::1
    protocol: udp
    ports: 5300-5310
    groups:
      - region: a
        backends: [{ address: "fd00:1::11" }]
)",
                                "defaults.yaml");
  REQUIRE(loaded.ok());
  const Model& m = *loaded;
  CHECK(m.gateways[0].lanes == 1);
  const auto& s = m.services[0];
  CHECK(s.service.protocol == 17);
  CHECK(s.service.ports.first == 5300);
  CHECK(s.service.ports.last == 5310);
  CHECK(s.service.groups[0].weight == 128);
  CHECK(s.service.groups[0].dial_percent == 100);
  CHECK(s.service.groups[0].backends[0].weight == 1);
  CHECK(s.health_checks[0].type == HealthCheckType::tcp);
  CHECK(s.health_checks[0].port == 5300);
  CHECK(m.policy.probe.interval == std::chrono::milliseconds(10));
  CHECK(m.policy.probe.miss_threshold == 3);
  CHECK(m.policy.probe.recover_threshold == 5);
  CHECK(m.policy.hysteresis.min_improvement == std::chrono::milliseconds(10));
  CHECK(m.policy.hysteresis.min_improvement_fraction == Fraction{1, 3});
  CHECK(m.policy.hysteresis.sustained_reports == 3);
  CHECK(m.policy.loss_threshold_percent == 5.0);
  CHECK(m.policy.relay);
}
