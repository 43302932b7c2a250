// Control commands: `link FROM TO [delay D] [jitter D] [loss P] [rate R] [queue N] [down|up|downfor D]`, `status [json]`, `stop`.
#include "lab/wanem/control.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "lab/wanem/emulator.h"

namespace anymesh::lab {
namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string format_ms(Nanos ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e6);
  return buf;
}

}  // namespace

Control::~Control() {
  for (auto& c : clients_) close(c.fd);
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    unlink(path_.c_str());
  }
}

std::string Control::listen_at(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return "control socket path too long: " + path;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return std::string("socket(AF_UNIX): ") + strerror(errno);
  unlink(path.c_str());
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 16) != 0)
    return "bind " + path + ": " + strerror(errno);
  path_ = path;
  return {};
}

void Control::add_poll_fds(std::vector<pollfd>& fds) const {
  fds.push_back(pollfd{listen_fd_, POLLIN, 0});
  for (const auto& c : clients_) fds.push_back(pollfd{c.fd, POLLIN, 0});
}

void Control::serve(const std::vector<pollfd>& fds, std::size_t first, Emulator& emulator) {
  // Clients first (their fds follow the listener in the order add_poll_fds gave them).
  std::vector<Client> kept;
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    Client& c = clients_[i];
    if (!(fds[first + 1 + i].revents & (POLLIN | POLLHUP | POLLERR))) {
      kept.push_back(c);
      continue;
    }
    char buf[4096];
    const ssize_t n = read(c.fd, buf, sizeof buf);
    if (n <= 0) {
      close(c.fd);
      continue;
    }
    c.in.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = c.in.find('\n')) != std::string::npos) {
      const std::string reply = execute(c.in.substr(0, nl), emulator);
      c.in.erase(0, nl + 1);
      // Replies are small; the client blocks reading, so a blocking-style write loop is safe here.
      for (std::size_t off = 0; off < reply.size();) {
        const ssize_t w = send(c.fd, reply.data() + off, reply.size() - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EAGAIN) {
          pollfd p{c.fd, POLLOUT, 0};
          poll(&p, 1, 100);
          continue;
        }
        if (w <= 0) break;
        off += static_cast<std::size_t>(w);
      }
    }
    kept.push_back(c);
  }
  clients_ = std::move(kept);
  if (fds[first].revents & POLLIN) {
    for (;;) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;
      clients_.push_back(Client{fd, {}});
    }
  }
}

std::string Control::execute(const std::string& line, Emulator& emulator) {
  const auto words = split_words(line);
  if (words.empty()) return "error: empty command\n";
  if (words[0] == "stop") {
    stop_ = true;
    return "ok\n";
  }
  if (words[0] == "status") return status_text(emulator, words.size() > 1 && words[1] == "json");
  if (words[0] == "link" && words.size() >= 3) {
    Link* l = emulator.link(words[1], words[2]);
    if (!l) return "error: no link " + words[1] + " -> " + words[2] + "\n";
    LinkSettings settings = l->settings();
    if (auto err = apply_setting_words(settings, words.data() + 3, words.size() - 3); !err.empty())
      return "error: " + err + "\n";
    l->configure(settings, monotonic_now());
    return "ok\n";
  }
  return "error: unknown command '" + words[0] + "' (link FROM TO ..., status [json], stop)\n";
}

std::string Control::status_text(Emulator& emulator, bool json) {
  std::ostringstream out;
  if (json) {
    out << "{\"pool\":{\"slots\":" << emulator.pool().size() << ",\"free\":" << emulator.pool().available()
        << "},\"ports\":[";
    bool first = true;
    for (auto& p : emulator.ports()) {
      const auto& c = p->counters();
      out << (first ? "" : ",") << "{\"site\":\"" << p->site() << "\",\"ifname\":\"" << p->ifname()
          << "\",\"rx\":" << c.rx << ",\"tx\":" << c.tx << ",\"tx_errors\":" << c.tx_errors
          << ",\"oversize\":" << c.oversize << ",\"pool_drops\":" << c.pool_drops << "}";
      first = false;
    }
    out << "],\"links\":[";
    first = true;
    for (auto& l : emulator.links()) {
      if (l.from() == l.to()) continue;
      const auto& s = l.settings();
      const auto& c = l.counters();
      out << (first ? "" : ",") << "{\"from\":\"" << l.from() << "\",\"to\":\"" << l.to()
          << "\",\"up\":" << (s.up ? "true" : "false") << ",\"delay_ms\":" << format_ms(s.delay)
          << ",\"jitter_ms\":" << format_ms(s.jitter) << ",\"loss_pct\":" << s.loss * 100.0
          << ",\"rate_bps\":" << s.rate_bps << ",\"queue_limit\":" << s.queue_limit << ",\"held\":" << l.held()
          << ",\"in\":" << c.in << ",\"forwarded\":" << c.forwarded << ",\"bytes\":" << c.bytes
          << ",\"lost\":" << c.lost << ",\"blackholed\":" << c.blackholed << ",\"overflow\":" << c.overflow << "}";
      first = false;
    }
    out << "]}\n";
    return out.str();
  }
  char row[256];
  std::snprintf(row, sizeof row, "%-9s %-4s %9s %8s %6s %10s %6s %10s %10s %8s %8s %8s\n", "link", "up", "delay_ms",
                "jitter", "loss%", "rate_bps", "held", "in", "forwarded", "lost", "blackhol", "overflow");
  out << row;
  for (auto& l : emulator.links()) {
    if (l.from() == l.to()) continue;
    const auto& s = l.settings();
    const auto& c = l.counters();
    const std::string name = l.from() + ">" + l.to();
    std::snprintf(row, sizeof row, "%-9s %-4s %9s %8s %6.2f %10llu %6zu %10llu %10llu %8llu %8llu %8llu\n",
                  name.c_str(), s.up ? "up" : "DOWN", format_ms(s.delay).c_str(), format_ms(s.jitter).c_str(),
                  s.loss * 100.0, static_cast<unsigned long long>(s.rate_bps), l.held(),
                  static_cast<unsigned long long>(c.in), static_cast<unsigned long long>(c.forwarded),
                  static_cast<unsigned long long>(c.lost), static_cast<unsigned long long>(c.blackholed),
                  static_cast<unsigned long long>(c.overflow));
    out << row;
  }
  for (auto& p : emulator.ports()) {
    const auto& c = p->counters();
    std::snprintf(row, sizeof row, "port %-4s %-8s rx=%llu tx=%llu tx_errors=%llu oversize=%llu pool_drops=%llu\n",
                  p->site().c_str(), p->ifname().c_str(), static_cast<unsigned long long>(c.rx),
                  static_cast<unsigned long long>(c.tx), static_cast<unsigned long long>(c.tx_errors),
                  static_cast<unsigned long long>(c.oversize), static_cast<unsigned long long>(c.pool_drops));
    out << row;
  }
  std::snprintf(row, sizeof row, "pool slots=%zu free=%zu\n", emulator.pool().size(), emulator.pool().available());
  out << row;
  return out.str();
}

}  // namespace anymesh::lab
