// UapiServer: socket set-up, request framing and non-blocking answers for the UAPI.
#include "dataplane/wireguard/uapi_server.h"

#include <fcntl.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace anymesh::wg {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kUnknownErrno = 55;  // wireguard-go's IpcErrorUnknown, for a handler that threw

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// os.MkdirAll(dir, 0755): every missing component, existing ones left as they are.
void make_directories(const std::string& dir) {
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string part = dir.substr(0, pos);
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir " + part);
  }
}

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// True when some process accepts connections on path (the check wireguard-go makes before it
// removes a socket file it could not bind).
bool someone_listens(const sockaddr_un& addr) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno("socket");
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  bool listening = rc == 0 || errno == EAGAIN || errno == EINPROGRESS;
  ::close(fd);
  return listening;
}

bool bind_private(int fd, const sockaddr_un& addr) {
  // The socket file gets 0700 like wireguard-go's, which binds under umask 077: only root may
  // configure the interface.
  mode_t old = ::umask(077);
  int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int saved = errno;
  ::umask(old);
  errno = saved;
  return rc == 0;
}

// Where the blank line ending a set body is: the offset just past it. `from` is a line start
// already searched up to, so a body arriving in many reads is scanned once.
std::optional<std::size_t> find_set_end(std::string_view body, std::size_t& from) {
  std::size_t line = from;
  for (;;) {
    auto newline = body.find('\n', line);
    if (newline == std::string_view::npos) {
      from = line;
      return std::nullopt;
    }
    std::size_t len = newline - line;
    if (len == 0 || (len == 1 && body[line] == '\r')) return newline + 1;
    line = newline + 1;
  }
}

// Fills every endpoint's scope id from its zone; false when a zone names nothing.
bool resolve_zones(UapiSetRequest& request) {
  for (auto& peer : request.peers) {
    if (!peer.endpoint || peer.endpoint->zone.empty()) continue;
    auto scope = uapi_zone_scope_id(peer.endpoint->zone);
    if (!scope) return false;
    peer.endpoint->scope_id = *scope;
  }
  return true;
}

}  // namespace

std::optional<std::uint32_t> uapi_zone_scope_id(const std::string& zone) {
  if (unsigned index = ::if_nametoindex(zone.c_str()); index != 0) return index;
  if (zone.empty() || zone.size() > 10) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : zone) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

UapiServer::UapiServer(std::string_view interface_name, SetHandler on_set, GetHandler on_get,
                       UapiServerOptions options)
    : on_set_(std::move(on_set)), on_get_(std::move(on_get)), options_(std::move(options)) {
  if (interface_name.empty() || interface_name.find('/') != std::string_view::npos) {
    throw std::runtime_error("uapi: bad interface name '" + std::string(interface_name) + "'");
  }
  if (!on_set_ || !on_get_) throw std::runtime_error("uapi: both handlers are required");
  path_ = options_.socket_dir + "/" + std::string(interface_name) + ".sock";
  if (path_.size() >= sizeof(sockaddr_un{}.sun_path)) {
    throw std::runtime_error("uapi: socket path too long: " + path_);
  }
  make_directories(options_.socket_dir);

  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw_errno("socket");
  auto addr = unix_address(path_);
  try {
    if (!bind_private(listen_fd_, addr)) {
      if (errno != EADDRINUSE) throw_errno("bind " + path_);
      if (someone_listens(addr)) throw std::runtime_error("uapi: " + path_ + " is in use");
      if (::unlink(path_.c_str()) != 0 && errno != ENOENT) throw_errno("unlink " + path_);
      if (!bind_private(listen_fd_, addr)) throw_errno("bind " + path_);
    }
    if (::listen(listen_fd_, SOMAXCONN) != 0) throw_errno("listen " + path_);
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) throw_errno("stat " + path_);
    socket_dev_ = st.st_dev;
    socket_ino_ = st.st_ino;
  } catch (...) {
    ::close(listen_fd_);
    throw;
  }
}

UapiServer::~UapiServer() {
  while (!connections_.empty()) close_connection(connections_.begin()->first);
  // Only our own file: a second instance may have replaced a socket it found dead.
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == socket_dev_ && st.st_ino == socket_ino_) {
    ::unlink(path_.c_str());
  }
  ::close(listen_fd_);
}

std::vector<int> UapiServer::poll_fds() const {
  std::vector<int> fds{listen_fd_};
  for (const auto& [fd, c] : connections_) {
    // While an answer waits for the client, its further requests wait in the kernel: bounded memory.
    if (c.out.empty() && !c.closing) fds.push_back(fd);
  }
  return fds;
}

std::vector<int> UapiServer::write_fds() const {
  std::vector<int> fds;
  for (const auto& [fd, c] : connections_) {
    if (!c.out.empty()) fds.push_back(fd);
  }
  return fds;
}

void UapiServer::on_readable(int fd) {
  if (fd == listen_fd_) {
    accept_clients();
    return;
  }
  auto it = connections_.find(fd);
  if (it == connections_.end() || !it->second.out.empty() || it->second.closing) return;
  read_from(it->second);
}

void UapiServer::on_writable(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& c = it->second;
  if (!flush(c)) {
    close_connection(fd);
    return;
  }
  if (!c.out.empty()) return;
  if (c.closing) {
    close_connection(fd);
    return;
  }
  // Requests that arrived behind the answer may already be buffered.
  advance(fd);
}

void UapiServer::accept_clients() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN, or out of descriptors: the client waits in the backlog
    }
    if (connections_.size() >= options_.max_connections) {
      log("uapi: too many connections, refusing one");
      ::close(fd);
      continue;
    }
    connections_[fd].fd = fd;
  }
}

void UapiServer::read_from(Connection& c) {
  int fd = c.fd;
  char buf[kReadChunk];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) close_connection(fd);
      return;
    }
    if (n == 0) c.peer_closed = true;
    c.in.append(buf, static_cast<std::size_t>(n));
    if (!advance(fd)) return;
  }
}

bool UapiServer::advance(int fd) {
  Connection& c = connections_.at(fd);
  for (;;) {
    if (!serve(c)) {
      c.closing = true;
    } else if (c.out.empty()) {  // every complete request is answered; the rest needs more input
      if (!c.peer_closed) return true;
      c.closing = true;
    }
    if (!flush(c)) {
      close_connection(fd);
      return false;
    }
    if (!c.out.empty()) return false;  // the client reads slowly: wait for POLLOUT
    if (c.closing) {
      close_connection(fd);
      return false;
    }
  }
}

bool UapiServer::serve(Connection& c) {
  while (c.out.empty()) {
    if (c.discarding && !skip_oversized(c)) return true;
    auto newline = c.in.find('\n');
    if (newline == std::string::npos) {
      // "get=1" and "set=1" are five bytes: a longer first line is no operation wireguard-go knows.
      return c.in.size() <= 5;
    }
    std::string_view op(c.in.data(), newline);
    if (op == "get=1") {
      if (c.in.size() < newline + 2) return true;
      bool blank = c.in[newline + 1] == '\n';
      c.in.erase(0, newline + 2);  // wireguard-go consumes the byte after "get=1\n" either way
      if (blank) {
        answer_get(c);
      } else {
        log("uapi: get not followed by a blank line");
        c.out += format_uapi_status(EINVAL);
      }
      continue;
    }
    if (op != "set=1") {
      log("uapi: unknown operation, closing");
      return false;
    }
    std::string_view body = std::string_view(c.in).substr(newline + 1);
    auto end = find_set_end(body, c.scanned);
    if (end) {
      answer_set(c, body.substr(0, *end));
      c.in.erase(0, newline + 1 + *end);
      c.scanned = 0;
      continue;
    }
    if (c.peer_closed) {
      // Go's line scanner ends the request at end of input, as if the blank line had come.
      std::string ended(body);
      ended += (ended.empty() || ended.back() == '\n') ? "\n" : "\n\n";
      answer_set(c, ended);
      c.in.clear();
      c.scanned = 0;
      continue;
    }
    if (body.size() > options_.max_request_bytes) {
      c.in.erase(0, newline + 1 + c.scanned);
      c.scanned = 0;
      c.discarding = true;
      if (!skip_oversized(c)) return true;
      continue;
    }
    return true;
  }
  return true;
}

// Drops the oversized set request up to its blank line; true once it has ended and been answered.
bool UapiServer::skip_oversized(Connection& c) {
  auto end = find_set_end(c.in, c.scanned);
  if (!end) {
    c.in.erase(0, c.scanned);
    c.scanned = 0;
    // A partial line of two or more bytes can no longer be blank: keep just that fact.
    if (c.in.size() > 2) c.in = "xx";
    if (c.peer_closed) {
      c.in.clear();
      c.discarding = false;
      log("uapi: set request too long");
      c.out += format_uapi_status(uapi_errno(UapiError::kRequestTooLong));
      return true;
    }
    return false;
  }
  c.in.erase(0, *end);
  c.scanned = 0;
  c.discarding = false;
  log("uapi: set request too long");
  c.out += format_uapi_status(uapi_errno(UapiError::kRequestTooLong));
  return true;
}

void UapiServer::answer_set(Connection& c, std::string_view body) {
  auto request = parse_uapi_set(body);
  int error = 0;
  if (!request) {
    log(std::string("uapi: set refused: ") + uapi_error_name(request.error()));
    error = uapi_errno(request.error());
  } else if (!resolve_zones(*request)) {
    log("uapi: set refused: endpoint zone names no interface");
    error = uapi_errno(UapiError::kBadEndpoint);
  } else {
    try {
      error = on_set_(*request);
    } catch (const std::exception& e) {
      log(std::string("uapi: set handler failed: ") + e.what());
      error = kUnknownErrno;
    }
  }
  c.out += format_uapi_status(error);
}

void UapiServer::answer_get(Connection& c) {
  try {
    c.out += format_uapi_get(on_get_()) + format_uapi_status(0);
  } catch (const std::exception& e) {
    log(std::string("uapi: get handler failed: ") + e.what());
    c.out += format_uapi_status(kUnknownErrno);
  }
}

bool UapiServer::flush(Connection& c) {
  while (!c.out.empty()) {
    ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    c.out.erase(0, static_cast<std::size_t>(n));
  }
  return true;
}

void UapiServer::close_connection(int fd) {
  ::close(fd);
  connections_.erase(fd);
}

void UapiServer::log(std::string_view what) const {
  if (options_.log) options_.log(what);
}

}  // namespace anymesh::wg
