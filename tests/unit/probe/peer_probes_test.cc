// Specification of probing one peer end to end: requests through a scripted wire to a responder,
// echoes back to their lane, a blackholed lane detected and recovered.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <vector>

#include "dataplane/probe/peer_probes.h"
#include "dataplane/probe/probe_packet.h"
#include "dataplane/probe/probe_responder.h"

using namespace anymesh;
using namespace anymesh::probe;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

const IpAddress kR1 = *IpAddress::parse("10.200.1.1");
const IpAddress kR3 = *IpAddress::parse("10.200.3.1");
constexpr GatewayId kR1Id = 1;
constexpr GatewayId kR3Id = 3;

// r1 probes r3 over two lanes; each direction takes one_way; a blackholed lane drops everything.
struct Mesh {
  Mesh() : r1(sender_config(), LaneHealthConfig{}, now), r3(kR3, kR3Id) {}

  static ProbeSenderConfig sender_config() {
    ProbeSenderConfig c;
    c.self = kR1Id;
    c.local_tunnel_address = kR1;
    c.peer_tunnel_address = kR3;
    c.lanes = 2;
    return c;
  }

  struct InFlight {
    Nanos arrives;
    std::array<std::uint8_t, kProbePacketLength> bytes;
    bool to_r3;
  };

  void run_until(Nanos end) {
    for (; now < end; now += microseconds(100)) {
      std::array<OutgoingProbe, kMaxLanesPerPeer> due{};
      std::size_t n = r1.tick(now, due);
      for (std::size_t i = 0; i < n; ++i) {
        InFlight f{now + one_way, {}, true};
        REQUIRE(r1.sender().write(due[i], f.bytes));
        if (!blackholed[due[i].lane]) wire.push_back(f);
      }
      std::vector<InFlight> still;
      for (auto& f : wire) {
        if (f.arrives > now) {
          still.push_back(f);
        } else if (f.to_r3) {
          REQUIRE(r3.respond_in_place(f.bytes));
          auto lane = parse_probe_packet(f.bytes)->message.lane;
          if (!blackholed[lane]) still.push_back(InFlight{now + one_way, f.bytes, false});
        } else {
          auto verdict = r1.on_packet(f.bytes, now);
          REQUIRE(verdict);
          CHECK(*verdict == EchoVerdict::answered);
        }
      }
      wire = std::move(still);
    }
  }

  Nanos now = std::chrono::seconds(10);
  Nanos one_way = milliseconds(3);
  std::array<bool, 2> blackholed{};
  PeerProbes r1;
  ProbeResponder r3;
  std::vector<InFlight> wire;
};

}  // namespace

TEST_CASE("both lanes of a healthy peer come up and report the wire's RTT") {
  Mesh m;
  CHECK(m.r1.up_lanes() == 0);
  m.run_until(m.now + milliseconds(200));
  CHECK(m.r1.up_lanes() == 0b11);
  for (LaneId lane : {LaneId{0}, LaneId{1}}) {
    CHECK(*m.r1.lane(lane).rtt_min() == milliseconds(6));
    CHECK(m.r1.lane(lane).loss() == 0.0);
  }
}

TEST_CASE("a blackholed lane is down within 50 ms while the other stays up, and recovers") {
  Mesh m;
  m.run_until(m.now + milliseconds(200));
  REQUIRE(m.r1.up_lanes() == 0b11);
  const Nanos broken_at = m.now;
  m.blackholed[1] = true;
  m.run_until(broken_at + milliseconds(100));
  CHECK(m.r1.up_lanes() == 0b01);
  CHECK(m.r1.lane(1).state_since() - broken_at <= milliseconds(50));
  CHECK(m.r1.lane(0).counters().went_down == 0);

  const Nanos healed_at = m.now;
  m.blackholed[1] = false;
  m.run_until(healed_at + milliseconds(200));
  CHECK(m.r1.up_lanes() == 0b11);
  // Five good probes at 10 ms, each echoed after 6 ms: never before 46 ms.
  CHECK(m.r1.lane(1).state_since() - healed_at >= milliseconds(46));
  CHECK(m.r1.lane(1).counters().went_up == 2);
  CHECK(m.r1.lane(1).counters().went_down == 1);
}

TEST_CASE("peer probes refuse packets that are not echoes of their own requests") {
  Mesh m;
  std::array<std::uint8_t, kProbePacketLength> bytes{};
  auto write = [&](IpAddress src, IpAddress dst, ProbeKind kind, GatewayId sender, LaneId lane) {
    ProbePacket p{src, dst, {}};
    p.message.kind = kind;
    p.message.sender = sender;
    p.message.lane = lane;
    p.message.responder = kR3Id;
    REQUIRE(write_probe_packet(bytes, p));
  };
  write(kR3, kR1, ProbeKind::request, kR1Id, 0);
  CHECK(m.r1.on_packet(bytes, m.now).error() == ProbeError::unexpected_kind);
  write(kR3, kR1, ProbeKind::echo, kR3Id, 0);
  CHECK(m.r1.on_packet(bytes, m.now).error() == ProbeError::not_our_probe);
  write(kR3, kR1, ProbeKind::echo, kR1Id, 2);
  CHECK(m.r1.on_packet(bytes, m.now).error() == ProbeError::not_our_probe);
  write(*IpAddress::parse("10.200.2.1"), kR1, ProbeKind::echo, kR1Id, 0);
  CHECK(m.r1.on_packet(bytes, m.now).error() == ProbeError::not_for_us);
  bytes[0] = 0;
  CHECK(m.r1.on_packet(bytes, m.now).error() == ProbeError::bad_ip_header);
  CHECK(m.r1.refused() == 5);
  write(kR3, kR1, ProbeKind::echo, kR1Id, 0);
  CHECK(*m.r1.on_packet(bytes, m.now) == EchoVerdict::unknown);  // well-formed, never sent
}

TEST_CASE("a prober that owns one lane sends, accepts and reports only that lane") {
  Mesh m;
  m.r1.set_owned_lanes(0b10);
  std::array<OutgoingProbe, kMaxLanesPerPeer> due{};
  std::size_t sent_lane0 = 0, sent_lane1 = 0;
  for (Nanos t = m.now; t < m.now + milliseconds(100); t += microseconds(500)) {
    std::size_t n = m.r1.tick(t, due);
    for (std::size_t i = 0; i < n; ++i) (due[i].lane == 0 ? sent_lane0 : sent_lane1)++;
  }
  CHECK(sent_lane0 == 0);
  CHECK(sent_lane1 >= 9);
  // An echo for lane 0 is another lcore's business.
  std::array<std::uint8_t, kProbePacketLength> bytes{};
  ProbePacket p{kR3, kR1, {}};
  p.message.kind = ProbeKind::echo;
  p.message.sender = kR1Id;
  p.message.lane = 0;
  p.message.responder = kR3Id;
  REQUIRE(write_probe_packet(bytes, p));
  CHECK(m.r1.on_packet(bytes, m.now).error() == ProbeError::not_our_probe);
}

TEST_CASE("owned lanes come up on their own; lanes owned elsewhere never show up") {
  Mesh m;
  m.r1.set_owned_lanes(0b01);
  m.run_until(m.now + milliseconds(200));
  CHECK(m.r1.up_lanes() == 0b01);
}
