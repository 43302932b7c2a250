// Specification of the probe payload: exact layout, round trips, and a reason for every refusal.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <vector>

#include "dataplane/probe/probe_message.h"

using namespace anymesh::probe;

namespace {

ProbeMessage sample() {
  ProbeMessage m;
  m.kind = ProbeKind::echo;
  m.lane = 0x0a0b;
  m.sequence = 0x0102030405060708ull;
  m.sent_at = Nanos(0x1112131415161718ll);
  m.sender = 0x21222324;
  m.responder = 0x31323334;
  return m;
}

std::vector<std::uint8_t> encoded(const ProbeMessage& m) {
  std::vector<std::uint8_t> out(kProbePayloadLength);
  REQUIRE(encode_probe_message(m, out));
  return out;
}

}  // namespace

TEST_CASE("probe payload is laid out big-endian at the documented offsets") {
  auto bytes = encoded(sample());
  const std::vector<std::uint8_t> expected = {
      0x41, 0x4d, 0x50, 0x52,                          // magic "AMPR"
      0x01,                                            // version
      0x02,                                            // kind echo
      0x0a, 0x0b,                                      // lane
      0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // sequence
      0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,  // sent_at
      0x21, 0x22, 0x23, 0x24,                          // sender
      0x31, 0x32, 0x33, 0x34,                          // responder
  };
  CHECK(bytes == expected);
}

TEST_CASE("probe payload round-trips through encode and decode") {
  for (auto kind : {ProbeKind::request, ProbeKind::echo}) {
    ProbeMessage m = sample();
    m.kind = kind;
    auto decoded = decode_probe_message(encoded(m));
    REQUIRE(decoded);
    CHECK(*decoded == m);
  }
  ProbeMessage extremes;
  extremes.lane = 0xffff;
  extremes.sequence = UINT64_MAX;
  extremes.sent_at = Nanos(INT64_MAX);
  extremes.sender = UINT32_MAX;
  auto decoded = decode_probe_message(encoded(extremes));
  REQUIRE(decoded);
  CHECK(*decoded == extremes);
}

TEST_CASE("probe payload encoder refuses a buffer shorter than the payload") {
  std::array<std::uint8_t, kProbePayloadLength - 1> small{};
  auto r = encode_probe_message(sample(), small);
  REQUIRE_FALSE(r);
  CHECK(r.error() == ProbeError::buffer_too_small);
}

TEST_CASE("probe payload decoder refuses every malformed payload with its reason") {
  auto good = encoded(sample());

  SECTION("truncated at every length") {
    for (std::size_t n = 0; n < kProbePayloadLength; ++n) {
      auto r = decode_probe_message(std::span(good).first(n));
      REQUIRE_FALSE(r);
      CHECK(r.error() == ProbeError::truncated);
    }
  }
  SECTION("longer than the fixed length") {
    auto longer = good;
    longer.push_back(0);
    auto r = decode_probe_message(longer);
    REQUIRE_FALSE(r);
    CHECK(r.error() == ProbeError::bad_length);
  }
  SECTION("any flipped bit of the magic") {
    for (std::size_t bit = 0; bit < 32; ++bit) {
      auto bad = good;
      bad[kProbeMagicOffset + bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      auto r = decode_probe_message(bad);
      REQUIRE_FALSE(r);
      CHECK(r.error() == ProbeError::bad_magic);
    }
  }
  SECTION("any other version") {
    for (int v = 0; v < 256; ++v) {
      if (v == kProbeVersion) continue;
      auto bad = good;
      bad[kProbeVersionOffset] = static_cast<std::uint8_t>(v);
      auto r = decode_probe_message(bad);
      REQUIRE_FALSE(r);
      CHECK(r.error() == ProbeError::bad_version);
    }
  }
  SECTION("any kind but request and echo") {
    for (int k = 0; k < 256; ++k) {
      if (k == 1 || k == 2) continue;
      auto bad = good;
      bad[kProbeKindOffset] = static_cast<std::uint8_t>(k);
      auto r = decode_probe_message(bad);
      REQUIRE_FALSE(r);
      CHECK(r.error() == ProbeError::bad_kind);
    }
  }
}
