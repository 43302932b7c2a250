// WireGuard protocol constants and message layouts (whitepaper section 5.4), all in one place.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace anymesh::wg {

using namespace std::chrono_literals;

inline constexpr char kConstruction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
inline constexpr char kIdentifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
inline constexpr char kLabelMac1[] = "mac1----";
inline constexpr char kLabelCookie[] = "cookie--";

enum class MessageType : std::uint8_t {
  handshake_initiation = 1,
  handshake_response = 2,
  cookie_reply = 3,
  transport_data = 4,
};

inline constexpr std::size_t kKeyLen = 32;
inline constexpr std::size_t kTagLen = 16;      // Poly1305
inline constexpr std::size_t kMacLen = 16;      // keyed BLAKE2s-128
inline constexpr std::size_t kCookieLen = 16;
inline constexpr std::size_t kTimestampLen = 12;  // TAI64N
inline constexpr std::size_t kCookieNonceLen = 24;

// Handshake initiation: type|reserved(3)|sender|ephemeral|static(+tag)|timestamp(+tag)|mac1|mac2.
namespace initiation {
inline constexpr std::size_t sender = 4;
inline constexpr std::size_t ephemeral = 8;
inline constexpr std::size_t encrypted_static = 40;
inline constexpr std::size_t encrypted_timestamp = 88;
inline constexpr std::size_t mac1 = 116;
inline constexpr std::size_t mac2 = 132;
inline constexpr std::size_t size = 148;
}  // namespace initiation

// Handshake response: type|reserved(3)|sender|receiver|ephemeral|empty(tag)|mac1|mac2.
namespace response {
inline constexpr std::size_t sender = 4;
inline constexpr std::size_t receiver = 8;
inline constexpr std::size_t ephemeral = 12;
inline constexpr std::size_t encrypted_nothing = 44;
inline constexpr std::size_t mac1 = 60;
inline constexpr std::size_t mac2 = 76;
inline constexpr std::size_t size = 92;
}  // namespace response

// Cookie reply: type|reserved(3)|receiver|nonce(24)|cookie(16+tag).
namespace cookie_reply {
inline constexpr std::size_t receiver = 4;
inline constexpr std::size_t nonce = 8;
inline constexpr std::size_t encrypted_cookie = 32;
inline constexpr std::size_t size = 64;
}  // namespace cookie_reply

// Transport data: type|reserved(3)|receiver|counter(8, little endian)|ciphertext+tag.
namespace transport {
inline constexpr std::size_t receiver = 4;
inline constexpr std::size_t counter = 8;
inline constexpr std::size_t header_size = 16;
inline constexpr std::size_t min_size = header_size + kTagLen;  // a keepalive
inline constexpr std::size_t padding = 16;
}  // namespace transport

// Timers and limits (whitepaper section 6).
inline constexpr std::uint64_t kRekeyAfterMessages = 1ull << 60;
inline constexpr std::uint64_t kRejectAfterMessages = UINT64_MAX - (1ull << 13);
inline constexpr std::chrono::nanoseconds kRekeyAfterTime = 120s;
inline constexpr std::chrono::nanoseconds kRejectAfterTime = 180s;
inline constexpr std::chrono::nanoseconds kRekeyAttemptTime = 90s;
inline constexpr std::chrono::nanoseconds kRekeyTimeout = 5s;
inline constexpr std::chrono::nanoseconds kRekeyTimeoutJitterMax = 334ms;
inline constexpr std::chrono::nanoseconds kKeepaliveTimeout = 10s;
inline constexpr std::chrono::nanoseconds kCookieSecretMaxAge = 120s;
inline constexpr std::chrono::nanoseconds kCookieSecretLatency = 5s;
inline constexpr std::chrono::nanoseconds kHandshakeInitiationRate = 20ms;  // 50 per second per peer
inline constexpr std::size_t kMaxStagedPackets = 128;
inline constexpr std::size_t kMaxPeers = 1u << 16;

inline constexpr std::uint16_t kDefaultMtu = 1420;

}  // namespace anymesh::wg
