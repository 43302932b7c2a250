// UdpSocket: the dual-stack UDP socket of a WireGuard interface, with batched receive and send
// (recvmmsg / sendmmsg) so the per-packet system call cost is shared by a whole burst.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/packet/buffer_area.h"
#include "dataplane/wireguard/device.h"

namespace anymesh::wg {

class UdpSocket {
 public:
  static constexpr std::size_t kBatch = 64;
  static constexpr std::size_t kBufSize = 2048;

  UdpSocket();
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // Binds to port (0: the kernel picks); returns 0 or errno. The old socket stays on failure.
  int bind(std::uint16_t port);
  int set_fwmark(std::uint32_t mark);
  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }

  // Receives up to kBatch datagrams into internal buffers; returns them (valid until the next call).
  std::span<Datagram> receive();
  // Sends every transmit; returns how many the kernel refused.
  std::size_t send(std::span<const Transmit> transmits);

 private:
  bool wait_writable();

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::uint32_t fwmark_ = 0;
  BufferArea rx_storage_;
  std::array<mmsghdr, kBatch> rx_msgs_{};
  std::array<iovec, kBatch> rx_iov_{};
  std::array<sockaddr_in6, kBatch> rx_addr_{};
  std::array<Datagram, kBatch> rx_datagrams_{};
  std::array<mmsghdr, kBatch> tx_msgs_{};
  std::array<iovec, kBatch> tx_iov_{};
  std::array<sockaddr_in6, kBatch> tx_addr_{};
};

}  // namespace anymesh::wg
