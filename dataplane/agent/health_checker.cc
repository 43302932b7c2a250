// HealthChecker: one poll() loop runs every due check at once over non-blocking sockets.
#include "dataplane/agent/health_checker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace anymesh::agent {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kMaxTimeout{2000};
constexpr std::size_t kMaxResponse = 512;  // the status line is all an HTTP check reads

socklen_t fill_address(const IpAddress& a, std::uint16_t port, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (a.is_v4()) {
    auto* in = reinterpret_cast<sockaddr_in*>(&out);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    std::memcpy(&in->sin_addr, a.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  std::memcpy(&in6->sin6_addr, a.bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

bool same_check(const BackendCheck& a, const BackendCheck& b) {
  return a.backend_id == b.backend_id && a.address == b.address && a.check.kind == b.check.kind &&
         a.check.port == b.check.port && a.check.path == b.check.path && a.check.interval == b.check.interval;
}

// "HTTP/1.1 204 No Content" -> 204.
std::optional<int> status_code(const std::string& response) {
  auto eol = response.find("\r\n");
  if (eol == std::string::npos) eol = response.find('\n');
  if (eol == std::string::npos || response.compare(0, 5, "HTTP/") != 0) return std::nullopt;
  auto space = response.find(' ');
  if (space == std::string::npos || space + 4 > eol) return std::nullopt;
  int code = 0;
  for (std::size_t i = space + 1; i < space + 4; ++i) {
    if (response[i] < '0' || response[i] > '9') return std::nullopt;
    code = code * 10 + (response[i] - '0');
  }
  return code;
}

}  // namespace

bool HealthSnapshot::healthy(std::uint32_t backend_id) const {
  auto it = std::lower_bound(backends.begin(), backends.end(), backend_id,
                             [](const BackendHealth& h, std::uint32_t id) { return h.backend_id < id; });
  return it == backends.end() || it->backend_id != backend_id || it->healthy;
}

// One backend's check and state, owned by the checker thread.
struct HealthChecker::Target {
  BackendCheck check;
  BackendHealth health;
  Clock::time_point due;
};

// One check in flight.
struct HealthChecker::Probe {
  std::size_t target = 0;
  int fd = -1;
  Clock::time_point deadline;
  bool connected = false;  // tcp/http: the connection is up (http: the request went out)
  std::string response;
};

HealthChecker::HealthChecker() {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error(std::string("health checker eventfd: ") + std::strerror(errno));
  thread_ = std::thread([this] { run(); });
}

HealthChecker::~HealthChecker() {
  stop_.store(true);
  wake();
  if (thread_.joinable()) thread_.join();
  ::close(wake_fd_);
}

void HealthChecker::wake() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void HealthChecker::set_checks(std::vector<BackendCheck> checks) {
  {
    std::lock_guard lock(mutex_);
    pending_ = std::move(checks);
    have_pending_ = true;
  }
  wake();
}

HealthSnapshot HealthChecker::snapshot() const {
  std::lock_guard lock(mutex_);
  return HealthSnapshot{generation_.load(), published_};
}

void HealthChecker::run() {
  std::vector<Target> targets;
  std::vector<Probe> probes;
  auto publish = [&](bool changed) {
    std::vector<BackendHealth> out;
    out.reserve(targets.size());
    for (const auto& t : targets) out.push_back(t.health);
    std::sort(out.begin(), out.end(),
              [](const BackendHealth& a, const BackendHealth& b) { return a.backend_id < b.backend_id; });
    std::lock_guard lock(mutex_);
    published_ = std::move(out);
    if (changed) generation_.fetch_add(1, std::memory_order_release);
  };
  auto finish = [&](Probe& p, bool passed, std::string problem) {
    if (p.fd >= 0) ::close(p.fd);
    p.fd = -1;
    auto& t = targets[p.target];
    auto& h = t.health;
    ++h.checks;
    bool was = h.healthy;
    if (passed) {
      ++h.passes;
      h.failures = 0;
      h.last_problem.clear();
      if (!h.healthy && h.passes >= t.check.check.rise) h.healthy = true;
    } else {
      ++h.failures;
      h.passes = 0;
      h.last_problem = std::move(problem);
      if (h.healthy && h.failures >= t.check.check.fall) h.healthy = false;
    }
    if (was != h.healthy) ++h.transitions;
    publish(was != h.healthy);
  };
  auto start = [&](std::size_t index, Clock::time_point now) {
    const auto& c = targets[index].check;
    Probe p;
    p.target = index;
    p.deadline = now + std::min<Clock::duration>(c.check.interval, kMaxTimeout);
    sockaddr_storage address;
    socklen_t length = fill_address(c.address, c.check.port, address);
    int type = c.check.kind == HealthCheckKind::udp ? SOCK_DGRAM : SOCK_STREAM;
    p.fd = ::socket(address.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p.fd < 0) return finish(p, false, std::string("socket: ") + std::strerror(errno));
    if (::connect(p.fd, reinterpret_cast<sockaddr*>(&address), length) != 0 && errno != EINPROGRESS) {
      return finish(p, false, std::string("connect: ") + std::strerror(errno));
    }
    if (c.check.kind == HealthCheckKind::udp) {
      static const char kHello[] = "anymesh health check\n";
      if (::send(p.fd, kHello, sizeof kHello - 1, 0) < 0) {
        return finish(p, false, std::string("send: ") + std::strerror(errno));
      }
      p.connected = true;
    }
    probes.push_back(std::move(p));
  };
  // Advances a probe whose socket is ready; true when it finished.
  auto advance = [&](Probe& p, short revents) -> bool {
    const auto& c = targets[p.target].check;
    if (!p.connected) {  // tcp/http: the connect finished one way or the other
      int error = 0;
      socklen_t len = sizeof error;
      ::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0) return finish(p, false, std::string("connect: ") + std::strerror(error)), true;
      if (c.check.kind == HealthCheckKind::tcp) return finish(p, true, ""), true;
      std::string request = "GET " + c.check.path + " HTTP/1.0\r\nHost: " + c.address.to_string() +
                            "\r\nUser-Agent: anymesh-health\r\nConnection: close\r\n\r\n";
      if (::send(p.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
        return finish(p, false, std::string("send: ") + std::strerror(errno)), true;
      }
      p.connected = true;
      return false;
    }
    char buffer[kMaxResponse];
    ssize_t n = ::recv(p.fd, buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
      return finish(p, false, std::string("recv: ") + std::strerror(errno)), true;
    }
    if (c.check.kind == HealthCheckKind::udp) return finish(p, true, ""), true;
    p.response.append(buffer, static_cast<std::size_t>(n));
    auto code = status_code(p.response);
    if (code) {
      bool ok = *code >= 200 && *code < 400;
      return finish(p, ok, ok ? "" : "HTTP status " + std::to_string(*code)), true;
    }
    if (n == 0 || p.response.size() >= kMaxResponse || p.response.find('\n') != std::string::npos) {
      return finish(p, false, "no HTTP status line"), true;
    }
    (void)revents;
    return false;
  };

  while (!stop_.load()) {
    {
      std::unique_lock lock(mutex_);
      if (have_pending_) {
        have_pending_ = false;
        auto checks = std::move(pending_);
        lock.unlock();
        for (auto& p : probes) ::close(p.fd);
        probes.clear();
        std::vector<Target> next;
        for (auto& c : checks) {
          Target t;
          auto old = std::find_if(targets.begin(), targets.end(), [&](const Target& o) { return same_check(o.check, c); });
          if (old != targets.end()) {
            t = *old;
            t.check = c;
          } else {
            t.check = c;
            t.health.backend_id = c.backend_id;
            t.health.address = c.address;
            t.due = Clock::now();
          }
          next.push_back(std::move(t));
        }
        targets = std::move(next);
        publish(true);
      }
    }
    auto now = Clock::now();
    for (std::size_t i = 0; i < targets.size(); ++i) {
      bool running = std::any_of(probes.begin(), probes.end(), [i](const Probe& p) { return p.target == i; });
      if (running || targets[i].due > now) continue;
      targets[i].due = now + targets[i].check.check.interval;
      start(i, now);
    }
    std::erase_if(probes, [](const Probe& p) { return p.fd < 0; });
    for (auto& p : probes) {
      if (p.deadline <= now) finish(p, false, "timed out");
    }
    std::erase_if(probes, [](const Probe& p) { return p.fd < 0; });

    auto wait_until = now + std::chrono::seconds(1);
    for (const auto& t : targets) wait_until = std::min(wait_until, t.due);
    for (const auto& p : probes) wait_until = std::min(wait_until, p.deadline);
    std::vector<pollfd> fds;
    fds.push_back({wake_fd_, POLLIN, 0});
    for (const auto& p : probes) fds.push_back({p.fd, static_cast<short>(p.connected ? POLLIN : POLLOUT), 0});
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait_until - Clock::now()).count();
    int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::clamp<long long>(ms + 1, 0, 1000)));
    if (ready <= 0) continue;
    if (fds[0].revents & POLLIN) {
      std::uint64_t value;
      [[maybe_unused]] auto n = ::read(wake_fd_, &value, sizeof value);
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents != 0) advance(probes[i - 1], fds[i].revents);
    }
  }
  for (auto& p : probes) {
    if (p.fd >= 0) ::close(p.fd);
  }
}

}  // namespace anymesh::agent
