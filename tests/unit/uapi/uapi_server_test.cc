// Specification of UapiServer over a real unix socket: framing, answers, limits, socket file life.
#include <catch2/catch.hpp>

#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "dataplane/wireguard/uapi_server.h"
#include "tests/unit/uapi/server_loop.h"

using namespace anymesh::wg;
using namespace std::chrono_literals;
using anymesh::wg::test::Client;
using anymesh::wg::test::ServerLoop;

namespace {

// What the handlers saw and what they answer, shared between the loop thread and the test.
struct Device {
  std::mutex mutex;
  std::vector<UapiSetRequest> sets;
  int set_answer = 0;
  UapiDeviceState state;

  std::size_t set_count() {
    std::lock_guard lock(mutex);
    return sets.size();
  }
  UapiSetRequest last_set() {
    std::lock_guard lock(mutex);
    return sets.back();
  }
};

struct Fixture {
  std::string dir = anymesh::wg::test::temp_socket_dir();
  Device device;
  std::unique_ptr<UapiServer> server;

  explicit Fixture(UapiServerOptions options = {}) {
    options.socket_dir = dir;
    server = std::make_unique<UapiServer>(
        "amtest0",
        [this](const UapiSetRequest& r) {
          std::lock_guard lock(device.mutex);
          device.sets.push_back(r);
          return device.set_answer;
        },
        [this] {
          std::lock_guard lock(device.mutex);
          return device.state;
        },
        std::move(options));
  }
  ~Fixture() {
    server.reset();
    std::filesystem::remove_all(dir);
  }
};

UapiDeviceState sample_state() {
  UapiDeviceState s;
  s.listen_port = 51820;
  UapiPeerState p;
  p.public_key.fill(0x11);
  p.allowed_ips = {*anymesh::IpPrefix::parse("10.200.1.0/24")};
  s.peers = {p};
  return s;
}

const std::string kPeerLine = "public_key=" + std::string(64, '1') + "\n";

}  // namespace

TEST_CASE("server answers get with the handler's state and errno=0") {
  Fixture f;
  f.device.state = sample_state();
  ServerLoop loop(*f.server);
  Client c(f.server->socket_path());
  c.send("get=1\n\n");
  CHECK(c.read_answers(1) == format_uapi_get(sample_state()) + "errno=0\n\n");
}

TEST_CASE("server hands a valid set to the handler and answers the handler's errno") {
  Fixture f;
  f.device.set_answer = EADDRINUSE;
  ServerLoop loop(*f.server);
  Client c(f.server->socket_path());
  c.send("set=1\nlisten_port=51820\n" + kPeerLine + "allowed_ip=10.200.1.0/24\n\n");
  CHECK(c.read_answers(1) == "errno=-98\n\n");
  REQUIRE(f.device.set_count() == 1);
  auto set = f.device.last_set();
  CHECK(set.listen_port == 51820);
  REQUIRE(set.peers.size() == 1);
  CHECK(set.peers[0].allowed_ips.size() == 1);
}

TEST_CASE("a refused set is answered as wireguard-go answers and never reaches the handler") {
  Fixture f;
  ServerLoop loop(*f.server);
  Client c(f.server->socket_path());
  c.send("set=1\nlisten_port=70000\n\n");
  CHECK(c.read_answers(1) == "errno=-22\n\n");
  c.send("set=1\nlisten_port\n\n");
  CHECK(c.read_answers(1) == "errno=-71\n\n");
  c.send("set=1\nfwmark=" + std::string(70000, '1') + "\n\n");
  CHECK(c.read_answers(1) == "errno=-5\n\n");
  CHECK(f.device.set_count() == 0);
}

TEST_CASE("several requests in one write are answered in order on the same connection") {
  Fixture f;
  f.device.state = sample_state();
  ServerLoop loop(*f.server);
  Client c(f.server->socket_path());
  c.send("get=1\n\nset=1\nfwmark=3\n\nset=1\nfoo=1\n\nget=1\n\n");
  auto get = format_uapi_get(sample_state()) + "errno=0\n\n";
  CHECK(c.read_answers(4) == get + "errno=0\n\n" + "errno=-22\n\n" + get);
  REQUIRE(f.device.set_count() == 1);
  CHECK(f.device.last_set().fwmark == 3u);
}

TEST_CASE("a request arriving in pieces is answered only once complete") {
  Fixture f;
  ServerLoop loop(*f.server);
  Client c(f.server->socket_path());
  const std::string request = "set=1\nfwmark=42\r\n" + kPeerLine + "endpoint=192.0.2.2:51820\n\n";
  for (std::size_t i = 0; i + 1 < request.size(); i += 7) {
    c.send(request.substr(i, std::min<std::size_t>(7, request.size() - 1 - i)));
  }
  CHECK(c.read_answers(1, 200ms).empty());
  CHECK(f.device.set_count() == 0);
  c.send(request.substr(request.size() - 1));
  CHECK(c.read_answers(1) == "errno=0\n\n");
  REQUIRE(f.device.set_count() == 1);
  CHECK(f.device.last_set().fwmark == 42u);
  CHECK(f.device.last_set().peers.at(0).endpoint->port == 51820);
}

TEST_CASE("a set ended by end of input instead of a blank line is applied, as wireguard-go does") {
  Fixture f;
  ServerLoop loop(*f.server);
  Client c(f.server->socket_path());
  c.send("set=1\nfwmark=9");
  c.shut_write();
  CHECK(c.read_answers(1) == "errno=0\n\n");
  CHECK(c.closed_by_server());
  REQUIRE(f.device.set_count() == 1);
  CHECK(f.device.last_set().fwmark == 9u);
}

TEST_CASE("an unknown operation closes the connection without an answer") {
  Fixture f;
  ServerLoop loop(*f.server);
  Client c(f.server->socket_path());
  c.send("hello=1\n\n");
  CHECK(c.closed_by_server());
  Client lowercase_only(f.server->socket_path());
  lowercase_only.send("GET=1\n\n");
  CHECK(lowercase_only.closed_by_server());
}

TEST_CASE("get followed by something other than a blank line answers EINVAL and goes on") {
  Fixture f;
  ServerLoop loop(*f.server);
  Client c(f.server->socket_path());
  c.send("get=1\nxget=1\n\n");
  CHECK(c.read_answers(2) == "errno=-22\n\nerrno=0\n\n");
}

TEST_CASE("an oversized set is skipped to its end, answered EMSGSIZE, and the connection goes on") {
  UapiServerOptions options;
  options.max_request_bytes = 1024;
  Fixture f(options);
  ServerLoop loop(*f.server);
  Client c(f.server->socket_path());
  std::string big = "set=1\n";
  while (big.size() < 64 * 1024) big += "fwmark=1\n";
  c.send(big + "\nget=1\n\n");
  CHECK(c.read_answers(2) == "errno=-90\n\nerrno=0\n\n");
  CHECK(f.device.set_count() == 0);
}

TEST_CASE("a get answer larger than the socket buffer reaches a slow reader whole") {
  Fixture f;
  for (int i = 0; i < 4000; ++i) {
    UapiPeerState p;
    p.public_key.fill(static_cast<std::uint8_t>(i));
    p.public_key[0] = static_cast<std::uint8_t>(i >> 8);
    f.device.state.peers.push_back(p);
  }
  auto expected = format_uapi_get(f.device.state) + "errno=0\n\n";
  REQUIRE(expected.size() > 1000000);
  ServerLoop loop(*f.server);
  Client c(f.server->socket_path());
  c.send("get=1\n\nget=1\n\n");
  std::this_thread::sleep_for(200ms);
  CHECK(c.read_answers(2) == expected + expected);
}

TEST_CASE("the socket file is 0700 in a 0755 directory and leaves with the server") {
  std::string parent = anymesh::wg::test::temp_socket_dir();
  UapiServerOptions options;
  options.socket_dir = parent + "/run/wireguard";
  std::string path;
  {
    UapiServer server("amtest1", [](const UapiSetRequest&) { return 0; },
                      [] { return UapiDeviceState{}; }, options);
    path = server.socket_path();
    CHECK(path == options.socket_dir + "/amtest1.sock");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 07777) == 0700);
    REQUIRE(::stat(options.socket_dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);
  }
  CHECK_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(parent);
}

TEST_CASE("a stale socket file is replaced and a live one is refused") {
  std::string dir = anymesh::wg::test::temp_socket_dir();
  std::string path = dir + "/amtest2.sock";
  {  // a socket file whose process is gone
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);
  }
  REQUIRE(std::filesystem::exists(path));
  UapiServerOptions options;
  options.socket_dir = dir;
  auto make = [&] {
    return std::make_unique<UapiServer>("amtest2", [](const UapiSetRequest&) { return 0; },
                                        [] { return UapiDeviceState{}; }, options);
  };
  auto first = make();
  CHECK_THROWS(make());
  CHECK(std::filesystem::exists(path));  // the refused second server left the first one's file
  first.reset();
  CHECK_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
}

TEST_CASE("interface names that would leave the socket directory are refused") {
  UapiServerOptions options;
  options.socket_dir = "/tmp";
  auto make = [&](const char* name) {
    UapiServer s(name, [](const UapiSetRequest&) { return 0; }, [] { return UapiDeviceState{}; }, options);
  };
  CHECK_THROWS(make(""));
  CHECK_THROWS(make("../etc"));
  CHECK_THROWS(make(std::string(200, 'a').c_str()));
}

TEST_CASE("clients over the connection limit are closed at once") {
  UapiServerOptions options;
  options.max_connections = 2;
  Fixture f(options);
  ServerLoop loop(*f.server);
  Client a(f.server->socket_path());
  Client b(f.server->socket_path());
  a.send("get=1\n\n");
  b.send("get=1\n\n");
  CHECK(a.read_answers(1) == "errno=0\n\n");
  CHECK(b.read_answers(1) == "errno=0\n\n");
  Client third(f.server->socket_path());
  CHECK(third.closed_by_server());
}

TEST_CASE("endpoint zones become interface indexes, and a zone naming nothing answers EINVAL") {
  Fixture f;
  ServerLoop loop(*f.server);
  Client c(f.server->socket_path());
  c.send("set=1\n" + kPeerLine + "endpoint=[fe80::1%lo]:1\n" + kPeerLine + "endpoint=[fe80::1%7]:2\n\n");
  CHECK(c.read_answers(1) == "errno=0\n\n");
  REQUIRE(f.device.set_count() == 1);
  auto set = f.device.last_set();
  CHECK(set.peers.at(0).endpoint->scope_id == ::if_nametoindex("lo"));
  CHECK(set.peers.at(0).endpoint->scope_id != 0);
  CHECK(set.peers.at(1).endpoint->scope_id == 7u);
  c.send("set=1\n" + kPeerLine + "endpoint=[fe80::1%amnosuchif0]:1\n\n");
  CHECK(c.read_answers(1) == "errno=-22\n\n");
  CHECK(f.device.set_count() == 1);
}
