// The weighted Maglev table builder (Eisenbud et al., NSDI 2016) and its lookup.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bpf/include/maglev.h"
#include "dataplane/packet/result.h"

namespace anymesh::anycast {

inline constexpr std::uint32_t kDefaultMaglevTableSize = AM_MAGLEV_DEFAULT_TABLE_SIZE;
// The paper keeps the table at least 100x the backends so each backend's share is within ~1 %.
inline constexpr std::uint32_t kMaglevSlotsPerBackend = 100;
// Bounds the memory one bad description can ask for (16 M slots = 64 MiB).
inline constexpr std::uint32_t kMaxMaglevTableSize = 1u << 24;

// name identifies the backend to the permutation hashes: the same name gets the same slots in every
// table, which is what keeps most flows in place when the backend set changes.
struct MaglevBackend {
  std::string name;
  std::uint32_t weight = 1;  // 0: takes no slots
};

enum class MaglevError : std::uint8_t {
  no_backends,
  no_weight,         // every backend has weight 0
  duplicate_name,    // two backends would share one permutation
  size_not_prime,
  size_too_small,    // below kMaglevSlotsPerBackend x backends
  size_too_large,    // above kMaxMaglevTableSize
};

std::string_view to_string(MaglevError e);

// slot -> index into the backend list the table was built from.
class MaglevTable {
 public:
  std::uint32_t size() const { return static_cast<std::uint32_t>(slots_.size()); }
  std::uint32_t lookup(std::uint32_t hash) const { return slots_[hash % slots_.size()]; }
  std::span<const std::uint32_t> slots() const { return slots_; }
  // Replaces every slot value v with positions[v], so a table built over a subset of a list (the
  // healthy backends) names positions in the full list. positions must cover every value.
  void renumber(std::span<const std::uint32_t> positions) {
    for (auto& slot : slots_) slot = positions[slot];
  }
  // A table given slot by slot (its size must be prime and non-zero: lookup takes hash % size).
  static MaglevTable of_slots(std::vector<std::uint32_t> slots) {
    MaglevTable t;
    t.slots_ = std::move(slots);
    return t;
  }

 private:
  friend Result<MaglevTable, MaglevError> build_maglev(std::span<const MaglevBackend>, std::uint32_t);
  std::vector<std::uint32_t> slots_;
};

// Deterministic: the same names, weights and order give the same table. Backend i's permutation is
// offset_i + j * skip_i (mod size), both from hashes of its name. Turns go round by round; in round r
// backend i takes floor((r+1) w_i / w_max) - floor(r w_i / w_max) turns, so over the whole table its
// share tends to w_i / sum(w). A turn claims the next unclaimed slot of the backend's permutation.
Result<MaglevTable, MaglevError> build_maglev(std::span<const MaglevBackend> backends,
                                              std::uint32_t table_size = kDefaultMaglevTableSize);

bool is_prime(std::uint32_t n);

}  // namespace anymesh::anycast
