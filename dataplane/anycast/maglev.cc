// Weighted Maglev population: permutations from two hashes of each backend name, turns by weight.
#include "dataplane/anycast/maglev.h"

#include <algorithm>
#include <unordered_set>

namespace anymesh::anycast {
namespace {

// 64-bit FNV-1a of the name, then two splitmix64 finalizations with different salts: two
// independent-looking hashes from one pass, defined here so the table never depends on std::hash.
std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

constexpr std::uint64_t kOffsetSalt = 0x6f66667365740000ull;  // "offset"
constexpr std::uint64_t kSkipSalt = 0x736b697000000000ull;    // "skip"

struct Permutation {
  std::uint32_t index;  // into the caller's backend list
  std::uint32_t weight;
  std::uint32_t next;   // slot of the next turn's candidate
  std::uint32_t skip;
};

}  // namespace

std::string_view to_string(MaglevError e) {
  switch (e) {
    case MaglevError::no_backends: return "no backends";
    case MaglevError::no_weight: return "every backend has weight 0";
    case MaglevError::duplicate_name: return "two backends have the same name";
    case MaglevError::size_not_prime: return "table size is not prime";
    case MaglevError::size_too_small: return "table size is below 100 slots per backend";
    case MaglevError::size_too_large: return "table size is above 16777216";
  }
  return "unknown";
}

bool is_prime(std::uint32_t n) {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  for (std::uint64_t d = 3; d * d <= n; d += 2) {
    if (n % d == 0) return false;
  }
  return true;
}

Result<MaglevTable, MaglevError> build_maglev(std::span<const MaglevBackend> backends,
                                              std::uint32_t table_size) {
  if (backends.empty()) return fail(MaglevError::no_backends);
  if (table_size > kMaxMaglevTableSize) return fail(MaglevError::size_too_large);
  if (!is_prime(table_size)) return fail(MaglevError::size_not_prime);
  if (static_cast<std::uint64_t>(table_size) <
      static_cast<std::uint64_t>(kMaglevSlotsPerBackend) * backends.size()) {
    return fail(MaglevError::size_too_small);
  }
  std::unordered_set<std::string_view> names;
  for (const auto& b : backends) {
    if (!names.insert(b.name).second) return fail(MaglevError::duplicate_name);
  }

  std::vector<Permutation> perms;
  std::uint32_t max_weight = 0;
  for (std::uint32_t i = 0; i < backends.size(); ++i) {
    if (backends[i].weight == 0) continue;
    std::uint64_t h = fnv1a64(backends[i].name);
    auto offset = static_cast<std::uint32_t>(splitmix64(h ^ kOffsetSalt) % table_size);
    auto skip = static_cast<std::uint32_t>(splitmix64(h ^ kSkipSalt) % (table_size - 1) + 1);
    perms.push_back({i, backends[i].weight, offset, skip});
    max_weight = std::max(max_weight, backends[i].weight);
  }
  if (perms.empty()) return fail(MaglevError::no_weight);

  MaglevTable table;
  table.slots_.assign(table_size, AM_MAGLEV_EMPTY);
  std::uint32_t filled = 0;
  for (std::uint64_t round = 0; filled < table_size; ++round) {
    for (auto& p : perms) {
      auto turns = static_cast<std::uint32_t>((round + 1) * p.weight / max_weight -
                                              round * p.weight / max_weight);
      for (; turns > 0 && filled < table_size; --turns) {
        // The permutation visits every slot (skip and size are coprime: size is prime), so this
        // loop ends while any slot is free.
        while (table.slots_[p.next] != AM_MAGLEV_EMPTY) {
          p.next = static_cast<std::uint32_t>((static_cast<std::uint64_t>(p.next) + p.skip) % table_size);
        }
        table.slots_[p.next] = p.index;
        p.next = static_cast<std::uint32_t>((static_cast<std::uint64_t>(p.next) + p.skip) % table_size);
        ++filled;
      }
    }
  }
  return table;
}

}  // namespace anymesh::anycast
