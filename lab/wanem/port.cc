// AF_PACKET port: batched recvmmsg/sendmmsg with a virtio-net header so offloaded checksums can be completed.
#include "lab/wanem/port.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace anymesh::lab {
namespace {

// Ones' complement sum over [p, p+n), folded; the checksum field already holds the pseudo-header sum.
std::uint16_t fold_checksum(const std::uint8_t* p, std::size_t n) {
  std::uint64_t sum = 0;
  for (; n >= 2; p += 2, n -= 2) sum += static_cast<std::uint32_t>(p[0] << 8 | p[1]);
  if (n) sum += static_cast<std::uint32_t>(p[0] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

void complete_checksum(std::uint8_t* frame, std::uint32_t len, const VnetHeader& vnet) {
  const std::uint32_t start = vnet.csum_start;
  const std::uint32_t field = start + vnet.csum_offset;
  if (field + 2 > len) return;
  std::uint16_t csum = fold_checksum(frame + start, len - start);
  // UDP (field at offset 6) uses 0 for "no checksum"; a computed zero is sent as all ones.
  if (csum == 0 && vnet.csum_offset == 6) csum = 0xffff;
  frame[field] = static_cast<std::uint8_t>(csum >> 8);
  frame[field + 1] = static_cast<std::uint8_t>(csum & 0xff);
}

bool set_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value) == 0;
}

}  // namespace

Port::Port(std::string site, std::string ifname) : site_(std::move(site)), ifname_(std::move(ifname)) {}

Port::~Port() {
  if (fd_ >= 0) close(fd_);
}

std::string Port::open() {
  const unsigned ifindex = if_nametoindex(ifname_.c_str());
  if (ifindex == 0) return "no interface " + ifname_;
  fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd_ < 0) return "socket(AF_PACKET): " + std::string(strerror(errno));
  // Without IGNORE_OUTGOING the socket would read back every frame it sends.
  if (!set_int(fd_, SOL_PACKET, PACKET_VNET_HDR, 1) || !set_int(fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1) ||
      !set_int(fd_, SOL_PACKET, PACKET_QDISC_BYPASS, 1))
    return "setsockopt(SOL_PACKET) on " + ifname_ + ": " + strerror(errno);
  set_int(fd_, SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20);
  set_int(fd_, SOL_SOCKET, SO_SNDBUFFORCE, 8 << 20);
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return "bind " + ifname_ + ": " + strerror(errno);
  packet_mreq promisc{};
  promisc.mr_ifindex = static_cast<int>(ifindex);
  promisc.mr_type = PACKET_MR_PROMISC;
  setsockopt(fd_, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &promisc, sizeof promisc);
  for (int i = 0; i < kBatch; ++i) {
    tx_iov_[2 * i] = iovec{&tx_vnet_, sizeof tx_vnet_};
    tx_msgs_[i].msg_hdr.msg_iov = &tx_iov_[2 * i];
    tx_msgs_[i].msg_hdr.msg_iovlen = 2;
    rx_iov_[2 * i] = iovec{&rx_vnet_[i], sizeof(VnetHeader)};
    rx_msgs_[i].msg_hdr.msg_iov = &rx_iov_[2 * i];
    rx_msgs_[i].msg_hdr.msg_iovlen = 2;
  }
  return {};
}

int Port::receive(FramePool& pool, SlotId* ids) {
  int want = 0;
  for (; want < kBatch; ++want) {
    if (!pool.take(ids[want])) break;
    rx_iov_[2 * want + 1] = iovec{pool.data(ids[want]), FramePool::kSlotBytes};
    rx_msgs_[want].msg_hdr.msg_flags = 0;
  }
  if (want == 0) {
    // No slot left: drain one frame anyway so the socket does not stall, and count it.
    std::uint8_t sink[64];
    if (recv(fd_, sink, sizeof sink, MSG_DONTWAIT | MSG_TRUNC) >= 0) ++counters_.pool_drops;
    return 0;
  }
  const int got = recvmmsg(fd_, rx_msgs_.data(), static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
  const int n = got < 0 ? 0 : got;
  int kept = 0;
  for (int i = 0; i < n; ++i) {
    const auto& msg = rx_msgs_[i];
    const SlotId id = ids[i];
    // A GSO frame that fits a slot is a single segment (the lab sets gso_max_segs 1): forward it.
    if ((msg.msg_hdr.msg_flags & MSG_TRUNC) || msg.msg_len <= sizeof(VnetHeader)) {
      ++counters_.oversize;
      pool.give_back(id);
      continue;
    }
    const auto len = static_cast<std::uint32_t>(msg.msg_len - sizeof(VnetHeader));
    if (rx_vnet_[i].flags & kVnetNeedsChecksum) complete_checksum(pool.data(id), len, rx_vnet_[i]);
    pool.length(id) = len;
    ids[kept++] = id;
  }
  for (int i = n; i < want; ++i) pool.give_back(ids[i]);
  counters_.rx += static_cast<std::uint64_t>(kept);
  return kept;
}

void Port::flush(FramePool& pool) {
  if (tx_count_ == 0) return;
  for (int i = 0; i < tx_count_; ++i) {
    tx_iov_[2 * i + 1] = iovec{pool.data(tx_ids_[i]), pool.length(tx_ids_[i])};
  }
  int done = 0;
  while (done < tx_count_) {
    const int sent = sendmmsg(fd_, tx_msgs_.data() + done, static_cast<unsigned>(tx_count_ - done), MSG_DONTWAIT);
    if (sent <= 0) {
      // The frame at `done` was refused; count it and carry on with the rest of the batch.
      ++counters_.tx_errors;
      ++done;
      continue;
    }
    counters_.tx += static_cast<std::uint64_t>(sent);
    done += sent;
  }
  for (int i = 0; i < tx_count_; ++i) pool.give_back(tx_ids_[i]);
  tx_count_ = 0;
}

}  // namespace anymesh::lab
