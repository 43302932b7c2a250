// Whitepaper timers on an injected clock: rekey, reject, retransmit, give up, keepalives, key zeroing.
#include <catch2/catch.hpp>

#include "tests/unit/wireguard/device_pair.h"

using namespace anymesh::wg;
using namespace anymesh::wg::test;
using namespace std::chrono_literals;

TEST_CASE("the initiator re-keys when sending after REKEY_AFTER_TIME") {
  DevicePair pair;
  pair.establish();
  auto* first = pair.b_at_a->current.get();
  pair.clock.advance(kRekeyAfterTime + 1s);
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 10));
  CHECK(pair.a.counters().tx_handshake_initiations == 2);
  pair.pump();
  CHECK(pair.b_at_a->current.get() != first);
  CHECK(pair.b_at_a->previous.get() == first);
  CHECK(pair.delivered_to_b.size() == 2);
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 10));
  pair.pump();
  CHECK(pair.delivered_to_b.size() == 3);
}

TEST_CASE("a key older than REJECT_AFTER_TIME is not used to send: packets wait for a new handshake") {
  DevicePair pair;
  pair.establish();
  pair.drop_all = true;
  pair.clock.advance(kRejectAfterTime);
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 10));
  CHECK(pair.b_at_a->staged.size() == 1);
  pair.drop_all = false;
  pair.run_for(30s);
  CHECK(pair.b_at_a->staged.empty());
  CHECK(pair.delivered_to_b.size() == 2);
}

TEST_CASE("an unanswered initiation is retried every REKEY_TIMEOUT and abandoned after REKEY_ATTEMPT_TIME") {
  DevicePair pair;
  pair.drop_all = true;
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 10));
  for (int i = 0; i < 40; ++i) pair.tick(kRekeyTimeout + kRekeyTimeoutJitterMax);
  // 1 initial + 19 retries (attempts counted 0..18 before each retry, as in the Linux module), then
  // it gives up and drops what was waiting.
  CHECK(pair.a.counters().tx_handshake_initiations == 20);
  CHECK(pair.a.counters().handshake_gave_up == 1);
  CHECK(pair.b_at_a->staged.empty());
}

TEST_CASE("a receiver with nothing to send answers data with a keepalive after KEEPALIVE_TIMEOUT") {
  DevicePair pair;
  pair.establish();
  auto before = pair.b.counters().tx_keepalives;
  pair.tick(kKeepaliveTimeout + 1ms);
  CHECK(pair.b.counters().tx_keepalives == before + 1);
  pair.pump();
  CHECK(pair.a.counters().rx_keepalives >= 1);
}

TEST_CASE("a sender that hears nothing back starts a new handshake after KEEPALIVE + REKEY_TIMEOUT") {
  DevicePair pair;
  pair.establish();
  pair.drop_all = true;
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 10));
  auto before = pair.a.counters().tx_handshake_initiations;
  pair.tick(kKeepaliveTimeout + kRekeyTimeout + kRekeyTimeoutJitterMax);
  CHECK(pair.a.counters().tx_handshake_initiations == before + 1);
}

TEST_CASE("key material is zeroed after 3 x REJECT_AFTER_TIME without a new session") {
  DevicePair pair;
  pair.establish();
  pair.drop_all = true;
  for (int i = 0; i < 3; ++i) pair.tick(kRejectAfterTime);
  pair.tick(1s);
  CHECK_FALSE(pair.b_at_a->current);
  CHECK_FALSE(pair.a_at_b->current);
  CHECK(pair.a.counters().key_material_zeroed >= 1);
}

TEST_CASE("persistent keepalive sends a keepalive after every interval of silence") {
  DevicePair pair;
  pair.establish();
  Outbox out;
  pair.a.set_persistent_keepalive(*pair.b_at_a, 25, out);
  CHECK(pair.a.counters().tx_keepalives == 1);  // the path opens at once
  pair.collect(out, pair.a_addr);
  pair.pump();
  // b answers the first data packet with a keepalive at 10 s; from then on only a's persistent
  // keepalives cross: at about 35 s and 60 s.
  pair.run_for(70s, 100ms);
  CHECK(pair.a.counters().tx_keepalives == 3);
  CHECK(pair.b.counters().tx_keepalives == 1);
  CHECK(pair.a.counters().tx_handshake_initiations == 1);
}
