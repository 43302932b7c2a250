// Specification of the probe schedule on a manual clock: one request per lane per interval.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <stdexcept>
#include <vector>

#include "dataplane/probe/probe_packet.h"
#include "dataplane/probe/probe_sender.h"

using namespace anymesh;
using namespace anymesh::probe;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

ProbeSenderConfig config(std::size_t lanes, Nanos interval = kDefaultProbeInterval) {
  ProbeSenderConfig c;
  c.self = 7;
  c.local_tunnel_address = *IpAddress::parse("10.200.1.1");
  c.peer_tunnel_address = *IpAddress::parse("10.200.3.1");
  c.lanes = lanes;
  c.interval = interval;
  return c;
}

const Nanos kStart = std::chrono::seconds(5);

}  // namespace

TEST_CASE("probe sender sends every lane once per interval, staggered, with rising sequences") {
  constexpr std::size_t kLanes = 4;
  ProbeSender sender(config(kLanes), kStart);
  std::array<std::vector<OutgoingProbe>, kLanes> per_lane;
  std::array<OutgoingProbe, kMaxLanesPerPeer> due{};
  // A manual clock stepping 100 us for one simulated second.
  for (Nanos now = kStart; now < kStart + std::chrono::seconds(1); now += microseconds(100)) {
    std::size_t n = sender.collect_due(now, due);
    for (std::size_t i = 0; i < n; ++i) per_lane[due[i].lane].push_back(due[i]);
  }
  for (std::size_t lane = 0; lane < kLanes; ++lane) {
    INFO("lane " << lane);
    REQUIRE(per_lane[lane].size() == 100);
    // Lane i's grid is offset by i/4 of the interval.
    CHECK(per_lane[lane][0].sent_at == kStart + Nanos(milliseconds(10)) * static_cast<int>(lane) / 4);
    for (std::size_t k = 0; k < per_lane[lane].size(); ++k) {
      CHECK(per_lane[lane][k].sequence == k);
      if (k > 0) CHECK(per_lane[lane][k].sent_at - per_lane[lane][k - 1].sent_at == milliseconds(10));
    }
  }
}

TEST_CASE("probe sender honours a configured interval") {
  ProbeSender sender(config(1, milliseconds(1)), kStart);
  std::array<OutgoingProbe, 1> due{};
  std::size_t sent = 0;
  for (Nanos now = kStart; now < kStart + milliseconds(50); now += microseconds(50)) {
    sent += sender.collect_due(now, due);
  }
  CHECK(sent == 50);
}

TEST_CASE("probe sender sends one probe after a stall, not a burst, and keeps its grid") {
  ProbeSender sender(config(1), kStart);
  std::array<OutgoingProbe, 4> due{};
  REQUIRE(sender.collect_due(kStart, due) == 1);
  // Polled again only 35 ms later: three slots (10, 20, 30 ms) were missed.
  REQUIRE(sender.collect_due(kStart + milliseconds(35), due) == 1);
  CHECK(due[0].sequence == 1);
  CHECK(due[0].sent_at == kStart + milliseconds(35));
  CHECK(sender.next_due() == kStart + milliseconds(40));
  CHECK(sender.collect_due(kStart + milliseconds(39), due) == 0);
  CHECK(sender.collect_due(kStart + milliseconds(40), due) == 1);
}

TEST_CASE("probe sender leaves lanes due when the output is full") {
  ProbeSender sender(config(3, milliseconds(3)), kStart);
  std::array<OutgoingProbe, 2> due{};
  Nanos now = kStart + milliseconds(2);  // all three lanes (offsets 0, 1, 2 ms) due
  REQUIRE(sender.collect_due(now, due) == 2);
  CHECK(due[0].lane == 0);
  CHECK(due[1].lane == 1);
  REQUIRE(sender.collect_due(now, due) == 1);
  CHECK(due[0].lane == 2);
  CHECK(sender.collect_due(now, due) == 0);
}

TEST_CASE("probe sender writes a request that parses back to the scheduled probe") {
  auto c = config(2);
  ProbeSender sender(c, kStart);
  OutgoingProbe probe{1, 9, kStart + milliseconds(95)};
  std::array<std::uint8_t, kProbePacketLength> out{};
  REQUIRE(sender.write(probe, out));
  auto parsed = parse_probe_packet(out);
  REQUIRE(parsed);
  CHECK(parsed->src == c.local_tunnel_address);
  CHECK(parsed->dst == c.peer_tunnel_address);
  CHECK(parsed->message.kind == ProbeKind::request);
  CHECK(parsed->message.lane == 1);
  CHECK(parsed->message.sequence == 9);
  CHECK(parsed->message.sent_at == probe.sent_at);
  CHECK(parsed->message.sender == c.self);
  CHECK(parsed->message.responder == 0);
}

TEST_CASE("probe sender refuses a bad configuration") {
  CHECK_THROWS_AS(ProbeSender(config(0), kStart), std::invalid_argument);
  CHECK_THROWS_AS(ProbeSender(config(kMaxLanesPerPeer + 1), kStart), std::invalid_argument);
  CHECK_THROWS_AS(ProbeSender(config(1, Nanos(0)), kStart), std::invalid_argument);
  auto v6 = config(1);
  v6.peer_tunnel_address = *IpAddress::parse("fd00::3");
  CHECK_THROWS_AS(ProbeSender(v6, kStart), std::invalid_argument);
}
