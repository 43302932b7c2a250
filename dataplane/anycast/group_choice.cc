// Weighted pick over the groups' cumulative shares, restricted to serving groups unless none is.
#include "dataplane/anycast/group_choice.h"

#include "bpf/include/flow_hash.h"

namespace anymesh::anycast {
namespace {

std::uint32_t share(const GroupCandidate& g) { return g.weight * g.dial_percent; }

std::optional<std::size_t> pick(std::span<const GroupCandidate> groups, std::uint32_t hash,
                                bool serving_only) {
  std::uint64_t total = 0;
  for (const auto& g : groups) {
    if (!serving_only || g.serving) total += share(g);
  }
  if (total == 0 || total > UINT32_MAX) return std::nullopt;
  std::uint32_t point = am_hash_reduce(hash, static_cast<std::uint32_t>(total));
  std::uint64_t upto = 0;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (serving_only && !groups[i].serving) continue;
    upto += share(groups[i]);
    if (point < upto) return i;
  }
  return std::nullopt;  // unreachable: point < total
}

}  // namespace

std::optional<std::size_t> choose_group(std::span<const GroupCandidate> groups,
                                        std::uint32_t decision_hash) {
  if (auto g = pick(groups, decision_hash, true)) return g;
  return pick(groups, decision_hash, false);
}

}  // namespace anymesh::anycast
