// Maglev builder: balance, minimal disruption, weights, determinism, validation, C lookup parity.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "bpf/include/maglev.h"
#include "dataplane/anycast/maglev.h"

using namespace anymesh::anycast;

namespace {

std::vector<MaglevBackend> backends(int n, std::uint32_t weight = 1) {
  std::vector<MaglevBackend> out;
  for (int i = 0; i < n; ++i) out.push_back({"10.200." + std::to_string(i / 256) + "." + std::to_string(i % 256), weight});
  return out;
}

std::vector<std::uint32_t> counts(const MaglevTable& t, std::size_t n) {
  std::vector<std::uint32_t> c(n, 0);
  for (auto s : t.slots()) ++c.at(s);
  return c;
}

// Fraction of slots whose backend (by name) differs between two tables of the same size.
double moved_fraction(const MaglevTable& a, const std::vector<MaglevBackend>& an, const MaglevTable& b,
                      const std::vector<MaglevBackend>& bn) {
  std::size_t moved = 0;
  for (std::uint32_t i = 0; i < a.size(); ++i) {
    if (an[a.slots()[i]].name != bn[b.slots()[i]].name) ++moved;
  }
  return static_cast<double>(moved) / a.size();
}

}  // namespace

TEST_CASE("maglev gives 100 equal backends shares within 1 percent at 65537 slots") {
  auto list = backends(100);
  auto table = build_maglev(list, 65537);
  REQUIRE(table.ok());
  auto c = counts(*table, list.size());
  double mean = 65537.0 / 100;
  auto [lo, hi] = std::minmax_element(c.begin(), c.end());
  CHECK(*hi / mean - 1 <= 0.01);
  CHECK(1 - *lo / mean <= 0.01);
  for (auto s : table->slots()) REQUIRE(s < list.size());
}

TEST_CASE("maglev moves at most about 1/N of keys when one of N backends leaves") {
  for (int n : {10, 50, 100}) {
    auto before = backends(n);
    auto t0 = build_maglev(before, 65537);
    REQUIRE(t0.ok());
    for (int removed : {0, n / 2, n - 1}) {
      auto after = before;
      after.erase(after.begin() + removed);
      auto t1 = build_maglev(after, 65537);
      REQUIRE(t1.ok());
      INFO("n=" << n << " removed=" << removed);
      CHECK(moved_fraction(*t0, before, *t1, after) <= 1.0 / n + 0.01);
    }
  }
}

TEST_CASE("maglev moves at most about 1/N of keys when a backend joins") {
  auto before = backends(99);
  auto after = backends(100);
  auto t0 = build_maglev(before, 65537);
  auto t1 = build_maglev(after, 65537);
  REQUIRE(t0.ok());
  REQUIRE(t1.ok());
  CHECK(moved_fraction(*t0, before, *t1, after) <= 1.0 / 100 + 0.01);
}

TEST_CASE("maglev gives weighted backends shares within 1 percent of their weights") {
  std::vector<MaglevBackend> list;
  std::uint32_t total = 0;
  for (std::uint32_t w = 1; w <= 10; ++w) {
    list.push_back({"fd00::" + std::to_string(w), w});
    total += w;
  }
  auto table = build_maglev(list, 65537);
  REQUIRE(table.ok());
  auto c = counts(*table, list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    double want = 65537.0 * list[i].weight / total;
    INFO("backend " << list[i].name << " weight " << list[i].weight << " slots " << c[i]);
    CHECK(std::abs(c[i] - want) / want <= 0.01);
  }
}

TEST_CASE("maglev gives a weight-0 backend no slots") {
  auto list = backends(3);
  list[1].weight = 0;
  auto table = build_maglev(list, 307);
  REQUIRE(table.ok());
  auto c = counts(*table, list.size());
  CHECK(c[1] == 0);
  CHECK(c[0] + c[2] == 307);
}

TEST_CASE("maglev builds the same table from the same names and weights") {
  auto a = build_maglev(backends(20, 3), 4001);
  auto b = build_maglev(backends(20, 3), 4001);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(std::equal(a->slots().begin(), a->slots().end(), b->slots().begin(), b->slots().end()));
  auto renamed = backends(20, 3);
  renamed[0].name = "10.200.9.9";
  auto c = build_maglev(renamed, 4001);
  REQUIRE(c.ok());
  CHECK_FALSE(std::equal(a->slots().begin(), a->slots().end(), c->slots().begin()));
}

TEST_CASE("maglev refuses sizes that are not prime, too small or too large, and bad backend lists") {
  CHECK(build_maglev(backends(5), 500).error() == MaglevError::size_not_prime);
  CHECK(build_maglev(backends(5), 499).error() == MaglevError::size_too_small);
  CHECK(build_maglev(backends(5), 503).ok());
  CHECK(build_maglev(backends(1), 16777259).error() == MaglevError::size_too_large);
  CHECK(build_maglev({}, 65537).error() == MaglevError::no_backends);
  CHECK(build_maglev(backends(3, 0), 307).error() == MaglevError::no_weight);
  auto twice = backends(3);
  twice[2].name = twice[0].name;
  CHECK(build_maglev(twice, 307).error() == MaglevError::duplicate_name);
  CHECK(to_string(MaglevError::size_not_prime) == "table size is not prime");
}

TEST_CASE("is_prime agrees with trial division on small numbers") {
  std::vector<std::uint32_t> primes;
  for (std::uint32_t n = 0; n < 200; ++n) {
    bool prime = n >= 2;
    for (std::uint32_t d = 2; d < n; ++d) prime = prime && n % d != 0;
    INFO(n);
    CHECK(is_prime(n) == prime);
  }
  CHECK(is_prime(65537));
  CHECK_FALSE(is_prime(65535));
}

TEST_CASE("the bpf/include Maglev lookup gives the C++ table's backend for every hash") {
  auto list = backends(37, 2);
  list[5].weight = 7;
  auto table = build_maglev(list, 65537);
  REQUIRE(table.ok());
  std::uint32_t hash = 12345;
  for (int i = 0; i < 200000; ++i) {
    hash = hash * 1664525u + 1013904223u;
    REQUIRE(am_maglev_lookup(table->slots().data(), table->size(), hash) == table->lookup(hash));
  }
  CHECK(am_maglev_lookup(table->slots().data(), table->size(), 0xffffffffu) ==
        table->slots()[0xffffffffu % 65537]);
}
