// Prometheus text format 0.0.4: name checks, HELP and label value escaping, float spelling.
#include "dataplane/agent/metrics_text.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace anymesh::agent {
namespace {

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// HELP text escapes backslash and newline; label values also the double quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// Prometheus parses values with Go's ParseFloat: NaN, +Inf, -Inf, or the shortest exact decimal.
std::string float_text(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (error != std::errc{}) throw std::logic_error("cannot format a metric value");
  return std::string(buffer, end);
}

}  // namespace

bool MetricsText::valid_metric_name(std::string_view name) {
  if (name.empty() || !(is_letter(name[0]) || name[0] == ':')) return false;
  for (char c : name) {
    if (!is_letter(c) && !is_digit(c) && c != ':') return false;
  }
  return true;
}

bool MetricsText::valid_label_name(std::string_view name) {
  if (name.empty() || !is_letter(name[0]) || name.starts_with("__")) return false;
  for (char c : name) {
    if (!is_letter(c) && !is_digit(c)) return false;
  }
  return true;
}

void MetricsText::family(std::string_view name, std::string_view help, MetricType type) {
  if (!valid_metric_name(name)) throw std::invalid_argument("metric name '" + std::string(name) + "' is not valid");
  if (!families_.emplace(name).second) {
    throw std::logic_error("metric family '" + std::string(name) + "' written twice");
  }
  current_ = name;
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  append_escaped(text_, help, false);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += type == MetricType::counter ? " counter\n" : " gauge\n";
}

void MetricsText::sample(const std::vector<MetricLabel>& labels, double value) { write_sample(labels, float_text(value)); }

void MetricsText::write_sample(const std::vector<MetricLabel>& labels, const std::string& value) {
  if (current_.empty()) throw std::logic_error("metric sample written before its family");
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!valid_label_name(labels[i].name)) {
      throw std::invalid_argument("label name '" + std::string(labels[i].name) + "' of " + current_ + " is not valid");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (labels[j].name == labels[i].name) {
        throw std::invalid_argument("label '" + std::string(labels[i].name) + "' repeated in a sample of " + current_);
      }
    }
  }
  text_ += current_;
  if (!labels.empty()) {
    text_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i != 0) text_ += ',';
      text_ += labels[i].name;
      text_ += "=\"";
      append_escaped(text_, labels[i].value, true);
      text_ += '"';
    }
    text_ += '}';
  }
  text_ += ' ';
  text_ += value;
  text_ += '\n';
}

}  // namespace anymesh::agent
