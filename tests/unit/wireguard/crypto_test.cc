// Known answers for the primitives: BLAKE2s, keyed BLAKE2s, HMAC, X25519, ChaCha20-Poly1305.
#include <catch2/catch.hpp>
#include <sodium.h>

#include <cstring>
#include <string>

#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/key.h"

using namespace anymesh::wg;

namespace {
std::string hex(Bytes b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}
Bytes text(const char* s) { return {reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)}; }
}  // namespace

TEST_CASE("BLAKE2s-256 of the empty string and of abc match RFC 7693") {
  CHECK(hex(blake2s({})) == "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9");
  CHECK(hex(blake2s({text("abc")})) == "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
  CHECK(hex(blake2s({text("a"), text("bc")})) == hex(blake2s({text("abc")})));
}

TEST_CASE("keyed BLAKE2s-128 matches RFC 7693 with a 16-byte digest (Python hashlib as reference)") {
  std::uint8_t key[32];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<std::uint8_t>(i);
  CHECK(hex(keyed_mac({key, 32}, {})) == "9536f9b267655743dee97b8a670f9f53");
  CHECK(hex(keyed_mac({key, 16}, text("mac1 over a handshake message"))) == "2bf6cd6d8148d35c4ad1cead068cd3fe");
}

TEST_CASE("HMAC-BLAKE2s matches RFC 2104 built from BLAKE2s") {
  std::uint8_t key[32] = {1, 2, 3};
  Hash mac = hmac({key, 32}, {text("hello")});
  // RFC 2104 by hand: H((K ^ opad) || H((K ^ ipad) || m)), block size 64.
  std::uint8_t ipad[64], opad[64];
  for (int i = 0; i < 64; ++i) {
    std::uint8_t k = i < 32 ? key[i] : 0;
    ipad[i] = k ^ 0x36;
    opad[i] = k ^ 0x5c;
  }
  Hash inner = blake2s({{ipad, 64}, text("hello")});
  Hash outer = blake2s({{opad, 64}, inner});
  CHECK(mac == outer);
}

TEST_CASE("X25519 public key matches wg pubkey and both sides agree on the shared secret") {
  auto priv = key_from_base64("LO4sQqm7SYUN2S4kTvTDMtK/qTSwkn+9J3iSDD/+c2U=");
  REQUIRE(priv);
  CHECK(key_to_base64(public_key_of(*priv)) == "Rx6s0Ix24MQO4DUpFBHqDlsMwN890CtvVnymGLkdDRo=");
  Key a = generate_private_key(), b = generate_private_key();
  Key ab{}, ba{};
  REQUIRE(x25519(ab, a, public_key_of(b)));
  REQUIRE(x25519(ba, b, public_key_of(a)));
  CHECK(ab == ba);
}

TEST_CASE("X25519 refuses a low-order public key") {
  Key zero{};
  Key out{};
  CHECK_FALSE(x25519(out, generate_private_key(), zero));
}

TEST_CASE("generated private keys are clamped like wg genkey") {
  for (int i = 0; i < 16; ++i) {
    Key k = generate_private_key();
    CHECK((k[0] & 7) == 0);
    CHECK((k[31] & 0x80) == 0);
    CHECK((k[31] & 0x40) == 0x40);
  }
}

TEST_CASE("reused ChaCha20-Poly1305 context agrees with libsodium for many counters and sizes") {
  Key key = generate_private_key();
  AeadContext enc(key, true), dec(key, false);
  for (std::uint64_t counter : {0ull, 1ull, 2ull, 255ull, 1ull << 40}) {
    // Both sides of AeadContext::kSmallMessage (libsodium below, OpenSSL EVP above).
    for (std::size_t len : {0u, 1u, 15u, 16u, 64u, 511u, 512u, 513u, 1420u}) {
      std::vector<std::uint8_t> plain(len, static_cast<std::uint8_t>(counter + len));
      std::vector<std::uint8_t> ours(len + 16), theirs(len + 16);
      REQUIRE(enc.seal(counter, plain.data(), len, ours.data()));
      std::uint8_t nonce[12] = {};
      for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(counter >> (8 * i));
      unsigned long long out_len = 0;
      crypto_aead_chacha20poly1305_ietf_encrypt(theirs.data(), &out_len, plain.data(), len, nullptr, 0, nullptr,
                                                nonce, key.data());
      CHECK(ours == theirs);
      std::vector<std::uint8_t> back(len + 1);
      REQUIRE(dec.open(counter, ours.data(), ours.size(), back.data()));
      CHECK(std::equal(plain.begin(), plain.end(), back.begin()));
      ours[0] ^= 1;
      CHECK_FALSE(dec.open(counter, ours.data(), ours.size(), back.data()));
      CHECK_FALSE(dec.open(counter + 1, theirs.data(), theirs.size(), back.data()));
    }
  }
}

TEST_CASE("one-shot AEAD binds the associated data") {
  Key key = generate_private_key();
  std::uint8_t sealed[32 + 16], out[32];
  std::uint8_t plain[32] = {7};
  REQUIRE(aead_seal(key, 0, plain, text("hash"), sealed));
  CHECK(aead_open(key, 0, sealed, text("hash"), out));
  CHECK_FALSE(aead_open(key, 0, sealed, text("hasH"), out));
}

TEST_CASE("XChaCha20-Poly1305 round trip and tamper detection") {
  Key key = generate_private_key();
  std::uint8_t nonce[24] = {9};
  std::uint8_t plain[16] = {1, 2, 3}, sealed[32], out[16];
  REQUIRE(xaead_seal(key, nonce, plain, text("ad"), sealed));
  REQUIRE(xaead_open(key, nonce, sealed, text("ad"), out));
  CHECK(std::memcmp(out, plain, 16) == 0);
  sealed[31] ^= 0x80;
  CHECK_FALSE(xaead_open(key, nonce, sealed, text("ad"), out));
}
