// Specification of AllowedIps: cryptokey routing by longest-prefix match, v4 and v6.
#include "dataplane/wireguard/allowed_ips.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/allocation_counter.h"

using anymesh::IpAddress;
using anymesh::IpPrefix;
using anymesh::wg::AllowedIps;
using anymesh::wg::PeerId;

namespace {

IpAddress ip(const std::string& text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a.has_value());
  return *a;
}

IpPrefix prefix(const std::string& text) {
  auto p = IpPrefix::parse(text);
  REQUIRE(p.has_value());
  return *p;
}

// "addr/len" with the host bits kept, to check that the table masks them itself.
IpPrefix unmasked(const std::string& text) {
  const auto slash = text.find('/');
  return IpPrefix{ip(text.substr(0, slash)), static_cast<std::uint8_t>(std::stoi(text.substr(slash + 1)))};
}

IpPrefix mask(IpPrefix p) {
  const unsigned bits = p.address.is_v4() ? 32 : 128;
  for (unsigned bit = p.length; bit < bits; ++bit) {
    p.address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  return p;
}

// The obviously correct table: a map from masked prefix to peer, scanned in full per lookup.
struct ReferenceTable {
  std::map<IpPrefix, PeerId> routes;

  void insert(const IpPrefix& p, PeerId peer) { routes[mask(p)] = peer; }
  bool remove(const IpPrefix& p, PeerId peer) {
    auto it = routes.find(mask(p));
    if (it == routes.end() || it->second != peer) return false;
    routes.erase(it);
    return true;
  }
  void remove_peer(PeerId peer) { std::erase_if(routes, [&](const auto& r) { return r.second == peer; }); }
  std::optional<PeerId> lookup(const IpAddress& a) const {
    std::optional<PeerId> best;
    int best_length = -1;
    for (const auto& [p, peer] : routes) {
      if (p.contains(a) && p.length > best_length) {
        best = peer;
        best_length = p.length;
      }
    }
    return best;
  }
};

IpAddress random_address(std::mt19937_64& rng, IpAddress::Family family) {
  IpAddress a;
  a.family = family;
  const std::size_t n = family == IpAddress::Family::v4 ? 4 : 16;
  for (std::size_t i = 0; i < n; ++i) a.bytes[i] = static_cast<std::uint8_t>(rng());
  return a;
}

// Keeps the first `keep` bits of `base` and randomises the rest: overlapping prefixes on purpose.
IpAddress mutate(std::mt19937_64& rng, IpAddress base, unsigned keep) {
  const IpAddress noise = random_address(rng, base.family);
  const unsigned bits = base.is_v4() ? 32 : 128;
  for (unsigned bit = keep; bit < bits; ++bit) {
    const auto m = static_cast<std::uint8_t>(0x80u >> (bit % 8));
    base.bytes[bit / 8] = static_cast<std::uint8_t>((base.bytes[bit / 8] & ~m) | (noise.bytes[bit / 8] & m));
  }
  return base;
}

void compare_with_reference(IpAddress::Family family, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const unsigned bits = family == IpAddress::Family::v4 ? 32 : 128;
  constexpr PeerId kPeers = 24;
  AllowedIps table;
  ReferenceTable reference;
  std::vector<IpPrefix> inserted;

  for (int base = 0; base < 25; ++base) {
    const IpAddress root = random_address(rng, family);
    for (int variant = 0; variant < 12; ++variant) {
      const IpAddress a = variant == 0 ? root : mutate(rng, root, static_cast<unsigned>(rng() % bits));
      const IpPrefix p{a, static_cast<std::uint8_t>(rng() % (bits + 1))};
      const PeerId peer = static_cast<PeerId>(rng() % kPeers);
      REQUIRE(table.insert(p, peer));
      reference.insert(p, peer);
      inserted.push_back(p);
    }
  }
  REQUIRE(table.size() == reference.routes.size());

  auto check_queries = [&](const char* stage) {
    for (int q = 0; q < 1500; ++q) {
      IpAddress a;
      if (q % 3 == 0 || inserted.empty()) {
        a = random_address(rng, family);
      } else {
        const IpPrefix& near = inserted[rng() % inserted.size()];
        a = mutate(rng, near.address, near.length);  // inside (or right next to) a known prefix
        if (q % 3 == 2) a = mutate(rng, a, static_cast<unsigned>(rng() % bits));
      }
      INFO(stage << ": " << a.to_string());
      REQUIRE(table.lookup(a) == reference.lookup(a));
    }
    REQUIRE(table.size() == reference.routes.size());
    // A minimal trie: only prefixes and forks of two subtrees.
    REQUIRE(table.nodes_in_use() <= std::max<std::size_t>(2 * table.size(), 1) - 1);
  };
  check_queries("after inserts");

  // Remove some single prefixes, half of them with the wrong peer (which must change nothing).
  for (int i = 0; i < 60; ++i) {
    const IpPrefix& p = inserted[rng() % inserted.size()];
    const PeerId peer = static_cast<PeerId>(rng() % kPeers);
    const auto owner = reference.routes.find(mask(p));
    const PeerId asked = (i % 2 == 0 && owner != reference.routes.end()) ? owner->second : peer;
    INFO("remove " << p.to_string() << " for " << asked);
    REQUIRE(table.remove(p, asked) == reference.remove(p, asked));
  }
  check_queries("after removes");

  for (PeerId peer = 0; peer < kPeers; ++peer) {
    table.remove_peer(peer);
    reference.remove_peer(peer);
    REQUIRE(table.prefixes_of(peer).empty());
    if (peer % 6 == 5) check_queries("after remove_peer");
  }
  CHECK(table.size() == 0);
  CHECK(table.nodes_in_use() == 0);
  CHECK_FALSE(table.lookup(random_address(rng, family)).has_value());
}

}  // namespace

TEST_CASE("allowed ips matches a brute-force longest-prefix reference for IPv4") {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    INFO("seed " << seed);
    compare_with_reference(IpAddress::Family::v4, seed);
  }
}

TEST_CASE("allowed ips matches a brute-force longest-prefix reference for IPv6") {
  for (std::uint64_t seed : {11u, 12u, 13u}) {
    INFO("seed " << seed);
    compare_with_reference(IpAddress::Family::v6, seed);
  }
}

TEST_CASE("allowed ips of an empty table match nothing") {
  AllowedIps table;
  CHECK_FALSE(table.lookup(ip("192.0.2.1")).has_value());
  CHECK_FALSE(table.lookup(ip("fd00::1")).has_value());
  CHECK(table.size() == 0);
}

TEST_CASE("allowed ips default routes /0 match every address of their family only") {
  AllowedIps table;
  table.insert(prefix("0.0.0.0/0"), 1);
  CHECK(table.lookup(ip("0.0.0.0")) == 1u);
  CHECK(table.lookup(ip("255.255.255.255")) == 1u);
  CHECK(table.lookup(ip("203.0.113.9")) == 1u);
  CHECK_FALSE(table.lookup(ip("::")).has_value());
  CHECK_FALSE(table.lookup(ip("fd00::1")).has_value());

  table.insert(prefix("::/0"), 2);
  CHECK(table.lookup(ip("::")) == 2u);
  CHECK(table.lookup(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) == 2u);
  CHECK(table.lookup(ip("10.200.0.1")) == 1u);
  CHECK(table.size() == 2);
}

TEST_CASE("allowed ips host routes /32 and /128 match only their address") {
  AllowedIps table;
  table.insert(prefix("198.51.100.7/32"), 7);
  table.insert(prefix("fd00::7/128"), 8);
  CHECK(table.lookup(ip("198.51.100.7")) == 7u);
  CHECK_FALSE(table.lookup(ip("198.51.100.6")).has_value());
  CHECK_FALSE(table.lookup(ip("198.51.100.135")).has_value());
  CHECK(table.lookup(ip("fd00::7")) == 8u);
  CHECK_FALSE(table.lookup(ip("fd00::6")).has_value());
  CHECK_FALSE(table.lookup(ip("7f00::7")).has_value());

  table.insert(prefix("0.0.0.0/0"), 1);
  table.insert(prefix("::/0"), 2);
  CHECK(table.lookup(ip("198.51.100.7")) == 7u);
  CHECK(table.lookup(ip("198.51.100.6")) == 1u);
  CHECK(table.lookup(ip("fd00::7")) == 8u);
  CHECK(table.lookup(ip("fd00::6")) == 2u);
}

TEST_CASE("allowed ips masks host bits of an inserted prefix") {
  AllowedIps table;
  REQUIRE(table.insert(unmasked("10.200.1.77/16"), 3));
  CHECK(table.lookup(ip("10.200.255.1")) == 3u);
  CHECK(table.prefixes_of(3) == std::vector<IpPrefix>{prefix("10.200.0.0/16")});
  // Removal by the same unmasked spelling, or by the clean one, finds it.
  CHECK(table.remove(unmasked("10.200.9.9/16"), 3));
  CHECK(table.size() == 0);
}

TEST_CASE("allowed ips refuses a prefix longer than its family") {
  AllowedIps table;
  CHECK_FALSE(table.insert(IpPrefix{ip("192.0.2.1"), 33}, 1));
  CHECK_FALSE(table.insert(IpPrefix{ip("fd00::1"), 129}, 1));
  CHECK(table.size() == 0);
  CHECK_FALSE(table.remove(IpPrefix{ip("192.0.2.1"), 33}, 1));
}

TEST_CASE("allowed ips moves a prefix inserted again to the new peer") {
  AllowedIps table;
  table.insert(prefix("203.0.113.0/24"), 1);
  table.insert(prefix("203.0.113.0/24"), 2);
  CHECK(table.size() == 1);
  CHECK(table.lookup(ip("203.0.113.50")) == 2u);
  CHECK(table.prefixes_of(1).empty());
  CHECK(table.prefixes_of(2) == std::vector<IpPrefix>{prefix("203.0.113.0/24")});
  CHECK_FALSE(table.remove(prefix("203.0.113.0/24"), 1));  // no longer peer 1's
  CHECK(table.lookup(ip("203.0.113.50")) == 2u);
  CHECK(table.remove(prefix("203.0.113.0/24"), 2));
  CHECK_FALSE(table.lookup(ip("203.0.113.50")).has_value());
}

TEST_CASE("allowed ips removing a prefix uncovers the next shorter one") {
  AllowedIps table;
  table.insert(prefix("10.200.0.0/16"), 1);
  table.insert(prefix("10.200.3.0/24"), 2);
  table.insert(prefix("10.200.3.128/25"), 3);
  CHECK(table.lookup(ip("10.200.3.200")) == 3u);
  REQUIRE(table.remove(prefix("10.200.3.128/25"), 3));
  CHECK(table.lookup(ip("10.200.3.200")) == 2u);
  REQUIRE(table.remove(prefix("10.200.0.0/16"), 1));
  CHECK(table.lookup(ip("10.200.3.200")) == 2u);
  CHECK_FALSE(table.lookup(ip("10.200.4.1")).has_value());
  CHECK_FALSE(table.remove(prefix("10.200.0.0/16"), 1));  // already gone
  CHECK(table.size() == 1);
}

TEST_CASE("allowed ips remove_peer drops every prefix of that peer and nothing else") {
  AllowedIps table;
  table.insert(prefix("192.0.2.0/24"), 1);
  table.insert(prefix("192.0.2.128/25"), 2);
  table.insert(prefix("192.0.2.192/26"), 1);
  table.insert(prefix("fd00::/8"), 1);
  table.insert(prefix("fd00:1::/32"), 2);
  table.remove_peer(1);
  CHECK(table.size() == 2);
  CHECK(table.prefixes_of(1).empty());
  CHECK(table.lookup(ip("192.0.2.200")) == 2u);
  CHECK_FALSE(table.lookup(ip("192.0.2.1")).has_value());
  CHECK(table.lookup(ip("fd00:1::5")) == 2u);
  CHECK_FALSE(table.lookup(ip("fd00:2::5")).has_value());
  table.remove_peer(99);  // unknown peer: nothing happens
  CHECK(table.size() == 2);
}

TEST_CASE("allowed ips lists a peer's prefixes in the order they were assigned to it") {
  AllowedIps table;
  const std::vector<IpPrefix> order = {prefix("10.200.1.0/24"), prefix("fd00::/64"),
                                       prefix("10.200.0.0/16"), prefix("0.0.0.0/0")};
  for (const auto& p : order) table.insert(p, 4);
  table.insert(prefix("10.200.2.0/24"), 5);
  CHECK(table.prefixes_of(4) == order);
  // Inserting an existing prefix again moves it to the end, as the Linux module's list does.
  table.insert(prefix("fd00::/64"), 4);
  CHECK(table.prefixes_of(4) == std::vector<IpPrefix>{order[0], order[2], order[3], order[1]});
}

TEST_CASE("allowed ips clear empties the table and it stays usable") {
  AllowedIps table;
  table.insert(prefix("192.0.2.0/24"), 1);
  table.insert(prefix("fd00::/8"), 2);
  table.clear();
  CHECK(table.size() == 0);
  CHECK_FALSE(table.lookup(ip("192.0.2.1")).has_value());
  CHECK_FALSE(table.lookup(ip("fd00::1")).has_value());
  table.insert(prefix("192.0.2.0/25"), 3);
  CHECK(table.lookup(ip("192.0.2.1")) == 3u);
}

TEST_CASE("allowed ips copies are independent snapshots") {
  AllowedIps published;
  published.insert(prefix("198.51.100.0/24"), 1);
  AllowedIps next = published;
  next.insert(prefix("198.51.100.0/24"), 2);
  next.insert(prefix("203.0.113.0/24"), 3);
  CHECK(published.lookup(ip("198.51.100.1")) == 1u);
  CHECK_FALSE(published.lookup(ip("203.0.113.1")).has_value());
  CHECK(next.lookup(ip("198.51.100.1")) == 2u);
  CHECK(next.lookup(ip("203.0.113.1")) == 3u);
}

TEST_CASE("allowed ips lookup does not allocate") {
  AllowedIps table;
  table.insert(prefix("0.0.0.0/0"), 1);
  table.insert(prefix("10.200.0.0/16"), 2);
  table.insert(prefix("fd00::/8"), 3);
  table.insert(prefix("fd00::1/128"), 4);
  const IpAddress queries[] = {ip("10.200.1.1"), ip("192.0.2.1"), ip("fd00::1"), ip("fd00::2"), ip("2001:db8::1")};
  std::uint64_t sum = 0;
  const std::size_t before = anymesh::test::allocations();
  for (int round = 0; round < 1000; ++round) {
    for (const auto& q : queries) sum += table.lookup(q).value_or(0);
  }
  const std::size_t after = anymesh::test::allocations();
  CHECK(after == before);
  CHECK(sum == 1000u * (2 + 1 + 4 + 3 + 0));
}

TEST_CASE("allowed ips passes the Linux allowedips selftest table") {
  // drivers/net/wireguard/selftest/allowedips.c: peers a..h, inserts (some with host bits set,
  // some replacing an earlier owner), then lookups that must resolve to the given peer.
  enum : PeerId { kA = 1, kB, kC, kD, kE, kF, kG, kH };
  struct Route {
    const char* prefix;
    PeerId peer;
  };
  const std::vector<Route> inserts = {
      {"192.168.4.0/24", kA},
      {"192.168.4.4/32", kB},
      {"192.168.0.0/16", kC},
      {"192.95.5.64/27", kD},
      {"192.95.5.65/27", kC},  // replaces the previous entry, host bits set
      {"2607:5300:6000:6b00::c05f:543/128", kD},
      {"2607:5300:6000:6b00::/64", kC},
      {"0.0.0.0/0", kE},
      {"::/0", kE},
      {"::/0", kF},  // replaces the previous entry
      {"2404:6800::/32", kG},
      {"2404:6800:4004:800:dead:beef:dead:beef/64", kH},  // host bits set
      {"2404:6800:4004:800:dead:beef:dead:beef/128", kA},
      {"2444:6800:40e4:800:deae:beef:def:beef/128", kC},
      {"2444:6800:f0e4:800:eeae:beef::/98", kB},
      {"64.15.112.0/20", kG},
      {"64.15.123.211/25", kH},  // host bits set
      {"10.0.0.0/25", kA},
      {"10.0.0.128/25", kB},
      {"10.1.0.0/30", kA},
      {"10.1.0.4/30", kB},
      {"10.1.0.8/29", kC},
      {"10.1.0.16/29", kD},
  };
  const std::vector<Route> lookups = {
      {"192.168.4.20", kA},
      {"192.168.4.0", kA},
      {"192.168.4.4", kB},
      {"192.168.200.182", kC},
      {"192.95.5.68", kC},
      {"192.95.5.96", kE},
      {"2607:5300:6000:6b00::c05f:543", kD},
      {"2607:5300:6000:6b00::c02e:1ee", kC},
      {"2607:5300:6000:6b01::", kF},
      {"2404:6800:4004:806::1006", kG},
      {"2404:6800:4004:806:0:1234:0:5678", kG},
      {"2404:67ff:4004:806:0:1234:0:5678", kF},
      {"2404:6801:4004:806:0:1234:0:5678", kF},
      {"2404:6800:4004:800:0:1234:0:5678", kH},
      {"2404:6800:4004:800::", kH},
      {"2404:6800:4004:800:1010:1010:1010:1010", kH},
      {"2404:6800:4004:800:dead:beef:dead:beef", kA},
      {"64.15.116.26", kG},
      {"64.15.127.3", kG},
      {"64.15.123.1", kG},
      {"64.15.123.128", kH},
      {"64.15.123.129", kH},
      {"10.0.0.52", kA},
      {"10.0.0.220", kB},
      {"10.1.0.2", kA},
      {"10.1.0.6", kB},
      {"10.1.0.10", kC},
      {"10.1.0.20", kD},
  };
  AllowedIps table;
  for (const auto& r : inserts) REQUIRE(table.insert(unmasked(r.prefix), r.peer));
  CHECK(table.size() == inserts.size() - 2);  // two inserts replaced earlier owners
  for (const auto& l : lookups) {
    INFO(l.prefix);
    CHECK(table.lookup(ip(l.prefix)) == l.peer);
  }

  SECTION("removing a peer's host routes leaves the others' answers") {
    for (const char* host : {"1.0.0.0/32", "64.0.0.0/32", "128.0.0.0/32", "192.0.0.0/32", "255.0.0.0/32"}) {
      table.insert(prefix(host), kA);
    }
    table.remove_peer(kA);
    for (const char* host : {"1.0.0.0", "64.0.0.0", "128.0.0.0", "192.0.0.0", "255.0.0.0"}) {
      INFO(host);
      CHECK(table.lookup(ip(host)) != kA);
    }
    CHECK(table.lookup(ip("192.168.4.20")) == kC);  // a's /24 is gone, c's /16 shows
  }
}

TEST_CASE("allowed ips remove_peer of nested prefixes of one peer leaves nothing") {
  AllowedIps table;
  table.insert(prefix("192.168.0.0/16"), 1);
  table.insert(prefix("192.168.0.0/24"), 1);
  table.remove_peer(1);
  CHECK_FALSE(table.lookup(ip("192.168.0.1")).has_value());
  CHECK(table.size() == 0);
  CHECK(table.nodes_in_use() == 0);
}

TEST_CASE("allowed ips frees the fork nodes that removals leave useless") {
  AllowedIps table;
  table.insert(prefix("10.200.1.0/24"), 1);
  table.insert(prefix("10.200.2.0/24"), 2);  // needs a fork at 10.200.0.0/22
  table.insert(prefix("10.200.64.0/24"), 3);  // and another at 10.200.0.0/17
  CHECK(table.nodes_in_use() == 5);
  REQUIRE(table.remove(prefix("10.200.2.0/24"), 2));
  CHECK(table.nodes_in_use() == 3);
  REQUIRE(table.remove(prefix("10.200.64.0/24"), 3));
  CHECK(table.nodes_in_use() == 1);
  CHECK(table.lookup(ip("10.200.1.9")) == 1u);
  REQUIRE(table.remove(prefix("10.200.1.0/24"), 1));
  CHECK(table.nodes_in_use() == 0);
}

TEST_CASE("allowed ips handles 128 host routes that differ in a single bit each") {
  // Linux selftest: all-ones addresses with bit i cleared; a deep and narrow trie.
  AllowedIps table;
  std::vector<IpAddress> hosts;
  for (unsigned i = 0; i < 128; ++i) {
    IpAddress a = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    a.bytes[i / 8] &= static_cast<std::uint8_t>(~(0x80u >> (i % 8)));
    hosts.push_back(a);
    REQUIRE(table.insert(IpPrefix{a, 128}, i));
  }
  CHECK(table.size() == 128);
  for (unsigned i = 0; i < 128; ++i) {
    INFO("bit " << i);
    CHECK(table.lookup(hosts[i]) == i);
  }
  CHECK_FALSE(table.lookup(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).has_value());
  for (unsigned i = 0; i < 128; i += 2) REQUIRE(table.remove(IpPrefix{hosts[i], 128}, i));
  for (unsigned i = 0; i < 128; ++i) {
    INFO("bit " << i);
    CHECK(table.lookup(hosts[i]) == (i % 2 ? std::optional<PeerId>(i) : std::nullopt));
  }
}

TEST_CASE("allowed ips reports prefixes masked, per family, as the Linux selftest reads them") {
  AllowedIps table;
  table.insert(unmasked("192.95.5.93/27"), 1);
  table.insert(unmasked("2607:5300:6000:6b00::c05f:543/128"), 1);
  table.insert(unmasked("10.1.0.20/29"), 1);
  table.insert(unmasked("2607:5300:6d8a:6bf8:dab1:f1df:c05f:1523/83"), 1);
  table.insert(unmasked("2607:5300:6d8a:6bf8:dab1:f1df:c05f:1523/21"), 1);
  const std::vector<IpPrefix> expected = {
      prefix("192.95.5.64/27"), prefix("2607:5300:6000:6b00::c05f:543/128"), prefix("10.1.0.16/29"),
      prefix("2607:5300:6d8a:6bf8:dab1:e000::/83"), prefix("2607:5000::/21")};
  CHECK(table.prefixes_of(1) == expected);
}
