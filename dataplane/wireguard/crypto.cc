// OpenSSL 3 / libsodium implementations of the primitives in crypto.h.
#include "dataplane/wireguard/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sodium.h>

#include <cstring>
#include <stdexcept>

namespace anymesh::wg {
namespace {

// Fetched once: EVP_*_fetch does a provider lookup that costs more than a handshake's hashing.
struct Algorithms {
  EVP_MD* blake2s = EVP_MD_fetch(nullptr, "BLAKE2S-256", nullptr);
  EVP_MAC* blake2s_mac = EVP_MAC_fetch(nullptr, "BLAKE2SMAC", nullptr);
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  const EVP_CIPHER* chacha = EVP_chacha20_poly1305();
  Algorithms() {
    if (!blake2s || !blake2s_mac || !hmac || !chacha || sodium_init() < 0) {
      throw std::runtime_error("crypto: OpenSSL 3 lacks BLAKE2s/HMAC/ChaCha20-Poly1305 or libsodium failed");
    }
  }
};

const Algorithms& algorithms() {
  static const Algorithms a;
  return a;
}

void nonce_for(std::uint64_t counter, std::uint8_t nonce[12]) {
  std::memset(nonce, 0, 4);
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(counter >> (8 * i));
}

}  // namespace

void secure_zero(void* p, std::size_t n) { OPENSSL_cleanse(p, n); }

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    randombytes_buf(out.data(), out.size());
  }
}

bool constant_time_equal(Bytes a, Bytes b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_zero(Bytes b) {
  std::uint8_t acc = 0;
  for (auto x : b) acc |= x;
  return acc == 0;
}

Hash blake2s(std::initializer_list<Bytes> parts) {
  Hash out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestInit_ex(ctx, algorithms().blake2s, nullptr) == 1;
  for (auto part : parts) ok = ok && EVP_DigestUpdate(ctx, part.data(), part.size()) == 1;
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx, out.data(), &len) == 1 && len == out.size();
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("crypto: BLAKE2s failed");
  return out;
}

Mac keyed_mac(Bytes key, Bytes data) {
  Mac out{};
  std::size_t size = out.size();
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
      OSSL_PARAM_construct_end(),
  };
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(algorithms().blake2s_mac);
  std::size_t len = 0;
  bool ok = ctx && EVP_MAC_init(ctx, key.data(), key.size(), params) == 1 &&
            EVP_MAC_update(ctx, data.data(), data.size()) == 1 &&
            EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == out.size();
  EVP_MAC_CTX_free(ctx);
  if (!ok) throw std::runtime_error("crypto: keyed BLAKE2s failed");
  return out;
}

Hash hmac(Bytes key, std::initializer_list<Bytes> parts) {
  Hash out{};
  char digest[] = "BLAKE2S-256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(algorithms().hmac);
  bool ok = ctx && EVP_MAC_init(ctx, key.data(), key.size(), params) == 1;
  for (auto part : parts) ok = ok && EVP_MAC_update(ctx, part.data(), part.size()) == 1;
  std::size_t len = 0;
  ok = ok && EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == out.size();
  EVP_MAC_CTX_free(ctx);
  if (!ok) throw std::runtime_error("crypto: HMAC-BLAKE2s failed");
  return out;
}

void kdf(const Hash& chaining_key, Bytes input, std::initializer_list<Hash*> outputs) {
  Hash secret = hmac(chaining_key, {input});
  Hash previous{};
  std::uint8_t index = 1;
  for (Hash* out : outputs) {
    Bytes counter{&index, 1};
    previous = index == 1 ? hmac(secret, {counter}) : hmac(secret, {previous, counter});
    *out = previous;
    ++index;
  }
  secure_zero(secret);
  secure_zero(previous);
}

Key generate_private_key() {
  Key k{};
  random_bytes(k);
  k[0] &= 248;
  k[31] = static_cast<std::uint8_t>((k[31] & 127) | 64);
  return k;
}

Key public_key_of(const Key& private_key) {
  Key pub{};
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(), private_key.size());
  std::size_t len = pub.size();
  bool ok = pkey && EVP_PKEY_get_raw_public_key(pkey, pub.data(), &len) == 1 && len == pub.size();
  EVP_PKEY_free(pkey);
  if (!ok) throw std::runtime_error("crypto: X25519 public key");
  return pub;
}

bool x25519(Key& shared, const Key& private_key, const Key& public_key) {
  EVP_PKEY* mine = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(), private_key.size());
  EVP_PKEY* theirs = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, public_key.data(), public_key.size());
  EVP_PKEY_CTX* ctx = mine ? EVP_PKEY_CTX_new(mine, nullptr) : nullptr;
  std::size_t len = shared.size();
  // OpenSSL refuses an all-zero result (a low-order public key), as WireGuard requires.
  bool ok = ctx && theirs && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, theirs) == 1 &&
            EVP_PKEY_derive(ctx, shared.data(), &len) == 1 && len == shared.size() && !is_zero(shared);
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(theirs);
  EVP_PKEY_free(mine);
  if (!ok) secure_zero(shared);
  return ok;
}

bool aead_seal(const Key& key, std::uint64_t counter, Bytes plain, Bytes ad, std::uint8_t* out) {
  AeadContext ctx(key, true);
  return ctx.seal(counter, plain.data(), plain.size(), ad, out);
}

bool aead_open(const Key& key, std::uint64_t counter, Bytes sealed, Bytes ad, std::uint8_t* out) {
  AeadContext ctx(key, false);
  return ctx.open(counter, sealed.data(), sealed.size(), ad, out);
}

bool xaead_seal(const Key& key, const std::uint8_t* nonce24, Bytes plain, Bytes ad, std::uint8_t* out) {
  unsigned long long len = 0;
  return crypto_aead_xchacha20poly1305_ietf_encrypt(out, &len, plain.data(), plain.size(), ad.data(),
                                                    ad.size(), nullptr, nonce24, key.data()) == 0;
}

bool xaead_open(const Key& key, const std::uint8_t* nonce24, Bytes sealed, Bytes ad, std::uint8_t* out) {
  if (sealed.size() < 16u) return false;
  unsigned long long len = 0;
  return crypto_aead_xchacha20poly1305_ietf_decrypt(out, &len, nullptr, sealed.data(), sealed.size(),
                                                    ad.data(), ad.size(), nonce24, key.data()) == 0;
}

AeadContext::AeadContext(const Key& key, bool encrypt) : ctx_(EVP_CIPHER_CTX_new()), key_(key) {
  if (!ctx_ || EVP_CipherInit_ex(ctx_, algorithms().chacha, nullptr, key.data(), nullptr, encrypt ? 1 : 0) != 1) {
    EVP_CIPHER_CTX_free(ctx_);
    throw std::runtime_error("crypto: ChaCha20-Poly1305 context");
  }
}

AeadContext::~AeadContext() {
  EVP_CIPHER_CTX_free(ctx_);  // frees and cleanses OpenSSL's key state
  secure_zero(key_);
}

bool AeadContext::seal(std::uint64_t counter, const std::uint8_t* in, std::size_t len, Bytes ad, std::uint8_t* out) {
  std::uint8_t nonce[12];
  nonce_for(counter, nonce);
  if (len <= kSmallMessage) {
    return crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, out + len, nullptr, in, len, ad.data(), ad.size(),
                                                              nullptr, nonce, key_.data()) == 0;
  }
  int n = 0;
  if (EVP_CipherInit_ex(ctx_, nullptr, nullptr, nullptr, nonce, 1) != 1) return false;
  if (!ad.empty() && EVP_CipherUpdate(ctx_, nullptr, &n, ad.data(), static_cast<int>(ad.size())) != 1) return false;
  if (len > 0 && EVP_CipherUpdate(ctx_, out, &n, in, static_cast<int>(len)) != 1) return false;
  int fin = 0;
  if (EVP_CipherFinal_ex(ctx_, out + n, &fin) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, 16, out + len) == 1;
}

bool AeadContext::open(std::uint64_t counter, const std::uint8_t* in, std::size_t sealed_len, Bytes ad,
                       std::uint8_t* out) {
  if (sealed_len < 16) return false;
  std::size_t len = sealed_len - 16;
  std::uint8_t nonce[12];
  nonce_for(counter, nonce);
  if (len <= kSmallMessage) {
    return crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, nullptr, in, len, in + len, ad.data(), ad.size(),
                                                              nonce, key_.data()) == 0;
  }
  std::uint8_t tag[16];
  std::memcpy(tag, in + len, 16);  // in may alias out
  int n = 0;
  if (EVP_CipherInit_ex(ctx_, nullptr, nullptr, nullptr, nonce, 0) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1) return false;
  if (!ad.empty() && EVP_CipherUpdate(ctx_, nullptr, &n, ad.data(), static_cast<int>(ad.size())) != 1) return false;
  if (len > 0 && EVP_CipherUpdate(ctx_, out, &n, in, static_cast<int>(len)) != 1) return false;
  int fin = 0;
  return EVP_CipherFinal_ex(ctx_, out + n, &fin) == 1;
}

}  // namespace anymesh::wg
