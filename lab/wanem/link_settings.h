// What one directed WAN link does to the frames crossing it, and the parsers for its textual form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lab/wanem/clock.h"

namespace anymesh::lab {

struct LinkSettings {
  Nanos delay = 0;             // one-way propagation delay
  Nanos jitter = 0;            // uniform in [-jitter, +jitter] around delay; 0 keeps order
  double loss = 0.0;           // probability in [0, 1] that a frame is dropped
  std::uint64_t rate_bps = 0;  // serialisation rate of Ethernet frame bytes, 0 = unlimited
  std::uint32_t queue_limit = 8192;  // frames held by the link (in flight + waiting), beyond that: overflow drop
  bool up = true;              // false = blackhole: frames entering or still in flight are dropped
  Nanos down_for = 0;          // with up = false: restore by itself after this long (exact outages)
};

// "50ms", "250us", "1.5ms", "2s", "0" -> nanoseconds.
std::optional<Nanos> parse_duration(std::string_view text);
// "10mbit", "1.5gbit", "800kbit", "12000" (bit/s), "0" -> bit/s.
std::optional<std::uint64_t> parse_rate(std::string_view text);
// "5%", "5", "0.5%" -> probability 0.05 / 0.005; out of [0, 100] -> nullopt.
std::optional<double> parse_loss(std::string_view text);

// Applies "key value" words (delay, jitter, loss, rate, queue, down, up, downfor D) to settings;
// returns an error message naming the bad word, or an empty string.
std::string apply_setting_words(LinkSettings& settings, const std::string* words, std::size_t count);

}  // namespace anymesh::lab
