// Applying UAPI set requests to a Device, and reading its state back, with wireguard-go's semantics.
#include <catch2/catch.hpp>

#include "dataplane/wireguard/uapi_device.h"

using namespace anymesh;
using namespace anymesh::wg;

namespace {

UapiSetRequest parse(const std::string& text) {
  auto r = parse_uapi_set(text);
  REQUIRE(r.ok());
  return *r;
}

std::string peer_line(const Key& k) { return "public_key=" + key_to_hex(k) + "\n"; }

}  // namespace

TEST_CASE("a set request adds peers with endpoint, allowed IPs and keepalive; get reads them back") {
  ManualClock clock;
  Device device(clock);
  Outbox out;
  Key priv = generate_private_key(), peer = public_key_of(generate_private_key());
  std::string req = "private_key=" + key_to_hex(priv) + "\n" + peer_line(peer) +
                    "endpoint=192.0.2.2:51820\nallowed_ip=10.200.2.0/24\nallowed_ip=fd00:2::/64\n"
                    "persistent_keepalive_interval=25\n\n";
  REQUIRE(apply_uapi_set(device, parse(req), out) == 0);
  CHECK(out.transmits().size() == 1);  // the keepalive opens the path at once: a handshake initiation
  auto state = uapi_state_of(device, 51820, 0);
  REQUIRE(state.private_key);
  CHECK(*state.private_key == priv);  // generate_private_key is already clamped
  REQUIRE(state.peers.size() == 1);
  CHECK(state.peers[0].public_key == peer);
  REQUIRE(state.peers[0].endpoint);
  CHECK(state.peers[0].endpoint->address.to_string() == "192.0.2.2");
  CHECK(state.peers[0].persistent_keepalive_interval == 25);
  CHECK(state.peers[0].allowed_ips.size() == 2);
  CHECK(state.peers[0].tx_bytes == initiation::size);
}

TEST_CASE("replace_allowed_ips, update_only, remove and replace_peers behave as in wireguard-go") {
  ManualClock clock;
  Device device(clock);
  Outbox out;
  Key p1 = public_key_of(generate_private_key()), p2 = public_key_of(generate_private_key());
  REQUIRE(apply_uapi_set(device, parse(peer_line(p1) + "allowed_ip=10.200.1.0/24\n" + peer_line(p2) + "\n"), out) == 0);
  CHECK(device.peers().size() == 2);

  REQUIRE(apply_uapi_set(device, parse(peer_line(p1) + "replace_allowed_ips=true\nallowed_ip=10.200.9.0/24\n\n"), out) == 0);
  auto prefixes = device.allowed_ips().prefixes_of(device.find(p1)->id);
  REQUIRE(prefixes.size() == 1);
  CHECK(prefixes[0].to_string() == "10.200.9.0/24");

  Key p3 = public_key_of(generate_private_key());
  REQUIRE(apply_uapi_set(device, parse(peer_line(p3) + "update_only=true\n\n"), out) == 0);
  CHECK(device.find(p3) == nullptr);

  REQUIRE(apply_uapi_set(device, parse(peer_line(p2) + "remove=true\n\n"), out) == 0);
  CHECK(device.find(p2) == nullptr);

  REQUIRE(apply_uapi_set(device, parse("replace_peers=true\n" + peer_line(p3) + "\n"), out) == 0);
  CHECK(device.find(p1) == nullptr);
  CHECK(device.find(p3) != nullptr);
  CHECK(device.allowed_ips().size() == 0);
}

TEST_CASE("a peer with the device's own public key is ignored; an all-zero private key removes it") {
  ManualClock clock;
  Device device(clock);
  Outbox out;
  Key priv = generate_private_key();
  REQUIRE(apply_uapi_set(device, parse("private_key=" + key_to_hex(priv) + "\n" + peer_line(public_key_of(priv)) + "\n"), out) == 0);
  CHECK(device.peers().empty());
  REQUIRE(apply_uapi_set(device, parse("private_key=" + std::string(64, '0') + "\n\n"), out) == 0);
  CHECK_FALSE(device.private_key());
  CHECK_FALSE(uapi_state_of(device, 0, 0).private_key);
}
