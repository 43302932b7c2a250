// Cookies under load: a responder answers unproven sources with a cookie reply, and the initiator's
// retry carries mac2 and completes the handshake.
#include <catch2/catch.hpp>

#include "tests/unit/wireguard/device_pair.h"

using namespace anymesh::wg;
using namespace anymesh::wg::test;
using namespace std::chrono_literals;

TEST_CASE("under load the handshake completes through a cookie reply") {
  DevicePair pair;
  pair.b.options().force_cookie = true;
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 64));
  pair.pump();
  CHECK(pair.b.counters().rx_cookie_replies_sent == 1);
  CHECK(pair.a.counters().rx_cookie_replies == 1);
  CHECK(pair.a.counters().rx_cookie_reply_decrypt_failed == 0);
  CHECK(pair.b.counters().rx_initiations == 0);
  pair.tick(kRekeyTimeout + kRekeyTimeoutJitterMax);  // the retry carries mac2
  pair.pump();
  CHECK(pair.b.counters().rx_initiations == 1);
  CHECK(pair.delivered_to_b.size() == 1);
}

TEST_CASE("a cookie reply for another message's mac1 does not decrypt") {
  DevicePair pair;
  pair.b.options().force_cookie = true;
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 64));
  Wire init = pair.in_flight.front();
  pair.in_flight.clear();
  pair.deliver(init);
  Wire reply = pair.in_flight.front();
  pair.in_flight.clear();
  reply.bytes[cookie_reply::encrypted_cookie] ^= 1;
  pair.deliver(reply);
  CHECK(pair.a.counters().rx_cookie_reply_decrypt_failed == 1);
}

TEST_CASE("a flood of initiations from one source is rate limited once it has a cookie") {
  DevicePair pair;
  pair.b.options().force_cookie = true;
  // Get a valid cookie to a first.
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 64));
  pair.pump();
  REQUIRE(pair.a.counters().rx_cookie_replies == 1);
  // Many fresh initiations with mac2, all from a's address, inside one instant.
  for (int i = 0; i < 40; ++i) {
    pair.clock.advance(1ms);
    Outbox out;
    pair.b_at_a->timers.last_sent_handshake = kDisarmed;  // lift a's own REKEY_TIMEOUT pacing
    pair.a.initiate_handshake(*pair.b_at_a, out);
    pair.collect(out, pair.a_addr);
    pair.pump();
  }
  CHECK(pair.b.counters().rx_handshake_ratelimited > 0);
  CHECK(pair.b.counters().rx_initiations <= 10);
}
