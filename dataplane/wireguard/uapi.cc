// UAPI set-request parsing and get-response formatting, value for value as wireguard-go 0.0.20220316.
#include "dataplane/wireguard/uapi.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace anymesh::wg {
namespace {

// strconv.ParseUint(s, 10, bits): one or more ASCII digits, no sign, no prefix, at most max.
std::optional<std::uint64_t> parse_decimal(std::string_view s, std::uint64_t max) {
  if (s.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (max - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's hex.DecodeString followed by an exact length check: 64 hex digits, either case.
std::optional<Key> parse_hex_key(std::string_view s) {
  Key key{};
  if (s.size() != key.size() * 2) return std::nullopt;
  for (std::size_t i = 0; i < key.size(); ++i) {
    int hi = hex_digit(s[2 * i]);
    int lo = hex_digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    key[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return key;
}

// netip.ParseAddr, minus zones (handled by the callers): inet_pton has the same acceptance rules for
// the forms that matter here (no leading zeros in IPv4 octets, at most four hex digits per group).
std::optional<IpAddress> parse_plain_address(std::string_view s) {
  if (s.find('%') != std::string_view::npos) return std::nullopt;
  return IpAddress::parse(s);
}

struct ZonedAddress {
  IpAddress address;
  std::string zone;
};

// netip.ParseAddr with zones: only IPv6 may carry one, and it must not be empty.
std::optional<ZonedAddress> parse_zoned_address(std::string_view s) {
  auto percent = s.find('%');
  if (percent == std::string_view::npos) {
    auto a = parse_plain_address(s);
    if (!a) return std::nullopt;
    return ZonedAddress{*a, {}};
  }
  auto zone = s.substr(percent + 1);
  auto a = parse_plain_address(s.substr(0, percent));
  if (zone.empty() || !a || a->is_v4()) return std::nullopt;
  return ZonedAddress{*a, std::string(zone)};
}

// netip.ParseAddrPort: split at the last ':'; brackets exactly when the address is IPv6.
std::optional<UapiEndpoint> parse_endpoint(std::string_view s) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto host = s.substr(0, colon);
  auto port_text = s.substr(colon + 1);
  if (host.empty() || port_text.empty()) return std::nullopt;
  bool bracketed = false;
  if (host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
    bracketed = true;
  }
  auto port = parse_decimal(port_text, 0xffff);
  auto addr = parse_zoned_address(host);
  if (!port || !addr || bracketed == addr->address.is_v4()) return std::nullopt;
  return UapiEndpoint{addr->address, static_cast<std::uint16_t>(*port), std::move(addr->zone), 0};
}

// strconv.Atoi as netip.ParsePrefix (Go 1.19) uses it: an optional sign, then decimal digits.
std::optional<unsigned> parse_prefix_bits(std::string_view s, unsigned max) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  auto value = parse_decimal(s, UINT64_MAX);
  if (!value || *value > max || (negative && *value != 0)) return std::nullopt;
  return static_cast<unsigned>(*value);
}

// netip.ParsePrefix: "address/bits" split at the last '/', no zone; host bits are cleared, as
// wireguard-go's allowed-IPs table stores (and prints) them.
std::optional<IpPrefix> parse_allowed_ip(std::string_view s) {
  auto slash = s.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = parse_plain_address(s.substr(0, slash));
  if (!addr) return std::nullopt;
  auto bits = parse_prefix_bits(s.substr(slash + 1), addr->is_v4() ? 32 : 128);
  if (!bits) return std::nullopt;
  IpPrefix prefix{*addr, static_cast<std::uint8_t>(*bits)};
  for (unsigned bit = *bits; bit < addr->size() * 8; ++bit) {
    prefix.address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  return prefix;
}

bool is_device_key(std::string_view key) {
  return key == "private_key" || key == "listen_port" || key == "fwmark" || key == "replace_peers";
}

bool is_peer_key(std::string_view key) {
  return key == "update_only" || key == "remove" || key == "preshared_key" || key == "endpoint" ||
         key == "persistent_keepalive_interval" || key == "replace_allowed_ips" ||
         key == "allowed_ip" || key == "protocol_version";
}

std::optional<UapiError> apply_device_line(UapiSetRequest& req, std::string_view key,
                                           std::string_view value) {
  if (key == "private_key") {
    auto k = parse_hex_key(value);
    if (!k) return UapiError::kBadHexKey;
    req.private_key = *k;
  } else if (key == "listen_port") {
    auto port = parse_decimal(value, 0xffff);
    if (!port) return UapiError::kBadNumber;
    req.listen_port = static_cast<std::uint16_t>(*port);
  } else if (key == "fwmark") {
    auto mark = parse_decimal(value, 0xffffffff);
    if (!mark) return UapiError::kBadNumber;
    req.fwmark = static_cast<std::uint32_t>(*mark);
  } else if (key == "replace_peers") {
    if (value != "true") return UapiError::kBadBoolean;
    req.replace_peers = true;
  } else {
    return is_peer_key(key) ? UapiError::kPeerKeyBeforePublicKey : UapiError::kUnknownKey;
  }
  return std::nullopt;
}

std::optional<UapiError> apply_peer_line(UapiPeerChange& peer, std::string_view key,
                                         std::string_view value) {
  if (key == "update_only" || key == "remove" || key == "replace_allowed_ips") {
    if (value != "true") return UapiError::kBadBoolean;
    if (key == "update_only") peer.update_only = true;
    if (key == "remove") peer.remove = true;
    if (key == "replace_allowed_ips") {
      // wireguard-go drops every allowed IP of the peer at this line, including ones added above it.
      peer.replace_allowed_ips = true;
      peer.allowed_ips.clear();
    }
  } else if (key == "preshared_key") {
    auto k = parse_hex_key(value);
    if (!k) return UapiError::kBadHexKey;
    peer.preshared_key = *k;
  } else if (key == "endpoint") {
    auto e = parse_endpoint(value);
    if (!e) return UapiError::kBadEndpoint;
    peer.endpoint = std::move(*e);
  } else if (key == "persistent_keepalive_interval") {
    auto secs = parse_decimal(value, 0xffff);
    if (!secs) return UapiError::kBadNumber;
    peer.persistent_keepalive_interval = static_cast<std::uint16_t>(*secs);
  } else if (key == "allowed_ip") {
    auto prefix = parse_allowed_ip(value);
    if (!prefix) return UapiError::kBadAllowedIp;
    peer.allowed_ips.push_back(*prefix);
  } else if (key == "protocol_version") {
    if (value != "1") return UapiError::kBadProtocolVersion;
  } else {
    return is_device_key(key) ? UapiError::kDeviceKeyAfterPeer : UapiError::kUnknownKey;
  }
  return std::nullopt;
}

void append_hex_key(std::string& out, std::string_view name, const Key& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += name;
  out += '=';
  for (auto byte : key) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  }
  out += '\n';
}

template <typename Number>
void append_number(std::string& out, std::string_view name, Number value) {
  out += name;
  out += '=';
  out += std::to_string(value);
  out += '\n';
}

bool key_is_zero(const Key& key) {
  for (auto byte : key) {
    if (byte != 0) return false;
  }
  return true;
}

std::string ipv4_to_string(const std::uint8_t* b) {
  return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
         std::to_string(b[3]);
}

}  // namespace

int uapi_errno(UapiError reason) {
  switch (reason) {
    case UapiError::kMissingEquals:
    case UapiError::kMissingTerminator:
      return EPROTO;
    case UapiError::kLineTooLong:
      return EIO;
    case UapiError::kRequestTooLong:
      return EMSGSIZE;
    default:
      return EINVAL;
  }
}

const char* uapi_error_name(UapiError reason) {
  switch (reason) {
    case UapiError::kMissingEquals: return "line without '='";
    case UapiError::kUnknownKey: return "unknown key";
    case UapiError::kPeerKeyBeforePublicKey: return "peer key before public_key";
    case UapiError::kDeviceKeyAfterPeer: return "device key after public_key";
    case UapiError::kBadHexKey: return "key is not 64 hex digits";
    case UapiError::kBadNumber: return "bad number";
    case UapiError::kBadBoolean: return "flag value is not true";
    case UapiError::kBadEndpoint: return "bad endpoint";
    case UapiError::kBadAllowedIp: return "bad allowed_ip";
    case UapiError::kBadProtocolVersion: return "protocol_version is not 1";
    case UapiError::kLineTooLong: return "line too long";
    case UapiError::kMissingTerminator: return "request not ended by a blank line";
    case UapiError::kRequestTooLong: return "request too long";
  }
  return "unknown";
}

Result<UapiSetRequest, UapiError> parse_uapi_set(std::string_view lines) {
  UapiSetRequest req;
  std::size_t pos = 0;
  for (;;) {
    auto newline = lines.find('\n', pos);
    if (newline == std::string_view::npos) {
      if (lines.size() - pos > kUapiMaxLineBytes) return fail(UapiError::kLineTooLong);
      return fail(UapiError::kMissingTerminator);
    }
    auto line = lines.substr(pos, newline - pos);
    pos = newline + 1;
    if (line.size() > kUapiMaxLineBytes) return fail(UapiError::kLineTooLong);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return req;

    auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail(UapiError::kMissingEquals);
    auto key = line.substr(0, eq);
    auto value = line.substr(eq + 1);

    std::optional<UapiError> error;
    if (key == "public_key") {
      auto k = parse_hex_key(value);
      if (!k) return fail(UapiError::kBadHexKey);
      req.peers.emplace_back();
      req.peers.back().public_key = *k;
    } else if (req.peers.empty()) {
      error = apply_device_line(req, key, value);
    } else {
      error = apply_peer_line(req.peers.back(), key, value);
    }
    if (error) return fail(*error);
  }
}

std::string uapi_address_to_string(const IpAddress& a) {
  if (a.is_v4()) return ipv4_to_string(a.bytes.data());
  static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(a.bytes.begin(), a.bytes.begin() + 12, kMappedPrefix)) {
    return "::ffff:" + ipv4_to_string(a.bytes.data() + 12);
  }
  unsigned group[8];
  for (int i = 0; i < 8; ++i) group[i] = static_cast<unsigned>(a.bytes[2 * i] << 8 | a.bytes[2 * i + 1]);
  // The first longest run of two or more zero groups becomes "::" (RFC 5952, as Go prints it).
  int zero_start = -1, zero_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && group[j] == 0) ++j;
    if (j - i > zero_len) {
      zero_start = i;
      zero_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  std::string out;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (i == zero_start) {
      out += "::";
      i += zero_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", group[i]);
    out += buf;
  }
  return out;
}

std::string UapiEndpoint::to_string() const {
  auto port_text = std::to_string(port);
  if (address.is_v4()) return uapi_address_to_string(address) + ":" + port_text;
  // wireguard-go keeps the zone only as a scope id and leaves it out of the text.
  return "[" + uapi_address_to_string(address) + "]:" + port_text;
}

std::string format_uapi_get(const UapiDeviceState& state) {
  std::string out;
  if (state.private_key && !key_is_zero(*state.private_key)) append_hex_key(out, "private_key", *state.private_key);
  if (state.listen_port != 0) append_number(out, "listen_port", state.listen_port);
  if (state.fwmark != 0) append_number(out, "fwmark", state.fwmark);
  for (const auto& peer : state.peers) {
    append_hex_key(out, "public_key", peer.public_key);
    append_hex_key(out, "preshared_key", peer.preshared_key);
    out += "protocol_version=1\n";
    if (peer.endpoint) out += "endpoint=" + peer.endpoint->to_string() + "\n";
    append_number(out, "last_handshake_time_sec", peer.last_handshake_sec);
    append_number(out, "last_handshake_time_nsec", peer.last_handshake_nsec);
    append_number(out, "tx_bytes", peer.tx_bytes);
    append_number(out, "rx_bytes", peer.rx_bytes);
    append_number(out, "persistent_keepalive_interval", peer.persistent_keepalive_interval);
    for (const auto& prefix : peer.allowed_ips) {
      out += "allowed_ip=" + uapi_address_to_string(prefix.address) + "/" +
             std::to_string(prefix.length) + "\n";
    }
  }
  return out;
}

std::string format_uapi_status(int positive_errno) {
  if (positive_errno == 0) return "errno=0\n\n";
  return "errno=-" + std::to_string(positive_errno < 0 ? -positive_errno : positive_errno) + "\n\n";
}

}  // namespace anymesh::wg
