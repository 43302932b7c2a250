// The four measured operations of the seal/open benchmark: raw AEAD seal/open and Keypair seal/open.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/crypto/workload.h"
#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/keypair.h"

namespace anymesh::bench {

// Packets are measured in batches of this many, the burst shape of the data path (DPDK bursts,
// recvmmsg/sendmmsg): one clock read pair per batch keeps timer overhead below about 1 %.
inline constexpr std::size_t kBatch = 32;

// What the timed part of a run did.
struct Tally {
  std::chrono::nanoseconds timed{0};
  std::uint64_t packets = 0;
  std::uint64_t plaintext_bytes = 0;  // unpadded, what the application sent
  std::uint64_t failures = 0;         // an open that did not authenticate: the run is invalid
};

// Packet buffers with room for the transport header before and padding plus tag after the
// plaintext. 256 slots of 1.5 KiB (384 KiB) stay in L2, like a burst the NIC just delivered.
class PacketRing {
 public:
  static constexpr std::size_t kSlots = 256;
  static constexpr std::size_t kStride = 1536;
  static constexpr std::size_t kDataOffset = 64;  // cache-line aligned plaintext, header in front
  static_assert(kSlots % kBatch == 0);
  static_assert(kDataOffset >= wg::kHeadroom && kDataOffset + kTunnelMtu + wg::kTailroom <= kStride);

  PacketRing();
  std::uint8_t* data(std::size_t slot) { return storage_.data() + slot * kStride + kDataOffset; }
  std::uint8_t* message(std::size_t slot) { return data(slot) - wg::kHeadroom; }

 private:
  std::vector<std::uint8_t> storage_;
};

// One measured operation. batch() runs kBatch packets and adds the timed part to the tally;
// untimed preparation (sealing messages for the open benchmarks) happens outside the clock reads.
class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void batch(Tally& tally) = 0;
};

// AeadContext::seal in place: the per-core physical limit, same key, one nonce per packet.
class RawSeal final : public Kernel {
 public:
  explicit RawSeal(Workload workload);
  void batch(Tally& tally) override;

 private:
  Workload workload_;
  PacketRing ring_;
  wg::AeadContext sender_;
  std::uint64_t counter_ = 0;
  std::size_t slot_ = 0;
};

// AeadContext::open in place of messages sealed just before (untimed), each counter once.
class RawOpen final : public Kernel {
 public:
  explicit RawOpen(Workload workload);
  void batch(Tally& tally) override;

 private:
  void reseal_ring();

  Workload workload_;
  PacketRing ring_;
  wg::AeadContext sender_;
  wg::AeadContext receiver_;
  std::uint64_t counter_ = 0;
  std::vector<std::uint64_t> counters_;
  std::vector<std::size_t> lengths_;
  std::size_t slot_ = PacketRing::kSlots;  // empty: reseal first
};

// Keypair::seal: header, padding, counter and AEAD, i.e. a whole transport data message.
class KeypairSeal final : public Kernel {
 public:
  explicit KeypairSeal(Workload workload);
  void batch(Tally& tally) override;

 private:
  Workload workload_;
  PacketRing ring_;
  wg::Keypair keypair_;
  std::uint64_t sequence_ = 0;
  std::size_t slot_ = 0;
};

// Keypair::open with its replay window: a ring of messages pre-sealed by the matching keypair
// (sending and receiving keys swapped), opened in counter order so each counter is new exactly once.
class KeypairOpen final : public Kernel {
 public:
  explicit KeypairOpen(Workload workload);
  void batch(Tally& tally) override;

 private:
  void reseal_ring();

  Workload workload_;
  PacketRing ring_;
  wg::Keypair sender_;
  wg::Keypair receiver_;
  std::uint64_t sequence_ = 0;
  std::vector<std::size_t> message_lengths_;
  std::vector<std::size_t> plaintext_lengths_;
  std::size_t slot_ = PacketRing::kSlots;
};

}  // namespace anymesh::bench
