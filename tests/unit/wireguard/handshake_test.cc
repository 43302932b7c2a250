// Noise_IKpsk2 between two devices: both roles, preshared keys, replayed and flooded initiations.
#include <catch2/catch.hpp>

#include "tests/unit/wireguard/device_pair.h"

using namespace anymesh::wg;
using namespace anymesh::wg::test;
using namespace std::chrono_literals;

TEST_CASE("a packet to a peer without a session starts a handshake and is delivered after it") {
  DevicePair pair;
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 64));
  REQUIRE(pair.in_flight.size() == 1);
  CHECK(pair.in_flight.front().bytes.size() == initiation::size);
  pair.pump();
  CHECK(pair.a.counters().rx_responses == 1);
  CHECK(pair.b.counters().rx_initiations == 1);
  REQUIRE(pair.delivered_to_b.size() == 1);
  CHECK(pair.delivered_to_b[0] == ipv4_packet("10.200.1.1", "10.200.2.9", 64));
  CHECK(pair.b_at_a->current);
  CHECK(pair.a_at_b->current);  // confirmed by the first data packet
  CHECK_FALSE(pair.a_at_b->next);
}

TEST_CASE("the responder learns the initiator's endpoint and can answer") {
  DevicePair pair;
  pair.establish();
  REQUIRE(pair.a_at_b->endpoint);
  CHECK(*pair.a_at_b->endpoint == pair.a_addr);
  pair.send_from(pair.b, ipv4_packet("10.200.2.9", "10.200.1.1", 10));
  pair.pump();
  REQUIRE(pair.delivered_to_a.size() == 1);
}

TEST_CASE("a preshared key must match on both sides") {
  DevicePair pair;
  Key psk = generate_private_key();
  pair.a.set_preshared_key(*pair.b_at_a, psk);
  SECTION("same key: session") {
    pair.b.set_preshared_key(*pair.a_at_b, psk);
    pair.establish();
    CHECK(pair.delivered_to_b.size() == 1);
  }
  SECTION("different key: the initiator cannot open the response") {
    pair.establish();
    CHECK(pair.delivered_to_b.empty());
    CHECK(pair.a.counters().rx_response_decrypt_failed == 1);
  }
}

TEST_CASE("a replayed initiation is rejected by its timestamp") {
  DevicePair pair;
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 64));
  Wire initiation = pair.in_flight.front();
  pair.pump();
  pair.clock.advance(1s);
  pair.deliver(initiation);
  CHECK(pair.b.counters().rx_initiation_replayed == 1);
}

TEST_CASE("two genuine initiations closer than 20 ms are a flood, 1 s apart they are not") {
  DevicePair pair;
  auto initiation_from_fresh_device = [&] {
    // A restarted initiator: same static key, newer timestamp.
    Device again(pair.clock);
    again.set_private_key(pair.a_priv);
    Peer& b = again.upsert_peer(public_key_of(pair.b_priv));
    again.add_allowed_ip(b, *anymesh::IpPrefix::parse("10.200.2.0/24"));
    again.set_endpoint(b, pair.b_addr);
    pair.send_from(again, ipv4_packet("10.200.1.1", "10.200.2.9", 64));
    Wire w = pair.in_flight.front();
    pair.in_flight.clear();
    return w;
  };
  Wire first = initiation_from_fresh_device();
  pair.deliver(first);
  pair.in_flight.clear();
  pair.clock.advance(17ms);  // next 2^24 ns timestamp bucket, but inside 20 ms
  Wire second = initiation_from_fresh_device();
  pair.deliver(second);
  CHECK(pair.b.counters().rx_initiation_flood == 1);
  pair.clock.advance(1100ms);
  Wire third = initiation_from_fresh_device();
  pair.deliver(third);
  CHECK(pair.b.counters().rx_initiation_flood == 1);
  CHECK(pair.b.counters().rx_initiations == 3);
  CHECK(pair.a_at_b->next);  // the third one made a session
}

TEST_CASE("an initiation from an unknown static key is rejected") {
  DevicePair pair;
  pair.b.remove_peer(public_key_of(pair.a_priv));
  pair.establish();
  CHECK(pair.b.counters().rx_initiation_unknown_peer == 1);
  CHECK(pair.delivered_to_b.empty());
}

TEST_CASE("both sides initiating at once still converge on working sessions") {
  DevicePair pair(true);
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 20));
  pair.send_from(pair.b, ipv4_packet("10.200.2.9", "10.200.1.1", 20));
  pair.pump();
  // Crossing initiations overwrite each other's state (as in the Linux module); the jittered retry
  // of one side wins.
  pair.run_for(30s);
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 30));
  pair.send_from(pair.b, ipv4_packet("10.200.2.9", "10.200.1.1", 30));
  pair.pump();
  CHECK(pair.delivered_to_b.size() >= 2);
  CHECK(pair.delivered_to_a.size() >= 2);
}

TEST_CASE("changing the private key voids every session") {
  DevicePair pair;
  pair.establish();
  REQUIRE(pair.b_at_a->current);
  pair.a.set_private_key(generate_private_key());
  CHECK_FALSE(pair.b_at_a->current);
}
