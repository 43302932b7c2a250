// Snapshot validation: each broken field or inconsistent reference is refused with its path and reason.
#include <catch2/catch.hpp>
#include <functional>
#include <string>

#include "dataplane/agent/snapshot_validation.h"
#include "tests/unit/agent/snapshot_fixture.h"

namespace anymesh::agent {
namespace {

using test::kR2a;
using test::kR3a;
using test::kR3b;

struct Breakage {
  const char* what;
  std::function<void(v1::GatewaySnapshot&)> change;
  const char* field;
  const char* problem;  // a part of the reason
};

// groups[0] is r3: next_hops[0] r3a lanes {0,1}; backups[0] other_lane r3a {2}, [1] other_gateway
// r3b, [2] relay via r2a. peers[0] r2a, [1] r3a, [2] r3b.
const Breakage kBreakages[] = {
    {"version 0", [](auto& s) { s.set_version(0); }, "version", "0 is not a version"},
    {"no identity", [](auto& s) { s.clear_self(); }, "self", "missing"},
    {"identity id 0", [](auto& s) { s.mutable_self()->set_id(0); }, "self.id", "must not be 0"},
    {"a region that is not a name", [](auto& s) { s.mutable_self()->set_region("r 1"); }, "self.region",
     "not a region name"},
    {"an IPv6 tunnel address", [](auto& s) { s.mutable_self()->set_tunnel_address("fd00::1"); },
     "self.tunnel_address", "not an IPv4 address"},
    {"peer id 0", [](auto& s) { s.mutable_peers(1)->set_id(0); }, "peers[1].id", "must not be 0"},
    {"a peer with the gateway's own id", [](auto& s) { s.mutable_peers(0)->set_id(test::kSelf); }, "peers[0].id",
     "own id"},
    {"duplicate peer ids", [](auto& s) { s.mutable_peers(2)->set_id(kR3a); }, "peers[2].id",
     "31 already is peers[1]"},
    {"a key of 31 bytes", [](auto& s) { s.mutable_peers(1)->mutable_public_key()->pop_back(); },
     "peers[1].public_key", "31 bytes, a key is 32"},
    {"an empty key", [](auto& s) { s.mutable_peers(0)->clear_public_key(); }, "peers[0].public_key",
     "0 bytes, a key is 32"},
    {"an all-zero key", [](auto& s) { s.mutable_peers(0)->set_public_key(std::string(32, '\0')); },
     "peers[0].public_key", "all zeros"},
    {"two peers with one key",
     [](auto& s) { s.mutable_peers(2)->set_public_key(s.peers(0).public_key()); }, "peers[2].public_key",
     "the same key as peers[0]"},
    {"no endpoint", [](auto& s) { s.mutable_peers(0)->clear_endpoints(); }, "peers[0].endpoints",
     "at least one"},
    {"an endpoint without a port", [](auto& s) { s.mutable_peers(1)->set_endpoints(1, "fd00::31"); },
     "peers[1].endpoints[1]", "is not ip:port"},
    {"an endpoint on port 0", [](auto& s) { s.mutable_peers(0)->set_endpoints(0, "198.51.100.21:0"); },
     "peers[0].endpoints[0]", "0 is not a port"},
    {"a peer tunnel address equal to ours",
     [](auto& s) { s.mutable_peers(2)->set_tunnel_address("10.200.1.1"); }, "peers[2].tunnel_address",
     "already is the address of self"},
    {"two peers on one tunnel address",
     [](auto& s) { s.mutable_peers(2)->set_tunnel_address("10.200.3.1"); }, "peers[2].tunnel_address",
     "already is the address of peers[1]"},
    {"a peer without lanes", [](auto& s) { s.mutable_peers(2)->clear_lanes(); }, "peers[2].lanes",
     "must list 1 to 16 lanes, got 0"},
    {"lane port 0", [](auto& s) { s.mutable_peers(2)->mutable_lanes(0)->set_port(0); }, "peers[2].lanes[0].port",
     "0 is not a port"},
    {"a lane port above 65535", [](auto& s) { s.mutable_peers(0)->mutable_lanes(1)->set_port(65536); },
     "peers[0].lanes[1].port", "65536 is not a port"},
    {"duplicate lane ports", [](auto& s) { s.mutable_peers(1)->mutable_lanes(2)->set_port(51820); },
     "peers[1].lanes[2].port", "port 51820 already used by peers[1].lanes[0]"},
    {"a lane id past the lane count", [](auto& s) { s.mutable_peers(0)->mutable_lanes(1)->set_id(5); },
     "peers[0].lanes[1].id", "5 is not below the lane count 2"},
    {"duplicate lane ids", [](auto& s) { s.mutable_peers(1)->mutable_lanes(2)->set_id(0); },
     "peers[1].lanes[2].id", "lane 0 already is peers[1].lanes[0]"},
    {"a group for the gateway's own region", [](auto& s) { s.mutable_groups(1)->set_region("r1"); },
     "groups[1].region", "own region"},
    {"two groups for one region", [](auto& s) { s.mutable_groups(1)->set_region("r3"); }, "groups[1].region",
     "already is groups[0]"},
    {"a next hop naming an unknown peer",
     [](auto& s) { s.mutable_groups(0)->mutable_next_hops(0)->set_gateway(99); }, "groups[0].next_hops[0].gateway",
     "no peer with id 99"},
    {"a next hop naming an unknown lane",
     [](auto& s) { s.mutable_groups(1)->mutable_next_hops(0)->set_lanes(1, 2); },
     "groups[1].next_hops[0].lanes[1]", "peer 21 has no lane 2"},
    {"a lane listed twice in a hop",
     [](auto& s) { s.mutable_groups(0)->mutable_next_hops(0)->set_lanes(1, 0); },
     "groups[0].next_hops[0].lanes[1]", "lane 0 listed twice"},
    {"a next hop without lanes", [](auto& s) { s.mutable_groups(0)->mutable_next_hops(0)->clear_lanes(); },
     "groups[0].next_hops[0].lanes", "at least one lane"},
    {"a next hop of weight 0", [](auto& s) { s.mutable_groups(0)->mutable_next_hops(0)->set_weight(0); },
     "groups[0].next_hops[0].weight", "between 1 and"},
    {"a group without next hops", [](auto& s) { s.mutable_groups(1)->clear_next_hops(); }, "groups[1].next_hops",
     "must not be empty"},
    {"a next hop through a peer of the gateway's own region",
     [](auto& s) {
       test::add_peer(s, 12, "r1", "r1b-public-key-0123456789abcdefg", {"198.51.100.12:51820"}, "10.200.1.2", 1);
       s.mutable_groups(1)->mutable_next_hops(0)->set_gateway(12);
       s.mutable_groups(1)->mutable_next_hops(0)->clear_lanes();
       s.mutable_groups(1)->mutable_next_hops(0)->add_lanes(0);
     },
     "groups[1].next_hops[0].gateway", "peer 12 is in this gateway's own region 'r1'"},
    {"a backup without a kind",
     [](auto& s) { s.mutable_groups(0)->mutable_backups(0)->set_kind(v1::BACKUP_KIND_UNSPECIFIED); },
     "groups[0].backups[0].kind", "must be set"},
    {"a backup of an unknown kind",
     [](auto& s) { s.mutable_groups(0)->mutable_backups(0)->set_kind(static_cast<v1::BackupKind>(9)); },
     "groups[0].backups[0].kind", "unknown backup kind 9"},
    {"a backup naming an unknown peer",
     [](auto& s) { s.mutable_groups(0)->mutable_backups(1)->set_gateway(77); }, "groups[0].backups[1].gateway",
     "no peer with id 77"},
    {"an other_lane backup reusing a primary lane",
     [](auto& s) { s.mutable_groups(0)->mutable_backups(0)->set_lanes(0, 1); }, "groups[0].backups[0].lanes[0]",
     "reuses a lane of next_hops[0]"},
    {"an other_gateway backup outside the destination region",
     [](auto& s) { s.mutable_groups(0)->mutable_backups(1)->set_gateway(kR2a); }, "groups[0].backups[1].gateway",
     "not the destination region"},
    {"a relay in the destination region",
     [](auto& s) { s.mutable_groups(0)->mutable_backups(2)->set_gateway(kR3b); }, "groups[0].backups[2].gateway",
     "a relay is in a third region"},
    {"a relay via the gateway's own region",
     [](auto& s) {
       // A peer of our own region exists, but nothing may go through it.
       test::add_peer(s, 12, "r1", "r1b-public-key-0123456789abcdefg", {"198.51.100.12:51820"}, "10.200.1.2", 1);
       s.mutable_groups(0)->mutable_backups(2)->set_gateway(12);
       s.mutable_groups(0)->mutable_backups(2)->clear_lanes();
       s.mutable_groups(0)->mutable_backups(2)->add_lanes(0);
     },
     "groups[0].backups[2].gateway", "peer 12 is in region 'r1', this gateway's own"},
    {"a prefix without a length", [](auto& s) { s.mutable_prefixes(0)->set_prefix("10.3.0.0"); },
     "prefixes[0].prefix", "is not address/length"},
    {"a prefix longer than its family", [](auto& s) { s.mutable_prefixes(0)->set_prefix("10.3.0.0/33"); },
     "prefixes[0].prefix", "is not address/length"},
    {"a prefix with host bits", [](auto& s) { s.mutable_prefixes(2)->set_prefix("10.2.0.1/16"); },
     "prefixes[2].prefix", "has host bits set"},
    {"a prefix twice", [](auto& s) { s.mutable_prefixes(2)->set_prefix("10.3.0.0/16"); }, "prefixes[2].prefix",
     "duplicates prefixes[0]"},
    {"a prefix for a region without a group", [](auto& s) { s.mutable_prefixes(1)->set_region("r9"); },
     "prefixes[1].region", "no group for region 'r9'"},
    {"a probe timeout of 64 intervals",
     [](auto& s) { s.mutable_probe()->set_timeout_ms(64 * s.probe().interval_ms()); }, "probe.timeout_ms",
     "not below 64 probe intervals"},
    {"a probe interval above a minute", [](auto& s) { s.mutable_probe()->set_interval_ms(60'001); },
     "probe.interval_ms", "between 1 and 60000"},
    {"a miss threshold above 1000", [](auto& s) { s.mutable_probe()->set_miss_threshold(1001); },
     "probe.miss_threshold", "between 1 and 1000"},
};

TEST_CASE("the unbroken fixture is accepted") {
  auto applied = validate_snapshot(test::r1_snapshot());
  INFO((applied ? "" : applied.error().to_string()));
  CHECK(applied);
}

TEST_CASE("each broken field or reference is refused with its path and reason") {
  for (const auto& breakage : kBreakages) {
    SECTION(breakage.what) {
      auto message = test::r1_snapshot();
      breakage.change(message);
      auto refused = validate_snapshot(message);
      REQUIRE_FALSE(refused);
      INFO(refused.error().to_string());
      CHECK(refused.error().field == breakage.field);
      CHECK_THAT(refused.error().problem, Catch::Contains(breakage.problem));
    }
  }
}

TEST_CASE("the reason reads as field: problem") {
  auto message = test::r1_snapshot();
  message.mutable_peers(2)->mutable_lanes(0)->set_port(0);
  auto refused = validate_snapshot(message);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().to_string() == "peers[2].lanes[0].port: 0 is not a port");
}

TEST_CASE("more lanes than the gateway-wide lane mask holds are refused") {
  v1::GatewaySnapshot message = test::r1_snapshot();
  message.clear_groups();
  message.clear_prefixes();
  message.clear_peers();
  // 65 peers x 16 lanes = 1040 > 1024 slots: the 65th peer does not fit.
  for (std::uint32_t i = 0; i < 65; ++i) {
    std::string key(32, 'k');
    key[0] = static_cast<char>(i + 1);
    test::add_peer(message, 100 + i, "r2", key, {"198.51.100.1:51820"}, "10.200.9." + std::to_string(i + 1), 16);
  }
  auto refused = validate_snapshot(message);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "peers[64].lanes");
  CHECK_THAT(refused.error().problem, Catch::Contains("more than 1024 lanes"));
}

TEST_CASE("untrusted text in a reason is cut short and made printable") {
  auto message = test::r1_snapshot();
  message.mutable_self()->set_region(std::string(200, 'x') + "\n");
  auto refused = validate_snapshot(message);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().problem.find('\n') == std::string::npos);
  CHECK(refused.error().problem.size() < 160);
}

}  // namespace
}  // namespace anymesh::agent
