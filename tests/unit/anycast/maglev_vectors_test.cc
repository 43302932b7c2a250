// The Maglev known-answer vectors in tests/vectors/maglev still describe the builder and flow hash.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "bpf/include/maglev.h"
#include "maglev_vector_format.h"

using namespace anymesh::anycast;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("maglev vectors on disk match the builder and the flow hash") {
  for (const auto& c : vectors::cases()) {
    auto path = std::string(ANYMESH_VECTORS_DIR) + "/maglev/" + c.name + ".txt";
    INFO(path);
    auto on_disk = vectors::parse(read_file(path));
    REQUIRE(on_disk.has_value());
    // The file's own backend list is what is rebuilt, so the file alone fixes the expected table.
    REQUIRE(on_disk->backends.size() == c.backends.size());
    auto now = vectors::compute(vectors::MaglevVector{c.name, on_disk->table_size, on_disk->backends,
                                                     {}, 0, on_disk->sample_every, {}, {}});
    CHECK(now.counts == on_disk->counts);
    CHECK(now.digest == on_disk->digest);
    CHECK(now.slots == on_disk->slots);
    REQUIRE(now.flows.size() == on_disk->flows.size());
    REQUIRE_FALSE(on_disk->flows.empty());
    auto table = build_maglev(on_disk->backends, on_disk->table_size);
    REQUIRE(table.ok());
    for (const auto& f : on_disk->flows) {
      CHECK(am_flow_hash(&f.tuple) == f.hash);
      CHECK(table->lookup(f.hash) == f.backend);
      CHECK(am_maglev_lookup(table->slots().data(), table->size(), f.hash) == f.backend);
    }
  }
}

TEST_CASE("maglev vector text round-trips and rejects unknown lines") {
  auto v = vectors::compute(vectors::cases().front());
  auto back = vectors::parse(vectors::to_text(v));
  REQUIRE(back.has_value());
  CHECK(back->digest == v.digest);
  CHECK(back->slots == v.slots);
  CHECK(back->flows.size() == v.flows.size());
  CHECK_FALSE(vectors::parse("table_size 503\nbogus 1\n").has_value());
  CHECK_FALSE(vectors::parse("flow 198.51.100.1 nonsense 6 1 2 ab 0\n").has_value());
}
