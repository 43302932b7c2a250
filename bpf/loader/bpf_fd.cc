// BpfFd and bpf_error.
#include "bpf/loader/bpf_fd.h"

#include <unistd.h>

#include <cstring>

#include "bpf/loader/bpf_status.h"

namespace anymesh::bpf {

BpfFd& BpfFd::operator=(BpfFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

BpfFd::~BpfFd() {
  if (fd_ >= 0) ::close(fd_);
}

std::string bpf_error(const std::string& what, int rc) {
  return what + ": " + std::strerror(rc < 0 ? -rc : rc);
}

}  // namespace anymesh::bpf
