// Base64 and hex encodings of 32-byte keys, strict on input.
#include "dataplane/wireguard/key.h"

namespace anymesh::wg {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string key_to_base64(const Key& key) {
  std::string out;
  out.reserve(44);
  for (std::size_t i = 0; i < 32; i += 3) {
    std::uint32_t v = static_cast<std::uint32_t>(key[i]) << 16;
    if (i + 1 < 32) v |= static_cast<std::uint32_t>(key[i + 1]) << 8;
    if (i + 2 < 32) v |= key[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < 32 ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < 32 ? kAlphabet[v & 63] : '=';
  }
  return out;
}

std::optional<Key> key_from_base64(std::string_view text) {
  if (text.size() != 44 || text[43] != '=') return std::nullopt;
  Key key{};
  std::size_t out = 0;
  for (std::size_t i = 0; i < 40; i += 4) {
    std::uint32_t v = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      int d = base64_value(text[i + j]);
      if (d < 0) return std::nullopt;
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    key[out++] = static_cast<std::uint8_t>(v >> 16);
    key[out++] = static_cast<std::uint8_t>(v >> 8);
    key[out++] = static_cast<std::uint8_t>(v);
  }
  int a = base64_value(text[40]), b = base64_value(text[41]), c = base64_value(text[42]);
  // The last character carries 6 bits of which only the top 4 belong to the key: the rest must be 0.
  if (a < 0 || b < 0 || c < 0 || (c & 3) != 0) return std::nullopt;
  std::uint32_t v = (static_cast<std::uint32_t>(a) << 12) | (static_cast<std::uint32_t>(b) << 6) |
                    static_cast<std::uint32_t>(c);
  key[out++] = static_cast<std::uint8_t>(v >> 10);
  key[out++] = static_cast<std::uint8_t>(v >> 2);
  return key;
}

std::string key_to_hex(const Key& key) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (auto b : key) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::optional<Key> key_from_hex(std::string_view text) {
  if (text.size() != 64) return std::nullopt;
  Key key{};
  for (std::size_t i = 0; i < 32; ++i) {
    int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    key[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return key;
}

}  // namespace anymesh::wg
