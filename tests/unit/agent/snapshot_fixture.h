// The r1 gateway snapshot of snapshot_r1.txtpb built in code, for tests that change one field.
#pragma once

#include <initializer_list>
#include <string>

#include "controlplane/proto/anymesh.pb.h"

namespace anymesh::agent::test {

inline constexpr std::uint32_t kSelf = 11;
inline constexpr std::uint32_t kR2a = 21;
inline constexpr std::uint32_t kR3a = 31;
inline constexpr std::uint32_t kR3b = 32;

inline void add_peer(v1::GatewaySnapshot& s, std::uint32_t id, const std::string& region, const std::string& key,
                     std::initializer_list<const char*> endpoints, const std::string& tunnel, unsigned lanes) {
  auto* peer = s.add_peers();
  peer->set_id(id);
  peer->set_region(region);
  peer->set_public_key(key);
  for (const char* e : endpoints) peer->add_endpoints(e);
  peer->set_tunnel_address(tunnel);
  for (unsigned i = 0; i < lanes; ++i) {
    auto* lane = peer->add_lanes();
    lane->set_id(i);
    lane->set_port(51820 + i);
  }
}

inline void add_hop(v1::NextHop* hop, std::uint32_t gateway, std::initializer_list<std::uint32_t> lanes,
                    std::uint32_t weight) {
  hop->set_gateway(gateway);
  for (auto l : lanes) hop->add_lanes(l);
  hop->set_weight(weight);
}

inline void add_backup(v1::NextHopGroup* group, v1::BackupKind kind, std::uint32_t gateway,
                       std::initializer_list<std::uint32_t> lanes) {
  auto* backup = group->add_backups();
  backup->set_kind(kind);
  backup->set_gateway(gateway);
  for (auto l : lanes) backup->add_lanes(l);
}

inline void add_prefix(v1::GatewaySnapshot& s, const std::string& prefix, const std::string& region) {
  auto* p = s.add_prefixes();
  p->set_prefix(prefix);
  p->set_region(region);
}

// peers[0] r2 gateway 21 (2 lanes), peers[1] r3 gateway 31 (3 lanes), peers[2] r3 gateway 32 (1 lane);
// groups[0] r3 (backups: other lane, other gateway, relay via r2), groups[1] r2.
inline v1::GatewaySnapshot r1_snapshot() {
  v1::GatewaySnapshot s;
  s.set_version(7);
  s.mutable_self()->set_id(kSelf);
  s.mutable_self()->set_region("r1");
  s.mutable_self()->set_tunnel_address("10.200.1.1");
  add_peer(s, kR2a, "r2", "r2a-public-key-0123456789abcdefg", {"198.51.100.21:51820"}, "10.200.2.1", 2);
  add_peer(s, kR3a, "r3", "r3a-public-key-0123456789abcdefg", {"198.51.100.31:51820", "[fd00::31]:51820"},
           "10.200.3.1", 3);
  add_peer(s, kR3b, "r3", "r3b-public-key-0123456789abcdefg", {"198.51.100.32:51820"}, "10.200.3.2", 1);

  auto* r3 = s.add_groups();
  r3->set_region("r3");
  add_hop(r3->add_next_hops(), kR3a, {0, 1}, 1);
  add_backup(r3, v1::BACKUP_KIND_OTHER_LANE, kR3a, {2});
  add_backup(r3, v1::BACKUP_KIND_OTHER_GATEWAY, kR3b, {0});
  add_backup(r3, v1::BACKUP_KIND_RELAY, kR2a, {0, 1});
  auto* r2 = s.add_groups();
  r2->set_region("r2");
  add_hop(r2->add_next_hops(), kR2a, {0, 1}, 1);

  add_prefix(s, "10.3.0.0/16", "r3");
  add_prefix(s, "fd00:3::/32", "r3");
  add_prefix(s, "10.2.0.0/16", "r2");
  s.mutable_probe()->set_interval_ms(5);
  s.mutable_probe()->set_miss_threshold(4);
  return s;
}

inline std::string serialized(const v1::GatewaySnapshot& s) {
  std::string bytes;
  s.SerializeToString(&bytes);
  return bytes;
}

}  // namespace anymesh::agent::test
