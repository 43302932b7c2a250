// A small mesh described for the routing tests: region r3 reached directly over two gateways,
// with backups on another lane, another gateway and a relay through r2.
#pragma once

#include "dataplane/routing/route_description.h"

namespace anymesh::routing::test {

inline constexpr GatewayId kR3a = 31;
inline constexpr GatewayId kR3b = 32;
inline constexpr GatewayId kR3c = 33;
inline constexpr GatewayId kR2 = 21;

inline GroupDescription r3_group() {
  GroupDescription g;
  g.name = "r3";
  g.next_hops = {{kR3a, {0, 1}, 3}, {kR3b, {4, 5}, 1}};
  g.backups = {{BackupKind::other_lane, kR3a, {2}},
               {BackupKind::other_gateway, kR3c, {8}},
               {BackupKind::relay, kR2, {12, 13}}};
  return g;
}

inline GroupDescription r2_group() {
  GroupDescription g;
  g.name = "r2";
  g.next_hops = {{kR2, {12, 13}, 1}};
  return g;
}

inline RouteDescription mesh() {
  RouteDescription d;
  d.groups = {r3_group(), r2_group()};
  d.prefixes = {{*IpPrefix::parse("10.3.0.0/16"), "r3"},
                {*IpPrefix::parse("10.3.7.0/24"), "r2"},
                {*IpPrefix::parse("fd00:3::/32"), "r3"},
                {*IpPrefix::parse("10.2.0.0/16"), "r2"}};
  return d;
}

}  // namespace anymesh::routing::test
