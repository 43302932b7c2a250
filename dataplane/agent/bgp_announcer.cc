// BgpAnnouncer: render, compare, replace by rename, birdc configure (posix_spawn, bounded), roll back.
#include "dataplane/agent/bgp_announcer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

namespace anymesh::agent {
namespace {

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Write to a temporary file beside it, fsync, rename over: BIRD never reads half a file.
std::optional<std::string> replace_file(const std::filesystem::path& path, const std::string& text) {
  auto temporary = path;
  temporary += ".anymesh-new";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot write " + temporary.string() + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string problem = "cannot write " + temporary.string() + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(temporary.c_str());
      return problem;
    }
    done += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string problem = "cannot rename onto " + path.string() + ": " + std::strerror(errno);
    ::unlink(temporary.c_str());
    return problem;
  }
  return std::nullopt;
}

// The last non-empty line of BIRD's answer, for error messages.
std::string last_line(const std::string& text) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out = line;
  }
  return out.size() > 200 ? out.substr(0, 200) + "..." : out;
}

}  // namespace

std::string render_vip_routes(std::span<const IpAddress> vips, IpAddress::Family family) {
  std::vector<IpAddress> sorted;
  for (const auto& v : vips) {
    if (v.family == family) sorted.push_back(v);
  }
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string text = "# Written by anymesh-gateway (BgpAnnouncer): the VIPs this gateway announces.\n";
  for (const auto& v : sorted) {
    text += "route " + v.to_string() + (v.is_v4() ? "/32" : "/128") + " blackhole;\n";
  }
  return text;
}

Result<std::string, std::string> run_birdc_configure(const BgpAnnouncerConfig& config) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));
  std::vector<std::string> args{config.birdc, "-s", config.control_socket.string(), "configure"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // posix_spawn, not fork: the agent has threads, and the child must only exec.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return fail("cannot run " + config.birdc + ": " + std::strerror(spawned));
  }
  ::close(out[1]);
  std::string answer;
  auto deadline = std::chrono::steady_clock::now() + config.timeout;
  bool timed_out = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[4096];
    ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (answer.size() < 65536) answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return fail("birdc gave no answer within " + std::to_string(config.timeout.count()) + " ms");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail("birdc configure failed (" + (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status)) : "killed") +
                "): " + last_line(answer));
  }
  // BIRD says "Reconfigured", "Reconfiguration in progress" or "... queueing new config" when it
  // took the files; a parse error or an unreachable socket says something else.
  if (answer.find("Reconfigur") == std::string::npos || answer.find("error") != std::string::npos) {
    return fail("BIRD did not take the configuration: " + last_line(answer));
  }
  return answer;
}

BgpAnnouncer::BgpAnnouncer(BgpAnnouncerConfig config) : config_(std::move(config)) {}

Result<AnnounceOutcome, std::string> BgpAnnouncer::announce(std::span<const IpAddress> vips) {
  std::vector<IpAddress> wanted(vips.begin(), vips.end());
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  if (configured_ && wanted == announced_) return AnnounceOutcome::unchanged;

  bool any_v6 = std::any_of(wanted.begin(), wanted.end(), [](const IpAddress& a) { return !a.is_v4(); });
  if (any_v6 && config_.include_v6.empty()) {
    return fail(std::string("IPv6 VIPs to announce but no IPv6 include file configured"));
  }
  struct File {
    std::filesystem::path path;
    std::string text;
    std::optional<std::string> before;
  };
  std::vector<File> files;
  files.push_back({config_.include_v4, render_vip_routes(wanted, IpAddress::Family::v4), read_file(config_.include_v4)});
  if (!config_.include_v6.empty()) {
    files.push_back({config_.include_v6, render_vip_routes(wanted, IpAddress::Family::v6), read_file(config_.include_v6)});
  }
  auto roll_back = [&files](std::size_t written) {
    for (std::size_t i = 0; i < written; ++i) {
      if (files[i].before) {
        replace_file(files[i].path, *files[i].before);
      } else {
        ::unlink(files[i].path.c_str());
      }
    }
  };
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (files[i].before == files[i].text) continue;
    if (auto problem = replace_file(files[i].path, files[i].text)) {
      roll_back(i);
      return fail(*problem);
    }
  }
  auto answer = run_birdc_configure(config_);
  if (!answer) {
    roll_back(files.size());
    configured_ = false;
    // BIRD keeps running its previous configuration; make it reread the restored files too, so
    // disk and BIRD agree again (its answer does not matter: the error below is the news).
    run_birdc_configure(config_);
    return fail(answer.error());
  }
  announced_ = std::move(wanted);
  configured_ = true;
  return AnnounceOutcome::reconfigured;
}

}  // namespace anymesh::agent
