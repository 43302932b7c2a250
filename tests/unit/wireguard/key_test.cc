// Key text formats: base64 as wg genkey/pubkey write it, hex as the UAPI carries it.
#include <catch2/catch.hpp>

#include "dataplane/wireguard/key.h"

using namespace anymesh::wg;

TEST_CASE("base64 keys round trip and match wg's format") {
  for (int i = 0; i < 32; ++i) {
    Key k = generate_private_key();
    auto text = key_to_base64(k);
    CHECK(text.size() == 44);
    CHECK(text.back() == '=');
    auto back = key_from_base64(text);
    REQUIRE(back);
    CHECK(*back == k);
  }
}

TEST_CASE("base64 parser rejects every malformed key") {
  const char* good = "LO4sQqm7SYUN2S4kTvTDMtK/qTSwkn+9J3iSDD/+c2U=";
  CHECK(key_from_base64(good));
  CHECK_FALSE(key_from_base64(""));
  CHECK_FALSE(key_from_base64("LO4sQqm7SYUN2S4kTvTDMtK/qTSwkn+9J3iSDD/+c2U"));     // 43 chars
  CHECK_FALSE(key_from_base64("LO4sQqm7SYUN2S4kTvTDMtK/qTSwkn+9J3iSDD/+c2U=="));   // 45 chars
  CHECK_FALSE(key_from_base64("LO4sQqm7SYUN2S4kTvTDMtK/qTSwkn+9J3iSDD/+c2UA"));    // no padding
  CHECK_FALSE(key_from_base64("LO4sQqm7SYUN2S4kTvTDMtK/qTSwkn+9J3iSDD/+c2V="));    // non-canonical tail
  CHECK_FALSE(key_from_base64("LO4sQqm7SYUN2S4kTvTDMtK/qTSwkn+9J3iSDD/+c2!="));    // bad character
  CHECK_FALSE(key_from_base64("LO4sQqm7SYUN2S4kTvTDMtK-qTSwkn+9J3iSDD/+c2U="));    // url-safe alphabet
}

TEST_CASE("hex keys round trip and reject bad digits") {
  Key k = generate_private_key();
  auto text = key_to_hex(k);
  CHECK(text.size() == 64);
  CHECK(key_from_hex(text) == k);
  CHECK_FALSE(key_from_hex(text.substr(1)));
  text[5] = 'g';
  CHECK_FALSE(key_from_hex(text));
}
