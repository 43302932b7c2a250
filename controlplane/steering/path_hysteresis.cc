// next_decision(): dead paths move at once, live ones only after a large enough improvement is sustained.
#include "controlplane/steering/path_hysteresis.h"

namespace anymesh::steering {
namespace {

const CandidatePath* find(std::span<const CandidatePath> candidates, const std::string& via) {
  for (const auto& c : candidates) {
    if (c.via == via) return &c;
  }
  return nullptr;
}

const CandidatePath* best_up(std::span<const CandidatePath> candidates) {
  const CandidatePath* best = nullptr;
  for (const auto& c : candidates) {
    if (c.measurement.state != PathState::up) continue;
    if (!best || c.measurement.rtt < best->measurement.rtt) best = &c;
  }
  return best;
}

// gain >= min_improvement and gain / current >= numerator / denominator, in exact integers.
bool clearly_better(Nanos current, Nanos challenger, const model::Policy::Hysteresis& h) {
  if (challenger >= current) return false;
  const Nanos gain = current - challenger;
  if (gain < h.min_improvement) return false;
  const auto lhs = static_cast<unsigned __int128>(gain.count()) * h.min_improvement_fraction.denominator;
  const auto rhs = static_cast<unsigned __int128>(current.count()) * h.min_improvement_fraction.numerator;
  return lhs >= rhs;
}

PathDecision settled_on(std::string via) { return PathDecision{std::move(via), {}, 0}; }

}  // namespace

std::optional<PathDecision> forced_move(const PathDecision& current, std::span<const CandidatePath> candidates) {
  const CandidatePath* in_use = find(candidates, current.via);
  if (in_use && in_use->measurement.state != PathState::down) return std::nullopt;
  const CandidatePath* best = best_up(candidates);
  return settled_on(best ? best->via : std::string());
}

PathDecision next_decision(const PathDecision& current, std::span<const CandidatePath> candidates,
                           const model::Policy::Hysteresis& hysteresis) {
  if (auto moved = forced_move(current, candidates)) return *moved;
  const CandidatePath* in_use = find(candidates, current.via);
  const CandidatePath* best = best_up(candidates);
  if (in_use->measurement.state == PathState::unknown) return settled_on(current.via);
  const CandidatePath* challenger = nullptr;
  if (best && best != in_use && clearly_better(in_use->measurement.rtt, best->measurement.rtt, hysteresis)) {
    challenger = best;
  } else if (const CandidatePath* direct = find(candidates, std::string());
             !current.via.empty() && direct && direct->measurement.state == PathState::up &&
             in_use->measurement.state == PathState::up &&
             !clearly_better(direct->measurement.rtt, in_use->measurement.rtt, hysteresis)) {
    // A relay keeps its place only while it is clearly better than the direct path (it was
    // perhaps chosen while direct was down): otherwise direct challenges it, with the same
    // sustained count, so flapping input never moves the route either way.
    challenger = direct;
  }
  if (!challenger) return settled_on(current.via);
  PathDecision next = current;
  if (next.sustained > 0 && next.challenger == challenger->via) {
    ++next.sustained;
  } else {
    next.challenger = challenger->via;
    next.sustained = 1;
  }
  if (next.sustained >= hysteresis.sustained_reports) return settled_on(challenger->via);
  return next;
}

}  // namespace anymesh::steering
