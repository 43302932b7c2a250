// The shared flow hash: it is MurmurHash3_x86_32 over the tuple's 40 canonical bytes, for v4 and v6.
#include <catch2/catch.hpp>

#include <cstring>
#include <set>
#include <string>

#include "bpf/include/flow_hash.h"
#include "bpf/include/map_layouts.h"
#include "dataplane/anycast/flow_tuple.h"

using namespace anymesh;
using namespace anymesh::anycast;

namespace {

// A byte-at-a-time MurmurHash3_x86_32 written from the algorithm's description, independent of
// the header's fixed-word version, including the tail handling the header never needs.
std::uint32_t murmur3_reference(const std::uint8_t* data, std::size_t len, std::uint32_t seed) {
  auto rotl = [](std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  std::uint32_t h = seed;
  std::size_t blocks = len / 4;
  for (std::size_t i = 0; i < blocks; ++i) {
    std::uint32_t k = 0;
    for (int b = 3; b >= 0; --b) k = (k << 8) | data[i * 4 + b];
    k *= 0xcc9e2d51u;
    k = rotl(k, 15);
    k *= 0x1b873593u;
    h ^= k;
    h = rotl(h, 13);
    h = h * 5 + 0xe6546b64u;
  }
  std::uint32_t k = 0;
  const std::uint8_t* tail = data + blocks * 4;
  switch (len & 3) {
    case 3: k ^= static_cast<std::uint32_t>(tail[2]) << 16; [[fallthrough]];
    case 2: k ^= static_cast<std::uint32_t>(tail[1]) << 8; [[fallthrough]];
    case 1:
      k ^= tail[0];
      k *= 0xcc9e2d51u;
      k = rotl(k, 15);
      k *= 0x1b873593u;
      h ^= k;
  }
  h ^= static_cast<std::uint32_t>(len);
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

std::uint32_t murmur3_reference(const std::string& s, std::uint32_t seed) {
  return murmur3_reference(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), seed);
}

FlowTuple tuple(const char* src, const char* dst, std::uint8_t proto, std::uint16_t sport,
                std::uint16_t dport) {
  return make_flow_tuple(*IpAddress::parse(src), *IpAddress::parse(dst), proto, sport, dport);
}

std::uint32_t reference_flow_hash(const FlowTuple& t) {
  std::uint8_t bytes[AM_FLOW_HASH_BYTES] = {};
  std::memcpy(bytes, &t, sizeof t);
  return murmur3_reference(bytes, sizeof bytes, AM_FLOW_HASH_SEED);
}

}  // namespace

TEST_CASE("the reference MurmurHash3_x86_32 gives the published answers") {
  CHECK(murmur3_reference("", 0) == 0u);
  CHECK(murmur3_reference("", 1) == 0x514e28b7u);
  CHECK(murmur3_reference("", 0xffffffffu) == 0x81f16f39u);
  CHECK(murmur3_reference("The quick brown fox jumps over the lazy dog", 0) == 0x2e4ff723u);
}

TEST_CASE("flow hash of an IPv4 and an IPv6 tuple is MurmurHash3 of the canonical bytes") {
  auto v4 = tuple("198.51.100.7", "203.0.113.10", 6, 40001, 443);
  auto v6 = tuple("fd00:1::7", "fd00:ff::10", 17, 5353, 53);
  CHECK(am_flow_hash(&v4) == reference_flow_hash(v4));
  CHECK(am_flow_hash(&v6) == reference_flow_hash(v6));
  std::uint32_t x = 1;
  for (int i = 0; i < 1000; ++i) {
    FlowTuple t{};
    for (std::size_t b = 0; b < sizeof t; ++b) {
      x = x * 1103515245u + 12345u;
      reinterpret_cast<std::uint8_t*>(&t)[b] = static_cast<std::uint8_t>(x >> 16);
    }
    REQUIRE(am_flow_hash(&t) == reference_flow_hash(t));
  }
}

TEST_CASE("flow tuple layout: v4 zero-padded, ports big-endian, family last") {
  auto t = tuple("198.51.100.7", "203.0.113.10", 6, 0x1234, 443);
  const auto* b = reinterpret_cast<const std::uint8_t*>(&t);
  CHECK(b[0] == 198);
  CHECK(b[3] == 7);
  for (int i = 4; i < 16; ++i) CHECK(b[i] == 0);
  CHECK(b[16] == 203);
  CHECK(b[32] == 0x12);
  CHECK(b[33] == 0x34);
  CHECK(b[36] == 6);
  CHECK(b[37] == AM_FAMILY_V4);
  CHECK(tuple_source(t).to_string() == "198.51.100.7");
  CHECK(tuple_destination(t).to_string() == "203.0.113.10");
  CHECK(tuple_source_port(t) == 0x1234);
  CHECK(tuple_destination_port(t) == 443);
}

TEST_CASE("flow hash distinguishes every field of the tuple") {
  auto base = tuple("198.51.100.7", "203.0.113.10", 6, 40001, 443);
  std::set<std::uint32_t> hashes{am_flow_hash(&base)};
  for (std::size_t b = 0; b < sizeof base; ++b) {
    auto t = base;
    reinterpret_cast<std::uint8_t*>(&t)[b] ^= 1;
    hashes.insert(am_flow_hash(&t));
  }
  CHECK(hashes.size() == sizeof base + 1);
  auto v6 = tuple("::c633:6407", "::cb00:710a", 6, 40001, 443);  // same 4 bytes, other family
  CHECK(am_flow_hash(&v6) != am_flow_hash(&base));
}

TEST_CASE("source_ip affinity gives every flow of one client to one VIP the same decision hash") {
  auto a = tuple("198.51.100.7", "203.0.113.10", 6, 40001, 443);
  auto b = tuple("198.51.100.7", "203.0.113.10", 17, 5000, 8443);
  auto other_client = tuple("198.51.100.8", "203.0.113.10", 6, 40001, 443);
  CHECK(am_decision_hash(&a, AM_AFFINITY_SOURCE_IP) == am_decision_hash(&b, AM_AFFINITY_SOURCE_IP));
  CHECK(am_decision_hash(&a, AM_AFFINITY_SOURCE_IP) !=
        am_decision_hash(&other_client, AM_AFFINITY_SOURCE_IP));
  CHECK(am_decision_hash(&a, AM_AFFINITY_NONE) == am_flow_hash(&a));
  CHECK(am_decision_hash(&a, AM_AFFINITY_NONE) != am_decision_hash(&b, AM_AFFINITY_NONE));
}

TEST_CASE("hash reduce maps hashes evenly onto 0 to n-1") {
  std::vector<int> bins(7, 0);
  for (std::uint32_t h = 0; h < 70000; ++h) {
    auto r = am_hash_reduce(h * 2654435761u, 7);
    REQUIRE(r < 7);
    ++bins[r];
  }
  for (int n : bins) CHECK(std::abs(n - 10000) < 400);
  CHECK(am_hash_reduce(0xffffffffu, 1) == 0);
}

TEST_CASE("map layouts have the sizes the BPF program is compiled against") {
  CHECK(sizeof(am_vip_key) == 20);
  CHECK(sizeof(am_vip_value) == 16);
  CHECK(sizeof(am_backend_value) == 20);
  CHECK(sizeof(am_flow_value) == 16);
  CHECK(sizeof(am_flow_tuple) == 38);
  CHECK(offsetof(am_vip_key, port) == 16);
  CHECK(offsetof(am_flow_value, last_seen_ns) == 8);
}
