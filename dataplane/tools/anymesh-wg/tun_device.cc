// TUN set-up through /dev/net/tun and SIOCSIFMTU.
#include "dataplane/tools/anymesh-wg/tun_device.h"

#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace anymesh::wg {

TunDevice::TunDevice(const std::string& name, int mtu) : name_(name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    throw std::system_error(EINVAL, std::generic_category(), "interface name must be 1-15 characters");
  }
  fd_ = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open /dev/net/tun");
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd_, TUNSETIFF, &ifr) < 0) {
    int e = errno;
    ::close(fd_);
    throw std::system_error(e, std::generic_category(), "TUNSETIFF " + name);
  }
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifr.ifr_mtu = mtu;
  bool ok = sock >= 0 && ::ioctl(sock, SIOCSIFMTU, &ifr) == 0;
  int e = errno;
  if (sock >= 0) ::close(sock);
  if (!ok) {
    ::close(fd_);
    throw std::system_error(e, std::generic_category(), "set MTU of " + name);
  }
}

TunDevice::~TunDevice() {
  if (fd_ >= 0) ::close(fd_);
}

long TunDevice::read(std::uint8_t* buf, std::size_t cap) {
  ssize_t n = ::read(fd_, buf, cap);
  if (n >= 0) return n;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
  return -1;
}

bool TunDevice::write(const std::uint8_t* data, std::size_t len) {
  return ::write(fd_, data, len) == static_cast<ssize_t>(len);
}

bool TunDevice::exists() const { return if_nametoindex(name_.c_str()) != 0; }

}  // namespace anymesh::wg
