// libFuzzer harness: parse_uapi_set on arbitrary bytes, and what it accepts must print and re-parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dataplane/wireguard/uapi.h"

using namespace anymesh::wg;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto request = parse_uapi_set(text);
  if (!request) {
    (void)uapi_errno(request.error());
    (void)uapi_error_name(request.error());
    return 0;
  }
  // Every accepted endpoint prints (zone left out, as wireguard-go does) in a form that parses back.
  for (const auto& peer : request->peers) {
    if (!peer.endpoint) continue;
    std::string again = "public_key=" + std::string(64, '0') + "\nendpoint=" + peer.endpoint->to_string() + "\n\n";
    auto reparsed = parse_uapi_set(again);
    if (!reparsed) std::abort();
    const auto& back = *reparsed->peers.at(0).endpoint;
    if (back.address != peer.endpoint->address || back.port != peer.endpoint->port) std::abort();
  }
  UapiDeviceState state;
  state.private_key = request->private_key;
  for (const auto& peer : request->peers) {
    UapiPeerState p;
    p.public_key = peer.public_key;
    p.endpoint = peer.endpoint;
    p.allowed_ips = peer.allowed_ips;
    state.peers.push_back(p);
  }
  (void)format_uapi_get(state);
  return 0;
}
