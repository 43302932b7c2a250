// Transport data: padding, replay protection, cryptokey routing, roaming and the batch send path.
#include <catch2/catch.hpp>

#include "tests/unit/wireguard/device_pair.h"

using namespace anymesh::wg;
using namespace anymesh::wg::test;
using namespace std::chrono_literals;

TEST_CASE("transport messages are padded to 16 bytes") {
  DevicePair pair;
  pair.establish();
  for (std::size_t payload : {1u, 15u, 16u, 17u, 100u}) {
    pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", payload));
    REQUIRE(pair.in_flight.size() == 1);
    std::size_t inner = 20 + payload;
    std::size_t padded = (inner + 15) / 16 * 16;
    CHECK(pair.in_flight.back().bytes.size() == 16 + padded + 16);
    pair.pump();
  }
  CHECK(pair.delivered_to_b.size() == 6);
  CHECK(pair.delivered_to_b.back().size() == 120);  // padding stripped by the IP total length
}

TEST_CASE("a captured transport message replayed is not delivered twice") {
  DevicePair pair;
  pair.establish();
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 50));
  Wire captured = pair.in_flight.front();
  pair.pump();
  auto before = pair.delivered_to_b.size();
  pair.deliver(captured);
  CHECK(pair.delivered_to_b.size() == before);
  CHECK(pair.b.counters().rx_data_replayed == 1);
}

TEST_CASE("out-of-order transport messages inside the window are delivered") {
  DevicePair pair;
  pair.establish();
  for (int i = 0; i < 5; ++i) pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 10));
  std::reverse(pair.in_flight.begin(), pair.in_flight.end());
  pair.pump();
  CHECK(pair.delivered_to_b.size() == 6);
}

TEST_CASE("a packet whose inner source is not in the peer's allowed IPs is dropped") {
  DevicePair pair;
  pair.establish();
  pair.send_from(pair.a, ipv4_packet("10.200.7.7", "10.200.2.9", 10));  // a's side allows it, b does not
  pair.pump();
  CHECK(pair.delivered_to_b.size() == 1);
  CHECK(pair.b.counters().rx_data_disallowed_source == 1);
}

TEST_CASE("a packet with no route or no endpoint is counted, not sent") {
  DevicePair pair;
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "198.51.100.1", 10));
  CHECK(pair.a.counters().tx_no_route == 1);
  pair.send_from(pair.b, ipv4_packet("10.200.2.1", "10.200.1.1", 10));  // b has no endpoint for a
  CHECK(pair.b.counters().tx_no_endpoint == 1);
  pair.send_from(pair.a, {0x00, 0x01});
  CHECK(pair.a.counters().tx_bad_packet == 1);
  CHECK(pair.in_flight.empty());
}

TEST_CASE("the endpoint follows the source of the latest authenticated packet") {
  DevicePair pair;
  pair.establish();
  Endpoint moved = *Endpoint::parse("192.0.2.77:40000");
  pair.send_from(pair.a, ipv4_packet("10.200.1.1", "10.200.2.9", 10));
  pair.in_flight.front().from = moved;
  pair.pump();
  REQUIRE(pair.a_at_b->endpoint);
  CHECK(*pair.a_at_b->endpoint == moved);
  // A forged (unauthenticated) message from elsewhere does not move it.
  std::vector<std::uint8_t> junk(64, 0);
  junk[0] = 4;
  Wire forged{*Endpoint::parse("192.0.2.99:1"), pair.b_addr, junk};
  pair.deliver(forged);
  CHECK(*pair.a_at_b->endpoint == moved);
}

TEST_CASE("a batch of packets to two peers is sealed in place without loss") {
  DevicePair pair;
  pair.establish();
  std::vector<std::vector<std::uint8_t>> bufs;
  std::vector<Packet> batch;
  for (int i = 0; i < 32; ++i) {
    auto ip = ipv4_packet("10.200.1.1", "10.200.2.9", 100 + i);
    bufs.emplace_back(kHeadroom + ip.size() + kTailroom);
    std::copy(ip.begin(), ip.end(), bufs.back().begin() + kHeadroom);
  }
  for (auto& b : bufs) batch.push_back({b.data() + kHeadroom, b.size() - kHeadroom - kTailroom});
  Outbox out;
  pair.a.send(batch, out);
  CHECK(out.transmits().size() == 32);
  pair.collect(out, pair.a_addr);
  pair.pump();
  CHECK(pair.delivered_to_b.size() == 33);
}

TEST_CASE("IPv6 inner packets are routed and checked like IPv4") {
  DevicePair pair;
  pair.a.add_allowed_ip(*pair.b_at_a, *anymesh::IpPrefix::parse("fd00:2::/64"));
  pair.b.add_allowed_ip(*pair.a_at_b, *anymesh::IpPrefix::parse("fd00:1::/64"));
  std::vector<std::uint8_t> v6(40 + 8, 0);
  v6[0] = 0x60;
  v6[5] = 8;
  v6[6] = 17;
  v6[7] = 64;
  auto s = anymesh::IpAddress::parse("fd00:1::1"), d = anymesh::IpAddress::parse("fd00:2::1");
  std::copy_n(s->bytes.begin(), 16, v6.begin() + 8);
  std::copy_n(d->bytes.begin(), 16, v6.begin() + 24);
  pair.send_from(pair.a, v6);
  pair.pump();
  REQUIRE(pair.delivered_to_b.size() == 1);
  CHECK(pair.delivered_to_b[0] == v6);
}
