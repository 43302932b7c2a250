// The cryptographic primitives WireGuard needs, as thin wrappers over OpenSSL 3 and libsodium.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

namespace anymesh::wg {

using Key = std::array<std::uint8_t, 32>;
using Hash = std::array<std::uint8_t, 32>;  // the same type as Key: KDF outputs are used as keys
using Mac = std::array<std::uint8_t, 16>;
using Bytes = std::span<const std::uint8_t>;

// Wipes secrets in a way the compiler may not elide.
void secure_zero(void* p, std::size_t n);
template <typename T>
void secure_zero(T& value) {
  secure_zero(&value, sizeof value);
}

void random_bytes(std::span<std::uint8_t> out);

// The bytes of a protocol label such as "mac1----", without its terminating NUL.
template <std::size_t N>
Bytes label_bytes(const char (&text)[N]) {
  return {reinterpret_cast<const std::uint8_t*>(text), N - 1};
}
bool constant_time_equal(Bytes a, Bytes b);
bool is_zero(Bytes b);  // constant time

// HASH(a || b || ...) with BLAKE2s-256.
Hash blake2s(std::initializer_list<Bytes> parts);
// MAC(key, data): keyed BLAKE2s with a 16-byte output; key is 1..32 bytes.
Mac keyed_mac(Bytes key, Bytes data);
// HMAC-BLAKE2s.
Hash hmac(Bytes key, std::initializer_list<Bytes> parts);
// KDF_n(key, input) for n = outputs.size() in 1..3.
void kdf(const Hash& chaining_key, Bytes input, std::initializer_list<Hash*> outputs);

// X25519. generate_private() clamps like `wg genkey`. derive() fails on a low-order result.
Key generate_private_key();
Key public_key_of(const Key& private_key);
bool x25519(Key& shared, const Key& private_key, const Key& public_key);

// One-shot ChaCha20-Poly1305 with a 64-bit counter nonce (handshake messages). seal: out gets
// ciphertext+tag; open: out gets sealed.size() - 16 bytes.
bool aead_seal(const Key& key, std::uint64_t counter, Bytes plain, Bytes ad, std::uint8_t* out);
bool aead_open(const Key& key, std::uint64_t counter, Bytes sealed, Bytes ad, std::uint8_t* out);
// XChaCha20-Poly1305 (cookie replies).
bool xaead_seal(const Key& key, const std::uint8_t* nonce24, Bytes plain, Bytes ad, std::uint8_t* out);
bool xaead_open(const Key& key, const std::uint8_t* nonce24, Bytes sealed, Bytes ad, std::uint8_t* out);

// A ChaCha20-Poly1305 context bound to one key, reused for every packet of a keypair's direction:
// the key schedule and the context allocation happen once, per packet only the nonce changes.
// Messages up to kSmallMessage bytes go through libsodium, larger ones through OpenSSL's EVP: at
// 64 B OpenSSL 3 spends much of each call on parameter lookups by name, while for large messages
// its AVX-512 code is faster than libsodium 1.0.18's (figures in bench/RESULTS.md). Both compute
// the same RFC 8439 AEAD; a unit test checks they agree byte for byte.
class AeadContext {
 public:
  AeadContext(const Key& key, bool encrypt);
  ~AeadContext();
  AeadContext(const AeadContext&) = delete;
  AeadContext& operator=(const AeadContext&) = delete;

  // In place allowed (in == out). seal writes len bytes of ciphertext then the tag.
  bool seal(std::uint64_t counter, const std::uint8_t* in, std::size_t len, Bytes ad, std::uint8_t* out);
  bool seal(std::uint64_t counter, const std::uint8_t* in, std::size_t len, std::uint8_t* out) {
    return seal(counter, in, len, {}, out);
  }
  // sealed_len includes the tag; out gets sealed_len - 16 bytes.
  bool open(std::uint64_t counter, const std::uint8_t* in, std::size_t sealed_len, Bytes ad, std::uint8_t* out);
  bool open(std::uint64_t counter, const std::uint8_t* in, std::size_t sealed_len, std::uint8_t* out) {
    return open(counter, in, sealed_len, {}, out);
  }

  static constexpr std::size_t kSmallMessage = 512;  // bytes of plaintext; measured crossover

 private:
  EVP_CIPHER_CTX* ctx_;
  Key key_;  // for the libsodium path; wiped by the destructor
};

}  // namespace anymesh::wg
