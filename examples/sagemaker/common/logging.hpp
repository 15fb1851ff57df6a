#pragma once
// The log lines of train and serve: "<UTC time> <LEVEL> <text>", one write per line, e.g.
//   2026-12-01T16:20:01.234Z INFO fit: n_iter=29, converged=yes (gradient_tolerance), 0.01 s
// SAGEMAKER_CONTAINER_LOG_LEVEL sets the least level written, as Python's logging numbers it
// (10 DEBUG, 20 INFO, the default, 30 WARNING, 40 ERROR, 50 CRITICAL) or by those names; the
// SageMaker SDK sets it from an estimator's container_log_level.

#include "text.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace mlpipe::sagemaker {

enum class LogLevel : int { debug = 10, info = 20, warning = 30, error = 40 };

inline const char* to_string(LogLevel level) noexcept {
    switch (level) {
        case LogLevel::debug: return "DEBUG";
        case LogLevel::info: return "INFO";
        case LogLevel::warning: return "WARNING";
        case LogLevel::error: return "ERROR";
    }
    return "INFO";
}

// A level as SAGEMAKER_CONTAINER_LOG_LEVEL gives it: a whole number from 0 to 50, or a name of
// Python's levels in any case; nothing for anything else.
inline std::optional<int> parse_log_level(std::string_view text) {
    const std::string name = to_lower(trim(text));
    if (name == "debug") return 10;
    if (name == "info") return 20;
    if (name == "warning" || name == "warn") return 30;
    if (name == "error") return 40;
    if (name == "critical" || name == "fatal") return 50;
    double number = 0;
    if (!parse_double(name, number) || !(number >= 0 && number <= 50) || number != std::floor(number))
        return std::nullopt;
    return static_cast<int>(number);
}

inline constexpr const char* log_level_variable = "SAGEMAKER_CONTAINER_LOG_LEVEL";
inline constexpr const char* log_level_choices =
    "a number from 0 to 50 as Python's logging levels (10 DEBUG, 20 INFO, 30 WARNING, 40 ERROR) or one of "
    "their names";

// The least level written; set once at start-up, before any thread logs.
inline int& log_threshold() {
    static int threshold = static_cast<int>(LogLevel::info);
    return threshold;
}
inline bool log_enabled(LogLevel level) { return static_cast<int>(level) >= log_threshold(); }

// Now, in UTC, to the millisecond: 2026-12-01T16:20:01.234Z.
inline std::string log_timestamp() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[128];  // room for any int, so the compiler sees no truncation
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
    return buffer;
}

// Writes `text` (already bounded and valid UTF-8) as one line when `level` is enabled, or
// `always` (the metric lines, which tuning jobs and metric definitions read at any level).
inline void write_log_line(std::ostream& out, LogLevel level, std::string_view text, bool always = false) {
    if (!always && !log_enabled(level)) return;
    out << (log_timestamp() + " " + to_string(level) + " " + std::string(text) + "\n") << std::flush;
}

}  // namespace mlpipe::sagemaker
