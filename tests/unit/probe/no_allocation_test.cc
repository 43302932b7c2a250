// Specification of the per-probe paths' memory use: after construction nothing allocates.
#include <catch2/catch.hpp>

#include "tests/unit/allocation_counter.h"

#include <array>
#include <chrono>

#include "dataplane/probe/peer_probes.h"
#include "dataplane/probe/probe_responder.h"

using anymesh::test::allocations;
using namespace anymesh;
using namespace anymesh::probe;

TEST_CASE("sending, echoing and judging probes allocates nothing") {
  ProbeSenderConfig c;
  c.self = 1;
  c.local_tunnel_address = *IpAddress::parse("10.200.1.1");
  c.peer_tunnel_address = *IpAddress::parse("10.200.3.1");
  c.lanes = 4;
  Nanos now = std::chrono::seconds(1);
  PeerProbes r1(c, LaneHealthConfig{}, now);
  ProbeResponder r3(c.peer_tunnel_address, 3);
  std::array<OutgoingProbe, kMaxLanesPerPeer> due{};
  std::array<std::uint8_t, kProbePacketLength> packet{};
  long answered = 0;

  std::size_t before = allocations();
  for (int step = 0; step < 10'000; ++step, now += std::chrono::milliseconds(1)) {
    std::size_t n = r1.tick(now, due);
    for (std::size_t i = 0; i < n; ++i) {
      if (!r1.sender().write(due[i], packet)) continue;
      if (!r3.respond_in_place(packet)) continue;
      auto verdict = r1.on_packet(packet, now + std::chrono::milliseconds(1));
      answered += verdict && *verdict == EchoVerdict::answered;
    }
    (void)r1.lane(0).rtt_min();
  }
  std::size_t after = allocations();

  CHECK(after == before);
  CHECK(answered == 4 * 1000);  // 4 lanes, one probe per 10 ms each, for 10 s
  CHECK(r1.up_lanes() == 0b1111);
}
