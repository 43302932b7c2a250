// The hysteresis rule: when one gateway's route to a region moves from its current path to a better one.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "controlplane/model/model.h"
#include "controlplane/steering/probe_store.h"

namespace anymesh::steering {

// A way to reach a destination region: direct (via empty) or through one relay region.
struct CandidatePath {
  std::string via;  // "" = direct, else the relay region's name
  PathMeasurement measurement;
};

// Where a route stands: the path in use and the challenger that has been better in a row.
struct PathDecision {
  std::string via;         // the path in use: "" = direct
  std::string challenger;  // meaningful while sustained > 0
  std::uint32_t sustained = 0;
  bool operator==(const PathDecision&) const = default;
};

// One report's step, a pure function. candidates lists direct first, then relay regions by name:
// ties in RTT go to the earlier one.
// 1. The path in use is down, or no longer a candidate (its relay became unfit): move at once to
//    the best up candidate, or to direct when none is up. A dead path never waits.
// 2. The path in use is unknown (nothing measured): stay, and start counting again.
// 3. Otherwise the best up candidate challenges it when it is better by at least
//    min_improvement AND by min_improvement_fraction of the current RTT. The same challenger
//    doing so in sustained_reports consecutive steps takes over; any step in which it does not
//    (or another path is best) restarts the count, so flapping input never moves the route.
// 4. A relay in use that is not clearly better than an up direct path is challenged by direct
//    the same way (relays are chosen while direct is down, and must keep earning their place).
// Rule 1 alone, for routes whose own gateway did not report: the move a dead or unfit path in
// use forces, or nullopt when it is still fit (up or unknown) and the route keeps its count.
std::optional<PathDecision> forced_move(const PathDecision& current, std::span<const CandidatePath> candidates);

PathDecision next_decision(const PathDecision& current, std::span<const CandidatePath> candidates,
                           const model::Policy::Hysteresis& hysteresis);

}  // namespace anymesh::steering
