// Typed reads of yaml-cpp nodes with errors that name line and field.
#include "controlplane/model/yaml_reader.h"

#include <charconv>
#include <cmath>
#include <set>

namespace anymesh::model {

int line_of(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  auto mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

std::string index_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

void Diagnostics::add(const YAML::Node& at, std::string field, std::string reason) {
  add(line_of(at), std::move(field), std::move(reason));
}

void Diagnostics::add(int line, std::string field, std::string reason) {
  errors_.push_back(ModelError{file_, line, std::move(field), std::move(reason)});
}

std::optional<std::string> scalar_text(const YAML::Node& node, const std::string& path, Diagnostics& d) {
  if (!node.IsScalar()) {
    d.add(node, path, node.IsNull() ? "has no value" : "expected a single value");
    return std::nullopt;
  }
  return node.Scalar();
}

Mapping::Mapping(const YAML::Node& node, std::string field_path, Diagnostics& diagnostics,
                 std::initializer_list<std::string_view> known_keys)
    : node_(node), path_(std::move(field_path)), diagnostics_(diagnostics) {
  if (node_.IsNull()) return;
  if (!node_.IsMap()) {
    diagnostics_.add(node_, path_, "expected a mapping of fields");
    valid_ = false;
    return;
  }
  std::set<std::string> seen;
  // yaml-cpp iterators yield pairs by value: copy the key node, never hold a reference into them.
  for (const auto& entry : node_) {
    const YAML::Node key = entry.first;
    if (!key.IsScalar()) {
      diagnostics_.add(key, path_, "a key is not a plain name");
      continue;
    }
    const std::string& name = key.Scalar();
    bool known = false;
    for (auto k : known_keys) known = known || k == name;
    if (!known) {
      diagnostics_.add(key, path(name), "unknown field");
    } else if (!seen.insert(name).second) {
      diagnostics_.add(key, path(name), "given twice");
    }
  }
}

bool Mapping::has(std::string_view key) const { return get(key).IsDefined(); }

YAML::Node Mapping::get(std::string_view key) const {
  if (!node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& entry : node_) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string Mapping::path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::optional<std::string> Mapping::text(std::string_view key, std::optional<std::string> fallback) {
  auto value = get(key);
  if (!value.IsDefined()) {
    if (!fallback) diagnostics_.add(node_, path(key), "is required");
    return fallback;
  }
  auto t = scalar_text(value, path(key), diagnostics_);
  if (t && t->empty()) {
    diagnostics_.add(value, path(key), "is empty");
    return std::nullopt;
  }
  return t;
}

std::optional<std::uint64_t> Mapping::number(std::string_view key, std::uint64_t min, std::uint64_t max,
                                             std::optional<std::uint64_t> fallback) {
  auto value = get(key);
  if (!value.IsDefined()) {
    if (!fallback) diagnostics_.add(node_, path(key), "is required");
    return fallback;
  }
  auto t = scalar_text(value, path(key), diagnostics_);
  if (!t) return std::nullopt;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), n);
  if (ec != std::errc{} || end != t->data() + t->size()) {
    diagnostics_.add(value, path(key), "\"" + *t + "\" is not a whole number");
    return std::nullopt;
  }
  if (n < min || n > max) {
    diagnostics_.add(value, path(key),
                     *t + " is outside " + std::to_string(min) + " .. " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<double> Mapping::decimal(std::string_view key, double min, double max, std::optional<double> fallback) {
  auto value = get(key);
  if (!value.IsDefined()) {
    if (!fallback) diagnostics_.add(node_, path(key), "is required");
    return fallback;
  }
  auto t = scalar_text(value, path(key), diagnostics_);
  if (!t) return std::nullopt;
  double x = 0;
  auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), x);
  if (ec != std::errc{} || end != t->data() + t->size() || !std::isfinite(x)) {
    diagnostics_.add(value, path(key), "\"" + *t + "\" is not a number");
    return std::nullopt;
  }
  if (x < min || x > max) {
    diagnostics_.add(value, path(key), *t + " is outside " + std::to_string(min) + " .. " + std::to_string(max));
    return std::nullopt;
  }
  return x;
}

std::optional<bool> Mapping::flag(std::string_view key, std::optional<bool> fallback) {
  auto value = get(key);
  if (!value.IsDefined()) {
    if (!fallback) diagnostics_.add(node_, path(key), "is required");
    return fallback;
  }
  auto t = scalar_text(value, path(key), diagnostics_);
  if (!t) return std::nullopt;
  if (*t == "true" || *t == "on" || *t == "yes") return true;
  if (*t == "false" || *t == "off" || *t == "no") return false;
  diagnostics_.add(value, path(key), "\"" + *t + "\" is not one of true, false, on, off, yes, no");
  return std::nullopt;
}

std::optional<YAML::Node> Mapping::sequence(std::string_view key, bool required) {
  auto value = get(key);
  if (!value.IsDefined()) {
    if (required) {
      diagnostics_.add(node_, path(key), "is required");
      return std::nullopt;
    }
    return YAML::Node(YAML::NodeType::Sequence);
  }
  if (!value.IsSequence()) {
    diagnostics_.add(value, path(key), "expected a list");
    return std::nullopt;
  }
  return value;
}

}  // namespace anymesh::model
