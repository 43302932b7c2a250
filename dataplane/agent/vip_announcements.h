// Which VIPs a gateway announces over BGP: those of services it can serve well from its region.
#pragma once

#include <string_view>
#include <vector>

#include "dataplane/anycast/service.h"
#include "dataplane/packet/ip_address.h"

namespace anymesh::agent {

// A service is servable from own_region when
// - it has an endpoint group in own_region: one of them is serving (healthy, with a healthy
//   backend); a region whose own backends all fail withdraws, so clients enter at a region that
//   serves instead of crossing this one (until BGP converges the gateway still steers them to the
//   other groups, failing open);
// - it has none: any group serves (this region is an ingress for the others);
// - no group serves anywhere: every region keeps announcing (fail open, as Global Accelerator
//   does), rather than every region withdrawing at once.
// A VIP is announced when any service it belongs to is servable. Sorted, each once. Dials do not
// withdraw: a drained region keeps its established flows, which a withdrawal would move.
std::vector<IpAddress> servable_vips(const anycast::ServiceTable& table, std::string_view own_region);

}  // namespace anymesh::agent
