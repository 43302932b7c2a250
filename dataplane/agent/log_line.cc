// log_line: level filter and the journal's priority prefix.
#include "dataplane/agent/log_line.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace anymesh::agent {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::info)};

// systemd sets JOURNAL_STREAM when stderr is connected to the journal; it then reads "<N>" as the
// line's priority (SyslogLevelPrefix=yes, the default).
bool stderr_is_journal() {
  static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  return journal;
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) {
  if (text == "error") return LogLevel::error;
  if (text == "warning") return LogLevel::warning;
  if (text == "info") return LogLevel::info;
  if (text == "debug") return LogLevel::debug;
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::error: return "error";
    case LogLevel::warning: return "warning";
    case LogLevel::info: return "info";
    case LogLevel::debug: return "debug";
  }
  return "info";
}

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

LogLevel log_level() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

void log_line(LogLevel level, std::string_view program, const std::string& text) {
  if (static_cast<int>(level) > g_level.load(std::memory_order_relaxed)) return;
  const int p = static_cast<int>(program.size());
  if (stderr_is_journal()) {
    std::fprintf(stderr, "<%d>%.*s: %s\n", static_cast<int>(level), p, program.data(), text.c_str());
  } else if (level == LogLevel::info) {
    std::fprintf(stderr, "%.*s: %s\n", p, program.data(), text.c_str());
  } else {
    const auto name = log_level_name(level);
    std::fprintf(stderr, "%.*s: %.*s: %s\n", p, program.data(), static_cast<int>(name.size()), name.data(), text.c_str());
  }
}

}  // namespace anymesh::agent
