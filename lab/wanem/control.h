// Control socket of the emulator: line commands `link`, `status`, `stop` from `lab/lab` over a unix socket.
#pragma once

#include <poll.h>

#include <string>
#include <vector>

namespace anymesh::lab {

class Emulator;

class Control {
 public:
  ~Control();
  // Binds a listening unix stream socket at path (replacing a stale one); returns an error or "".
  std::string listen_at(const std::string& path);
  void add_poll_fds(std::vector<pollfd>& fds) const;
  // Accepts clients and answers every complete command line; changes apply before the reply is sent,
  // so a link change is in force when `lab/lab link` returns.
  void serve(const std::vector<pollfd>& fds, std::size_t first, Emulator& emulator);
  bool stop_requested() const { return stop_; }

 private:
  struct Client {
    int fd;
    std::string in;
  };
  std::string execute(const std::string& line, Emulator& emulator);
  std::string status_text(Emulator& emulator, bool json);

  int listen_fd_ = -1;
  std::string path_;
  std::vector<Client> clients_;
  bool stop_ = false;
};

}  // namespace anymesh::lab
