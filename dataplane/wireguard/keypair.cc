// Transport data sealing and opening (whitepaper 5.4.6).
#include "dataplane/wireguard/keypair.h"

#include "dataplane/packet/bytes.h"

#include <cstring>

namespace anymesh::wg {

Keypair::Keypair(const SessionKeys& keys, std::chrono::nanoseconds now)
    : sender_(keys.sending, true),
      receiver_(keys.receiving, false),
      local_index_(keys.local_index),
      remote_index_(keys.remote_index),
      created_(now),
      initiator_(keys.initiator) {}

bool Keypair::can_send(std::chrono::nanoseconds now) const {
  return send_counter_ < kRejectAfterMessages && now - created_ < kRejectAfterTime;
}

bool Keypair::can_receive(std::chrono::nanoseconds now) const { return now - created_ < kRejectAfterTime; }

std::size_t Keypair::seal(std::uint8_t* data, std::size_t len, std::size_t mtu) {
  if (send_counter_ >= kRejectAfterMessages) return 0;
  std::size_t padded = (len + transport::padding - 1) & ~(transport::padding - 1);
  if (padded > mtu) padded = len > mtu ? len : mtu;
  std::memset(data + len, 0, padded - len);
  std::uint64_t counter = send_counter_++;
  std::uint8_t* msg = data - kHeadroom;
  msg[0] = static_cast<std::uint8_t>(MessageType::transport_data);
  msg[1] = msg[2] = msg[3] = 0;
  store_le32(msg + transport::receiver, remote_index_);
  store_le64(msg + transport::counter, counter);
  if (!sender_.seal(counter, data, padded, data)) return 0;
  return kHeadroom + padded + kTagLen;
}

Keypair::OpenResult Keypair::open(std::uint8_t* msg, std::size_t len, std::size_t& plain_len) {
  std::uint64_t counter = load_le64(msg + transport::counter);
  std::uint8_t* body = msg + transport::header_size;
  std::size_t sealed = len - transport::header_size;
  if (counter >= kRejectAfterMessages || !receiver_.open(counter, body, sealed, body)) {
    return OpenResult::decrypt_failed;
  }
  // Only an authenticated counter may move the window (whitepaper 5.4.6).
  if (!replay_.accept(counter, kRejectAfterMessages)) return OpenResult::replayed;
  plain_len = sealed - kTagLen;
  return OpenResult::ok;
}

}  // namespace anymesh::wg
