// The anycast stage's ingress limits: new flows per service and per source prefix, packets per
// source prefix; counted exactly, never touching pinned flows, tunnelled packets or other prefixes.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "tests/unit/pipeline/anycast_packets.h"

namespace anymesh::pipeline::test {
namespace {

using namespace std::chrono_literals;
constexpr anycast::FlowTime kNow = 1000s;

AnycastVerdict send(AnycastStage& stage, const std::string& src, std::uint16_t sport, anycast::FlowTime now,
                    const std::string& vip = "203.0.113.10", AnycastOrigin origin = AnycastOrigin::client) {
  auto p = client_packet(src, vip, sport, 53);
  auto before = p.copy();
  auto d = stage.classify(p.bytes(), TestPacket::kHeadroom, Framing::ethernet, origin, now);
  if (d.verdict == AnycastVerdict::drop) CHECK(p.copy() == before);  // a dropped packet is left as it was
  return d.verdict;
}

anycast::ServiceTable limited(anycast::ServiceLimits limits, bool remote = false) {
  auto s = service("203.0.113.10", 53, remote ? 0 : 4, 128, remote ? 128 : 0);
  s.limits = limits;
  auto v6 = service("fd00:1:2::10", 53, 2, 128, 0, 17, 200);
  v6.limits = limits;
  return table_of({s, v6});
}

std::uint64_t limit_drops(const AnycastCounters& c) {
  return c.limit_service_new_flows + c.limit_source_new_flows + c.limit_source_packets;
}

TEST_CASE("a flood of new flows from one /24 is limited while another /24 still gets through") {
  anycast::ServiceLimits l;
  l.source_new_flows_per_second = 10;
  l.source_new_flows_burst = 5;
  auto table = limited(l);
  AnycastStage stage(stage_config());
  stage.set_services(&table);
  int passed = 0;
  for (int i = 0; i < 20; ++i) {
    passed += send(stage, "192.0.2." + std::to_string(i + 1), static_cast<std::uint16_t>(30000 + i), kNow) ==
              AnycastVerdict::to_backend;
  }
  CHECK(passed == 5);
  CHECK(stage.counters().limit_source_new_flows == 15);
  CHECK(stage.counters().flow_new == 5);
  CHECK(send(stage, "198.51.100.1", 30000, kNow) == AnycastVerdict::to_backend);
  CHECK(send(stage, "192.0.3.1", 30000, kNow) == AnycastVerdict::to_backend);
  // 10/s: 100 ms gives the flooding /24 one more new flow, 1 s gives it the burst (5) again.
  CHECK(send(stage, "192.0.2.50", 31000, kNow + 100ms) == AnycastVerdict::to_backend);
  CHECK(send(stage, "192.0.2.51", 31001, kNow + 100ms) == AnycastVerdict::drop);
  passed = 0;
  for (int i = 0; i < 10; ++i) {
    passed += send(stage, "192.0.2.60", static_cast<std::uint16_t>(32000 + i), kNow + 2s) == AnycastVerdict::to_backend;
  }
  CHECK(passed == 5);
  CHECK(stage.counters().limit_source_new_flows == 15 + 1 + 5);
  CHECK(stage.counters().limit_service_new_flows == 0);
  CHECK(stage.counters().limit_source_packets == 0);
  CHECK(stage.counters().to_backend == 5 + 2 + 1 + 5);
  CHECK(stage.counters().packets == 20 + 2 + 2 + 10);
  CHECK(stage.source_limits().size() == 3);
}

TEST_CASE("IPv6 sources share a bucket per /64 by default") {
  anycast::ServiceLimits l;
  l.source_new_flows_per_second = 1;
  l.source_new_flows_burst = 2;
  auto table = limited(l);
  AnycastStage stage(stage_config());
  stage.set_services(&table);
  CHECK(send(stage, "fd00:99::1", 1, kNow, "fd00:1:2::10") == AnycastVerdict::to_backend);
  CHECK(send(stage, "fd00:99::2", 2, kNow, "fd00:1:2::10") == AnycastVerdict::to_backend);
  CHECK(send(stage, "fd00:99::ffff:3", 3, kNow, "fd00:1:2::10") == AnycastVerdict::drop);
  CHECK(send(stage, "fd00:99:0:1::1", 4, kNow, "fd00:1:2::10") == AnycastVerdict::to_backend);
  CHECK(stage.counters().limit_source_new_flows == 1);
}

TEST_CASE("new-flow limits never hit established flows, and only new flows spend them") {
  anycast::ServiceLimits l;
  l.new_flows_per_second = 1;
  l.new_flows_burst = 2;
  auto table = limited(l);
  AnycastStage stage(stage_config());
  stage.set_services(&table);
  CHECK(send(stage, "192.0.2.1", 1000, kNow) == AnycastVerdict::to_backend);
  CHECK(send(stage, "198.51.100.1", 1000, kNow) == AnycastVerdict::to_backend);
  CHECK(send(stage, "203.0.113.99", 1000, kNow) == AnycastVerdict::drop);
  for (int i = 0; i < 100; ++i) {
    CHECK(send(stage, "192.0.2.1", 1000, kNow) == AnycastVerdict::to_backend);
    CHECK(send(stage, "198.51.100.1", 1000, kNow) == AnycastVerdict::to_backend);
  }
  CHECK(stage.counters().flow_pinned == 200);
  CHECK(stage.counters().flow_new == 2);
  CHECK(stage.counters().limit_service_new_flows == 1);
  // The dropped flow was not pinned: it is still new 1 s later, and gets the token.
  CHECK(send(stage, "203.0.113.99", 1000, kNow + 1s) == AnycastVerdict::to_backend);
  CHECK(send(stage, "203.0.113.98", 1000, kNow + 1s) == AnycastVerdict::drop);
  CHECK(stage.counters().limit_service_new_flows == 2);
  CHECK(stage.counters().packets == stage.counters().to_backend + limit_drops(stage.counters()));
}

TEST_CASE("a source prefix over its packet rate loses packets of pinned and new flows alike") {
  anycast::ServiceLimits l;
  l.source_packets_per_second = 100;
  l.source_packets_burst = 10;
  auto table = limited(l);
  AnycastStage stage(stage_config());
  stage.set_services(&table);
  int passed = 0;
  for (int i = 0; i < 15; ++i) passed += send(stage, "192.0.2.1", 1000, kNow) == AnycastVerdict::to_backend;
  CHECK(passed == 10);
  CHECK(stage.counters().limit_source_packets == 5);
  CHECK(send(stage, "192.0.2.2", 2000, kNow) == AnycastVerdict::drop);   // same /24, new flow
  CHECK(send(stage, "192.0.3.2", 2000, kNow) == AnycastVerdict::to_backend);
  // 100/s: 50 ms later five more.
  passed = 0;
  for (int i = 0; i < 8; ++i) passed += send(stage, "192.0.2.1", 1000, kNow + 50ms) == AnycastVerdict::to_backend;
  CHECK(passed == 5);
  CHECK(stage.counters().limit_source_packets == 5 + 1 + 3);
  CHECK(stage.counters().limit_source_new_flows == 0);
  CHECK(stage.counters().flow_new == 2);
}

TEST_CASE("each worker's stage enforces its share of the limits") {
  anycast::ServiceLimits l;
  l.new_flows_per_second = 8;
  l.new_flows_burst = 8;
  auto table = limited(l);
  auto config = stage_config();
  config.limit_share = 4;  // four workers: 2/s and a burst of 2 each
  AnycastStage stage(config);
  stage.set_services(&table);
  int passed = 0;
  for (int i = 0; i < 6; ++i) {
    passed += send(stage, "192.0.2.1", static_cast<std::uint16_t>(1000 + i), kNow) == AnycastVerdict::to_backend;
  }
  CHECK(passed == 2);
  CHECK(send(stage, "192.0.2.1", 2000, kNow + 499ms) == AnycastVerdict::drop);
  CHECK(send(stage, "192.0.2.1", 2001, kNow + 500ms) == AnycastVerdict::to_backend);
  CHECK(stage.counters().limit_service_new_flows == 5);
}

TEST_CASE("limits apply to flows for other regions too, and never to tunnelled packets") {
  anycast::ServiceLimits l;
  l.new_flows_per_second = 1;
  l.new_flows_burst = 1;
  l.source_packets_per_second = 1;
  l.source_packets_burst = 3;
  auto remote = limited(l, true);
  AnycastStage stage(stage_config());
  stage.set_services(&remote);
  CHECK(send(stage, "192.0.2.1", 1, kNow) == AnycastVerdict::to_region);
  CHECK(send(stage, "192.0.2.1", 2, kNow) == AnycastVerdict::drop);
  CHECK(stage.counters().limit_service_new_flows == 1);

  auto local = limited(l);
  AnycastStage tunnel_side(stage_config());
  tunnel_side.set_services(&local);
  for (int i = 0; i < 50; ++i) {
    CHECK(send(tunnel_side, "192.0.2.1", static_cast<std::uint16_t>(i + 1), kNow, "203.0.113.10", AnycastOrigin::tunnel) ==
          AnycastVerdict::to_backend);
  }
  CHECK(limit_drops(tunnel_side.counters()) == 0);
  CHECK(tunnel_side.source_limits().size() == 0);
}

TEST_CASE("a service without limits and a new service table start with full buckets") {
  anycast::ServiceLimits l;
  l.new_flows_per_second = 1;
  l.new_flows_burst = 1;
  auto table = limited(l);
  auto unlimited = table_of({service("203.0.113.10", 53, 4)});
  AnycastStage stage(stage_config());
  stage.set_services(&unlimited);
  for (int i = 0; i < 100; ++i) CHECK(send(stage, "192.0.2.1", static_cast<std::uint16_t>(i + 1), kNow) == AnycastVerdict::to_backend);
  CHECK(stage.source_limits().size() == 0);
  stage.set_services(&table);
  CHECK(send(stage, "192.0.2.1", 500, kNow) == AnycastVerdict::to_backend);
  CHECK(send(stage, "192.0.2.1", 501, kNow) == AnycastVerdict::drop);
  stage.set_services(&table);  // the same table again: the bucket stays spent
  CHECK(send(stage, "192.0.2.1", 502, kNow) == AnycastVerdict::drop);
  auto next = limited(l);
  stage.set_services(&next);  // a new snapshot: full again
  CHECK(send(stage, "192.0.2.1", 503, kNow) == AnycastVerdict::to_backend);
  CHECK(send(stage, "192.0.2.1", 504, kNow) == AnycastVerdict::drop);
}

}  // namespace
}  // namespace anymesh::pipeline::test
