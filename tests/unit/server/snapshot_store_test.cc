// The gateway's persisted snapshot: atomic writes, and a load that trusts the file no more than the network.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "dataplane/agent/snapshot_store.h"
#include "tests/unit/agent/temp_dir.h"
#include "tests/unit/server/session_fixture.h"

using namespace anymesh;
using namespace anymesh::server;
using namespace anymesh::server::test;

namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void overwrite(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace

TEST_CASE("a persisted snapshot loads back, verified, as the same signed bytes") {
  agent::test::TempDir dir;
  auto key = SigningKey::generate();
  const auto signed_snapshot = signed_r1(key, 12);
  REQUIRE_FALSE(agent::store_signed_snapshot(dir.path(), signed_snapshot).has_value());
  CHECK_FALSE(std::filesystem::exists(dir.path() / "snapshot.signed.tmp"));

  auto loaded = agent::load_stored_snapshot(dir.path(), key.public_key(), kSelf);
  REQUIRE(loaded.ok());
  CHECK(loaded->applied->version() == 12);
  CHECK(loaded->signed_snapshot.snapshot() == signed_snapshot.snapshot());
  CHECK(loaded->signed_snapshot.signature() == signed_snapshot.signature());
}

TEST_CASE("a newer persisted snapshot replaces the older one whole") {
  agent::test::TempDir dir;
  auto key = SigningKey::generate();
  REQUIRE_FALSE(agent::store_signed_snapshot(dir.path(), signed_r1(key, 1)).has_value());
  REQUIRE_FALSE(agent::store_signed_snapshot(dir.path(), signed_r1(key, 2)).has_value());
  CHECK(agent::load_stored_snapshot(dir.path(), key.public_key(), kSelf)->applied->version() == 2);
}

TEST_CASE("no persisted snapshot yet is reported as such") {
  agent::test::TempDir dir;
  auto loaded = agent::load_stored_snapshot(dir.path(), SigningKey::generate().public_key(), kSelf);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().field == "snapshot file");
  CHECK(loaded.error().problem == agent::kNoStoredSnapshot);
}

TEST_CASE("a corrupted persisted snapshot is refused") {
  agent::test::TempDir dir;
  auto key = SigningKey::generate();
  REQUIRE_FALSE(agent::store_signed_snapshot(dir.path(), signed_r1(key)).has_value());
  const auto path = agent::stored_snapshot_path(dir.path());
  const std::string good = read_all(path);

  SECTION("a flipped byte inside the snapshot") {
    std::string bad = good;
    bad[bad.size() / 3] ^= 0x04;
    overwrite(path, bad);
  }
  SECTION("cut short") { overwrite(path, good.substr(0, good.size() - 10)); }
  SECTION("not protobuf at all") { overwrite(path, std::string(100, '\xff')); }
  SECTION("empty") { overwrite(path, ""); }

  auto loaded = agent::load_stored_snapshot(dir.path(), key.public_key(), kSelf);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().field == "snapshot file");
  CHECK(loaded.error().problem.find(path.string()) == 0);
  INFO(loaded.error().to_string());
  CHECK(loaded.error().problem != agent::kNoStoredSnapshot);
}

TEST_CASE("a persisted snapshot signed by a key other than the pinned one is refused") {
  agent::test::TempDir dir;
  REQUIRE_FALSE(agent::store_signed_snapshot(dir.path(), signed_r1(SigningKey::generate())).has_value());
  auto loaded = agent::load_stored_snapshot(dir.path(), SigningKey::generate().public_key(), kSelf);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().problem.find("signature: does not verify against the pinned controller key") !=
        std::string::npos);
}

TEST_CASE("an atomic write into a missing directory fails and says where") {
  agent::test::TempDir dir;
  auto problem = agent::write_file_atomically(dir.path() / "missing" / "file", "bytes");
  REQUIRE(problem.has_value());
  CHECK(problem->find("cannot create") == 0);
  CHECK(problem->find("missing/file.tmp") != std::string::npos);
}
