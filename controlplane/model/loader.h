// Loading mesh.yaml: text or file in, a validated Model or every error found out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controlplane/model/model.h"
#include "controlplane/model/model_error.h"
#include "dataplane/packet/result.h"

namespace anymesh::model {

using ModelErrors = std::vector<ModelError>;

// file_name only labels errors. Never throws: bad YAML becomes an error like any other.
Result<Model, ModelErrors> load_model_text(std::string_view text, const std::string& file_name);
// Errors name the path as given.
Result<Model, ModelErrors> load_model_file(const std::string& path);

}  // namespace anymesh::model
