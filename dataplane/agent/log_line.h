// Log lines with levels: syslog priorities as the journal reads them from a service's stderr
// ("<4>..." when JOURNAL_STREAM says stderr is the journal), "program: warning: ..." otherwise.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace anymesh::agent {

enum class LogLevel : int { error = 3, warning = 4, info = 6, debug = 7 };  // syslog priorities

// "error", "warning", "info", "debug"; nullopt otherwise.
std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view log_level_name(LogLevel level);

// The level below which lines are dropped; changeable at run time (any thread).
void set_log_level(LogLevel level);
LogLevel log_level();

// One line on stderr, if `level` is at or above the current level.
void log_line(LogLevel level, std::string_view program, const std::string& text);

}  // namespace anymesh::agent
