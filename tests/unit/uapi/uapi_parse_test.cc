// Specification of the UAPI set-request parser: what wireguard-go 0.0.20220316 accepts and refuses.
#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

#include "dataplane/wireguard/uapi.h"

using anymesh::IpAddress;
using anymesh::IpPrefix;
using namespace anymesh::wg;

namespace {

Key filled(std::uint8_t byte) {
  Key k;
  k.fill(byte);
  return k;
}

std::string hex_of(std::uint8_t byte) {
  std::string s;
  static const char* digits = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) {
    s += digits[byte >> 4];
    s += digits[byte & 0xf];
  }
  return s;
}

IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }

UapiSetRequest parse_ok(const std::string& lines) {
  auto r = parse_uapi_set(lines);
  INFO(lines);
  REQUIRE(r.ok());
  return *r;
}

UapiError parse_error(const std::string& lines) {
  auto r = parse_uapi_set(lines);
  INFO(lines);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

const std::string kPeer = "public_key=" + hex_of(0x11) + "\n";

}  // namespace

TEST_CASE("a set request with every device and peer key parses into its values") {
  auto req = parse_ok("private_key=" + hex_of(0xab) + "\n"
                      "listen_port=51820\n"
                      "fwmark=4294967295\n"
                      "replace_peers=true\n"
                      "public_key=" + hex_of(0x11) + "\n"
                      "protocol_version=1\n"
                      "update_only=true\n"
                      "preshared_key=" + hex_of(0x33) + "\n"
                      "endpoint=192.0.2.1:51820\n"
                      "persistent_keepalive_interval=25\n"
                      "replace_allowed_ips=true\n"
                      "allowed_ip=10.200.1.0/24\n"
                      "allowed_ip=fd00::/64\n"
                      "public_key=" + hex_of(0x22) + "\n"
                      "remove=true\n"
                      "\n");
  CHECK(req.private_key == filled(0xab));
  CHECK(req.listen_port == 51820);
  CHECK(req.fwmark == 4294967295u);
  CHECK(req.replace_peers);
  REQUIRE(req.peers.size() == 2);
  const auto& p = req.peers[0];
  CHECK(p.public_key == filled(0x11));
  CHECK(p.update_only);
  CHECK_FALSE(p.remove);
  CHECK(p.preshared_key == filled(0x33));
  REQUIRE(p.endpoint);
  CHECK(p.endpoint->address == *IpAddress::parse("192.0.2.1"));
  CHECK(p.endpoint->port == 51820);
  CHECK(p.persistent_keepalive_interval == 25);
  CHECK(p.replace_allowed_ips);
  CHECK(p.allowed_ips == std::vector<IpPrefix>{prefix("10.200.1.0/24"), prefix("fd00::/64")});
  CHECK(req.peers[1].public_key == filled(0x22));
  CHECK(req.peers[1].remove);
  CHECK_FALSE(req.peers[1].endpoint);
}

TEST_CASE("a request of only the blank line changes nothing") {
  auto req = parse_ok("\n");
  CHECK_FALSE(req.private_key);
  CHECK_FALSE(req.listen_port);
  CHECK_FALSE(req.fwmark);
  CHECK_FALSE(req.replace_peers);
  CHECK(req.peers.empty());
}

TEST_CASE("hex keys are read in either case and all-zero keys mean remove or clear") {
  auto req = parse_ok("private_key=" + std::string(64, '0') + "\n" + "public_key=" +
                      std::string(64, 'A') + "\npreshared_key=" + std::string(64, '0') + "\n\n");
  CHECK(req.private_key == filled(0));
  CHECK(req.peers.at(0).public_key == filled(0xaa));
  CHECK(req.peers.at(0).preshared_key == filled(0));
}

TEST_CASE("numbers take leading zeros and their full range") {
  auto req = parse_ok("listen_port=0065535\nfwmark=0\n" + kPeer + "persistent_keepalive_interval=0\n\n");
  CHECK(req.listen_port == 65535);
  CHECK(req.fwmark == 0u);
  CHECK(req.peers.at(0).persistent_keepalive_interval == 0);
}

TEST_CASE("the same public key twice gives two changes applied in order") {
  auto req = parse_ok(kPeer + "endpoint=192.0.2.1:1\n" + kPeer + "remove=true\n\n");
  REQUIRE(req.peers.size() == 2);
  CHECK(req.peers[0].endpoint);
  CHECK_FALSE(req.peers[0].remove);
  CHECK(req.peers[1].remove);
}

TEST_CASE("replace_allowed_ips drops the allowed IPs listed above it for that peer") {
  auto req = parse_ok(kPeer + "allowed_ip=10.200.1.0/24\nreplace_allowed_ips=true\nallowed_ip=10.200.2.0/24\n\n");
  CHECK(req.peers.at(0).replace_allowed_ips);
  CHECK(req.peers.at(0).allowed_ips == std::vector<IpPrefix>{prefix("10.200.2.0/24")});
}

TEST_CASE("allowed IPs lose their host bits and take Go's prefix length forms") {
  auto req = parse_ok(kPeer +
                      "allowed_ip=10.200.1.5/24\n"
                      "allowed_ip=10.200.0.0/+16\n"
                      "allowed_ip=10.200.0.0/0008\n"
                      "allowed_ip=192.0.2.1/-0\n"
                      "allowed_ip=::ffff:10.0.0.1/128\n"
                      "allowed_ip=FD00::ABCD/128\n\n");
  const auto& ips = req.peers.at(0).allowed_ips;
  REQUIRE(ips.size() == 6);
  CHECK(ips[0] == prefix("10.200.1.0/24"));
  CHECK(ips[1] == prefix("10.200.0.0/16"));
  CHECK(ips[2] == prefix("10.0.0.0/8"));
  CHECK(ips[3] == prefix("0.0.0.0/0"));
  CHECK_FALSE(ips[4].address.is_v4());  // an IPv4-mapped address stays IPv6
  CHECK(ips[4].length == 128);
  CHECK(ips[5] == prefix("fd00::abcd/128"));
}

TEST_CASE("endpoints take IPv4, bracketed IPv6 with or without a zone, and any port number") {
  auto endpoint_of = [](const std::string& text) {
    auto req = parse_ok(kPeer + "endpoint=" + text + "\n\n");
    return *req.peers.at(0).endpoint;
  };
  auto v4 = endpoint_of("192.0.2.1:00001");
  CHECK(v4.address == *IpAddress::parse("192.0.2.1"));
  CHECK(v4.port == 1);
  CHECK(v4.zone.empty());
  CHECK(endpoint_of("192.0.2.1:0").port == 0);
  auto v6 = endpoint_of("[fd00::2]:51821");
  CHECK(v6.address == *IpAddress::parse("fd00::2"));
  CHECK(v6.port == 51821);
  auto zoned = endpoint_of("[fe80::1%eth0]:7");
  CHECK(zoned.address == *IpAddress::parse("fe80::1"));
  CHECK(zoned.zone == "eth0");
  auto mapped = endpoint_of("[::ffff:192.0.2.9]:7");
  CHECK_FALSE(mapped.address.is_v4());
}

TEST_CASE("a trailing carriage return is dropped from every line, the blank one included") {
  auto req = parse_ok("fwmark=7\r\n" + kPeer + "endpoint=192.0.2.1:5\r\n\r\n");
  CHECK(req.fwmark == 7u);
  CHECK(req.peers.at(0).endpoint->port == 5);
}

TEST_CASE("bytes after the blank line that ends the request are not parsed") {
  auto req = parse_ok("fwmark=7\n\nthis is the next request\n");
  CHECK(req.fwmark == 7u);
}

TEST_CASE("a line of 65535 bytes is read and one byte more is too long") {
  std::string at_limit = "fwmark=" + std::string(kUapiMaxLineBytes - 8, '0') + "9";
  REQUIRE(at_limit.size() == kUapiMaxLineBytes);
  CHECK(parse_ok(at_limit + "\n\n").fwmark == 9u);
  CHECK(parse_error("0" + at_limit + "\n\n") == UapiError::kLineTooLong);
  CHECK(parse_error("0" + at_limit) == UapiError::kLineTooLong);
}

TEST_CASE("each malformed line is refused with its reason") {
  struct Case {
    std::string lines;
    UapiError reason;
  };
  const Case cases[] = {
      {"fwmark\n\n", UapiError::kMissingEquals},
      {"foo=bar\n\n", UapiError::kUnknownKey},
      {"=1\n\n", UapiError::kUnknownKey},
      {" fwmark=1\n\n", UapiError::kUnknownKey},
      {kPeer + "foo=bar\n\n", UapiError::kUnknownKey},
      {"endpoint=192.0.2.1:1\n\n", UapiError::kPeerKeyBeforePublicKey},
      {"protocol_version=1\n\n", UapiError::kPeerKeyBeforePublicKey},
      {kPeer + "listen_port=1\n\n", UapiError::kDeviceKeyAfterPeer},
      {kPeer + "private_key=" + hex_of(1) + "\n\n", UapiError::kDeviceKeyAfterPeer},
      {"private_key=zz\n\n", UapiError::kBadHexKey},
      {"private_key=" + std::string(63, '0') + "\n\n", UapiError::kBadHexKey},
      {"private_key=" + std::string(65, '0') + "\n\n", UapiError::kBadHexKey},
      {"public_key=abc\n\n", UapiError::kBadHexKey},
      {kPeer + "preshared_key=\n\n", UapiError::kBadHexKey},
      {kPeer + "preshared_key=" + std::string(64, 'g') + "\n\n", UapiError::kBadHexKey},
      {"listen_port=70000\n\n", UapiError::kBadNumber},
      {"listen_port=65536\n\n", UapiError::kBadNumber},
      {"listen_port=+1\n\n", UapiError::kBadNumber},
      {"listen_port=\n\n", UapiError::kBadNumber},
      {"fwmark=0x1\n\n", UapiError::kBadNumber},
      {"fwmark=4294967296\n\n", UapiError::kBadNumber},
      {"fwmark=1=2\n\n", UapiError::kBadNumber},
      {"fwmark=-1\n\n", UapiError::kBadNumber},
      {"fwmark=99999999999999999999999\n\n", UapiError::kBadNumber},
      {kPeer + "persistent_keepalive_interval=65536\n\n", UapiError::kBadNumber},
      {"replace_peers=false\n\n", UapiError::kBadBoolean},
      {kPeer + "remove=1\n\n", UapiError::kBadBoolean},
      {kPeer + "update_only=TRUE\n\n", UapiError::kBadBoolean},
      {kPeer + "replace_allowed_ips=\n\n", UapiError::kBadBoolean},
      {kPeer + "endpoint=localhost:1\n\n", UapiError::kBadEndpoint},
      {kPeer + "endpoint=192.0.2.1\n\n", UapiError::kBadEndpoint},
      {kPeer + "endpoint=192.0.2.1:\n\n", UapiError::kBadEndpoint},
      {kPeer + "endpoint=:1\n\n", UapiError::kBadEndpoint},
      {kPeer + "endpoint=192.0.2.1:65536\n\n", UapiError::kBadEndpoint},
      {kPeer + "endpoint=192.0.2.1:+1\n\n", UapiError::kBadEndpoint},
      {kPeer + "endpoint=fd00::1:1\n\n", UapiError::kBadEndpoint},
      {kPeer + "endpoint=[192.0.2.1]:1\n\n", UapiError::kBadEndpoint},
      {kPeer + "endpoint=[fd00::1:1\n\n", UapiError::kBadEndpoint},
      {kPeer + "endpoint=[]:1\n\n", UapiError::kBadEndpoint},
      {kPeer + "endpoint=[fe80::1%]:1\n\n", UapiError::kBadEndpoint},
      {kPeer + "endpoint=192.0.2.1%eth0:1\n\n", UapiError::kBadEndpoint},
      {kPeer + "endpoint=010.0.0.1:1\n\n", UapiError::kBadEndpoint},
      {kPeer + "allowed_ip=10.0.0.1\n\n", UapiError::kBadAllowedIp},
      {kPeer + "allowed_ip=010.0.0.1/32\n\n", UapiError::kBadAllowedIp},
      {kPeer + "allowed_ip=10.0.0.1/33\n\n", UapiError::kBadAllowedIp},
      {kPeer + "allowed_ip=fd00::/129\n\n", UapiError::kBadAllowedIp},
      {kPeer + "allowed_ip=10.0.0.0/-1\n\n", UapiError::kBadAllowedIp},
      {kPeer + "allowed_ip=10.0.0.0/\n\n", UapiError::kBadAllowedIp},
      {kPeer + "allowed_ip=10.0.0.0/+\n\n", UapiError::kBadAllowedIp},
      {kPeer + "allowed_ip=10.0.0.0/8/8\n\n", UapiError::kBadAllowedIp},
      {kPeer + "allowed_ip= 10.0.0.0/8\n\n", UapiError::kBadAllowedIp},
      {kPeer + "allowed_ip=fe80::1%lo/128\n\n", UapiError::kBadAllowedIp},
      {kPeer + "protocol_version=2\n\n", UapiError::kBadProtocolVersion},
      {kPeer + "protocol_version=\n\n", UapiError::kBadProtocolVersion},
      {"", UapiError::kMissingTerminator},
      {"fwmark=1\n", UapiError::kMissingTerminator},
      {"fwmark=1", UapiError::kMissingTerminator},
  };
  for (const auto& c : cases) {
    INFO("reason wanted: " << uapi_error_name(c.reason));
    CHECK(parse_error(c.lines) == c.reason);
  }
}

TEST_CASE("refusals carry the errno wireguard-go answers with") {
  CHECK(uapi_errno(UapiError::kMissingEquals) == EPROTO);
  CHECK(uapi_errno(UapiError::kLineTooLong) == EIO);
  for (auto reason : {UapiError::kUnknownKey, UapiError::kPeerKeyBeforePublicKey, UapiError::kDeviceKeyAfterPeer,
                      UapiError::kBadHexKey, UapiError::kBadNumber, UapiError::kBadBoolean,
                      UapiError::kBadEndpoint, UapiError::kBadAllowedIp, UapiError::kBadProtocolVersion}) {
    INFO(uapi_error_name(reason));
    CHECK(uapi_errno(reason) == EINVAL);
  }
  CHECK(uapi_errno(UapiError::kRequestTooLong) == EMSGSIZE);
}
