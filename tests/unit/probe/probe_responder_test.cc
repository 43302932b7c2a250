// Specification of the probe responder: a request to us becomes its echo, nothing else does.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "dataplane/probe/probe_packet.h"
#include "dataplane/probe/probe_responder.h"

using namespace anymesh;
using namespace anymesh::probe;

namespace {

const IpAddress kR1 = *IpAddress::parse("10.200.1.1");
const IpAddress kR3 = *IpAddress::parse("10.200.3.1");
constexpr GatewayId kR1Id = 11;
constexpr GatewayId kR3Id = 33;

std::vector<std::uint8_t> request_from_r1(ProbeKind kind = ProbeKind::request,
                                          IpAddress dst = kR3) {
  ProbePacket p{kR1, dst, {}};
  p.message.kind = kind;
  p.message.lane = 2;
  p.message.sequence = 41;
  p.message.sent_at = Nanos(987654321);
  p.message.sender = kR1Id;
  std::vector<std::uint8_t> out(kProbePacketLength);
  REQUIRE(write_probe_packet(out, p));
  return out;
}

void check_is_echo_of(std::span<const std::uint8_t> echo, std::span<const std::uint8_t> request) {
  auto e = parse_probe_packet(echo);
  auto r = parse_probe_packet(request);
  REQUIRE(e);
  REQUIRE(r);
  CHECK(e->src == r->dst);
  CHECK(e->dst == r->src);
  CHECK(e->message.kind == ProbeKind::echo);
  CHECK(e->message.responder == kR3Id);
  CHECK(e->message.lane == r->message.lane);
  CHECK(e->message.sequence == r->message.sequence);
  CHECK(e->message.sent_at == r->message.sent_at);
  CHECK(e->message.sender == r->message.sender);
}

}  // namespace

TEST_CASE("probe responder turns a request into its echo in place") {
  ProbeResponder responder(kR3, kR3Id);
  auto request = request_from_r1();
  auto packet = request;
  auto n = responder.respond_in_place(packet);
  REQUIRE(n);
  CHECK(*n == kProbePacketLength);
  check_is_echo_of(std::span(packet).first(*n), request);
  CHECK(responder.counters().echoed == 1);
}

TEST_CASE("probe responder writes the echo into another buffer and leaves the request alone") {
  ProbeResponder responder(kR3, kR3Id);
  auto request = request_from_r1();
  const auto original = request;
  std::vector<std::uint8_t> out(2048);
  auto n = responder.respond(request, out);
  REQUIRE(n);
  CHECK(request == original);
  check_is_echo_of(std::span(out).first(*n), request);
}

TEST_CASE("probe responder refuses echoes, probes for someone else and malformed packets") {
  ProbeResponder responder(kR3, kR3Id);

  auto echo = request_from_r1(ProbeKind::echo);
  const auto echo_before = echo;
  auto r1 = responder.respond_in_place(echo);
  REQUIRE_FALSE(r1);
  CHECK(r1.error() == ProbeError::unexpected_kind);
  CHECK(echo == echo_before);

  auto elsewhere = request_from_r1(ProbeKind::request, *IpAddress::parse("10.200.2.1"));
  auto r2 = responder.respond_in_place(elsewhere);
  REQUIRE_FALSE(r2);
  CHECK(r2.error() == ProbeError::not_for_us);

  auto corrupt = request_from_r1();
  corrupt.back() ^= 0x01;
  auto r3 = responder.respond_in_place(corrupt);
  REQUIRE_FALSE(r3);
  CHECK(r3.error() == ProbeError::bad_udp_checksum);

  std::vector<std::uint8_t> small(10);
  auto r4 = responder.respond(request_from_r1(), small);
  REQUIRE_FALSE(r4);
  CHECK(r4.error() == ProbeError::buffer_too_small);

  CHECK(responder.counters().refused == 4);
  CHECK(responder.counters().echoed == 0);
}
