// Specification of the anycast stage's memory use: after construction, classifying allocates nothing.
#include <catch2/catch.hpp>

#include <chrono>

#include "tests/unit/allocation_counter.h"
#include "tests/unit/pipeline/anycast_packets.h"

namespace anymesh::pipeline::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("classifying local, remote, tunnelled, pinned, limited and bad packets allocates nothing") {
  auto limited = service("203.0.113.20", 53, 2, 128, 0, 17, 300);
  limited.limits.new_flows_per_second = 50;
  limited.limits.new_flows_burst = 50;
  limited.limits.source_new_flows_per_second = 1;
  limited.limits.source_new_flows_burst = 1;
  limited.limits.source_packets_per_second = 5;
  limited.limits.source_packets_burst = 5;
  auto table = table_of({service("203.0.113.10", 53, 8, 128, 128), service("fd00:1:2::10", 443, 4, 1, 0, 6, 200), limited});
  auto config = stage_config();
  config.flows.capacity = 256;  // small: the loop also evicts
  config.limit_sources = 64;    // and the source limit table too
  AnycastStage stage(config);
  stage.set_services(&table);
  // Every packet built up front; the loop only copies bytes back into place.
  std::vector<TestPacket> packets;
  for (std::uint16_t port = 1; port <= 500; ++port) {
    packets.push_back(client_packet("192.0.2.10", "203.0.113.10", port, 53));
    packets.push_back(client_packet("fd00:99::1", "fd00:1:2::10", port, 443, true, true));
  }
  for (std::uint16_t i = 0; i < 200; ++i) {  // limited: 200 /24s, more than the source table holds
    packets.push_back(client_packet("10." + std::to_string(i) + ".0.1", "203.0.113.20", 5000, 53, false, true));
  }
  packets.push_back(client_packet("192.0.2.10", "203.0.113.10", 1, 54));  // not a VIP
  auto fragment = client_packet("192.0.2.10", "203.0.113.10", 1, 53);
  fragment.buffer[TestPacket::kHeadroom + 20] = 0x20;
  packets.push_back(fragment);
  std::vector<std::vector<std::uint8_t>> originals;
  for (const auto& p : packets) originals.push_back(p.copy());

  std::size_t to_backend = 0, to_region = 0;
  std::size_t before = anymesh::test::allocations();
  anycast::FlowTime now = 100s;
  for (int round = 0; round < 20; ++round, now += 1s) {
    for (std::size_t i = 0; i < packets.size(); ++i) {
      auto& p = packets[i];
      std::copy(originals[i].begin(), originals[i].end(), p.bytes().begin());
      auto framing = i % 2 == 0 || i >= 1200 ? Framing::ethernet : Framing::ip;
      if (i >= 1000 && i < 1200) framing = Framing::ip;
      auto origin = round % 4 == 3 ? AnycastOrigin::tunnel : AnycastOrigin::client;
      auto d = stage.classify(p.bytes(), TestPacket::kHeadroom, framing, origin, now);
      to_backend += d.verdict == AnycastVerdict::to_backend;
      to_region += d.verdict == AnycastVerdict::to_region;
    }
    stage.expire_flows(now, 64);
  }
  std::size_t after = anymesh::test::allocations();
  CHECK(after == before);
  CHECK(to_backend > 10000);
  CHECK(to_region > 1000);
  CHECK(stage.counters().fragment == 20);
  CHECK(stage.counters().not_vip == 20);
  CHECK(stage.flows().counters().evictions > 0);
  CHECK(stage.source_limits().evictions() > 0);
  CHECK(stage.counters().limit_service_new_flows + stage.counters().limit_source_new_flows > 0);
}

}  // namespace
}  // namespace anymesh::pipeline::test
