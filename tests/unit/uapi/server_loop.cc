// Test scaffolding: the poll loop thread and the blocking unix socket client.
#include "tests/unit/uapi/server_loop.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace anymesh::wg::test {

ServerLoop::ServerLoop(UapiServer& server) : server_(server) {
  if (::pipe(stop_) != 0) throw std::runtime_error("pipe");
  thread_ = std::thread([this] { run(); });
}

ServerLoop::~ServerLoop() {
  char byte = 0;
  (void)!::write(stop_[1], &byte, 1);
  thread_.join();
  ::close(stop_[0]);
  ::close(stop_[1]);
}

void ServerLoop::run() {
  for (;;) {
    std::vector<pollfd> fds{{stop_[0], POLLIN, 0}};
    for (int fd : server_.poll_fds()) fds.push_back({fd, POLLIN, 0});
    for (int fd : server_.write_fds()) fds.push_back({fd, POLLOUT, 0});
    if (::poll(fds.data(), fds.size(), 1000) < 0) continue;
    if (fds[0].revents != 0) return;
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].events == POLLOUT) {
        server_.on_writable(fds[i].fd);
      } else {
        server_.on_readable(fds[i].fd);
      }
    }
  }
}

Client::Client(const std::string& path) {
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("connect " + path + ": " + std::strerror(errno));
  }
}

Client::~Client() { ::close(fd_); }

void Client::send(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

void Client::shut_write() { ::shutdown(fd_, SHUT_WR); }

std::string Client::read_answers(int answers, std::chrono::milliseconds timeout) {
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto count = [&] {
    int n = 0;
    for (auto pos = got.find("\n\n"); pos != std::string::npos; pos = got.find("\n\n", pos + 2)) ++n;
    return n;
  };
  while (count() < answers) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

bool Client::closed_by_server(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char byte;
  return ::recv(fd_, &byte, 1, MSG_PEEK) == 0;
}

std::string temp_socket_dir() {
  char pattern[] = "/tmp/am-uapi-test-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp");
  return pattern;
}

}  // namespace anymesh::wg::test
