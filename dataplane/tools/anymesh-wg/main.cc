// anymesh-wg: a userspace WireGuard interface with wireguard-go's command line: anymesh-wg [-f] IFNAME.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "dataplane/tools/anymesh-wg/interface.h"

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_dump{false};

void on_signal(int) { g_stop.store(true); }
void on_dump(int) { g_dump.store(true); }

int usage(const char* argv0) {
  std::fprintf(stderr,
               "Usage: %s [-f/--foreground] INTERFACE-NAME\n"
               "  A userspace WireGuard interface; configure it with wg(8).\n"
               "Test-only environment: ANYMESH_WG_TIME_SCALE=N runs protocol timers N times faster,\n"
               "ANYMESH_WG_FORCE_COOKIE=1 answers every handshake with a cookie first (as under load).\n"
               "SIGUSR1 writes every counter to standard error.\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool foreground = false;
  std::string name;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-f" || arg == "--foreground") {
      foreground = true;
    } else if (arg == "--version") {
      std::printf("anymesh-wg 0.1.0 (WireGuard protocol version 1)\n");
      return 0;
    } else if (arg == "-h" || arg == "--help") {
      usage(argv[0]);
      return 0;
    } else if (!arg.empty() && arg[0] != '-' && name.empty()) {
      name = arg;
    } else {
      return usage(argv[0]);
    }
  }
  if (name.empty()) return usage(argv[0]);

  anymesh::wg::InterfaceOptions options;
  options.name = name;
  if (const char* s = std::getenv("ANYMESH_WG_TIME_SCALE")) {
    options.time_scale = std::atof(s);
    if (options.time_scale < 1.0 || options.time_scale > 10000.0) {
      std::fprintf(stderr, "anymesh-wg: ANYMESH_WG_TIME_SCALE must be between 1 and 10000\n");
      return 2;
    }
  }
  if (const char* s = std::getenv("ANYMESH_WG_FORCE_COOKIE")) options.force_cookie = std::strcmp(s, "1") == 0;

  // Like wireguard-go: create the interface first, then detach, so the parent's exit status says
  // whether the interface exists.
  int ready[2] = {-1, -1};
  if (!foreground) {
    if (::pipe(ready) != 0) {
      std::perror("anymesh-wg: pipe");
      return 1;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
      std::perror("anymesh-wg: fork");
      return 1;
    }
    if (pid > 0) {
      ::close(ready[1]);
      char status = 1;
      ssize_t n = ::read(ready[0], &status, 1);
      return n == 1 ? status : 1;
    }
    ::close(ready[0]);
    ::setsid();
  }

  std::unique_ptr<anymesh::wg::Interface> interface;
  try {
    ::umask(0077);
    interface = std::make_unique<anymesh::wg::Interface>(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anymesh-wg: %s: %s\n", name.c_str(), e.what());
    if (!foreground) {
      char status = 1;
      (void)!::write(ready[1], &status, 1);
    }
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  struct sigaction dump {};
  dump.sa_handler = on_dump;
  ::sigaction(SIGUSR1, &dump, nullptr);
  std::fprintf(stderr, "anymesh-wg: %s: up\n", name.c_str());
  if (!foreground) {
    char status = 0;
    (void)!::write(ready[1], &status, 1);
    ::close(ready[1]);
    if (std::freopen("/dev/null", "r", stdin) == nullptr || std::freopen("/dev/null", "w", stdout) == nullptr ||
        std::freopen("/dev/null", "w", stderr) == nullptr) {
      return 1;
    }
  }
  int rc = interface->run(g_stop, g_dump);
  interface->dump_counters(stderr);
  std::fprintf(stderr, "anymesh-wg: %s: down\n", name.c_str());
  return rc;
}
