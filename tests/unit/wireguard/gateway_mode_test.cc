// The device features a gateway uses: sealing to a peer its routing chose, and no allowed-IPs
// source check for relayed traffic.
#include <catch2/catch.hpp>

#include "tests/unit/wireguard/device_pair.h"

using namespace anymesh::wg;
using namespace anymesh::wg::test;

TEST_CASE("send_to seals to the named peer even when no allowed IP covers the destination") {
  DevicePair pair;
  pair.establish();
  auto ip = ipv4_packet("10.200.1.1", "10.77.0.1", 40);  // outside b's allowed 10.200.2.0/24
  std::vector<std::uint8_t> buf(kHeadroom + ip.size() + kTailroom);
  std::copy(ip.begin(), ip.end(), buf.begin() + kHeadroom);
  Packet p{buf.data() + kHeadroom, ip.size()};
  Outbox out;
  pair.a.send({&p, 1}, out);
  CHECK(out.transmits().empty());
  CHECK(pair.a.counters().tx_no_route == 1);
  std::copy(ip.begin(), ip.end(), buf.begin() + kHeadroom);
  pair.a.send_to(*pair.b_at_a, {&p, 1}, out);
  REQUIRE(out.transmits().size() == 1);
  CHECK(out.transmits()[0].data == buf.data());  // sealed in place, header in the headroom
  pair.collect(out, pair.a_addr);
  pair.b.options().check_allowed_source = false;
  pair.pump();
  REQUIRE(pair.delivered_to_b.size() == 2);  // the establishing packet, then this one
  CHECK(pair.delivered_to_b.back() == ip);
}

TEST_CASE("a relayed source outside the peer's allowed IPs is refused unless the check is off") {
  DevicePair pair;
  pair.establish();
  pair.send_from(pair.a, ipv4_packet("10.99.0.7", "10.200.2.9", 30));  // b allows a only 10.200.1.0/24
  pair.pump();
  CHECK(pair.delivered_to_b.size() == 1);
  CHECK(pair.b.counters().rx_data_disallowed_source == 1);
  pair.b.options().check_allowed_source = false;
  pair.send_from(pair.a, ipv4_packet("10.99.0.7", "10.200.2.9", 30));
  pair.pump();
  CHECK(pair.delivered_to_b.size() == 2);
  CHECK(pair.b.counters().rx_data_disallowed_source == 1);
}

TEST_CASE("send_to a peer without a session stages the packet and starts a handshake") {
  DevicePair pair;
  auto ip = ipv4_packet("10.200.1.1", "10.200.2.1", 10);
  std::vector<std::uint8_t> buf(kHeadroom + ip.size() + kTailroom);
  std::copy(ip.begin(), ip.end(), buf.begin() + kHeadroom);
  Packet p{buf.data() + kHeadroom, ip.size()};
  Outbox out;
  pair.a.send_to(*pair.b_at_a, {&p, 1}, out);
  REQUIRE(out.transmits().size() == 1);
  CHECK(out.transmits()[0].len == 148);  // a handshake initiation, from the outbox's own storage
  CHECK(out.transmits()[0].data != buf.data());
  pair.collect(out, pair.a_addr);
  pair.pump();
  CHECK(pair.delivered_to_b.size() == 1);
}
