// The gateway's reconnection backoff: exponential, capped, jittered.
#include <catch2/catch.hpp>

#include <set>

#include "dataplane/agent/controller_session.h"

using anymesh::agent::ReconnectBackoff;
using std::chrono::milliseconds;

TEST_CASE("reconnect backoff doubles up to its cap, each delay in the upper half of its step") {
  ReconnectBackoff backoff(milliseconds(100), milliseconds(1000), 42);
  const long ceilings[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (long ceiling : ceilings) {
    auto delay = backoff.next().count();
    CHECK(delay >= ceiling / 2);
    CHECK(delay <= ceiling);
  }
  backoff.reset();
  auto delay = backoff.next().count();
  CHECK(delay >= 50);
  CHECK(delay <= 100);
}

TEST_CASE("reconnect backoff jitter spreads gateways that start together") {
  std::set<long> first_delays;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    ReconnectBackoff backoff(milliseconds(1000), milliseconds(10000), seed);
    first_delays.insert(backoff.next().count());
  }
  CHECK(first_delays.size() > 10);
}
