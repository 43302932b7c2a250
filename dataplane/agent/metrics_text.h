// MetricsText: a writer of the Prometheus text exposition format 0.0.4 (families, samples, labels).
#pragma once

#include <concepts>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace anymesh::agent {

enum class MetricType { counter, gauge };

struct MetricLabel {
  std::string_view name;   // [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved by Prometheus)
  std::string_view value;  // any UTF-8 text; escaped on output
};

// Usage: family("anymesh_drops_total", "Packets dropped, by reason.", MetricType::counter), then
// sample({{"reason", "no_route"}, {"lcore", "1"}}, 42) for each series, then the next family.
// Misuse (a bad metric or label name, a family written twice, a sample before any family, a label
// name repeated in one sample) is a programming error: std::invalid_argument / std::logic_error.
class MetricsText {
 public:
  // Writes the family's # HELP and # TYPE lines; name is [a-zA-Z_:][a-zA-Z0-9_:]*.
  void family(std::string_view name, std::string_view help, MetricType type);

  // One sample of the current family. Integers are written exactly (counters above 2^53 too).
  void sample(const std::vector<MetricLabel>& labels, double value);
  template <std::integral Integer>
  void sample(const std::vector<MetricLabel>& labels, Integer value) {
    if constexpr (std::is_signed_v<Integer>) {
      write_sample(labels, std::to_string(static_cast<long long>(value)));
    } else {
      write_sample(labels, std::to_string(static_cast<unsigned long long>(value)));
    }
  }

  const std::string& text() const { return text_; }

  static bool valid_metric_name(std::string_view name);
  static bool valid_label_name(std::string_view name);

 private:
  void write_sample(const std::vector<MetricLabel>& labels, const std::string& value);

  std::string text_;
  std::string current_;  // the family samples go to
  std::set<std::string, std::less<>> families_;
};

}  // namespace anymesh::agent
