// MAC1/MAC2 computation and the XChaCha20-Poly1305 cookie reply.
#include "dataplane/wireguard/cookie.h"

#include "dataplane/packet/bytes.h"

#include <cstring>

namespace anymesh::wg {
namespace {

bool expired(std::chrono::nanoseconds birth, std::chrono::nanoseconds now, std::chrono::nanoseconds age) {
  return birth.count() < 0 || now - birth >= age;
}

}  // namespace

void CookieChecker::set_public_key(const Key& device_public_key) {
  mac1_key_ = blake2s({label_bytes(kLabelMac1), device_public_key});
  cookie_key_ = blake2s({label_bytes(kLabelCookie), device_public_key});
}

Mac CookieChecker::cookie_for(const Endpoint& source, std::chrono::nanoseconds now) {
  if (expired(secret_birth_, now, kCookieSecretMaxAge)) {
    random_bytes(secret_);
    secret_birth_ = now;
  }
  std::uint8_t addr[18];
  std::size_t n = source.address.size();
  std::memcpy(addr, source.address.bytes.data(), n);
  addr[n] = static_cast<std::uint8_t>(source.port >> 8);
  addr[n + 1] = static_cast<std::uint8_t>(source.port);
  return keyed_mac(secret_, {addr, n + 2});
}

CookieChecker::Verdict CookieChecker::check(const std::uint8_t* msg, std::size_t len, const Endpoint& source,
                                            std::chrono::nanoseconds now) {
  const std::uint8_t* mac1 = msg + len - 2 * kMacLen;
  const std::uint8_t* mac2 = msg + len - kMacLen;
  Mac expected = keyed_mac(mac1_key_, {msg, len - 2 * kMacLen});
  if (!constant_time_equal(expected, {mac1, kMacLen})) return Verdict::bad_mac1;
  if (expired(secret_birth_, now, kCookieSecretMaxAge)) return Verdict::mac1_only;
  Mac cookie = cookie_for(source, now);
  Mac expected2 = keyed_mac(cookie, {msg, len - kMacLen});
  return constant_time_equal(expected2, {mac2, kMacLen}) ? Verdict::mac1_and_mac2 : Verdict::mac1_only;
}

void CookieChecker::create_reply(std::uint8_t* reply, const std::uint8_t* msg, std::size_t len,
                                 std::uint32_t sender_index, const Endpoint& source, std::chrono::nanoseconds now) {
  std::memset(reply, 0, cookie_reply::size);
  reply[0] = static_cast<std::uint8_t>(MessageType::cookie_reply);
  store_le32(reply + cookie_reply::receiver, sender_index);
  random_bytes({reply + cookie_reply::nonce, kCookieNonceLen});
  Mac cookie = cookie_for(source, now);
  xaead_seal(cookie_key_, reply + cookie_reply::nonce, cookie, {msg + len - 2 * kMacLen, kMacLen},
             reply + cookie_reply::encrypted_cookie);
}

void CookieMaker::set_peer_public_key(const Key& peer_public_key) {
  mac1_key_ = blake2s({label_bytes(kLabelMac1), peer_public_key});
  cookie_key_ = blake2s({label_bytes(kLabelCookie), peer_public_key});
  cookie_birth_ = std::chrono::nanoseconds(-1);
  have_last_mac1_ = false;
}

bool CookieMaker::has_fresh_cookie(std::chrono::nanoseconds now) const {
  return !expired(cookie_birth_, now, kCookieSecretMaxAge - kCookieSecretLatency);
}

void CookieMaker::add_macs(std::uint8_t* msg, std::size_t len, std::chrono::nanoseconds now) {
  std::uint8_t* mac1 = msg + len - 2 * kMacLen;
  std::uint8_t* mac2 = msg + len - kMacLen;
  last_mac1_ = keyed_mac(mac1_key_, {msg, len - 2 * kMacLen});
  have_last_mac1_ = true;
  std::memcpy(mac1, last_mac1_.data(), kMacLen);
  if (has_fresh_cookie(now)) {
    Mac m2 = keyed_mac(cookie_, {msg, len - kMacLen});
    std::memcpy(mac2, m2.data(), kMacLen);
  } else {
    std::memset(mac2, 0, kMacLen);
  }
}

bool CookieMaker::consume_reply(const std::uint8_t* reply, std::chrono::nanoseconds now) {
  if (!have_last_mac1_) return false;
  Mac cookie{};
  if (!xaead_open(cookie_key_, reply + cookie_reply::nonce, {reply + cookie_reply::encrypted_cookie, kCookieLen + kTagLen},
                  last_mac1_, cookie.data())) {
    return false;
  }
  cookie_ = cookie;
  cookie_birth_ = now;
  return true;
}

}  // namespace anymesh::wg
