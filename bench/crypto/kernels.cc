// The measured operations: each batch() reads the clock once before and once after kBatch packets.
#include "bench/crypto/kernels.h"

#include <array>

namespace anymesh::bench {
namespace {

using Clock = std::chrono::steady_clock;

// One random key per direction, shared by every kernel: the initiator sends with `forward`, the
// responder with `backward`, as a finished handshake would leave them.
struct DirectionKeys {
  wg::Key forward{};
  wg::Key backward{};
  DirectionKeys() {
    wg::random_bytes(forward);
    wg::random_bytes(backward);
  }
};

const DirectionKeys& direction_keys() {
  static const DirectionKeys keys;
  return keys;
}

wg::SessionKeys session_keys(bool initiator) {
  const DirectionKeys& k = direction_keys();
  wg::SessionKeys keys;
  keys.sending = initiator ? k.forward : k.backward;
  keys.receiving = initiator ? k.backward : k.forward;
  keys.local_index = initiator ? 0x1111 : 0x2222;
  keys.remote_index = initiator ? 0x2222 : 0x1111;
  keys.initiator = initiator;
  return keys;
}

std::size_t length_at(const Workload& w, std::uint64_t sequence) {
  return w.lengths[sequence % w.lengths.size()];
}

}  // namespace

PacketRing::PacketRing() : storage_(kSlots * kStride) {
  // Arbitrary non-zero plaintext; its value does not change the cost of ChaCha20-Poly1305.
  for (std::size_t i = 0; i < storage_.size(); ++i) storage_[i] = static_cast<std::uint8_t>(i * 131 + 7);
}

RawSeal::RawSeal(Workload workload) : workload_(std::move(workload)), sender_(direction_keys().forward, true) {}

void RawSeal::batch(Tally& tally) {
  std::array<std::size_t, kBatch> lengths;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < kBatch; ++i) {
    lengths[i] = length_at(workload_, counter_ + i);
    bytes += lengths[i];
  }
  std::size_t first = slot_;
  slot_ = (slot_ + kBatch) % PacketRing::kSlots;
  std::uint64_t failures = 0;
  auto start = Clock::now();
  for (std::size_t i = 0; i < kBatch; ++i) {
    std::uint8_t* data = ring_.data(first + i);
    if (!sender_.seal(counter_++, data, lengths[i], data)) ++failures;
  }
  tally.timed += Clock::now() - start;
  tally.packets += kBatch;
  tally.plaintext_bytes += bytes;
  tally.failures += failures;
}

RawOpen::RawOpen(Workload workload)
    : workload_(std::move(workload)),
      sender_(direction_keys().forward, true),
      receiver_(direction_keys().forward, false),
      counters_(PacketRing::kSlots),
      lengths_(PacketRing::kSlots) {}

void RawOpen::reseal_ring() {
  for (std::size_t slot = 0; slot < PacketRing::kSlots; ++slot) {
    std::uint8_t* data = ring_.data(slot);
    lengths_[slot] = length_at(workload_, counter_);
    counters_[slot] = counter_;
    sender_.seal(counter_++, data, lengths_[slot], data);
  }
  slot_ = 0;
}

void RawOpen::batch(Tally& tally) {
  if (slot_ == PacketRing::kSlots) reseal_ring();
  std::size_t first = slot_;
  slot_ += kBatch;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < kBatch; ++i) bytes += lengths_[first + i];
  std::uint64_t failures = 0;
  auto start = Clock::now();
  for (std::size_t i = first; i < first + kBatch; ++i) {
    std::uint8_t* data = ring_.data(i);
    if (!receiver_.open(counters_[i], data, lengths_[i] + wg::kTagLen, data)) ++failures;
  }
  tally.timed += Clock::now() - start;
  tally.packets += kBatch;
  tally.plaintext_bytes += bytes;
  tally.failures += failures;
}

KeypairSeal::KeypairSeal(Workload workload)
    : workload_(std::move(workload)), keypair_(session_keys(true), std::chrono::nanoseconds(0)) {}

void KeypairSeal::batch(Tally& tally) {
  std::array<std::size_t, kBatch> lengths;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < kBatch; ++i) {
    lengths[i] = length_at(workload_, sequence_++);
    bytes += lengths[i];
  }
  std::size_t first = slot_;
  slot_ = (slot_ + kBatch) % PacketRing::kSlots;
  std::uint64_t failures = 0;
  auto start = Clock::now();
  for (std::size_t i = 0; i < kBatch; ++i) {
    if (keypair_.seal(ring_.data(first + i), lengths[i], kTunnelMtu) == 0) ++failures;
  }
  tally.timed += Clock::now() - start;
  tally.packets += kBatch;
  tally.plaintext_bytes += bytes;
  tally.failures += failures;
}

KeypairOpen::KeypairOpen(Workload workload)
    : workload_(std::move(workload)),
      sender_(session_keys(true), std::chrono::nanoseconds(0)),
      receiver_(session_keys(false), std::chrono::nanoseconds(0)),
      message_lengths_(PacketRing::kSlots),
      plaintext_lengths_(PacketRing::kSlots) {}

void KeypairOpen::reseal_ring() {
  for (std::size_t slot = 0; slot < PacketRing::kSlots; ++slot) {
    plaintext_lengths_[slot] = length_at(workload_, sequence_++);
    message_lengths_[slot] = sender_.seal(ring_.data(slot), plaintext_lengths_[slot], kTunnelMtu);
  }
  slot_ = 0;
}

void KeypairOpen::batch(Tally& tally) {
  if (slot_ == PacketRing::kSlots) reseal_ring();
  std::size_t first = slot_;
  slot_ += kBatch;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < kBatch; ++i) bytes += plaintext_lengths_[first + i];
  std::uint64_t failures = 0;
  auto start = Clock::now();
  for (std::size_t i = first; i < first + kBatch; ++i) {
    std::size_t plain_len = 0;
    if (receiver_.open(ring_.message(i), message_lengths_[i], plain_len) != wg::Keypair::OpenResult::ok) ++failures;
  }
  tally.timed += Clock::now() - start;
  tally.packets += kBatch;
  tally.plaintext_bytes += bytes;
  tally.failures += failures;
}

}  // namespace anymesh::bench
