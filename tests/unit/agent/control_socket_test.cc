// The control socket over a real Unix socket in a temporary directory: answers, unknown and
// oversized commands, stale and live sockets, file mode, stop, and the client's failures.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "dataplane/agent/control_socket.h"
#include "tests/unit/agent/temp_dir.h"

namespace anymesh::agent {
namespace {

using namespace std::chrono_literals;

std::string gateway_answer(std::string_view command) {
  if (command == "status") return "gateway 1 region r1: running\n";
  if (command == "routes") return "10.200.1.0/24 -> r2";  // no newline: the socket adds one
  if (command == "explode") throw std::runtime_error("snapshot missing");
  return "";
}

// A raw client that sends exactly `bytes` and reads until the server closes.
std::string raw_exchange(const std::filesystem::path& path, const std::string& bytes, bool close_write = true) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may refuse and close before taking everything
    sent += static_cast<std::size_t>(n);
  }
  if (close_write) ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

TEST_CASE("control socket answers one command per connection") {
  test::TempDir dir;
  auto path = dir.path() / "run" / "anymesh" / "gateway.sock";  // the directories are created
  ControlSocket socket(path, gateway_answer);
  socket.start();

  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 07777) == 0660);

  auto status = query_control_socket(path, "status");
  INFO((status ? "" : status.error()));
  REQUIRE(status);
  CHECK(*status == "gateway 1 region r1: running\n");
  auto routes = query_control_socket(path, "routes");
  REQUIRE(routes);
  CHECK(*routes == "10.200.1.0/24 -> r2\n");
}

TEST_CASE("control socket answers unknown, empty and failing commands with an error line") {
  test::TempDir dir;
  ControlSocket socket(dir.path() / "gw.sock", gateway_answer);
  socket.start();
  auto unknown = query_control_socket(socket.path(), "frobnicate");
  REQUIRE(unknown);
  CHECK(*unknown == "error: unknown command frobnicate\n");
  auto empty = query_control_socket(socket.path(), "  ");
  REQUIRE(empty);
  CHECK(*empty == "error: empty command\n");
  auto failing = query_control_socket(socket.path(), "explode");
  REQUIRE(failing);
  CHECK(*failing == "error: snapshot missing\n");
  CHECK(raw_exchange(socket.path(), std::string("sta\x01tus\n")) == "error: a command is printable ASCII text\n");
}

TEST_CASE("control socket takes a line ended by newline, CRLF or the client closing its side") {
  test::TempDir dir;
  ControlSocket socket(dir.path() / "gw.sock", gateway_answer);
  socket.start();
  CHECK(raw_exchange(socket.path(), "status") == "gateway 1 region r1: running\n");
  CHECK(raw_exchange(socket.path(), "status\r\n", false) == "gateway 1 region r1: running\n");
  CHECK(raw_exchange(socket.path(), "status\nroutes\n") == "gateway 1 region r1: running\n");
}

TEST_CASE("control socket refuses a request longer than 256 bytes") {
  test::TempDir dir;
  ControlSocket socket(dir.path() / "gw.sock", gateway_answer);
  socket.start();
  CHECK(raw_exchange(socket.path(), std::string(257, 'a') + "\n") == "error: request longer than 256 bytes\n");
  CHECK(raw_exchange(socket.path(), std::string(4000, 'a')) == "error: request longer than 256 bytes\n");
  // 256 bytes is still a request (of an unknown command).
  std::string longest(256, 'b');
  CHECK(raw_exchange(socket.path(), longest + "\n") == "error: unknown command " + longest + "\n");
  // And the socket still serves the next client.
  auto status = query_control_socket(socket.path(), "status");
  REQUIRE(status);
  CHECK(*status == "gateway 1 region r1: running\n");
}

TEST_CASE("control socket drops a silent client after its deadline and serves the next") {
  test::TempDir dir;
  ControlSocket socket(dir.path() / "gw.sock", gateway_answer);
  socket.start();
  int silent = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket.path().c_str(), sizeof address.sun_path - 1);
  REQUIRE(::connect(silent, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  auto started = std::chrono::steady_clock::now();
  auto status = query_control_socket(socket.path(), "status", 5s);
  REQUIRE(status);
  CHECK(*status == "gateway 1 region r1: running\n");
  CHECK(std::chrono::steady_clock::now() - started < 4s);
  ::close(silent);
}

TEST_CASE("control socket replaces a stale socket file but refuses a live one or a regular file") {
  test::TempDir dir;
  auto path = dir.path() / "gw.sock";
  {
    // A socket file nobody listens on any more, as a crashed gateway leaves it.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::close(fd);
  }
  ControlSocket first(path, gateway_answer);
  REQUIRE_NOTHROW(first.start());
  REQUIRE(query_control_socket(path, "status"));

  ControlSocket second(path, gateway_answer);
  CHECK_THROWS_WITH(second.start(), Catch::Contains("another process answers on it"));
  // The refused second socket left the first one's file alone.
  REQUIRE(query_control_socket(path, "status"));

  auto file = dir.write("not-a-socket", "keep me");
  ControlSocket third(file, gateway_answer);
  CHECK_THROWS_WITH(third.start(), Catch::Contains("is not a socket"));
  std::ifstream kept(file);
  std::string content;
  std::getline(kept, content);
  CHECK(content == "keep me");
}

TEST_CASE("control socket stop removes the socket file and the client then cannot reach it") {
  test::TempDir dir;
  auto path = dir.path() / "gw.sock";
  ControlSocket socket(path, gateway_answer);
  socket.start();
  socket.stop();
  CHECK_FALSE(std::filesystem::exists(path));
  auto gone = query_control_socket(path, "status");
  REQUIRE_FALSE(gone);
  CHECK(gone.error() == "No such file or directory");
  socket.stop();  // idempotent
  socket.start();  // and restartable
  CHECK(query_control_socket(path, "status"));
}

TEST_CASE("control socket client reports a refused connection and a gateway that does not answer") {
  test::TempDir dir;
  auto path = dir.path() / "gw.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);

  auto refused = query_control_socket(path, "status");
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == "Connection refused");

  // Listening but never answering: the client gives up at its timeout.
  REQUIRE(::listen(fd, 4) == 0);
  auto started = std::chrono::steady_clock::now();
  auto silent = query_control_socket(path, "status", 300ms);
  auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(silent);
  CHECK(silent.error() == "no answer within 300 ms");
  CHECK(took >= 250ms);
  CHECK(took < 2s);
  ::close(fd);
}

TEST_CASE("control socket refuses a path too long for a Unix socket") {
  test::TempDir dir;
  ControlSocket socket(dir.path() / std::string(120, 'x'), gateway_answer);
  CHECK_THROWS_WITH(socket.start(), Catch::Contains("longer than"));
  CHECK_FALSE(query_control_socket(dir.path() / std::string(120, 'x'), "status"));
}

}  // namespace
}  // namespace anymesh::agent
