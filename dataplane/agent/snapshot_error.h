// SnapshotError: why a gateway snapshot was refused, naming the offending field.
#pragma once

#include <string>

namespace anymesh::agent {

struct SnapshotError {
  std::string field;    // e.g. "peers[2].lanes[0].port", or "snapshot" for the bytes as a whole
  std::string problem;  // e.g. "0 is not a port"
  std::string to_string() const { return field + ": " + problem; }
};

}  // namespace anymesh::agent
