// BgpAnnouncer against a real BIRD: a private instance (own config, control socket and include
// files in a temporary directory, static protocols only, so nothing reaches the kernel or the
// network) started by this test. Needs bird and birdc; ctest runs it under the netns lock.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "dataplane/agent/bgp_announcer.h"
#include "tests/unit/agent/temp_dir.h"

namespace anymesh::agent {
namespace {

using namespace std::chrono_literals;

std::string run(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  REQUIRE(pipe);
  std::array<char, 4096> buffer;
  while (auto n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) out.append(buffer.data(), n);
  return out;
}

// BIRD in the foreground (-f) as our child, with static protocols vips (ipv4) and vips6 (ipv6).
struct PrivateBird {
  test::TempDir dir;
  pid_t pid = -1;
  std::filesystem::path socket() const { return dir.path() / "bird.ctl"; }
  std::filesystem::path v4() const { return dir.path() / "vips.conf"; }
  std::filesystem::path v6() const { return dir.path() / "vips6.conf"; }

  PrivateBird() {
    std::ofstream(v4()) << "";
    std::ofstream(v6()) << "";
    auto config = dir.path() / "bird.conf";
    // BIRD takes `include` only at the start of a line.
    std::ofstream(config) << "router id 192.0.2.1;\n"
                          << "protocol static vips {\n  ipv4;\n  include \"" << v4().string() << "\";\n}\n"
                          << "protocol static vips6 {\n  ipv6;\n  include \"" << v6().string() << "\";\n}\n";
    std::string c = config.string(), s = socket().string();
    std::vector<char*> argv{const_cast<char*>("bird"), const_cast<char*>("-f"), const_cast<char*>("-c"), c.data(),
                            const_cast<char*>("-s"), s.data(), nullptr};
    REQUIRE(::posix_spawnp(&pid, "bird", nullptr, nullptr, argv.data(), environ) == 0);
    bool up = false;
    for (int i = 0; i < 100 && !up; ++i) {
      std::this_thread::sleep_for(20ms);
      int status = 0;
      REQUIRE(::waitpid(pid, &status, WNOHANG) == 0);  // BIRD must not have exited (config error)
      up = run("birdc -s " + socket().string() + " show status 2>&1").find("Daemon is up") != std::string::npos;
    }
    REQUIRE(up);
  }
  ~PrivateBird() {
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  std::string routes(const char* protocol) const {
    return run("birdc -s " + socket().string() + " show route protocol " + protocol + " 2>&1");
  }
};

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST_CASE("VIPs are announced, re-announced idempotently and withdrawn through a real BIRD") {
  PrivateBird bird;
  BgpAnnouncer announcer({bird.v4(), bird.v6(), bird.socket(), "birdc", 5000ms});

  std::vector<IpAddress> two{ip("203.0.113.20"), ip("203.0.113.10"), ip("fd00:1:2::10"), ip("203.0.113.10")};
  auto first = announcer.announce(two);
  INFO((first ? "" : first.error()));
  REQUIRE(first);
  CHECK(*first == AnnounceOutcome::reconfigured);
  auto v4 = bird.routes("vips");
  CHECK_THAT(v4, Catch::Contains("203.0.113.10/32"));
  CHECK_THAT(v4, Catch::Contains("203.0.113.20/32"));
  CHECK_THAT(bird.routes("vips6"), Catch::Contains("fd00:1:2::10/128"));
  CHECK(announcer.announced().size() == 3);

  // The same set again (any order): nothing written, BIRD not asked.
  auto mtime = std::filesystem::last_write_time(bird.v4());
  std::vector<IpAddress> same{ip("fd00:1:2::10"), ip("203.0.113.20"), ip("203.0.113.10")};
  auto again = announcer.announce(same);
  REQUIRE(again);
  CHECK(*again == AnnounceOutcome::unchanged);
  CHECK(std::filesystem::last_write_time(bird.v4()) == mtime);

  // Withdraw one, then all.
  std::vector<IpAddress> one{ip("203.0.113.20")};
  REQUIRE(announcer.announce(one));
  v4 = bird.routes("vips");
  CHECK_THAT(v4, !Catch::Contains("203.0.113.10/32"));
  CHECK_THAT(v4, Catch::Contains("203.0.113.20/32"));
  CHECK_THAT(bird.routes("vips6"), !Catch::Contains("fd00:1:2::10"));
  REQUIRE(announcer.withdraw_all());
  CHECK_THAT(bird.routes("vips"), !Catch::Contains("203.0.113.20/32"));

  // A fresh announcer (a restarted agent) with files that already say the same: BIRD is asked once.
  REQUIRE(announcer.announce(one));
  BgpAnnouncer restarted({bird.v4(), bird.v6(), bird.socket(), "birdc", 5000ms});
  auto confirmed = restarted.announce(one);
  REQUIRE(confirmed);
  CHECK(*confirmed == AnnounceOutcome::reconfigured);
  CHECK(*restarted.announce(one) == AnnounceOutcome::unchanged);
}

TEST_CASE("a configuration BIRD refuses is reported and the include file put back") {
  PrivateBird bird;
  // The IPv6 routes go into the ipv4 protocol's file: BIRD refuses the whole configuration.
  BgpAnnouncer wrong({bird.v4(), bird.v4(), bird.socket(), "birdc", 5000ms});
  BgpAnnouncer right({bird.v4(), bird.v6(), bird.socket(), "birdc", 5000ms});
  std::vector<IpAddress> good{ip("203.0.113.10")};
  REQUIRE(right.announce(good));
  std::string kept;
  {
    std::ifstream in(bird.v4());
    kept.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::vector<IpAddress> v6{ip("fd00:1:2::10")};
  auto refused = wrong.announce(v6);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error(), Catch::Contains("birdc configure failed"));
  CHECK_THAT(refused.error(), Catch::Contains("incompatible with channel type"));  // BIRD's own reason
  std::string now;
  {
    std::ifstream in(bird.v4());
    now.assign(std::istreambuf_iterator<char>(in), {});
  }
  CHECK(now == kept);
  CHECK_THAT(bird.routes("vips"), Catch::Contains("203.0.113.10/32"));  // still announced
}

TEST_CASE("an unreachable control socket, a missing birdc and a missing IPv6 file are errors") {
  test::TempDir dir;
  BgpAnnouncer no_socket({dir.path() / "v4", dir.path() / "v6", dir.path() / "no.ctl", "birdc", 5000ms});
  std::vector<IpAddress> vip{ip("203.0.113.10")};
  auto e1 = no_socket.announce(vip);
  REQUIRE_FALSE(e1);
  CHECK_FALSE(e1.error().empty());
  CHECK_FALSE(std::filesystem::exists(dir.path() / "v4"));  // rolled back: it did not exist before

  BgpAnnouncer no_program({dir.path() / "v4", {}, dir.path() / "no.ctl", "/nonexistent/birdc", 5000ms});
  auto e2 = no_program.announce(vip);
  REQUIRE_FALSE(e2);
  CHECK_THAT(e2.error(), Catch::Contains("/nonexistent/birdc"));

  std::vector<IpAddress> v6{ip("fd00::10")};
  auto e3 = no_program.announce(v6);
  REQUIRE_FALSE(e3);
  CHECK_THAT(e3.error(), Catch::Contains("no IPv6 include file"));
}

TEST_CASE("the include file holds one sorted blackhole host route per VIP of its family") {
  std::vector<IpAddress> vips{ip("203.0.113.20"), ip("fd00::1"), ip("203.0.113.3")};
  CHECK(render_vip_routes(vips, IpAddress::Family::v4).ends_with(
      "route 203.0.113.3/32 blackhole;\nroute 203.0.113.20/32 blackhole;\n"));
  CHECK(render_vip_routes(vips, IpAddress::Family::v6).ends_with("route fd00::1/128 blackhole;\n"));
}

}  // namespace
}  // namespace anymesh::agent
