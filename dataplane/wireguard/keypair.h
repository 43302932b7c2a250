// Keypair: one session's transport keys, send counter and replay window; seals and opens data messages.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/messages.h"
#include "dataplane/wireguard/noise.h"
#include "dataplane/wireguard/replay_window.h"

namespace anymesh::wg {

// Buffers handed to seal() hold the plaintext at `data` with kHeadroom writable bytes before it
// (the message header) and kTailroom after it (padding and the tag), so sealing happens in place.
inline constexpr std::size_t kHeadroom = transport::header_size;
inline constexpr std::size_t kTailroom = transport::padding - 1 + kTagLen;

class Keypair {
 public:
  Keypair(const SessionKeys& keys, std::chrono::nanoseconds now);

  std::uint32_t local_index() const { return local_index_; }
  std::uint32_t remote_index() const { return remote_index_; }
  bool initiator() const { return initiator_; }
  std::chrono::nanoseconds created() const { return created_; }
  std::uint64_t send_counter() const { return send_counter_; }

  bool can_send(std::chrono::nanoseconds now) const;
  bool can_receive(std::chrono::nanoseconds now) const;

  // Seals len plaintext bytes at data (padded to 16, but not beyond mtu) into a transport message that
  // starts at data - kHeadroom. Returns the message length, 0 if the keypair is spent.
  std::size_t seal(std::uint8_t* data, std::size_t len, std::size_t mtu);

  // Opens a whole transport message in place: the plaintext lands at msg + header_size.
  // Returns the plaintext length (with padding) or -1 when authentication or the replay check fails.
  enum class OpenResult : std::uint8_t { ok, decrypt_failed, replayed };
  OpenResult open(std::uint8_t* msg, std::size_t len, std::size_t& plain_len);

 private:
  AeadContext sender_;
  AeadContext receiver_;
  ReplayWindow replay_;
  std::uint64_t send_counter_ = 0;
  std::uint32_t local_index_;
  std::uint32_t remote_index_;
  std::chrono::nanoseconds created_;
  bool initiator_;
};

}  // namespace anymesh::wg
