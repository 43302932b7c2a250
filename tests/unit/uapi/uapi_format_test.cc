// Specification of the UAPI get response: the lines, order and text forms wireguard-go prints.
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

UapiEndpoint endpoint(const char* address, std::uint16_t port) {
  return UapiEndpoint{*IpAddress::parse(address), port};
}

}  // namespace

TEST_CASE("get lists the device, then each peer's fields in wireguard-go's order") {
  UapiDeviceState state;
  Key priv = filled(0xab);
  priv[0] = 0xa8;
  priv[31] = 0x6b;
  state.private_key = priv;
  state.listen_port = 55904;
  state.fwmark = 7;
  UapiPeerState one;
  one.public_key = filled(0x11);
  one.endpoint = endpoint("192.0.2.1", 51820);
  one.last_handshake_sec = 1700000000;
  one.last_handshake_nsec = 123456789;
  one.tx_bytes = 456;
  one.rx_bytes = 123;
  one.persistent_keepalive_interval = 25;
  one.allowed_ips = {*IpPrefix::parse("10.200.1.0/24"), *IpPrefix::parse("fd00::/64")};
  UapiPeerState two;
  two.public_key = filled(0x22);
  two.preshared_key = filled(0x33);
  two.endpoint = endpoint("fd00::2", 51821);
  state.peers = {one, two};

  // Captured from wireguard-go 0.0.20220316 holding the same state (counters set here by hand).
  const std::string expected =
      "private_key=a8abababababababababababababababababababababababababababababab6b\n"
      "listen_port=55904\n"
      "fwmark=7\n"
      "public_key=1111111111111111111111111111111111111111111111111111111111111111\n"
      "preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
      "protocol_version=1\n"
      "endpoint=192.0.2.1:51820\n"
      "last_handshake_time_sec=1700000000\n"
      "last_handshake_time_nsec=123456789\n"
      "tx_bytes=456\n"
      "rx_bytes=123\n"
      "persistent_keepalive_interval=25\n"
      "allowed_ip=10.200.1.0/24\n"
      "allowed_ip=fd00::/64\n"
      "public_key=2222222222222222222222222222222222222222222222222222222222222222\n"
      "preshared_key=3333333333333333333333333333333333333333333333333333333333333333\n"
      "protocol_version=1\n"
      "endpoint=[fd00::2]:51821\n"
      "last_handshake_time_sec=0\n"
      "last_handshake_time_nsec=0\n"
      "tx_bytes=0\n"
      "rx_bytes=0\n"
      "persistent_keepalive_interval=0\n";
  CHECK(format_uapi_get(state) == expected);
}

TEST_CASE("a device without private key, port or fwmark prints none of them") {
  UapiDeviceState state;
  CHECK(format_uapi_get(state).empty());
  state.private_key = Key{};  // all-zero is "no key" too
  CHECK(format_uapi_get(state).empty());
  state.listen_port = 1;
  CHECK(format_uapi_get(state) == "listen_port=1\n");
}

TEST_CASE("a peer without endpoint has no endpoint line") {
  UapiDeviceState state;
  state.peers.push_back(UapiPeerState{});
  auto text = format_uapi_get(state);
  CHECK(text.find("endpoint=") == std::string::npos);
  CHECK(text.find("protocol_version=1\nlast_handshake_time_sec=0\n") != std::string::npos);
}

TEST_CASE("addresses print as Go's netip prints them") {
  auto text = [](const char* a) { return uapi_address_to_string(*IpAddress::parse(a)); };
  CHECK(text("192.0.2.1") == "192.0.2.1");
  CHECK(text("::") == "::");
  CHECK(text("::1") == "::1");
  CHECK(text("1::") == "1::");
  CHECK(text("FD00::ABCD") == "fd00::abcd");
  CHECK(text("::1.2.3.4") == "::102:304");  // inet_ntop would print ::1.2.3.4
  CHECK(text("::ffff:10.0.0.1") == "::ffff:10.0.0.1");
  CHECK(text("2001:db8:0:0:1:0:0:1") == "2001:db8::1:0:0:1");  // first of two equal runs
  CHECK(text("2001:db8:0:1:0:0:0:1") == "2001:db8:0:1::1");    // a single zero group stays
  CHECK(text("1:2:3:4:5:6:7:8") == "1:2:3:4:5:6:7:8");
}

TEST_CASE("endpoints print with brackets and zone for IPv6 only") {
  CHECK(endpoint("192.0.2.1", 0).to_string() == "192.0.2.1:0");
  CHECK(endpoint("fd00::2", 51821).to_string() == "[fd00::2]:51821");
  CHECK(endpoint("::ffff:192.0.2.9", 7).to_string() == "[::ffff:192.0.2.9]:7");
  UapiEndpoint zoned{*IpAddress::parse("fe80::1"), 1, "lo", 1};
  CHECK(zoned.to_string() == "[fe80::1]:1");  // wireguard-go prints no zone
}

TEST_CASE("a parsed endpoint prints back as it was written") {
  for (const char* text : {"192.0.2.1:51820", "[fd00::2]:51821", "[fe80::1]:7", "[::ffff:192.0.2.9]:7"}) {
    auto req = parse_uapi_set(std::string("public_key=") + std::string(64, '1') + "\nendpoint=" + text + "\n\n");
    REQUIRE(req.ok());
    CHECK(req->peers.at(0).endpoint->to_string() == text);
  }
}

TEST_CASE("the status line carries the errno negated, as wg expects") {
  CHECK(format_uapi_status(0) == "errno=0\n\n");
  CHECK(format_uapi_status(EINVAL) == "errno=-22\n\n");
  CHECK(format_uapi_status(EADDRINUSE) == "errno=-98\n\n");
}
