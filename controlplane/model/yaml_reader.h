// Reading yaml-cpp nodes into typed values, recording every problem with its line and field path.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/model/model_error.h"

namespace anymesh::model {

// Collects errors; a section keeps reading after one so the operator sees them all at once.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}
  void add(const YAML::Node& at, std::string field, std::string reason);
  void add(int line, std::string field, std::string reason);
  std::size_t count() const { return errors_.size(); }
  std::vector<ModelError> take() { return std::move(errors_); }

 private:
  std::string file_;
  std::vector<ModelError> errors_;
};

int line_of(const YAML::Node& node);  // 1-based, 0 when yaml-cpp has no mark for it
std::string index_path(const std::string& path, std::size_t i);  // "path[i]"

// A mapping whose keys must all be known (typo safety) and appear once; those errors are recorded
// and reading goes on, so the known fields are checked too. valid() is false only when the node is
// not a mapping at all. A null node reads as an empty mapping: "policy:" alone means all defaults.
class Mapping {
 public:
  Mapping(const YAML::Node& node, std::string field_path, Diagnostics& diagnostics,
          std::initializer_list<std::string_view> known_keys);

  bool valid() const { return valid_; }
  bool has(std::string_view key) const;
  YAML::Node get(std::string_view key) const;  // an invalid node when absent
  std::string path(std::string_view key) const;
  const YAML::Node& node() const { return node_; }

  // Each reader reports a missing required field, a wrong shape or an out-of-range value, and
  // returns nullopt then; an absent optional field gives the fallback.
  std::optional<std::string> text(std::string_view key, std::optional<std::string> fallback = std::nullopt);
  std::optional<std::uint64_t> number(std::string_view key, std::uint64_t min, std::uint64_t max,
                                      std::optional<std::uint64_t> fallback = std::nullopt);
  std::optional<double> decimal(std::string_view key, double min, double max,
                                std::optional<double> fallback = std::nullopt);
  std::optional<bool> flag(std::string_view key, std::optional<bool> fallback = std::nullopt);
  // A sequence, or nullopt after an error; an absent optional one reads as empty.
  std::optional<YAML::Node> sequence(std::string_view key, bool required);

  Diagnostics& diagnostics() { return diagnostics_; }

 private:
  YAML::Node node_;
  std::string path_;
  Diagnostics& diagnostics_;
  bool valid_ = true;
};

// The scalar text of node, or nullopt after reporting that it is not a scalar.
std::optional<std::string> scalar_text(const YAML::Node& node, const std::string& path, Diagnostics& d);

}  // namespace anymesh::model
