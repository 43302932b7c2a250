// The WireGuard cross-platform configuration protocol (UAPI): set-request parser, get-response formatter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/result.h"
#include "dataplane/wireguard/key.h"  // Key

// Every rule below is what wireguard-go 0.0.20220316 does, checked against the running binary:
// wg (wireguard-tools) only ever sends what that daemon accepts, and reads back what it prints.

namespace anymesh::wg {

// "192.0.2.1:51820", "[fd00::1]:51820", "[fe80::1%eth0]:51820" (Go's netip.ParseAddrPort rules).
struct UapiEndpoint {
  IpAddress address;
  std::uint16_t port = 0;
  std::string zone;           // IPv6 zone as written (interface name or number); empty when absent
  std::uint32_t scope_id = 0;  // the zone's interface index: UapiServer fills it before on_set

  UapiEndpoint() = default;
  UapiEndpoint(IpAddress a, std::uint16_t p, std::string z = {}, std::uint32_t scope = 0)
      : address(a), port(p), zone(std::move(z)), scope_id(scope) {}
  std::string to_string() const;  // as wireguard-go prints it in a get response: without the zone
  bool operator==(const UapiEndpoint&) const = default;
};

struct UapiPeerChange {
  Key public_key{};
  bool remove = false;
  bool update_only = false;          // change the peer only if it exists already
  bool replace_allowed_ips = false;  // drop the peer's allowed IPs before adding allowed_ips
  std::optional<Key> preshared_key;  // all-zero key means "no preshared key"
  std::optional<UapiEndpoint> endpoint;
  std::optional<std::uint16_t> persistent_keepalive_interval;  // seconds, 0 = off
  std::vector<IpPrefix> allowed_ips;                          // host bits cleared, in request order
};

// To end where wireguard-go ends: set the device fields, then honour replace_peers, then apply each
// peer change in order (one key may appear in several). For each change: a key equal to the device's
// own public key is ignored; remove wins over everything else; update_only skips a peer that does not
// exist yet; otherwise create the peer, set what is present, and with replace_allowed_ips drop its old
// allowed IPs before adding allowed_ips. wireguard-go stores the private key clamped and prints it so.
struct UapiSetRequest {
  std::optional<Key> private_key;  // all-zero means "remove the private key"
  std::optional<std::uint16_t> listen_port;  // 0 = pick a random port
  std::optional<std::uint32_t> fwmark;       // 0 = clear
  bool replace_peers = false;
  std::vector<UapiPeerChange> peers;
};

enum class UapiError {
  kMissingEquals,           // a line with no '='                  (wireguard-go: EPROTO)
  kUnknownKey,              // a key the protocol does not have    (EINVAL)
  kPeerKeyBeforePublicKey,  // e.g. endpoint= before any public_key= (EINVAL)
  kDeviceKeyAfterPeer,      // e.g. listen_port= after a public_key=  (EINVAL)
  kBadHexKey,               // not exactly 64 hex digits           (EINVAL)
  kBadNumber,               // not decimal digits or out of range  (EINVAL)
  kBadBoolean,              // a flag whose value is not "true"    (EINVAL)
  kBadEndpoint,             // (EINVAL)
  kBadAllowedIp,            // (EINVAL)
  kBadProtocolVersion,      // protocol_version other than "1"     (EINVAL)
  kLineTooLong,             // a line over kUapiMaxLineBytes       (EIO, Go's bufio.Scanner limit)
  kMissingTerminator,       // input ends before the blank line    (EPROTO)
  kRequestTooLong,          // server limit on one request's size  (EMSGSIZE; wireguard-go has none)
};

// The positive errno for the reason. On the wire wireguard-go writes it negated ("errno=-22"), and wg
// turns that back into errno for perror ("Unable to modify interface: Invalid argument").
int uapi_errno(UapiError reason);
const char* uapi_error_name(UapiError reason);

// The longest line Go's bufio.Scanner (64 KiB buffer) accepts, without its '\n'.
inline constexpr std::size_t kUapiMaxLineBytes = 65535;

// Parses the lines that follow "set=1\n", up to and including the blank line that ends the request;
// bytes after that blank line are not looked at. A trailing '\r' on any line is dropped, as Go's
// line scanner does. Nothing is applied here: a request is either valid as a whole or rejected.
Result<UapiSetRequest, UapiError> parse_uapi_set(std::string_view lines);

struct UapiPeerState {
  Key public_key{};
  Key preshared_key{};  // all-zero when none
  std::optional<UapiEndpoint> endpoint;
  std::int64_t last_handshake_sec = 0;
  std::int64_t last_handshake_nsec = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_bytes = 0;
  std::uint16_t persistent_keepalive_interval = 0;
  std::vector<IpPrefix> allowed_ips;
};

struct UapiDeviceState {
  std::optional<Key> private_key;  // absent (or all-zero) when the device has none
  std::uint16_t listen_port = 0;   // 0 is not printed
  std::uint32_t fwmark = 0;        // 0 is not printed
  std::vector<UapiPeerState> peers;
};

// The key=value lines of a get response in wireguard-go's order; the caller appends "errno=0\n\n".
std::string format_uapi_get(const UapiDeviceState& state);

// "errno=0\n\n" or "errno=-N\n\n" for a positive errno N, the status that ends every response.
std::string format_uapi_status(int positive_errno);

// Go's netip text form of an address (differs from inet_ntop for IPv4-compatible IPv6 such as ::1.2.3.4).
std::string uapi_address_to_string(const IpAddress& address);

}  // namespace anymesh::wg
