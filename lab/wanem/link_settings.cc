// Parsers for link settings as they arrive on the control socket (from `lab/lab link ...`).
#include "lab/wanem/link_settings.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace anymesh::lab {
namespace {

// Splits "12.5ms" into 12.5 and "ms"; nullopt when there is no leading number.
std::optional<std::pair<double, std::string_view>> split_number(std::string_view text) {
  std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str() || !std::isfinite(value) || value < 0) return std::nullopt;
  return std::make_pair(value, text.substr(static_cast<std::size_t>(end - copy.c_str())));
}

}  // namespace

std::optional<Nanos> parse_duration(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  auto [value, unit] = *parts;
  double scale = 0;
  if (unit == "ns") scale = 1;
  else if (unit == "us") scale = 1e3;
  else if (unit == "ms" || (unit.empty() && value == 0)) scale = 1e6;
  else if (unit == "s") scale = 1e9;
  else return std::nullopt;
  const double ns = value * scale;
  if (ns > 60e9) return std::nullopt;  // a minute of delay is a typo, not an emulation
  return static_cast<Nanos>(std::llround(ns));
}

std::optional<std::uint64_t> parse_rate(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  auto [value, unit] = *parts;
  double scale = 0;
  if (unit.empty() || unit == "bit") scale = 1;
  else if (unit == "kbit") scale = 1e3;
  else if (unit == "mbit") scale = 1e6;
  else if (unit == "gbit") scale = 1e9;
  else return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(value * scale));
}

std::optional<double> parse_loss(std::string_view text) {
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  auto parts = split_number(text);
  if (!parts || !parts->second.empty() || parts->first > 100.0) return std::nullopt;
  return parts->first / 100.0;
}

std::string apply_setting_words(LinkSettings& settings, const std::string* words, std::size_t count) {
  LinkSettings next = settings;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& key = words[i];
    if (key == "down") { next.up = false; next.down_for = 0; continue; }
    if (key == "up") { next.up = true; next.down_for = 0; continue; }
    if (i + 1 >= count) return "missing value after '" + key + "'";
    const std::string& value = words[++i];
    if (key == "downfor") {
      auto d = parse_duration(value);
      if (!d || *d <= 0) return "bad duration '" + value + "' for downfor";
      next.up = false;
      next.down_for = *d;
    } else if (key == "delay" || key == "jitter") {
      auto d = parse_duration(value);
      if (!d) return "bad duration '" + value + "' for " + key + " (e.g. 50ms, 250us)";
      (key == "delay" ? next.delay : next.jitter) = *d;
    } else if (key == "loss") {
      auto l = parse_loss(value);
      if (!l) return "bad loss '" + value + "' (0-100%)";
      next.loss = *l;
    } else if (key == "rate") {
      auto r = parse_rate(value);
      if (!r) return "bad rate '" + value + "' (e.g. 10mbit, 0 = unlimited)";
      next.rate_bps = *r;
    } else if (key == "queue") {
      std::uint32_t q = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
      if (ec != std::errc{} || p != value.data() + value.size() || q == 0) return "bad queue '" + value + "'";
      next.queue_limit = q;
    } else {
      return "unknown setting '" + key + "'";
    }
  }
  settings = next;
  return {};
}

}  // namespace anymesh::lab
