// wanem: `wanem run` emulates the lab's WAN between its ports; `wanem ctl` sends commands to a running one.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "lab/wanem/control.h"
#include "lab/wanem/emulator.h"

namespace {

volatile bool g_stop = false;

void on_signal(int) { g_stop = true; }

int usage() {
  std::fprintf(stderr,
               "usage: wanem run --control PATH --port SITE=IFNAME... [--pool SLOTS] [--seed N]\n"
               "       wanem ctl PATH [COMMAND...]   (no COMMAND: one command per line on stdin)\n"
               "commands: link FROM TO [delay 15ms] [jitter 1ms] [loss 5%%] [rate 10mbit] [queue N] [down|up|downfor 200ms]\n"
               "          status [json] | stop\n");
  return 2;
}

int run(int argc, char** argv) {
  std::string control_path;
  std::vector<std::pair<std::string, std::string>> ports;
  std::size_t pool_slots = 65536;
  std::uint64_t seed = 0x5eed;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    if (arg == "--control") {
      control_path = value;
    } else if (arg == "--port") {
      const auto eq = value.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) return usage();
      ports.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else if (arg == "--pool") {
      pool_slots = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--seed") {
      seed = std::strtoull(value.c_str(), nullptr, 0);
    } else {
      return usage();
    }
  }
  if (control_path.empty() || ports.size() < 2 || pool_slots < 1024) return usage();

  // Departures are scheduled to the microsecond; the default 50 us timer slack would blur them.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  anymesh::lab::Emulator emulator(pool_slots, seed);
  for (const auto& [site, ifname] : ports) {
    if (auto err = emulator.add_port(site, ifname); !err.empty()) {
      std::fprintf(stderr, "wanem: %s\n", err.c_str());
      return 1;
    }
  }
  emulator.finish_ports();
  anymesh::lab::Control control;
  if (auto err = control.listen_at(control_path); !err.empty()) {
    std::fprintf(stderr, "wanem: %s\n", err.c_str());
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::fprintf(stderr, "wanem: %zu ports, control %s\n", ports.size(), control_path.c_str());
  emulator.run(control, &g_stop);
  return 0;
}

int ctl(int argc, char** argv) {
  if (argc < 3) return usage();
  std::string commands;
  if (argc > 3) {
    for (int i = 3; i < argc; ++i) commands += std::string(i > 3 ? " " : "") + argv[i];
    commands += '\n';
  } else {
    for (std::string line; std::getline(std::cin, line);) commands += line + '\n';
  }
  sockaddr_un addr{};
  const std::string path = argv[2];
  if (path.size() >= sizeof addr.sun_path) return usage();
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "wanem ctl: cannot reach %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  for (std::size_t off = 0; off < commands.size();) {
    const ssize_t w = write(fd, commands.data() + off, commands.size() - off);
    if (w <= 0) return 1;
    off += static_cast<std::size_t>(w);
  }
  shutdown(fd, SHUT_WR);
  std::string reply;
  char buf[8192];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) reply.append(buf, static_cast<std::size_t>(n));
  close(fd);
  std::fputs(reply.c_str(), stdout);
  // Any refused command makes the exit status non-zero so scripts stop on a typo.
  const bool failed = reply.rfind("error", 0) == 0 || reply.find("\nerror") != std::string::npos;
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  if (mode == "run") return run(argc, argv);
  if (mode == "ctl") return ctl(argc, argv);
  return usage();
}
