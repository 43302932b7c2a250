// KeyRotation: the lane-by-lane state machine and how it rewrites compiled snapshots.
#include <catch2/catch.hpp>

#include "controlplane/server/key_rotation.h"

namespace anymesh::server {
namespace {

using Clock = KeyRotation::Clock;
using namespace std::chrono_literals;

wg::Key key(std::uint8_t b) {
  wg::Key k{};
  k.fill(b);
  return k;
}
std::string bytes(const wg::Key& k) { return std::string(k.begin(), k.end()); }

// Gateway 1 with lanes 0, 1 to peer 3; the snapshot of `self`.
v1::GatewaySnapshot snapshot_of(std::uint32_t self) {
  v1::GatewaySnapshot s;
  s.mutable_self()->set_id(self);
  const std::uint32_t peer = self == 3 ? 1 : 3;
  auto* p = s.add_peers();
  p->set_id(peer);
  p->set_public_key(bytes(key(peer)));
  for (std::uint32_t lane = 0; lane < 2; ++lane) {
    auto* l = p->add_lanes();
    l->set_id(lane);
    l->set_port(51820 + lane);
  }
  auto* g = s.add_groups();
  auto* hop = g->add_next_hops();
  hop->set_gateway(peer);
  hop->add_lanes(0);
  hop->add_lanes(1);
  auto* other = g->add_next_hops();  // a hop via a gateway that is not rotating
  other->set_gateway(7);
  other->add_lanes(0);
  other->add_lanes(1);
  return s;
}

KeyRotation::Progress acked() {
  KeyRotation::Progress p;
  p.all_acked = true;
  return p;
}
KeyRotation::Progress proven() {
  KeyRotation::Progress p = acked();
  p.lane_up_both_ways = true;
  return p;
}

TEST_CASE("a key rotation drains, switches and proves one lane at a time") {
  auto t = Clock::now();
  KeyRotation r(3, key(3), key(9), 2, t);
  CHECK(r.phase() == KeyRotation::Phase::draining);
  // Draining lane 0: peers still use the old key, lane 0 leaves every hop towards gateway 3.
  auto peer_view = snapshot_of(1);
  r.apply(peer_view);
  CHECK(peer_view.peers(0).lanes(0).public_key() == bytes(key(3)));
  CHECK(peer_view.groups(0).next_hops(0).lanes_size() == 1);
  CHECK(peer_view.groups(0).next_hops(0).lanes(0) == 1);
  CHECK(peer_view.groups(0).next_hops(1).lanes_size() == 2);  // gateway 7's hop untouched
  // Nothing moves without acks, nor with acks but before the lane is proven when switching.
  CHECK_FALSE(r.advance(KeyRotation::Progress{}, t + 1s, 60s));
  CHECK(r.advance(acked(), t + 1s, 60s));
  CHECK(r.phase() == KeyRotation::Phase::switching);
  auto self_view = snapshot_of(3);
  r.apply(self_view);
  REQUIRE(self_view.self().lane_public_keys_size() == 2);
  CHECK(self_view.self().lane_public_keys(0) == bytes(key(9)));
  CHECK(self_view.self().lane_public_keys(1) == bytes(key(3)));
  // In its own snapshot the rotating gateway drains the lane from every hop.
  CHECK(self_view.groups(0).next_hops(0).lanes_size() == 1);
  CHECK(self_view.groups(0).next_hops(1).lanes_size() == 1);
  CHECK_FALSE(r.advance(acked(), t + 2s, 60s));
  CHECK(r.advance(proven(), t + 3s, 60s));
  CHECK(r.phase() == KeyRotation::Phase::draining);
  CHECK(r.lane() == 1);
  peer_view = snapshot_of(1);
  r.apply(peer_view);
  CHECK(peer_view.peers(0).lanes(0).public_key() == bytes(key(9)));
  CHECK(peer_view.peers(0).lanes(1).public_key() == bytes(key(3)));
  CHECK(peer_view.groups(0).next_hops(0).lanes(0) == 0);  // lane 0 back, lane 1 drained
  CHECK(r.advance(acked(), t + 4s, 60s));
  CHECK(r.advance(proven(), t + 5s, 60s));
  CHECK(r.phase() == KeyRotation::Phase::done);
  peer_view = snapshot_of(1);
  r.apply(peer_view);
  CHECK(peer_view.peers(0).public_key() == bytes(key(9)));
  CHECK(peer_view.peers(0).lanes(1).public_key() == bytes(key(9)));
  CHECK(peer_view.groups(0).next_hops(0).lanes_size() == 2);
  CHECK(r.view(t + 5s).phase() == "done");
}

TEST_CASE("a key rotation fails on a refusal or a phase that lasts too long, and compiles as not started") {
  auto t = Clock::now();
  KeyRotation refused(3, key(3), key(9), 2, t);
  KeyRotation::Progress nack;
  nack.nack = "gateway 3: lane 0 uses key ..., which this gateway does not hold";
  CHECK(refused.advance(nack, t + 1s, 60s));
  CHECK(refused.phase() == KeyRotation::Phase::failed);
  CHECK_THAT(refused.view(t).error(), Catch::Contains("does not hold"));
  auto self_view = snapshot_of(3);
  refused.apply(self_view);
  CHECK(self_view.self().lane_public_keys(0) == bytes(key(3)));
  CHECK(self_view.groups(0).next_hops(0).lanes_size() == 2);

  KeyRotation slow(3, key(3), key(9), 2, t);
  CHECK(slow.advance(acked(), t + 1s, 60s));
  CHECK(slow.advance(acked(), t + 62s, 60s));
  CHECK(slow.phase() == KeyRotation::Phase::failed);
  CHECK_THAT(slow.view(t).error(), Catch::Contains("not seen up"));
}

TEST_CASE("a rotation finished in an earlier run keeps the new key on every lane") {
  auto r = KeyRotation::completed(3, key(3), key(9), 2);
  auto self_view = snapshot_of(3);
  r.apply(self_view);
  CHECK(self_view.self().lane_public_keys(0) == bytes(key(9)));
  CHECK(self_view.self().lane_public_keys(1) == bytes(key(9)));
  CHECK(self_view.groups(0).next_hops(0).lanes_size() == 2);
}

}  // namespace
}  // namespace anymesh::server
