// logging.hpp called directly: the line format, the levels and the threshold.

#include "../../common/logging.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <regex>
#include <sstream>
#include <string>

using namespace mlpipe::sagemaker;

namespace {

// Restores the process-wide threshold when a test ends.
struct ThresholdGuard {
    int saved = log_threshold();
    ~ThresholdGuard() { log_threshold() = saved; }
};

}  // namespace

TEST_CASE("parse_log_level takes Python's level names in any case and whole numbers from 0 to 50",
          "[unit][logging]") {
    CHECK(parse_log_level("debug") == 10);
    CHECK(parse_log_level(" INFO ") == 20);
    CHECK(parse_log_level("Warning") == 30);
    CHECK(parse_log_level("warn") == 30);
    CHECK(parse_log_level("ERROR") == 40);
    CHECK(parse_log_level("critical") == 50);
    CHECK(parse_log_level("fatal") == 50);
    CHECK(parse_log_level("0") == 0);
    CHECK(parse_log_level("25") == 25);
    CHECK(parse_log_level("50") == 50);
    CHECK(parse_log_level("10.0") == 10);
    CHECK_FALSE(parse_log_level(""));
    CHECK_FALSE(parse_log_level("51"));
    CHECK_FALSE(parse_log_level("-10"));
    CHECK_FALSE(parse_log_level("10.5"));
    CHECK_FALSE(parse_log_level("verbose"));
    CHECK_FALSE(parse_log_level("nan"));
    CHECK(std::string(to_string(LogLevel::debug)) == "DEBUG");
    CHECK(std::string(to_string(LogLevel::warning)) == "WARNING");
    CHECK(std::string(to_string(LogLevel::error)) == "ERROR");
}

TEST_CASE("log_timestamp is the UTC time to the millisecond", "[unit][logging]") {
    const std::string stamp = log_timestamp();
    CHECK(std::regex_match(stamp, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
    // The same second as the clock's, read in UTC (or the next one, when the second turned between).
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    auto text_of = [](std::time_t t) {
        std::tm utc{};
        gmtime_r(&t, &utc);
        char buffer[32];
        std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
        return std::string(buffer);
    };
    const std::string second = stamp.substr(0, 19);
    CHECK((second == text_of(now) || second == text_of(now - 1)));
}

TEST_CASE("write_log_line writes '<UTC time> <LEVEL> <text>' for levels at or above the threshold",
          "[unit][logging]") {
    ThresholdGuard guard;
    const std::regex line(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (\w+) (.*)\n)");
    std::smatch match;

    log_threshold() = static_cast<int>(LogLevel::info);
    std::ostringstream out;
    write_log_line(out, LogLevel::info, "fit: n_iter=29");
    const std::string written = out.str();
    REQUIRE(std::regex_match(written, match, line));
    CHECK(match[1] == "INFO");
    CHECK(match[2] == "fit: n_iter=29");

    std::ostringstream quiet;
    write_log_line(quiet, LogLevel::debug, "not shown");
    CHECK(quiet.str().empty());
    CHECK_FALSE(log_enabled(LogLevel::debug));
    CHECK(log_enabled(LogLevel::warning));

    log_threshold() = 30;
    std::ostringstream warnings;
    write_log_line(warnings, LogLevel::info, "not shown");
    write_log_line(warnings, LogLevel::warning, "refused");
    write_log_line(warnings, LogLevel::info, "#metric accuracy=1", /*always=*/true);
    const std::string both = warnings.str();
    const std::size_t first_end = both.find('\n') + 1;
    const std::string first = both.substr(0, first_end), second = both.substr(first_end);
    REQUIRE(std::regex_match(first, match, line));
    CHECK(match[1] == "WARNING");
    CHECK(match[2] == "refused");
    REQUIRE(std::regex_match(second, match, line));
    CHECK(match[1] == "INFO");
    CHECK(match[2] == "#metric accuracy=1");

    log_threshold() = 0;
    CHECK(log_enabled(LogLevel::debug));
    log_threshold() = 50;
    CHECK_FALSE(log_enabled(LogLevel::error));
}
