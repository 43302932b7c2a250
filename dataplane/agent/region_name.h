// Region names: the one rule shared by snapshots and gateway.conf.
#pragma once

#include <cstddef>
#include <string_view>

namespace anymesh::agent {

inline constexpr std::size_t kMaxRegionNameLength = 63;

// Letters, digits, '-', '_' and '.', 1 .. 63 of them: a region name ends up in metric labels,
// file names and log lines, where anything else would need quoting.
constexpr bool is_region_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxRegionNameLength) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

inline constexpr std::string_view kRegionNameRule =
    "must be 1 to 63 letters, digits, '-', '_' or '.'";

}  // namespace anymesh::agent
