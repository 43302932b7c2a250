// One emulator port: an AF_PACKET socket on a veth in am-wan, received and sent in batches.
#pragma once

#include "lab/wanem/vnet_header.h"
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>

#include "lab/wanem/frame_pool.h"

namespace anymesh::lab {

struct PortCounters {
  std::uint64_t rx = 0;
  std::uint64_t tx = 0;
  std::uint64_t tx_errors = 0;  // the kernel refused a frame (full veth backlog, interface down)
  std::uint64_t oversize = 0;   // frame larger than a slot (GSO left on somewhere): dropped
  std::uint64_t pool_drops = 0; // no free slot for a frame
};

class Port {
 public:
  static constexpr int kBatch = 32;

  Port(std::string site, std::string ifname);
  ~Port();
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;

  // Opens and binds the socket; returns an error message or an empty string.
  std::string open();
  int fd() const { return fd_; }

  // Receives up to kBatch frames into slots taken from pool; fills ids and returns how many.
  // Checksums left for the device (CHECKSUM_PARTIAL on veth) are completed here, because the
  // frame leaves through a raw socket that will not finish them.
  int receive(FramePool& pool, SlotId* ids);

  // Queues a slot for transmission; flush() sends the batch and gives the slots back.
  void enqueue_tx(FramePool& pool, SlotId id) {
    tx_ids_[tx_count_++] = id;
    if (tx_count_ == kBatch) flush(pool);
  }
  void flush(FramePool& pool);

  const std::string& site() const { return site_; }
  const std::string& ifname() const { return ifname_; }
  PortCounters& counters() { return counters_; }

 private:
  std::string site_, ifname_;
  int fd_ = -1;
  PortCounters counters_;
  std::array<VnetHeader, kBatch> rx_vnet_{};
  std::array<iovec, kBatch * 2> rx_iov_{};
  std::array<mmsghdr, kBatch> rx_msgs_{};
  std::array<SlotId, kBatch> tx_ids_{};
  int tx_count_ = 0;
  VnetHeader tx_vnet_{};  // all zero: no offload asked for on transmit
  std::array<iovec, kBatch * 2> tx_iov_{};
  std::array<mmsghdr, kBatch> tx_msgs_{};
};

}  // namespace anymesh::lab
