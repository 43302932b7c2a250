// The health checker against real sockets on 127.0.0.1: TCP, HTTP and UDP checks, rise and fall.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "dataplane/agent/health_checker.h"

namespace anymesh::agent {
namespace {

using namespace std::chrono_literals;

// A socket bound to 127.0.0.1 (port 0: any), listening when it is TCP.
struct LocalSocket {
  int fd = -1;
  std::uint16_t port = 0;
  LocalSocket(int type, std::uint16_t want = 0) {
    fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(want);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    if (type == SOCK_STREAM) REQUIRE(::listen(fd, 16) == 0);
  }
  ~LocalSocket() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// Serves on a socket from its own thread until destroyed.
struct Server {
  std::atomic<bool> stop{false};
  std::thread thread;
  Server(int fd, std::function<void(int)> serve_one) {
    thread = std::thread([this, fd, serve_one] {
      while (!stop) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 20) > 0) serve_one(fd);
      }
    });
  }
  ~Server() {
    stop = true;
    thread.join();
  }
};

BackendCheck check_of(std::uint32_t id, HealthCheckKind kind, std::uint16_t port, std::string path = "/") {
  BackendCheck c;
  c.backend_id = id;
  c.address = *IpAddress::parse("127.0.0.1");
  c.service = "web";
  c.check.kind = kind;
  c.check.port = port;
  c.check.path = std::move(path);
  c.check.interval = 30ms;
  c.check.rise = 2;
  c.check.fall = 3;
  return c;
}

// The backend's state; a fresh (healthy, unchecked) one until the checker thread has listed it.
BackendHealth state_of(const HealthChecker& checker, std::uint32_t id) {
  for (const auto& b : checker.snapshot().backends) {
    if (b.backend_id == id) return b;
  }
  return {};
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 3s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

TEST_CASE("a TCP check falls after `fall` refused connects and rises after `rise` accepted ones") {
  auto listener = std::make_unique<LocalSocket>(SOCK_STREAM);
  const auto port = listener->port;
  HealthChecker checker;
  checker.set_checks({check_of(1, HealthCheckKind::tcp, port)});
  REQUIRE(eventually([&] { return state_of(checker, 1).passes >= 3; }));
  CHECK(state_of(checker, 1).healthy);
  auto generation = checker.generation();

  listener.reset();  // connects are refused now
  REQUIRE(eventually([&] { return !state_of(checker, 1).healthy; }));
  auto down = state_of(checker, 1);
  CHECK(down.failures == 3);  // exactly `fall` failures took it down
  CHECK_THAT(down.last_problem, Catch::Contains("refused"));
  CHECK(checker.generation() > generation);
  CHECK_FALSE(checker.snapshot().healthy(1));

  LocalSocket again(SOCK_STREAM, port);
  REQUIRE(eventually([&] { return state_of(checker, 1).healthy; }));
  auto up = state_of(checker, 1);
  CHECK(up.passes == 2);  // exactly `rise` passes brought it back
  CHECK(up.transitions == 2);
}

TEST_CASE("an HTTP check passes on 2xx and 3xx status lines and fails on 5xx") {
  LocalSocket listener(SOCK_STREAM);
  std::atomic<int> status{200};
  std::atomic<int> requests{0};
  std::string last_request;
  std::mutex m;
  Server server(listener.fd, [&](int fd) {
    int c = ::accept(fd, nullptr, nullptr);
    if (c < 0) return;
    char buffer[1024];
    ssize_t n = ::recv(c, buffer, sizeof buffer, 0);
    if (n > 0) {
      std::lock_guard lock(m);
      last_request.assign(buffer, static_cast<std::size_t>(n));
    }
    ++requests;
    std::string reply = "HTTP/1.0 " + std::to_string(status.load()) + " Whatever\r\nContent-Length: 0\r\n\r\n";
    ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(c);
  });
  HealthChecker checker;
  checker.set_checks({check_of(7, HealthCheckKind::http, listener.port, "/healthz")});
  REQUIRE(eventually([&] { return state_of(checker, 7).passes >= 2; }));
  {
    std::lock_guard lock(m);
    CHECK_THAT(last_request, Catch::StartsWith("GET /healthz HTTP/1.0\r\n"));
  }
  status = 302;
  auto before = state_of(checker, 7).checks;
  REQUIRE(eventually([&] { return state_of(checker, 7).checks >= before + 3; }));
  CHECK(state_of(checker, 7).healthy);
  status = 503;
  REQUIRE(eventually([&] { return !state_of(checker, 7).healthy; }));
  CHECK(state_of(checker, 7).last_problem == "HTTP status 503");
  CHECK(requests.load() >= 6);
}

TEST_CASE("a UDP check passes while the port answers and fails once nothing listens") {
  auto socket = std::make_unique<LocalSocket>(SOCK_DGRAM);
  std::atomic<int> answered{0};
  auto server = std::make_unique<Server>(socket->fd, [&](int fd) {
    char buffer[256];
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n > 0 && ::sendto(fd, buffer, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len) == n) {
      ++answered;
    }
  });
  HealthChecker checker;
  checker.set_checks({check_of(9, HealthCheckKind::udp, socket->port)});
  REQUIRE(eventually([&] { return state_of(checker, 9).passes >= 3; }));
  CHECK(answered.load() >= 3);
  server.reset();
  socket.reset();  // datagrams now draw ICMP port unreachable
  REQUIRE(eventually([&] { return !state_of(checker, 9).healthy; }));
  CHECK_THAT(state_of(checker, 9).last_problem, Catch::Contains("refused"));
}

TEST_CASE("a check that is never answered times out and counts as a failure") {
  LocalSocket silent(SOCK_DGRAM);  // bound, so no ICMP error, but nobody answers
  HealthChecker checker;
  auto c = check_of(3, HealthCheckKind::udp, silent.port);
  c.check.fall = 1;
  checker.set_checks({c});
  REQUIRE(eventually([&] { return !state_of(checker, 3).healthy; }));
  CHECK(state_of(checker, 3).last_problem == "timed out");
}

TEST_CASE("a new work list keeps the state of backends that stay and forgets the rest") {
  LocalSocket listener(SOCK_STREAM);
  HealthChecker checker;
  checker.set_checks({check_of(1, HealthCheckKind::tcp, listener.port), check_of(2, HealthCheckKind::tcp, 1)});
  REQUIRE(eventually([&] { return !state_of(checker, 2).healthy && state_of(checker, 1).passes >= 2; }));
  auto kept = state_of(checker, 1).checks;
  checker.set_checks({check_of(1, HealthCheckKind::tcp, listener.port)});
  REQUIRE(eventually([&] { return checker.snapshot().backends.size() == 1; }));
  CHECK(state_of(checker, 1).checks >= kept);
  CHECK(checker.snapshot().healthy(2));  // not listed any more: fail open
}

}  // namespace
}  // namespace anymesh::agent
