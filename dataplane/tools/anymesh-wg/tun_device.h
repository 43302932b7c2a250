// TunDevice: a Linux TUN interface (IFF_TUN | IFF_NO_PI), non-blocking, read and written a packet a call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace anymesh::wg {

class TunDevice {
 public:
  // Creates (or attaches to) the interface and sets its MTU. Throws std::system_error.
  TunDevice(const std::string& name, int mtu);
  ~TunDevice();
  TunDevice(const TunDevice&) = delete;
  TunDevice& operator=(const TunDevice&) = delete;

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  // >0 bytes read, 0 when nothing is waiting, -1 on a fatal error (errno set).
  long read(std::uint8_t* buf, std::size_t cap);
  bool write(const std::uint8_t* data, std::size_t len);  // false: dropped (queue full or error)
  bool exists() const;  // false once the interface was deleted under us (ip link del)

 private:
  int fd_ = -1;
  std::string name_;
};

}  // namespace anymesh::wg
