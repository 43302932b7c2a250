// Every malformed message is rejected and counted under its reason.
#include <catch2/catch.hpp>

#include "tests/unit/wireguard/device_pair.h"

using namespace anymesh::wg;
using namespace anymesh::wg::test;
using namespace std::chrono_literals;

namespace {
Wire first_initiation(DevicePair& pair) {
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 64));
  Wire w = pair.in_flight.front();
  pair.in_flight.clear();
  return w;
}
}  // namespace

TEST_CASE("messages shorter than a type word, of unknown type or with reserved bits set are dropped") {
  DevicePair pair;
  Wire w{pair.a_addr, pair.b_addr, {1, 0}};
  pair.deliver(w);
  CHECK(pair.b.counters().rx_short == 1);
  w.bytes = std::vector<std::uint8_t>(148, 0);
  w.bytes[0] = 9;
  pair.deliver(w);
  CHECK(pair.b.counters().rx_bad_type == 1);
  Wire init = first_initiation(pair);
  init.bytes[1] = 1;  // reserved byte
  pair.deliver(init);
  CHECK(pair.b.counters().rx_bad_type == 2);
  CHECK(pair.b.counters().rx_initiations == 0);
}

TEST_CASE("each handshake message type with a wrong length is dropped") {
  DevicePair pair;
  for (std::uint8_t type : {1, 2, 3}) {
    for (std::size_t len : {4u, 31u, 63u, 65u, 91u, 93u, 147u, 149u}) {
      std::vector<std::uint8_t> bytes(len, 0);
      bytes[0] = type;
      Wire w{pair.a_addr, pair.b_addr, bytes};
      pair.deliver(w);
    }
  }
  CHECK(pair.b.counters().rx_bad_length == 24);
  std::vector<std::uint8_t> short_data(31, 0);
  short_data[0] = 4;
  Wire w{pair.a_addr, pair.b_addr, short_data};
  pair.deliver(w);
  CHECK(pair.b.counters().rx_bad_length == 25);
}

TEST_CASE("an initiation with a bad mac1 is dropped before any DH") {
  DevicePair pair;
  Wire init = first_initiation(pair);
  init.bytes[initiation::mac1] ^= 1;
  pair.deliver(init);
  CHECK(pair.b.counters().rx_bad_mac1 == 1);
  CHECK(pair.b.counters().rx_initiations == 0);
}

TEST_CASE("a tampered initiation with a recomputed mac1 fails to decrypt") {
  DevicePair pair;
  Wire init = first_initiation(pair);
  init.bytes[initiation::encrypted_static + 3] ^= 1;
  CookieMaker maker;
  maker.set_peer_public_key(public_key_of(pair.b_priv));
  maker.add_macs(init.bytes.data(), init.bytes.size(), pair.clock.now());
  pair.deliver(init);
  CHECK(pair.b.counters().rx_initiation_decrypt_failed == 1);
}

TEST_CASE("responses and cookie replies for an unknown index are dropped") {
  DevicePair pair;
  Wire init = first_initiation(pair);
  pair.deliver(init);
  REQUIRE(pair.in_flight.size() == 1);
  Wire response = pair.in_flight.front();
  pair.in_flight.clear();
  response.bytes[response::receiver] ^= 0xff;
  CookieMaker maker;
  maker.set_peer_public_key(public_key_of(pair.a_priv));
  maker.add_macs(response.bytes.data(), response.bytes.size(), pair.clock.now());
  pair.deliver(response);
  CHECK(pair.a.counters().rx_response_unknown_index == 1);

  std::vector<std::uint8_t> cookie(cookie_reply::size, 0);
  cookie[0] = 3;
  cookie[4] = 0x42;
  Wire c{pair.b_addr, pair.a_addr, cookie};
  pair.deliver(c);
  CHECK(pair.a.counters().rx_cookie_reply_unknown_index == 1);
}

TEST_CASE("transport data with an unknown index, a bad tag or an expired key is dropped") {
  DevicePair pair;
  pair.establish();
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 40));
  Wire data = pair.in_flight.front();
  pair.in_flight.clear();

  Wire bad_index = data;
  bad_index.bytes[transport::receiver] ^= 0xff;
  pair.deliver(bad_index);
  CHECK(pair.b.counters().rx_data_unknown_index == 1);

  Wire bad_tag = data;
  bad_tag.bytes.back() ^= 1;
  pair.deliver(bad_tag);
  CHECK(pair.b.counters().rx_data_decrypt_failed == 1);

  Wire truncated = data;
  truncated.bytes.resize(truncated.bytes.size() - 16);
  pair.deliver(truncated);
  CHECK(pair.b.counters().rx_data_decrypt_failed == 2);

  pair.clock.advance(kRejectAfterTime);
  pair.deliver(data);
  CHECK(pair.b.counters().rx_data_expired_key == 1);
  CHECK(pair.delivered_to_b.size() == 1);
}

TEST_CASE("decrypted garbage that is not an IP packet is dropped") {
  DevicePair pair;
  pair.establish();
  // Seal a non-IP payload directly with a's keypair.
  std::vector<std::uint8_t> buf(kHeadroom + 32 + kTailroom, 0);
  buf[kHeadroom] = 0x99;
  std::size_t n = pair.b_at_a->current->seal(buf.data() + kHeadroom, 32, 1420);
  Wire w{pair.a_addr, pair.b_addr, {buf.data(), buf.data() + n}};
  pair.deliver(w);
  CHECK(pair.b.counters().rx_data_bad_inner == 1);
}
