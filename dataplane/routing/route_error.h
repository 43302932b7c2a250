// RouteError: why a route description was refused, naming the offending field.
#pragma once

#include <string>

namespace anymesh::routing {

struct RouteError {
  std::string field;    // e.g. "groups[1].next_hops[0].weight"
  std::string problem;  // e.g. "must be between 1 and 1000000"
  std::string to_string() const { return field + ": " + problem; }
};

}  // namespace anymesh::routing
