// Snapshot loading: binary and text round trips into AppliedSnapshot, and the routes built from it.
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <initializer_list>
#include <set>
#include <string>

#include "dataplane/agent/snapshot_loader.h"
#include "tests/unit/agent/snapshot_fixture.h"
#include "tests/unit/agent/temp_dir.h"

namespace anymesh::agent {
namespace {

using test::kR2a;
using test::kR3a;
using test::kR3b;

const std::string kFixtureFile = std::string(ANYMESH_SOURCE_DIR) + "/tests/unit/agent/snapshot_r1.txtpb";

Result<AppliedSnapshot, SnapshotError> load(const v1::GatewaySnapshot& message, const ProbeSettings& fallback = {}) {
  std::string bytes = test::serialized(message);
  return load_snapshot({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, fallback);
}

routing::LaneUpMask all_up_but(const AppliedSnapshot& s, std::initializer_list<std::uint32_t> down_peers) {
  auto mask = routing::LaneUpMask::all_up();
  for (auto id : down_peers) {
    for (const auto& lane : s.find_peer(id)->lanes) mask.set(lane.slot, false);
  }
  return mask;
}

TEST_CASE("a serialized snapshot loads into the same identity, peers, lanes and probe settings") {
  auto loaded = load(test::r1_snapshot());
  INFO((loaded ? "" : loaded.error().to_string()));
  REQUIRE(loaded);
  const AppliedSnapshot& s = *loaded;
  CHECK(s.version() == 7);
  CHECK(s.self().id == test::kSelf);
  CHECK(s.self().region == "r1");
  CHECK(s.self().tunnel_address == *IpAddress::parse("10.200.1.1"));
  REQUIRE(s.peers().size() == 3);
  const PeerGateway& r3a = *s.find_peer(kR3a);
  CHECK(r3a.region == "r3");
  CHECK(std::string(r3a.public_key.begin(), r3a.public_key.end()) == "r3a-public-key-0123456789abcdefg");
  REQUIRE(r3a.endpoints.size() == 2);
  CHECK(r3a.endpoints[1] == *wg::Endpoint::parse("[fd00::31]:51820"));
  CHECK(r3a.tunnel_address == *IpAddress::parse("10.200.3.1"));
  REQUIRE(r3a.lanes.size() == 3);
  CHECK(r3a.lanes[2].id == 2);
  CHECK(r3a.lanes[2].port == 51822);
  CHECK(s.find_peer(99) == nullptr);
  // Probe settings: the snapshot's non-zero fields win, zero ones keep the fallback.
  CHECK(s.probe().interval == std::chrono::milliseconds(5));
  CHECK(s.probe().miss_threshold == 4);
  CHECK(s.probe().recover_threshold == ProbeSettings{}.recover_threshold);
  CHECK(s.probe().timeout == ProbeSettings{}.timeout);
}

TEST_CASE("every lane of every peer gets its own lane slot") {
  auto loaded = load(test::r1_snapshot());
  REQUIRE(loaded);
  std::set<routing::LaneSlot> slots;
  for (const auto& peer : loaded->peers()) {
    for (const auto& lane : peer.lanes) slots.insert(lane.slot);
  }
  CHECK(slots.size() == loaded->lane_count());
  CHECK(loaded->lane_count() == 6);
}

TEST_CASE("the loaded routes send a region's prefixes to its next hops, then to the backups in order") {
  auto loaded = load(test::r1_snapshot());
  REQUIRE(loaded);
  const auto& routes = loaded->routes();
  CHECK(routes.prefix_count() == 3);
  auto r3_host = *IpAddress::parse("10.3.1.1");

  auto direct = routes.select(r3_host, 12345, routing::LaneUpMask::all_up());
  REQUIRE(direct);
  CHECK(direct->gateway == kR3a);
  CHECK(direct->role == routing::HopRole::primary);

  // Lanes 0 and 1 of r3a down: its spare lane 2 (other_lane backup).
  auto mask = routing::LaneUpMask::all_up();
  mask.set(loaded->find_peer(kR3a)->lanes[0].slot, false);
  mask.set(loaded->find_peer(kR3a)->lanes[1].slot, false);
  auto spare = routes.select(r3_host, 12345, mask);
  REQUIRE(spare);
  CHECK(spare->backup_kind == routing::BackupKind::other_lane);
  CHECK(spare->lane == loaded->find_peer(kR3a)->lanes[2].slot);

  auto other = routes.select(r3_host, 12345, all_up_but(*loaded, {kR3a}));
  REQUIRE(other);
  CHECK(other->gateway == kR3b);
  CHECK(other->backup_kind == routing::BackupKind::other_gateway);

  auto relay = routes.select(*IpAddress::parse("fd00:3::9"), 12345, all_up_but(*loaded, {kR3a, kR3b}));
  REQUIRE(relay);
  CHECK(relay->gateway == kR2a);
  CHECK(relay->backup_kind == routing::BackupKind::relay);

  auto none = routes.select(*IpAddress::parse("10.9.0.1"), 12345, routing::LaneUpMask::all_up());
  REQUIRE_FALSE(none);
  CHECK(none.error() == routing::NoRoute::no_prefix);
}

TEST_CASE("the text format fixture is the same snapshot as the one built in code") {
  std::ifstream file(kFixtureFile);
  REQUIRE(file);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  v1::GatewaySnapshot parsed;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &parsed));
  CHECK(google::protobuf::util::MessageDifferencer::Equals(parsed, test::r1_snapshot()));
}

TEST_CASE("a .txtpb file loads as text format, any other name as binary") {
  auto text = load_snapshot_file(kFixtureFile);
  INFO((text ? "" : text.error().to_string()));
  REQUIRE(text);
  CHECK(text->version() == 7);
  CHECK(text->peers().size() == 3);

  test::TempDir dir;
  auto message = test::r1_snapshot();
  message.set_version(8);
  auto binary = load_snapshot_file(dir.write("snapshot.pb", test::serialized(message)));
  REQUIRE(binary);
  CHECK(binary->version() == 8);
  CHECK(binary->route_description().groups.size() == 2);

  // The same bytes read as text would not parse: the extension decides the format.
  auto refused = load_snapshot_file(dir.write("binary.txtpb", test::serialized(test::r1_snapshot())));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "snapshot");
}

TEST_CASE("a text format error names the line it is on") {
  auto refused = load_snapshot_text("version: 3\nself { id: 1 }\npeers { idd: 4 }\n");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "snapshot");
  CHECK_THAT(refused.error().problem, Catch::Contains("line 3") && Catch::Contains("idd"));
}

TEST_CASE("a missing snapshot file is refused naming the file") {
  auto refused = load_snapshot_file("/nonexistent/anymesh/snapshot.pb");
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().field, Catch::Contains("/nonexistent/anymesh/snapshot.pb"));
  CHECK_THAT(refused.error().problem, Catch::Contains("cannot open"));
}

TEST_CASE("bytes that are not a protobuf message are refused as a whole") {
  const std::uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
  auto refused = load_snapshot(garbage);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "snapshot");
  CHECK_THAT(refused.error().problem, Catch::Contains("not a GatewaySnapshot"));
}

TEST_CASE("empty bytes decode to an empty message, refused for its version") {
  auto refused = load_snapshot(std::span<const std::uint8_t>{});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().to_string() == "version: 0 is not a version (versions start at 1)");
}

TEST_CASE("probe settings the snapshot leaves unset come from the gateway's configuration") {
  auto message = test::r1_snapshot();
  message.clear_probe();
  ProbeSettings configured;
  configured.interval = std::chrono::milliseconds(7);
  configured.recover_threshold = 9;
  auto loaded = load(message, configured);
  REQUIRE(loaded);
  CHECK(loaded->probe() == configured);
}

TEST_CASE("a refused snapshot leaves the one loaded before it untouched") {
  auto good = load(test::r1_snapshot());
  REQUIRE(good);
  auto broken = test::r1_snapshot();
  broken.set_version(8);
  broken.mutable_peers(1)->mutable_lanes(0)->set_port(0);
  auto refused = load(broken);
  REQUIRE_FALSE(refused);
  CHECK(good->version() == 7);
  CHECK(good->find_peer(kR3a)->lanes[0].port == 51820);
  CHECK(good->routes().select(*IpAddress::parse("10.3.0.1"), 1, routing::LaneUpMask::all_up()));
}

}  // namespace
}  // namespace anymesh::agent
