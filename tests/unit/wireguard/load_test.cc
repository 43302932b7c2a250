// Under load without forcing: a burst of handshakes above the threshold's share of 10 ms turns the
// device to cookie replies and per-source limits, a real peer still gets through, and the load ends.
#include <catch2/catch.hpp>

#include "tests/unit/wireguard/device_pair.h"

using namespace anymesh::wg;
using namespace anymesh::wg::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t kThreshold = 1000;  // per second, the default
constexpr std::uint32_t kPerWindow = 10;    // per 10 ms

// An initiation to `target` with a valid MAC1 from a static key `target` does not know: what a
// flooder who read the gateway's public key sends.
std::vector<std::uint8_t> forged_initiation(const Key& target, const Clock& clock) {
  Device forger{clock};
  forger.set_private_key(generate_private_key());
  Peer& peer = forger.upsert_peer(target);
  forger.set_endpoint(peer, *Endpoint::parse("192.0.2.2:51821"));
  Outbox out;
  forger.initiate_handshake(peer, out);
  REQUIRE(out.transmits().size() == 1);
  const Transmit& t = out.transmits().front();
  return {t.data, t.data + t.len};
}

// Hands one copy of msg to the device from `source`; returns what the device sent back.
std::vector<Wire> flood_one(Device& device, std::vector<std::uint8_t> msg, const Endpoint& source) {
  Datagram d{source, msg.data(), msg.size()};
  std::vector<Delivery> got;
  Outbox out;
  device.receive({&d, 1}, got, out);
  std::vector<Wire> sent;
  for (const auto& t : out.transmits()) sent.push_back({{}, t.to, {t.data, t.data + t.len}});
  return sent;
}

Endpoint flooder(int i) {
  return *Endpoint::parse(("198.51.100." + std::to_string(100 + i % 100) + ":40000").c_str());
}

}  // namespace

TEST_CASE("handshakes at the threshold's rate, spread over a second, are processed without cookies") {
  DevicePair pair;
  pair.b.options().handshakes_per_second_before_load = kThreshold;
  auto msg = forged_initiation(public_key_of(pair.b_priv), pair.clock);
  for (std::uint32_t i = 0; i < kThreshold; ++i) {
    CHECK(flood_one(pair.b, msg, flooder(static_cast<int>(i))).empty());
    pair.clock.advance(1ms);  // kPerWindow in every 10 ms: at the limit, not over it
  }
  CHECK(pair.b.counters().rx_initiation_unknown_peer == kThreshold);
  CHECK(pair.b.counters().rx_cookie_replies_sent == 0);
  CHECK(pair.b.counters().under_load_entered == 0);
}

TEST_CASE("a burst past the threshold's share of 10 ms gets cookie replies after that share") {
  DevicePair pair;
  pair.b.options().handshakes_per_second_before_load = kThreshold;
  auto msg = forged_initiation(public_key_of(pair.b_priv), pair.clock);
  std::size_t replies = 0;
  for (int i = 0; i < 50; ++i) {
    pair.clock.advance(100us);
    auto sent = flood_one(pair.b, msg, flooder(i));
    for (const auto& w : sent) {
      CHECK(w.bytes.size() == cookie_reply::size);
      CHECK(w.bytes[0] == static_cast<std::uint8_t>(MessageType::cookie_reply));
      CHECK(w.to == flooder(i));  // to the claimed source: a spoofer never sees it
      ++replies;
    }
  }
  CHECK(pair.b.counters().rx_initiation_unknown_peer == kPerWindow);  // the DH operations spent
  CHECK(pair.b.counters().rx_cookie_replies_sent == 50 - kPerWindow);
  CHECK(replies == 50 - kPerWindow);
  CHECK(pair.b.counters().under_load_entered == 1);
}

TEST_CASE("load lasts 1 s after the last burst and then ends") {
  DevicePair pair;
  pair.b.options().handshakes_per_second_before_load = kThreshold;
  auto msg = forged_initiation(public_key_of(pair.b_priv), pair.clock);
  for (int i = 0; i < 30; ++i) flood_one(pair.b, msg, flooder(i));
  REQUIRE(pair.b.counters().rx_cookie_replies_sent == 30 - kPerWindow);

  // A lone handshake 900 ms later, in a quiet window, still meets the load.
  pair.clock.advance(900ms);
  CHECK(flood_one(pair.b, msg, flooder(1)).size() == 1);
  CHECK(pair.b.counters().rx_cookie_replies_sent == 30 - kPerWindow + 1);

  // 1 s after the burst the device is not loaded: the next handshake costs a DH again.
  pair.clock.advance(200ms);
  CHECK(flood_one(pair.b, msg, flooder(2)).empty());
  CHECK(pair.b.counters().rx_cookie_replies_sent == 30 - kPerWindow + 1);
  CHECK(pair.b.counters().rx_initiation_unknown_peer == kPerWindow + 1);

  // A new burst enters load again, and the counter says so.
  pair.clock.advance(200ms);
  for (int i = 0; i < 30; ++i) flood_one(pair.b, msg, flooder(i));
  CHECK(pair.b.counters().under_load_entered == 2);
}

TEST_CASE("a flood long past leaves no load behind") {
  DevicePair pair;
  pair.b.options().handshakes_per_second_before_load = kThreshold;
  auto msg = forged_initiation(public_key_of(pair.b_priv), pair.clock);
  for (int i = 0; i < 30; ++i) flood_one(pair.b, msg, flooder(i));
  pair.clock.advance(600s);
  CHECK(flood_one(pair.b, msg, flooder(3)).empty());
  CHECK(pair.b.counters().rx_initiation_unknown_peer == kPerWindow + 1);
}

TEST_CASE("during a flood a real peer's handshake completes through a cookie, its source limited") {
  DevicePair pair;
  pair.b.options().handshakes_per_second_before_load = kThreshold;
  auto msg = forged_initiation(public_key_of(pair.b_priv), pair.clock);
  // Keeps b loaded: 20 every 10 ms of virtual time, twice the threshold.
  auto flood_step = [&](int n) {
    for (int i = 0; i < n; ++i) flood_one(pair.b, msg, flooder(i));
  };
  flood_step(30);
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 64));
  pair.pump();
  CHECK(pair.a.counters().rx_cookie_replies == 1);  // a's initiation met the load, a holds a cookie
  CHECK(pair.b.counters().rx_initiations == kPerWindow);
  for (Nanos t{0}; t < kRekeyTimeout + kRekeyTimeoutJitterMax + 100ms; t += 10ms) {
    flood_step(20);
    pair.tick(10ms);
    pair.pump();
  }
  CHECK(pair.delivered_to_b.size() == 1);  // the retry carried mac2 and the staged packet followed
  CHECK(pair.b.counters().rx_handshake_ratelimited == 0);
  CHECK(pair.b.counters().rx_cookie_replies_sent > 10000);

  // The same real source, now flooding with valid mac2: its bucket (burst 5, 20/s) runs dry.
  for (int i = 0; i < 20; ++i) {
    pair.clock.advance(1ms);
    Outbox out;
    pair.b_at_a->timers.last_sent_handshake = kDisarmed;
    pair.a.initiate_handshake(*pair.b_at_a, out);
    pair.collect(out, pair.a_addr);
    pair.pump();
  }
  CHECK(pair.b.counters().rx_handshake_ratelimited >= 10);
}
