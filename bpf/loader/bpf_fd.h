// BpfFd: an owned file descriptor of a BPF program or map, closed when dropped.
#pragma once

#include <utility>

namespace anymesh::bpf {

class BpfFd {
 public:
  BpfFd() = default;
  explicit BpfFd(int fd) : fd_(fd) {}
  BpfFd(BpfFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  BpfFd& operator=(BpfFd&& other) noexcept;
  BpfFd(const BpfFd&) = delete;
  BpfFd& operator=(const BpfFd&) = delete;
  ~BpfFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace anymesh::bpf
