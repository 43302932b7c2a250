// Specification against the stock wg tool: `wg show/showconf/set` drive UapiServer as they drive wireguard-go.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "dataplane/wireguard/uapi_server.h"
#include "tests/unit/uapi/server_loop.h"

using anymesh::IpAddress;
using anymesh::IpPrefix;
using namespace anymesh::wg;

namespace {

// RFC 7748 section 6.1: Alice's private key, the public key that goes with it, and Bob's public key.
Key from_hex(const char* hex) {
  return parse_uapi_set(std::string("public_key=") + hex + "\n\n")->peers.at(0).public_key;
}
const Key kAlicePrivate = from_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
const Key kAlicePublic = from_hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
const Key kBobPublic = from_hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");

std::string base64(const Key& key) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (auto byte : key) {
    acc = acc << 8 | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 63];
    }
  }
  out += alphabet[(acc << (6 - bits)) & 63];  // 32 bytes leave 4 bits over
  return out + "=";
}

struct Run {
  int status;
  std::string output;
};

Run run(const std::string& command) {
  FILE* p = ::popen(("timeout 10 " + command + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string output;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) output.append(buf, n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// A UapiServer under the name wg finds, /var/run/wireguard/amtest<pid>.sock, on its loop thread.
struct WgInterface {
  std::string name = "amtest" + std::to_string(::getpid());
  std::mutex mutex;
  std::vector<UapiSetRequest> sets;
  int set_answer = 0;
  UapiDeviceState state;
  std::unique_ptr<UapiServer> server;
  std::unique_ptr<test::ServerLoop> loop;

  WgInterface() {
    REQUIRE(::access("/usr/bin/wg", X_OK) == 0);  // wireguard-tools is part of the platform
    server = std::make_unique<UapiServer>(
        name,
        [this](const UapiSetRequest& r) {
          std::lock_guard lock(mutex);
          sets.push_back(r);
          return set_answer;
        },
        [this] {
          std::lock_guard lock(mutex);
          return state;
        });
    loop = std::make_unique<test::ServerLoop>(*server);
  }
  ~WgInterface() {
    loop.reset();
    server.reset();
  }
  std::size_t set_count() {
    std::lock_guard lock(mutex);
    return sets.size();
  }
};

}  // namespace

TEST_CASE("the RFC 7748 keys print in wg's base64") {
  CHECK(base64(kAlicePrivate) == "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=");
  CHECK(base64(kBobPublic) == "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=");
}

TEST_CASE("wg show dump prints the state the server answers with") {
  WgInterface wg;
  {
    std::lock_guard lock(wg.mutex);
    wg.state.private_key = kAlicePrivate;
    wg.state.listen_port = 51820;
    UapiPeerState bob;
    bob.public_key = kBobPublic;
    bob.endpoint = UapiEndpoint{*IpAddress::parse("192.0.2.2"), 51820};
    bob.last_handshake_sec = 1700000000;
    bob.rx_bytes = 123;
    bob.tx_bytes = 456;
    bob.persistent_keepalive_interval = 25;
    bob.allowed_ips = {*IpPrefix::parse("10.200.1.0/24"), *IpPrefix::parse("fd00::/64")};
    UapiPeerState other;
    other.public_key.fill(0x22);
    other.preshared_key.fill(0x33);
    other.endpoint = UapiEndpoint{*IpAddress::parse("fd00::2"), 51821};
    wg.state.peers = {bob, other};
  }
  auto dump = run("wg show " + wg.name + " dump");
  CHECK(dump.status == 0);
  Key other_key, psk;
  other_key.fill(0x22);
  psk.fill(0x33);
  CHECK(dump.output == base64(kAlicePrivate) + "\t" + base64(kAlicePublic) + "\t51820\toff\n" +
                           base64(kBobPublic) + "\t(none)\t192.0.2.2:51820\t10.200.1.0/24,fd00::/64\t" +
                           "1700000000\t123\t456\t25\n" + base64(other_key) + "\t" + base64(psk) +
                           "\t[fd00::2]:51821\t(none)\t0\t0\t0\toff\n");

  auto conf = run("wg showconf " + wg.name);
  CHECK(conf.status == 0);
  CHECK(conf.output.find("ListenPort = 51820\nPrivateKey = " + base64(kAlicePrivate) + "\n") !=
        std::string::npos);
  CHECK(conf.output.find("AllowedIPs = 10.200.1.0/24, fd00::/64\nEndpoint = 192.0.2.2:51820\n"
                         "PersistentKeepalive = 25\n") != std::string::npos);
}

TEST_CASE("wg set reaches the set handler with the values it was given") {
  WgInterface wg;
  std::string key_file = "/tmp/" + wg.name + ".key";
  {
    std::ofstream f(key_file);
    f << base64(kAlicePrivate) << "\n";
  }
  ::chmod(key_file.c_str(), 0600);
  auto set = run("wg set " + wg.name + " private-key " + key_file + " listen-port 51821 peer " +
                 base64(kBobPublic) + " allowed-ips 10.200.1.0/24 endpoint 192.0.2.2:51820");
  std::filesystem::remove(key_file);
  INFO(set.output);
  CHECK(set.status == 0);
  REQUIRE(wg.set_count() == 1);
  std::lock_guard lock(wg.mutex);
  const auto& r = wg.sets[0];
  CHECK(r.private_key == kAlicePrivate);
  CHECK(r.listen_port == 51821);
  CHECK_FALSE(r.fwmark);
  CHECK_FALSE(r.replace_peers);
  REQUIRE(r.peers.size() == 1);
  CHECK(r.peers[0].public_key == kBobPublic);
  CHECK(r.peers[0].replace_allowed_ips);
  CHECK(r.peers[0].allowed_ips == std::vector<IpPrefix>{*IpPrefix::parse("10.200.1.0/24")});
  REQUIRE(r.peers[0].endpoint);
  CHECK(r.peers[0].endpoint->to_string() == "192.0.2.2:51820");
  CHECK_FALSE(r.peers[0].remove);
}

TEST_CASE("wg set fails with the errno the set handler answers") {
  WgInterface wg;
  wg.set_answer = EADDRINUSE;
  auto set = run("wg set " + wg.name + " listen-port 51820");
  CHECK(set.status != 0);
  CHECK(set.output.find("Address already in use") != std::string::npos);
  CHECK(wg.set_count() == 1);
}

TEST_CASE("wg refuses a bad value itself and the handler sees nothing") {
  WgInterface wg;
  auto set = run("wg set " + wg.name + " peer " + base64(kBobPublic) + " allowed-ips 10.200.1.0/33");
  CHECK(set.status != 0);
  CHECK(wg.set_count() == 0);
  // A peer removal still goes through afterwards.
  auto remove = run("wg set " + wg.name + " peer " + base64(kBobPublic) + " remove");
  CHECK(remove.status == 0);
  REQUIRE(wg.set_count() == 1);
  std::lock_guard lock(wg.mutex);
  CHECK(wg.sets[0].peers.at(0).remove);
}

TEST_CASE("wg setconf replaces all peers and each peer's allowed IPs in one request") {
  WgInterface wg;
  std::string conf_file = "/tmp/" + wg.name + ".conf";
  Key other;
  other.fill(0x22);
  {
    std::ofstream f(conf_file);
    f << "[Interface]\nPrivateKey = " << base64(kAlicePrivate) << "\nListenPort = 51822\nFwMark = 0x10\n\n"
      << "[Peer]\nPublicKey = " << base64(kBobPublic) << "\nAllowedIPs = 10.200.1.0/24, fd00::/64\n"
      << "Endpoint = [fd00::2]:51821\nPersistentKeepalive = 25\n\n"
      << "[Peer]\nPublicKey = " << base64(other) << "\nPresharedKey = " << base64(other) << "\n";
  }
  ::chmod(conf_file.c_str(), 0600);
  auto setconf = run("wg setconf " + wg.name + " " + conf_file);
  std::filesystem::remove(conf_file);
  INFO(setconf.output);
  CHECK(setconf.status == 0);
  REQUIRE(wg.set_count() == 1);
  std::lock_guard lock(wg.mutex);
  const auto& r = wg.sets[0];
  CHECK(r.replace_peers);
  CHECK(r.private_key == kAlicePrivate);
  CHECK(r.listen_port == 51822);
  CHECK(r.fwmark == 16u);
  REQUIRE(r.peers.size() == 2);
  CHECK(r.peers[0].public_key == kBobPublic);
  CHECK(r.peers[0].replace_allowed_ips);
  CHECK(r.peers[0].allowed_ips ==
        std::vector<IpPrefix>{*IpPrefix::parse("10.200.1.0/24"), *IpPrefix::parse("fd00::/64")});
  CHECK(r.peers[0].endpoint->to_string() == "[fd00::2]:51821");
  CHECK(r.peers[0].persistent_keepalive_interval == 25);
  CHECK(r.peers[1].public_key == other);
  CHECK(r.peers[1].preshared_key == other);
}
