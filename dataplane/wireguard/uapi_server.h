// UapiServer: the unix socket IFNAME.sock that wg talks to, served from the owner's poll loop.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/wireguard/uapi.h"

namespace anymesh::wg {

struct UapiServerOptions {
  std::string socket_dir = "/var/run/wireguard";  // wg looks only here; tests use a temporary one
  // One request (get or set with all its lines) may hold at most this many bytes; a longer set is
  // read to its end, discarded and answered with EMSGSIZE. wg setconf of thousands of peers fits.
  std::size_t max_request_bytes = std::size_t{16} << 20;
  std::size_t max_connections = 32;             // further clients are accepted and closed at once
  std::function<void(std::string_view)> log;  // why a request was refused; may be empty
};

// The interface index an endpoint zone names, as wireguard-go resolves it: an interface of this
// network namespace by name, else a decimal number; nullopt when it is neither (answered EINVAL).
std::optional<std::uint32_t> uapi_zone_scope_id(const std::string& zone);

// Single-threaded and non-blocking: the owner polls poll_fds() for POLLIN and write_fds() for
// POLLOUT and calls on_readable/on_writable; handlers run inside those calls. Requests on one
// connection are answered in order; a connection ends on EOF, on an error, or on an unknown
// operation (wireguard-go closes those without an answer too).
class UapiServer {
 public:
  using SetHandler = std::function<int(const UapiSetRequest&)>;  // 0, or a positive errno to report
  using GetHandler = std::function<UapiDeviceState()>;

  // Creates socket_dir (0755) and binds socket_dir/IFNAME.sock with mode 0700 as wireguard-go does,
  // replacing a stale socket file nobody listens on. Throws std::system_error or std::runtime_error
  // (start-up code) when the name is unusable or another process serves it.
  UapiServer(std::string_view interface_name, SetHandler on_set, GetHandler on_get,
             UapiServerOptions options = {});
  ~UapiServer();  // closes every connection and unlinks the socket if it is still ours
  UapiServer(const UapiServer&) = delete;
  UapiServer& operator=(const UapiServer&) = delete;

  const std::string& socket_path() const { return path_; }
  std::vector<int> poll_fds() const;   // listening socket and connections ready for more input
  std::vector<int> write_fds() const;  // connections with an answer the peer has not taken yet
  void on_readable(int fd);
  void on_writable(int fd);
  std::size_t connection_count() const { return connections_.size(); }

 private:
  struct Connection {
    int fd = -1;
    std::string in;
    std::string out;
    std::size_t scanned = 0;  // bytes of the pending set body already searched for its blank line
    bool discarding = false;  // skipping a set request that went over max_request_bytes
    bool peer_closed = false;
    bool closing = false;  // close once `out` is written
  };

  void accept_clients();
  void read_from(Connection& c);
  bool advance(int fd);       // serve and write until input runs out; false: waiting to write, or closed
  bool serve(Connection& c);  // answers every complete request; false: close the connection
  bool skip_oversized(Connection& c);
  void answer_set(Connection& c, std::string_view body);
  void answer_get(Connection& c);
  bool flush(Connection& c);  // false: the peer is gone
  void close_connection(int fd);
  void log(std::string_view what) const;

  SetHandler on_set_;
  GetHandler on_get_;
  UapiServerOptions options_;
  std::string path_;
  int listen_fd_ = -1;
  dev_t socket_dev_ = 0;
  ino_t socket_ino_ = 0;
  std::map<int, Connection> connections_;
};

}  // namespace anymesh::wg
