// ControlSocket: the gateway's operator socket (one request line in, one answer out), and the
// client side that `anymesh status` / `anymesh routes` use.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "dataplane/packet/result.h"

namespace anymesh::agent {

inline constexpr const char* kDefaultControlSocket = "/run/anymesh/gateway.sock";
// A command line longer than this is refused with an error line (commands are single words today).
inline constexpr std::size_t kMaxControlRequest = 256;

// A Unix stream socket at `path`: a client connects, writes one command line ("status\n"), reads
// the answer until the gateway closes the connection. Connections are served one at a time on the
// socket's own thread, each within a short deadline, so a stuck client cannot hold it for long.
//
// The socket file is created mode 0660 (the owner's group may query), its directory created when
// missing. A stale socket file (nobody listening) is replaced; a live one, or a path that is not a
// socket, is refused: two gateways must not answer on one path.
class ControlSocket {
 public:
  // Returns the answer to a command (the line without its newline). An empty answer means the
  // command is not known: the client gets "error: unknown command X". The function runs on the
  // socket's thread.
  using Answer = std::function<std::string(std::string_view command)>;

  ControlSocket(std::filesystem::path path, Answer answer);
  ~ControlSocket();  // stops
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  // Creates the socket and starts answering. Throws std::runtime_error naming the path and reason.
  void start();
  // Stops answering (an answer being written is cut short), joins the thread, removes the socket
  // file if it is still ours. Idempotent.
  void stop();
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Listener;  // the listening socket, the stop eventfd and the thread
  std::filesystem::path path_;
  Answer answer_;
  std::unique_ptr<Listener> listener_;
};

// Sends `command` to the gateway's control socket and returns its whole answer. Fails with the
// reason (no socket there, nobody listening, permission, timeout) when the gateway is not reached
// within `timeout` overall.
Result<std::string, std::string> query_control_socket(const std::filesystem::path& path, std::string_view command,
                                                      std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace anymesh::agent
