// Starting, measuring and stopping the anymesh-controller child process.
#include "bench/controller/controller_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "dataplane/wireguard/key.h"

namespace anymesh::bench {
namespace {

std::string run_capture(const std::vector<std::string>& argv) {
  std::string command;
  for (const auto& a : argv) command += "'" + a + "' ";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + argv[0]);
  std::string out;
  std::array<char, 256> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) out += buffer.data();
  if (::pclose(pipe) != 0) throw std::runtime_error(command + "failed");
  return out;
}

}  // namespace

ControllerProcess::ControllerProcess(const std::string& binary, const std::filesystem::path& mesh,
                                     const std::filesystem::path& dir, const std::string& listen) {
  const auto key_path = dir / "signing.key";
  std::string text = run_capture({binary, "genkey", "--signing-key", key_path.string()});
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  auto key = wg::key_from_base64(text);
  if (!key) throw std::runtime_error("anymesh-controller genkey printed no public key: " + text);
  public_key_ = *key;

  const std::string log = (dir / "controller.log").string();
  const std::string state = (dir / "state").string();
  const std::string mesh_path = mesh.string();
  const std::string key_file = key_path.string();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the benchmark, however it ends
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) ::dup2(fd, 2);
    ::execl(binary.c_str(), binary.c_str(), "--mesh", mesh_path.c_str(), "--listen", listen.c_str(), "--state-dir",
            state.c_str(), "--signing-key", key_file.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
}

ControllerProcess::~ControllerProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

bool ControllerProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

ProcessUsage ControllerProcess::usage() const {
  ProcessUsage u;
  if (pid_ <= 0) return u;
  const std::string proc = "/proc/" + std::to_string(pid_);
  std::ifstream stat(proc + "/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const auto close = line.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(line.substr(close + 2));
    std::vector<std::string> f;
    for (std::string x; fields >> x;) f.push_back(x);
    if (f.size() > 12) {
      const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
      u.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
    }
  }
  std::ifstream status(proc + "/status");
  while (std::getline(status, line)) {
    std::istringstream fields(line);
    std::string name;
    double value = 0;
    fields >> name >> value;
    if (name == "VmRSS:") u.rss_mb = value / 1024.0;
    if (name == "VmHWM:") u.peak_rss_mb = value / 1024.0;
    if (name == "Threads:") u.threads = static_cast<std::uint32_t>(value);
  }
  return u;
}

}  // namespace anymesh::bench
