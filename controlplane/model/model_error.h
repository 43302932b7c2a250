// ModelError: one problem found in mesh.yaml, with the file, line and field path that hold it.
#pragma once

#include <string>

namespace anymesh::model {

struct ModelError {
  std::string file;
  int line = 0;       // 1-based; 0 when the problem has no place in the text (e.g. an unreadable file)
  std::string field;  // e.g. "gateways[1].region"; empty for a syntax error
  std::string reason;

  // "mesh.yaml:14: gateways[1].region: unknown region \"r9\""
  std::string to_string() const {
    std::string out = file;
    if (line > 0) out += ":" + std::to_string(line);
    out += ": ";
    if (!field.empty()) out += field + ": ";
    return out + reason;
  }
};

}  // namespace anymesh::model
