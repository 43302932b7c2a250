// Dual-stack UDP socket: IPv4 peers appear as v4-mapped IPv6 addresses on the wire side of the socket.
#include "dataplane/tools/anymesh-wg/udp_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace anymesh::wg {
namespace {

constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

Endpoint from_sockaddr(const sockaddr_in6& sa) {
  Endpoint e;
  e.port = ntohs(sa.sin6_port);
  const auto* b = reinterpret_cast<const std::uint8_t*>(&sa.sin6_addr);
  e.address = std::memcmp(b, kMappedPrefix, 12) == 0 ? IpAddress::v4_bytes(b + 12) : IpAddress::v6_bytes(b);
  return e;
}

void to_sockaddr(const Endpoint& e, sockaddr_in6& sa) {
  std::memset(&sa, 0, sizeof sa);
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(e.port);
  auto* b = reinterpret_cast<std::uint8_t*>(&sa.sin6_addr);
  if (e.address.is_v4()) {
    std::memcpy(b, kMappedPrefix, 12);
    std::memcpy(b + 12, e.address.bytes.data(), 4);
  } else {
    std::memcpy(b, e.address.bytes.data(), 16);
  }
}

}  // namespace

bool UdpSocket::wait_writable() {
  pollfd p{fd_, POLLOUT, 0};
  return ::poll(&p, 1, 5) == 1;  // the send buffer drains in microseconds; give up after 5 ms
}

UdpSocket::UdpSocket() : rx_storage_(kBatch * kBufSize) {}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

int UdpSocket::bind(std::uint16_t port) {
  int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int off = 0;
  ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  int buf = 4 << 20;  // bursts of a fast peer must not overflow the default 208 KiB
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
  if (fwmark_) ::setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark_, sizeof fwmark_);
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = in6addr_any;
  sa.sin6_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    int e = errno;
    ::close(fd);
    return e;
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  port_ = ntohs(sa.sin6_port);
  return 0;
}

int UdpSocket::set_fwmark(std::uint32_t mark) {
  fwmark_ = mark;
  if (fd_ >= 0 && ::setsockopt(fd_, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) return errno;
  return 0;
}

std::span<Datagram> UdpSocket::receive() {
  for (std::size_t i = 0; i < kBatch; ++i) {
    rx_iov_[i] = {rx_storage_.data() + i * kBufSize, kBufSize};
    rx_msgs_[i].msg_hdr = msghdr{};
    rx_msgs_[i].msg_hdr.msg_iov = &rx_iov_[i];
    rx_msgs_[i].msg_hdr.msg_iovlen = 1;
    rx_msgs_[i].msg_hdr.msg_name = &rx_addr_[i];
    rx_msgs_[i].msg_hdr.msg_namelen = sizeof rx_addr_[i];
  }
  int n = ::recvmmsg(fd_, rx_msgs_.data(), kBatch, MSG_DONTWAIT, nullptr);
  if (n <= 0) return {};
  std::size_t count = 0;
  for (int i = 0; i < n; ++i) {
    if (rx_msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) continue;  // larger than any WireGuard message we accept
    rx_datagrams_[count++] = Datagram{from_sockaddr(rx_addr_[i]), rx_storage_.data() + i * kBufSize,
                                      rx_msgs_[i].msg_len};
  }
  return {rx_datagrams_.data(), count};
}

std::size_t UdpSocket::send(std::span<const Transmit> transmits) {
  std::size_t refused = 0;
  while (!transmits.empty()) {
    std::size_t n = std::min(transmits.size(), kBatch);
    for (std::size_t i = 0; i < n; ++i) {
      to_sockaddr(transmits[i].to, tx_addr_[i]);
      tx_iov_[i] = {const_cast<std::uint8_t*>(transmits[i].data), transmits[i].len};
      tx_msgs_[i].msg_hdr = msghdr{};
      tx_msgs_[i].msg_hdr.msg_iov = &tx_iov_[i];
      tx_msgs_[i].msg_hdr.msg_iovlen = 1;
      tx_msgs_[i].msg_hdr.msg_name = &tx_addr_[i];
      tx_msgs_[i].msg_hdr.msg_namelen = sizeof tx_addr_[i];
    }
    std::size_t done = 0;
    while (done < n) {
      int sent = ::sendmmsg(fd_, tx_msgs_.data() + done, static_cast<unsigned>(n - done), 0);
      if (sent < 0) {
        if (errno == EINTR) continue;
        if ((errno == EAGAIN || errno == ENOBUFS) && wait_writable()) continue;
        ++refused;  // this one failed (no route, unreachable); carry on with the rest
        ++done;
        continue;
      }
      done += static_cast<std::size_t>(sent);
    }
    transmits = transmits.subspan(n);
  }
  return refused;
}

}  // namespace anymesh::wg
