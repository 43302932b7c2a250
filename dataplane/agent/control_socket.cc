// The control socket's listener thread (poll on the socket and a stop eventfd, one connection at a
// time, bounded request, deadlines) and query_control_socket(), its client.
#include "dataplane/agent/control_socket.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

namespace anymesh::agent {
namespace {

using Clock = std::chrono::steady_clock;

// One client gets this long to send its line, and this long to take the answer.
constexpr auto kRequestDeadline = std::chrono::seconds(2);
constexpr auto kAnswerDeadline = std::chrono::seconds(5);
// An answer bigger than this is not one the gateway writes: the client stops reading.
constexpr std::size_t kMaxAnswer = 16 * 1024 * 1024;
constexpr mode_t kSocketMode = 0660;

std::string errno_text(int error) { return std::strerror(error); }

// An open descriptor, closed when dropped.
class Descriptor {
 public:
  explicit Descriptor(int fd = -1) : fd_(fd) {}
  ~Descriptor() { reset(); }
  Descriptor(Descriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Descriptor& operator=(Descriptor&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::optional<sockaddr_un> unix_address(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string& text = path.native();
  if (text.empty() || text.size() >= sizeof address.sun_path) return std::nullopt;
  std::memcpy(address.sun_path, text.data(), text.size());
  return address;
}

int milliseconds_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

// Waits until `fd` is ready for `events`, the deadline passes or (when given) `stop` fires.
enum class Wait { ready, timed_out, stopped, failed };
Wait wait_for(int fd, short events, Clock::time_point deadline, int stop = -1) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {stop, POLLIN, 0}};
    int n = ::poll(fds, stop >= 0 ? 2 : 1, milliseconds_until(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Wait::failed;
    if (n == 0) return Wait::timed_out;
    if (stop >= 0 && (fds[1].revents & POLLIN)) return Wait::stopped;
    return Wait::ready;
  }
}

// Writes all of `text` before the deadline; false when the peer went away, time ran out or stop fired.
bool write_all(int fd, std::string_view text, Clock::time_point deadline, int stop = -1) {
  while (!text.empty()) {
    ssize_t n = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (n > 0) {
      text.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait_for(fd, POLLOUT, deadline, stop) != Wait::ready) return false;
      continue;
    }
    return false;
  }
  return true;
}

bool printable(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

}  // namespace

struct ControlSocket::Listener {
  Descriptor socket;
  Descriptor stop;  // an eventfd: written once by stop()
  dev_t device = 0;
  ino_t inode = 0;
  std::thread thread;
};

namespace {

// Reads one request line. Returns the answer to send instead of running a command when the request
// is refused (too long, not text, empty), nothing when the client should just be dropped.
struct Request {
  std::string command;
  std::string refusal;
};
std::optional<Request> read_request(int fd, int stop) {
  auto deadline = Clock::now() + kRequestDeadline;
  std::string line;
  char buffer[kMaxControlRequest + 2];
  for (;;) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait_for(fd, POLLIN, deadline, stop) != Wait::ready) return std::nullopt;
      continue;
    }
    if (n < 0) return std::nullopt;
    line.append(buffer, static_cast<std::size_t>(n));
    auto newline = line.find('\n');
    if (newline != std::string::npos) line.resize(newline);
    if (line.size() > kMaxControlRequest) {
      return Request{"", "error: request longer than " + std::to_string(kMaxControlRequest) + " bytes"};
    }
    if (newline != std::string::npos || n == 0) break;  // a line, or the client closed its side
  }
  std::string_view command = trim(line);
  if (command.empty()) return Request{"", "error: empty command"};
  if (!printable(command)) return Request{"", "error: a command is printable ASCII text"};
  return Request{std::string(command), ""};
}

}  // namespace

ControlSocket::ControlSocket(std::filesystem::path path, Answer answer)
    : path_(std::move(path)), answer_(std::move(answer)) {}

ControlSocket::~ControlSocket() { stop(); }

void ControlSocket::start() {
  const std::string where = "control socket " + path_.string();
  if (listener_) throw std::runtime_error(where + ": started already");
  auto address = unix_address(path_);
  if (!address) throw std::runtime_error(where + ": path empty or longer than " + std::to_string(sizeof address->sun_path - 1) + " bytes");

  std::error_code error;
  if (path_.has_parent_path() && std::filesystem::create_directories(path_.parent_path(), error)) {
    using std::filesystem::perms;
    std::filesystem::permissions(path_.parent_path(),
                                 perms::owner_all | perms::group_read | perms::group_exec | perms::others_read | perms::others_exec,
                                 error);
  }
  if (error) throw std::runtime_error(where + ": cannot create its directory: " + error.message());

  struct stat existing {};
  if (::lstat(path_.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode)) throw std::runtime_error(where + ": exists and is not a socket; not replacing it");
    Descriptor probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe.get() < 0) throw std::runtime_error(where + ": socket: " + errno_text(errno));
    if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) == 0) {
      throw std::runtime_error(where + ": another process answers on it (is a gateway running already?)");
    }
    if (errno != ECONNREFUSED) throw std::runtime_error(where + ": exists and cannot be checked: " + errno_text(errno));
    if (::unlink(path_.c_str()) != 0) throw std::runtime_error(where + ": cannot remove the stale socket: " + errno_text(errno));
  }

  auto listener = std::make_unique<Listener>();
  listener->socket = Descriptor(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (listener->socket.get() < 0) throw std::runtime_error(where + ": socket: " + errno_text(errno));
  if (::bind(listener->socket.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0) {
    throw std::runtime_error(where + ": bind: " + errno_text(errno));
  }
  struct stat created {};
  if (::chmod(path_.c_str(), kSocketMode) != 0 || ::stat(path_.c_str(), &created) != 0) {
    int saved = errno;
    ::unlink(path_.c_str());
    throw std::runtime_error(where + ": cannot set its mode: " + errno_text(saved));
  }
  listener->device = created.st_dev;
  listener->inode = created.st_ino;
  if (::listen(listener->socket.get(), 16) != 0) {
    int saved = errno;
    ::unlink(path_.c_str());
    throw std::runtime_error(where + ": listen: " + errno_text(saved));
  }
  listener->stop = Descriptor(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (listener->stop.get() < 0) {
    int saved = errno;
    ::unlink(path_.c_str());
    throw std::runtime_error(where + ": eventfd: " + errno_text(saved));
  }

  Listener* state = listener.get();
  listener->thread = std::thread([this, state] {
    for (;;) {
      pollfd fds[2] = {{state->socket.get(), POLLIN, 0}, {state->stop.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[1].revents & POLLIN) return;
      if (!(fds[0].revents & POLLIN)) continue;
      Descriptor client(::accept4(state->socket.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (client.get() < 0) {
        // Out of descriptors or memory: the connection stays queued; do not spin on it meanwhile.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          wait_for(-1, 0, Clock::now() + std::chrono::milliseconds(100), state->stop.get());
        }
        continue;  // otherwise the client gave up already
      }
      auto request = read_request(client.get(), state->stop.get());
      if (!request) continue;
      std::string answer = request->refusal;
      if (answer.empty()) {
        try {
          answer = answer_(request->command);
        } catch (const std::exception& e) {
          answer = std::string("error: ") + e.what();
        }
        if (answer.empty()) answer = "error: unknown command " + request->command;
      }
      if (answer.back() != '\n') answer += '\n';
      write_all(client.get(), answer, Clock::now() + kAnswerDeadline, state->stop.get());
    }
  });
  listener_ = std::move(listener);
}

void ControlSocket::stop() {
  if (!listener_) return;
  std::uint64_t one = 1;
  ssize_t written = ::write(listener_->stop.get(), &one, sizeof one);
  (void)written;  // an eventfd write of 1 cannot fail short of overflow
  if (listener_->thread.joinable()) listener_->thread.join();
  struct stat current {};
  if (::lstat(path_.c_str(), &current) == 0 && current.st_dev == listener_->device && current.st_ino == listener_->inode) {
    ::unlink(path_.c_str());
  }
  listener_.reset();
}

Result<std::string, std::string> query_control_socket(const std::filesystem::path& path, std::string_view command,
                                                      std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto address = unix_address(path);
  if (!address) return fail(std::string("path empty or too long for a Unix socket"));
  Descriptor socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (socket.get() < 0) return fail("socket: " + errno_text(errno));
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0) {
    if (errno == EAGAIN) return fail(std::string("the gateway is busy (connection queue full)"));
    return fail(errno_text(errno));
  }
  std::string request(command);
  request += '\n';
  if (!write_all(socket.get(), request, deadline)) return fail(std::string("the gateway did not take the request"));
  ::shutdown(socket.get(), SHUT_WR);

  std::string answer;
  char buffer[16 * 1024];
  for (;;) {
    ssize_t n = ::recv(socket.get(), buffer, sizeof buffer, 0);
    if (n > 0) {
      answer.append(buffer, static_cast<std::size_t>(n));
      if (answer.size() > kMaxAnswer) return fail(std::string("the answer is larger than 16 MiB"));
      continue;
    }
    if (n == 0) return answer;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      auto waited = wait_for(socket.get(), POLLIN, deadline);
      if (waited == Wait::timed_out) return fail("no answer within " + std::to_string(timeout.count()) + " ms");
      if (waited != Wait::ready) return fail("waiting for the answer: " + errno_text(errno));
      continue;
    }
    return fail("reading the answer: " + errno_text(errno));
  }
}

}  // namespace anymesh::agent
