// endpoint_group_weights(): the share of each endpoint group in exact integer arithmetic.
#include "controlplane/steering/endpoint_group_weights.h"

#include <algorithm>

namespace anymesh::steering {

std::vector<std::uint64_t> endpoint_group_weights(std::span<const EndpointGroupInput> groups,
                                                  const std::optional<LatencyPreference>& preference) {
  std::vector<std::uint64_t> shares;
  shares.reserve(groups.size());
  for (const auto& g : groups) {
    const std::uint64_t weight = std::min<std::uint32_t>(g.weight, 255);
    const std::uint64_t dial = std::min<std::uint32_t>(g.dial_percent, 100);
    std::uint64_t share = g.healthy ? weight * dial : 0;
    std::uint64_t factor = kLatencyScale;
    if (preference && g.rtt && preference->half_share_rtt.count() > 0) {
      const auto half = static_cast<unsigned __int128>(preference->half_share_rtt.count());
      const auto rtt = static_cast<unsigned __int128>(std::max<std::int64_t>(g.rtt->count(), 0));
      factor = static_cast<std::uint64_t>(kLatencyScale * half / (half + rtt));
    }
    shares.push_back(share * factor);
  }
  return shares;
}

}  // namespace anymesh::steering
