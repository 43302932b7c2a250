// libFuzzer harness: the snapshot loader on arbitrary bytes must refuse cleanly or return a
// snapshot whose every reference resolves.
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "dataplane/agent/snapshot_loader.h"

namespace {

using namespace anymesh;
using namespace anymesh::agent;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

// A peer's lanes are numbered 0 .. n - 1 and own distinct slots below the total lane count.
void check_lanes(const AppliedSnapshot& s) {
  for (const auto& peer : s.peers()) {
    require(!peer.lanes.empty() && !peer.endpoints.empty());
    for (std::size_t i = 0; i < peer.lanes.size(); ++i) {
      require(peer.lanes[i].id == i && peer.lanes[i].port != 0);
      require(peer.lanes[i].slot < s.lane_count());
    }
  }
}

bool slot_of(const PeerGateway& peer, routing::LaneSlot slot) {
  for (const auto& lane : peer.lanes) {
    if (lane.slot == slot) return true;
  }
  return false;
}

// Every hop names a known peer, never one of the gateway's own region, with lanes of that peer.
void check_routes(const AppliedSnapshot& s) {
  for (const auto& group : s.route_description().groups) {
    require(group.name != s.self().region);
    auto check_hop = [&](routing::GatewayId id, const std::vector<routing::LaneSlot>& lanes) {
      const PeerGateway* peer = s.find_peer(id);
      require(peer != nullptr && peer->region != s.self().region);
      for (auto slot : lanes) require(slot_of(*peer, slot));
    };
    for (const auto& hop : group.next_hops) check_hop(hop.gateway, hop.lanes);
    for (const auto& backup : group.backups) check_hop(backup.gateway, backup.lanes);
  }
  for (const char* address : {"10.0.0.1", "10.3.1.1", "fd00:3::1", "0.0.0.0"}) {
    auto chosen = s.routes().select(*IpAddress::parse(address), 0x9e3779b9u, routing::LaneUpMask::all_up());
    if (chosen) require(s.find_peer(chosen->gateway) != nullptr);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Protobuf logs malformed UTF-8 in string fields; the fuzzer's output needs none of it.
  static const bool quiet = (google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int,
                                                                 const std::string&) {}),
                             true);
  (void)quiet;
  if (size == 0) return 0;
  // The first byte picks the format, so one corpus covers both decoders.
  std::span<const std::uint8_t> rest(data + 1, size - 1);
  auto loaded = (data[0] & 1) == 0
                    ? load_snapshot(rest)
                    : load_snapshot_text(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()));
  if (!loaded) {
    require(!loaded.error().field.empty() && !loaded.error().problem.empty());
    return 0;
  }
  require(loaded->version() != 0 && loaded->self().id != 0);
  check_lanes(*loaded);
  check_routes(*loaded);
  return 0;
}
