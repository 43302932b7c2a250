// ControllerProcess: anymesh-controller run as a child process for the benchmark, with its CPU
// time, resident memory and threads read from /proc.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "dataplane/wireguard/crypto.h"

namespace anymesh::bench {

struct ProcessUsage {
  double cpu_seconds = 0;  // user + system
  double rss_mb = 0;
  double peak_rss_mb = 0;  // VmHWM
  std::uint32_t threads = 0;
};

class ControllerProcess {
 public:
  // `anymesh-controller genkey` into dir/signing.key, then the controller on `listen` with
  // dir/state; its stderr goes to dir/controller.log. Throws std::runtime_error when it cannot.
  ControllerProcess(const std::string& binary, const std::filesystem::path& mesh, const std::filesystem::path& dir,
                    const std::string& listen);
  ~ControllerProcess();
  ControllerProcess(const ControllerProcess&) = delete;
  ControllerProcess& operator=(const ControllerProcess&) = delete;

  const wg::Key& public_key() const { return public_key_; }
  bool running();
  ProcessUsage usage() const;

 private:
  pid_t pid_ = -1;
  wg::Key public_key_{};
};

}  // namespace anymesh::bench
