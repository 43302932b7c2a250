// The anycast stage as a specification: VIP packets go to a backend in GUE or to a region's tunnel
// unchanged, tunnelled packets never leave the region, bad input is counted and never steered.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "bpf/include/flow_hash.h"
#include "bpf/include/gue.h"
#include "dataplane/anycast/flow_tuple.h"
#include "dataplane/packet/bytes.h"
#include "dataplane/packet/checksum.h"
#include "tests/unit/pipeline/anycast_packets.h"

namespace anymesh::pipeline::test {
namespace {

using namespace std::chrono_literals;
constexpr anycast::FlowTime kNow = 1000s;

std::uint64_t outcome_sum(const AnycastCounters& c) {
  return c.not_vip + c.not_ip + c.vlan_stacked + c.truncated + c.bad_ip_header + c.fragment +
         c.ipv6_extension + c.unknown_protocol + c.to_backend + c.to_region + c.no_capacity +
         c.tunnel_no_local_group + c.gue_too_big + c.gue_no_source + c.no_headroom +
         c.limit_service_new_flows + c.limit_source_new_flows + c.limit_source_packets;
}

anycast::FlowTuple tuple_of(const std::string& src, const std::string& dst, std::uint16_t sport,
                            std::uint16_t dport, std::uint8_t proto = 17) {
  return anycast::make_flow_tuple(ip(src), ip(dst), proto, sport, dport);
}

TEST_CASE("a client's IPv4 UDP packet for a local service leaves GUE-encapsulated to a Maglev backend") {
  auto table = table_of({service("203.0.113.10", 53, 4)});
  AnycastStage stage(stage_config());
  stage.set_services(&table);
  auto p = client_packet("192.0.2.10", "203.0.113.10", 40000, 53);
  const auto frame = p.copy();
  const auto inner = std::vector<std::uint8_t>(frame.begin() + 14, frame.end());

  auto d = stage.classify(p.bytes(), TestPacket::kHeadroom, Framing::ethernet, AnycastOrigin::client, kNow);
  REQUIRE(d.verdict == AnycastVerdict::to_backend);
  REQUIRE(d.backend != nullptr);
  CHECK(d.outcome == anycast::SteerOutcome::new_flow);
  // The backend is the one the shared decision gives (group choice, then Maglev in the group).
  auto tuple = tuple_of("192.0.2.10", "203.0.113.10", 40000, 53);
  auto expected = anycast::decide_new_flow(table.services()[0], am_decision_hash(&tuple, AM_AFFINITY_NONE));
  REQUIRE(expected.has_value());
  CHECK(d.backend->id == expected->backend_id);

  REQUIRE(d.packet.size() == p.length + AM_GUE_OUTER_V4_BYTES);
  CHECK(d.packet.data() == p.bytes().data() - AM_GUE_OUTER_V4_BYTES);
  CHECK(d.l3_offset == 14);
  const std::uint8_t* f = d.packet.data();
  CHECK(std::equal(f, f + 6, kClientMac.begin()));       // back towards the sender (no next hop set)
  CHECK(std::equal(f + 6, f + 12, kGatewayMac.begin()));  // from the MAC it was sent to
  CHECK(load_be16(f + 12) == 0x0800);
  const std::uint8_t* outer = f + 14;
  CHECK(outer[0] == 0x45);
  CHECK(load_be16(outer + 2) == inner.size() + 28);
  CHECK(load_be16(outer + 6) == 0x4000);
  CHECK(outer[8] == 64);
  CHECK(outer[9] == 17);
  CHECK(ipv4_header_checksum_ok({outer, 20}));
  CHECK(IpAddress::v4_bytes(outer + 12) == ip("10.200.1.254"));
  CHECK(IpAddress::v4_bytes(outer + 16) == d.backend->address);
  const std::uint8_t* udp = outer + 20;
  CHECK(load_be16(udp) == am_gue_source_port(am_flow_hash(&tuple)));
  CHECK((load_be16(udp) & 0xc000) == 0xc000);
  CHECK(load_be16(udp + 2) == 6080);
  CHECK(load_be16(udp + 4) == inner.size() + 8);
  CHECK(load_be16(udp + 6) == 0);
  CHECK(std::equal(inner.begin(), inner.end(), udp + 8));  // the client's packet, unchanged

  // The same flow again: pinned, same backend.
  auto again = client_packet("192.0.2.10", "203.0.113.10", 40000, 53);
  auto d2 = stage.classify(again.bytes(), TestPacket::kHeadroom, Framing::ethernet, AnycastOrigin::client, kNow + 1s);
  REQUIRE(d2.verdict == AnycastVerdict::to_backend);
  CHECK(d2.outcome == anycast::SteerOutcome::pinned);
  CHECK(d2.backend->id == d.backend->id);
  CHECK(stage.counters().to_backend == 2);
  CHECK(stage.counters().flow_new == 1);
  CHECK(stage.counters().flow_pinned == 1);
  CHECK(stage.counters().packets == outcome_sum(stage.counters()));
}

TEST_CASE("an IPv6 client packet given as a bare IP packet goes to an IPv6 backend with the flow label set") {
  auto s = service("fd00:1:2::10", 443, 0);
  anycast::EndpointGroup g;
  g.id = 1;
  g.region = "r1";
  g.backends.push_back({7, ip("fd00:c8::13"), 1, true});
  s.groups.push_back(g);
  s.protocol = 6;
  auto table = table_of({s});
  auto config = stage_config();
  config.gue_port = 7000;
  AnycastStage stage(config);
  stage.set_services(&table);
  auto p = client_packet("fd00:99::1", "fd00:1:2::10", 50000, 443, true, true);
  const auto inner = p.copy();

  auto d = stage.classify(p.bytes(), TestPacket::kHeadroom, Framing::ip, AnycastOrigin::client, kNow);
  REQUIRE(d.verdict == AnycastVerdict::to_backend);
  REQUIRE(d.packet.size() == inner.size() + AM_GUE_OUTER_V6_BYTES);
  CHECK(d.l3_offset == 0);
  const std::uint8_t* outer = d.packet.data();
  auto tuple = tuple_of("fd00:99::1", "fd00:1:2::10", 50000, 443, 6);
  auto hash = am_flow_hash(&tuple);
  CHECK(load_be32(outer) == ((6u << 28) | am_gue_flow_label(hash)));
  CHECK(load_be16(outer + 4) == inner.size() + 8);
  CHECK(outer[6] == 17);
  CHECK(outer[7] == 64);
  CHECK(IpAddress::v6_bytes(outer + 8) == ip("fd00:1::fe"));
  CHECK(IpAddress::v6_bytes(outer + 24) == ip("fd00:c8::13"));
  CHECK(load_be16(outer + 40) == am_gue_source_port(hash));
  CHECK(load_be16(outer + 42) == 7000);
  CHECK(std::equal(inner.begin(), inner.end(), outer + 48));
}

TEST_CASE("a flow steered to another region's group leaves as the client's IP packet, unchanged") {
  auto table = table_of({service("203.0.113.20", 53, 0, 0, 200)});
  AnycastStage stage(stage_config());
  stage.set_services(&table);
  auto p = client_packet("192.0.2.10", "203.0.113.20", 40000, 53);
  const auto before = p.copy();
  auto d = stage.classify(p.bytes(), TestPacket::kHeadroom, Framing::ethernet, AnycastOrigin::client, kNow);
  REQUIRE(d.verdict == AnycastVerdict::to_region);
  REQUIRE(d.group != nullptr);
  CHECK(d.group->region == "r2");
  CHECK(d.backend == nullptr);
  CHECK(d.packet.data() == p.bytes().data() + 14);
  CHECK(std::vector<std::uint8_t>(d.packet.begin(), d.packet.end()) ==
        std::vector<std::uint8_t>(before.begin() + 14, before.end()));
  CHECK(p.copy() == before);
  CHECK(stage.counters().to_region == 1);
}

TEST_CASE("packets that arrive from a tunnel only take the local Maglev step, never another region") {
  // The remote group has almost all the weight: clients mostly go there, tunnelled packets never.
  auto table = table_of({service("203.0.113.30", 53, 3, 1, 255), service("203.0.113.31", 53, 0, 0, 100, 17, 200)});
  AnycastStage stage(stage_config());
  stage.set_services(&table);
  int client_remote = 0;
  for (std::uint16_t port = 1000; port < 1200; ++port) {
    auto c = client_packet("192.0.2.10", "203.0.113.30", port, 53, false, true);
    auto dc = stage.classify(c.bytes(), TestPacket::kHeadroom, Framing::ip, AnycastOrigin::client, kNow);
    client_remote += dc.verdict == AnycastVerdict::to_region;
    auto t = client_packet("192.0.2.11", "203.0.113.30", port, 53, false, true);
    auto dt = stage.classify(t.bytes(), TestPacket::kHeadroom, Framing::ip, AnycastOrigin::tunnel, kNow);
    REQUIRE(dt.verdict == AnycastVerdict::to_backend);
    CHECK(dt.group->region == "r1");
    // The same pick as the local group's Maglev table on the decision hash.
    auto tuple = tuple_of("192.0.2.11", "203.0.113.30", port, 53);
    const auto& entry = table.services()[0];
    auto slot = entry.groups[0].maglev->lookup(am_decision_hash(&tuple, AM_AFFINITY_NONE));
    CHECK(dt.backend->id == entry.service.groups[0].backends[slot].id);
  }
  CHECK(client_remote > 180);  // 255 : 1 weights
  CHECK(client_remote < 200);

  // A service this region has no backends for cannot take tunnelled packets: dropped, counted.
  auto t = client_packet("192.0.2.11", "203.0.113.31", 5, 53, false, true);
  const auto before = t.copy();
  auto d = stage.classify(t.bytes(), TestPacket::kHeadroom, Framing::ip, AnycastOrigin::tunnel, kNow);
  CHECK(d.verdict == AnycastVerdict::drop);
  CHECK(stage.counters().tunnel_no_local_group == 1);
  CHECK(t.copy() == before);
  CHECK(stage.counters().packets == outcome_sum(stage.counters()));
}

// Mutates a good frame into bad input of one kind.
struct BadInput {
  std::string name;
  std::vector<std::uint8_t> frame;
  std::uint64_t AnycastCounters::*counter;
};

std::vector<BadInput> bad_inputs() {
  auto good = client_packet("192.0.2.10", "203.0.113.10", 40000, 53).copy();
  auto good6 = client_packet("fd00:99::1", "fd00:1:2::10", 40000, 53).copy();
  std::vector<BadInput> out;
  auto with = [&](std::string name, std::vector<std::uint8_t> f, std::uint64_t AnycastCounters::*c) {
    out.push_back({std::move(name), std::move(f), c});
  };
  with("empty", {}, &AnycastCounters::truncated);
  with("half an Ethernet header", {good.begin(), good.begin() + 7}, &AnycastCounters::truncated);
  with("cut in the IPv4 header", {good.begin(), good.begin() + 30}, &AnycastCounters::truncated);
  with("cut in the UDP payload", {good.begin(), good.end() - 3}, &AnycastCounters::truncated);
  auto f = good;
  store_be16(f.data() + 12, 0x0806);
  with("ARP", f, &AnycastCounters::not_ip);
  f = good;
  f[14] = 0x44;  // IHL 4
  with("IHL below 5", f, &AnycastCounters::bad_ip_header);
  f = good;
  f[14] = 0x65;  // version 6 under an IPv4 EtherType
  with("version 6 under EtherType IPv4", f, &AnycastCounters::bad_ip_header);
  f = good;
  store_be16(f.data() + 16, 10);  // total length below the header
  with("total length below the header", f, &AnycastCounters::bad_ip_header);
  f = good;
  store_be16(f.data() + 16, static_cast<std::uint16_t>(load_be16(f.data() + 16) + 20));
  with("total length past the frame", f, &AnycastCounters::truncated);
  f = good;
  f[14] = 0x4f;  // IHL 15: 60 bytes of header, longer than the 46-byte packet says it is
  with("IPv4 header longer than the total length", f, &AnycastCounters::bad_ip_header);
  f = {good.begin(), good.begin() + 14 + 24};
  f[14] = 0x46;  // IHL 6, total length 24: options, but no room for the UDP header after them
  store_be16(f.data() + 16, 24);
  with("IPv4 options with no transport header after them", f, &AnycastCounters::truncated);
  f = good;
  store_be16(f.data() + 20, 0x2000);  // MF
  with("first fragment", f, &AnycastCounters::fragment);
  f = good;
  store_be16(f.data() + 20, 0x0010);  // offset 128
  with("later fragment", f, &AnycastCounters::fragment);
  f = good;
  f[23] = 1;  // ICMP
  with("ICMP to the VIP", f, &AnycastCounters::unknown_protocol);
  f = good;
  f[23] = 6;  // TCP, but only 8 bytes of header + 18 of payload: enough; cut it to 10
  f.resize(14 + 20 + 10);
  store_be16(f.data() + 16, 30);
  with("TCP header cut short", f, &AnycastCounters::truncated);
  f = good;
  f.insert(f.begin() + 12, {0x81, 0x00, 0x00, 0x64, 0x81, 0x00, 0x00, 0x65});
  with("two VLAN tags", f, &AnycastCounters::vlan_stacked);
  f = good6;
  f[20] = 44;
  with("IPv6 fragment header", f, &AnycastCounters::fragment);
  f = good6;
  f[20] = 0;
  with("IPv6 hop-by-hop header", f, &AnycastCounters::ipv6_extension);
  f = good6;
  f[20] = 58;
  with("ICMPv6", f, &AnycastCounters::unknown_protocol);
  f = good6;
  f.resize(14 + 39);
  with("cut in the IPv6 header", f, &AnycastCounters::truncated);
  return out;
}

TEST_CASE("bad input is counted by reason, left untouched and never steered") {
  auto table = table_of({service("203.0.113.10", 53, 2), service("fd00:1:2::10", 53, 2, 128, 0, 17, 200)});
  for (auto& bad : bad_inputs()) {
    INFO(bad.name);
    AnycastStage stage(stage_config());
    stage.set_services(&table);
    auto p = packet_of(bad.frame);
    auto d = stage.classify(p.bytes(), TestPacket::kHeadroom, Framing::ethernet, AnycastOrigin::client, kNow);
    CHECK(d.verdict == AnycastVerdict::pass);
    CHECK(d.packet.empty());
    CHECK(stage.counters().*bad.counter == 1);
    CHECK(stage.counters().packets == 1);
    CHECK(outcome_sum(stage.counters()) == 1);
    CHECK(p.copy() == bad.frame);
    CHECK(std::all_of(p.buffer.begin(), p.buffer.begin() + TestPacket::kHeadroom,
                      [](std::uint8_t b) { return b == 0xee; }));
    CHECK(stage.flows().size() == 0);
  }
}

TEST_CASE("a bare IP packet with an unknown version is not IP, and an empty one is truncated") {
  AnycastStage stage(stage_config());
  auto p = packet_of({0x35, 0, 0, 0});
  CHECK(stage.classify(p.bytes(), 0, Framing::ip, AnycastOrigin::client, kNow).verdict == AnycastVerdict::pass);
  CHECK(stage.counters().not_ip == 1);
  CHECK(stage.classify({}, 0, Framing::ip, AnycastOrigin::client, kNow).verdict == AnycastVerdict::pass);
  CHECK(stage.counters().truncated == 1);
}

TEST_CASE("packets for no service pass, counted as not_vip") {
  auto table = table_of({service("203.0.113.10", 53, 2)});
  AnycastStage stage(stage_config());
  auto p = client_packet("192.0.2.10", "203.0.113.10", 40000, 53);
  CHECK(stage.classify(p.bytes(), TestPacket::kHeadroom, Framing::ethernet, AnycastOrigin::client, kNow).verdict ==
        AnycastVerdict::pass);  // no table yet
  stage.set_services(&table);
  auto other_port = client_packet("192.0.2.10", "203.0.113.10", 40000, 54);
  auto other_address = client_packet("192.0.2.10", "203.0.113.11", 40000, 53);
  auto tcp = client_packet("192.0.2.10", "203.0.113.10", 40000, 53, true);
  for (auto* q : {&other_port, &other_address, &tcp}) {
    CHECK(stage.classify(q->bytes(), TestPacket::kHeadroom, Framing::ethernet, AnycastOrigin::tunnel, kNow).verdict ==
          AnycastVerdict::pass);
  }
  CHECK(stage.counters().not_vip == 4);
  CHECK(stage.flows().size() == 0);
}

TEST_CASE("VIP packets that cannot be delivered are dropped by reason and the frame is left as it was") {
  SECTION("too little headroom") {
    auto table = table_of({service("203.0.113.10", 53, 2)});
    AnycastStage stage(stage_config());
    stage.set_services(&table);
    auto p = client_packet("192.0.2.10", "203.0.113.10", 40000, 53);
    auto before = p.copy();
    auto d = stage.classify(p.bytes(), 27, Framing::ethernet, AnycastOrigin::client, kNow);
    CHECK(d.verdict == AnycastVerdict::drop);
    CHECK(stage.counters().no_headroom == 1);
    CHECK(p.copy() == before);
    CHECK(stage.classify(p.bytes(), 28, Framing::ethernet, AnycastOrigin::client, kNow).verdict ==
          AnycastVerdict::to_backend);
  }
  SECTION("larger than the MTU once encapsulated") {
    auto table = table_of({service("203.0.113.10", 53, 2)});
    auto config = stage_config();
    config.mtu = 1500;
    AnycastStage stage(config);
    stage.set_services(&table);
    auto fits = client_packet("192.0.2.10", "203.0.113.10", 1, 53, false, false, 1472 - 28);
    CHECK(stage.classify(fits.bytes(), 64, Framing::ethernet, AnycastOrigin::client, kNow).verdict ==
          AnycastVerdict::to_backend);
    auto big = client_packet("192.0.2.10", "203.0.113.10", 2, 53, false, false, 1473 - 28);
    CHECK(stage.classify(big.bytes(), 64, Framing::ethernet, AnycastOrigin::client, kNow).verdict ==
          AnycastVerdict::drop);
    CHECK(stage.counters().gue_too_big == 1);
  }
  SECTION("no gateway address of the backend's family") {
    auto table = table_of({service("203.0.113.10", 53, 2)});
    auto config = stage_config();
    config.gateway_v4.reset();
    AnycastStage stage(config);
    stage.set_services(&table);
    auto p = client_packet("192.0.2.10", "203.0.113.10", 40000, 53);
    CHECK(stage.classify(p.bytes(), 64, Framing::ethernet, AnycastOrigin::client, kNow).verdict ==
          AnycastVerdict::drop);
    CHECK(stage.counters().gue_no_source == 1);
  }
  SECTION("every group dialled to 0") {
    auto s = service("203.0.113.10", 53, 2);
    s.groups[0].dial_percent = 0;
    auto table = table_of({s});
    AnycastStage stage(stage_config());
    stage.set_services(&table);
    auto p = client_packet("192.0.2.10", "203.0.113.10", 40000, 53);
    auto d = stage.classify(p.bytes(), 64, Framing::ethernet, AnycastOrigin::client, kNow);
    CHECK(d.verdict == AnycastVerdict::drop);
    CHECK(d.service == &table.services()[0]);
    CHECK(stage.counters().no_capacity == 1);
  }
}

TEST_CASE("a pinned flow survives a new table and moves only when its backend turns unhealthy") {
  auto healthy = table_of({service("203.0.113.10", 53, 4)});
  AnycastStage stage(stage_config());
  stage.set_services(&healthy);
  std::map<std::uint16_t, std::uint32_t> first;
  for (std::uint16_t port = 1; port <= 100; ++port) {
    auto p = client_packet("192.0.2.10", "203.0.113.10", port, 53, false, true);
    auto d = stage.classify(p.bytes(), 64, Framing::ip, AnycastOrigin::client, kNow);
    REQUIRE(d.verdict == AnycastVerdict::to_backend);
    first[port] = d.backend->id;
  }
  auto s = service("203.0.113.10", 53, 4);
  s.groups[0].backends[0].healthy = false;  // backend 100
  auto next = table_of({s});
  stage.set_services(&next);
  for (std::uint16_t port = 1; port <= 100; ++port) {
    auto p = client_packet("192.0.2.10", "203.0.113.10", port, 53, false, true);
    auto d = stage.classify(p.bytes(), 64, Framing::ip, AnycastOrigin::client, kNow + 1s);
    REQUIRE(d.verdict == AnycastVerdict::to_backend);
    CHECK(d.backend->id != 100);
    if (first[port] != 100) {
      CHECK(d.backend->id == first[port]);
      CHECK(d.outcome == anycast::SteerOutcome::pinned);
    } else {
      CHECK(d.outcome == anycast::SteerOutcome::repinned);
    }
  }
  CHECK(stage.counters().flow_repinned > 0);
  CHECK(stage.counters().flow_repinned < 50);
}

TEST_CASE("a service with two VIPs answers on both") {
  auto s = service("203.0.113.10", 53, 2);
  s.extra_vips.push_back(ip("fd00:1:2::10"));
  auto table = table_of({s});
  AnycastStage stage(stage_config());
  stage.set_services(&table);
  auto v4 = client_packet("192.0.2.10", "203.0.113.10", 1, 53);
  auto v6 = client_packet("fd00:99::1", "fd00:1:2::10", 1, 53);
  CHECK(stage.classify(v4.bytes(), 64, Framing::ethernet, AnycastOrigin::client, kNow).verdict ==
        AnycastVerdict::to_backend);
  auto d6 = stage.classify(v6.bytes(), 64, Framing::ethernet, AnycastOrigin::client, kNow);
  CHECK(d6.verdict == AnycastVerdict::to_backend);
  CHECK(d6.service == &table.services()[0]);
  // An IPv6 client packet to an IPv4 backend: outer IPv4, EtherType rewritten.
  CHECK(load_be16(d6.packet.data() + 12) == 0x0800);

  auto twice = s;
  twice.extra_vips.push_back(ip("203.0.113.10"));
  auto refused = anycast::ServiceTable::build({twice});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().field == "services[0].extra_vips[1]");
}

}  // namespace
}  // namespace anymesh::pipeline::test

namespace anymesh::pipeline::test {
namespace {

// As xdp_gateway does: the options are skipped to find the ports, and carried inside GUE unchanged.
TEST_CASE("a VIP packet with IPv4 options is steered by its ports and encapsulated whole") {
  auto table = table_of({service("203.0.113.10", 53, 4)});
  AnycastStage stage(stage_config());
  stage.set_services(&table);
  auto plain = client_packet("192.0.2.10", "203.0.113.10", 40000, 53).copy();
  std::vector<std::uint8_t> frame(plain.begin(), plain.begin() + 34);
  const std::uint8_t options[8] = {0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00};  // NOPs, end
  frame.insert(frame.end(), options, options + 8);
  frame.insert(frame.end(), plain.begin() + 34, plain.end());
  frame[14] = 0x47;
  store_be16(frame.data() + 16, static_cast<std::uint16_t>(load_be16(frame.data() + 16) + 8));
  store_be16(frame.data() + 24, 0);
  store_be16(frame.data() + 24, ipv4_header_checksum({frame.data() + 14, 28}));
  auto p = packet_of(frame);

  auto d = stage.classify(p.bytes(), TestPacket::kHeadroom, Framing::ethernet, AnycastOrigin::client, kNow);
  REQUIRE(d.verdict == AnycastVerdict::to_backend);
  auto tuple = tuple_of("192.0.2.10", "203.0.113.10", 40000, 53);
  auto expected = anycast::decide_new_flow(table.services()[0], am_decision_hash(&tuple, AM_AFFINITY_NONE));
  REQUIRE(expected.has_value());
  CHECK(d.backend->id == expected->backend_id);
  REQUIRE(d.packet.size() == frame.size() + AM_GUE_OUTER_V4_BYTES);
  const std::uint8_t* outer = d.packet.data() + 14;
  CHECK(load_be16(outer + 2) == frame.size() - 14 + 28);
  CHECK(load_be16(outer + 20) == am_gue_source_port(am_flow_hash(&tuple)));
  CHECK(std::equal(frame.begin() + 14, frame.end(), outer + 28));  // header, options and all
  CHECK(stage.counters().ip_options == 1);
  CHECK(stage.counters().to_backend == 1);
  CHECK(stage.flows().size() == 1);
}

}  // namespace
}  // namespace anymesh::pipeline::test
