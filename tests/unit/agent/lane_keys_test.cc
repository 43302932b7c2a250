// lane_private_keys: each lane's key from the snapshot's lane public keys and the key ring.
#include <catch2/catch.hpp>

#include "dataplane/agent/lane_keys.h"
#include "dataplane/agent/snapshot_validation.h"
#include "dataplane/wireguard/crypto.h"
#include "tests/unit/agent/snapshot_fixture.h"

namespace anymesh::agent {
namespace {

AppliedSnapshot with_lane_keys(std::vector<std::optional<wg::Key>> keys) {
  auto s = test::r1_snapshot();
  for (const auto& k : keys) s.mutable_self()->add_lane_public_keys(k ? std::string(k->begin(), k->end()) : "");
  auto applied = validate_snapshot(s);
  REQUIRE(applied);
  return *applied;
}

TEST_CASE("lanes use the configured key unless the snapshot names the next key's public key") {
  const auto current = wg::generate_private_key();
  const auto next = wg::generate_private_key();
  KeyRing ring{PrivateKey(current), PrivateKey(next)};
  auto plain = lane_private_keys(with_lane_keys({}), ring, 2);
  REQUIRE(plain);
  CHECK((*plain)[0] == current);
  CHECK((*plain)[1] == current);
  auto rotating = lane_private_keys(with_lane_keys({wg::public_key_of(next), std::nullopt}), ring, 2);
  REQUIRE(rotating);
  CHECK((*rotating)[0] == next);
  CHECK((*rotating)[1] == current);
  auto explicit_current = lane_private_keys(with_lane_keys({wg::public_key_of(current), wg::public_key_of(next)}), ring, 2);
  REQUIRE(explicit_current);
  CHECK((*explicit_current)[0] == current);
  CHECK((*explicit_current)[1] == next);
}

TEST_CASE("a lane key the gateway does not hold is refused with the lane and the key") {
  const auto current = wg::generate_private_key();
  KeyRing ring{PrivateKey(current), std::nullopt};
  const auto stranger = wg::public_key_of(wg::generate_private_key());
  auto refused = lane_private_keys(with_lane_keys({std::nullopt, stranger}), ring, 2);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error(), Catch::Contains("lane 1 uses key") && Catch::Contains("no next-private-key-file"));
}

TEST_CASE("a snapshot lane key that is not 32 bytes is refused by validation") {
  auto s = test::r1_snapshot();
  s.mutable_self()->add_lane_public_keys("short");
  auto refused = validate_snapshot(s);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "self.lane_public_keys[0]");
}

}  // namespace
}  // namespace anymesh::agent
