// The controller's state file: versions issued per gateway survive a restart; a damaged file stops it.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "controlplane/server/controller_state.h"
#include "tests/unit/agent/temp_dir.h"

using namespace anymesh::server;

namespace {
const std::string kDigest(64, 'a');
}

TEST_CASE("controller state round-trips through its file") {
  anymesh::agent::test::TempDir dir;
  CHECK(load_controller_state(dir.path()).empty());
  ControllerState state;
  state[11] = IssuedVersion{4, kDigest, 3};
  state[4000000000u] = IssuedVersion{1, std::string(64, '0'), 0};
  REQUIRE_FALSE(save_controller_state(dir.path(), state).has_value());
  CHECK(load_controller_state(dir.path()) == state);
}

TEST_CASE("a damaged controller state file is refused with its line") {
  anymesh::agent::test::TempDir dir;
  const char* bad_lines[] = {
      "gateway 11 version 4 digest abc acked 3\n",                       // short digest
      "gateway 11 version 0 digest DIGEST acked 0\n",                    // version 0
      "gateway 11 version 2 digest DIGEST acked 3\n",                    // acked above issued
      "gateway 0 version 2 digest DIGEST acked 1\n",                     // gateway 0
      "gateway 11 version 2 digest DIGEST\n",                            // field missing
      "gateway 11 version 2 digest DIGEST acked 1 extra\n",              // field too many
      "gateway 11 version 2 digest DIGEST acked 1\ngateway 11 version 3 digest DIGEST acked 1\n",  // twice
  };
  for (std::string line : bad_lines) {
    for (auto at = line.find("DIGEST"); at != std::string::npos; at = line.find("DIGEST")) line.replace(at, 6, kDigest);
    dir.write(kControllerStateName, "# comment\n" + line);
    INFO(line);
    CHECK_THROWS_WITH(load_controller_state(dir.path()), Catch::Contains("controller.state:"));
  }
}
