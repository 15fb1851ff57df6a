#pragma once
// Small text helpers shared by the library's headers (and its programs): trimming,
// number parsing and printing as the CSV reader and the encoders need them, and the
// pieces of error messages.

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace mlpipe::detail {

inline bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

// Without surrounding spaces and tabs.
inline std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    return text;
}

// from_chars reports overflow and underflow alike; strtod (and pandas) give +-inf or +-0, so
// tell them apart by the decimal exponent of the first significant digit. `text` has already
// been accepted by from_chars, so it is [-]digits[.digits][(e|E)[+-]digits].
inline double out_of_range_value(std::string_view text) {
    const bool negative = !text.empty() && text.front() == '-';
    if (negative) text.remove_prefix(1);
    const std::size_t exponent_at = text.find_first_of("eE");
    const std::string_view mantissa = text.substr(0, exponent_at);
    long long exponent = 0;
    if (exponent_at != std::string_view::npos) {
        std::string_view digits = text.substr(exponent_at + 1);
        bool exponent_negative = false;
        if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
            exponent_negative = digits.front() == '-';
            digits.remove_prefix(1);
        }
        for (char c : digits) {
            if (exponent < 1'000'000'000'000LL) exponent = exponent * 10 + (c - '0');  // saturate
        }
        if (exponent_negative) exponent = -exponent;
    }
    const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
    const std::size_t first = mantissa.find_first_of("123456789");
    if (first == std::string_view::npos) return negative ? -0.0 : 0.0;
    const long long lead = first < point ? static_cast<long long>(point - first - 1)
                                         : -static_cast<long long>(first - point);
    const double magnitude = lead + exponent > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    return negative ? -magnitude : magnitude;
}

// Parses the whole of `text` (already trimmed) as a double: what std::from_chars accepts
// (including inf, infinity and nan in any case) plus one leading '+'.
inline bool parse_double(std::string_view text, double& value) noexcept {
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
        if (!text.empty() && (text.front() == '-' || text.front() == '+')) return false;
    }
    if (text.empty()) return false;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ptr != end) return false;
    if (ec == std::errc::result_out_of_range) {
        value = out_of_range_value(text);
        return true;
    }
    return ec == std::errc();
}

// The shortest text that reads back as the same double ("1", "0.5", "1e-300"); -0 prints
// as "0", so that 0 and -0 (equal numbers) are the same category or label text.
inline std::string number_to_text(double value) {
    if (value == 0) value = 0.0;
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

// 'a', 'b', 'c' — at most `limit` names, then "and N more", so a message stays short.
inline std::string quoted_list(const std::vector<std::string>& names, std::size_t limit = 20) {
    std::string out;
    const std::size_t shown = std::min(limit, names.size());
    for (std::size_t i = 0; i < shown; ++i) out += (i == 0 ? "'" : ", '") + names[i] + "'";
    if (names.size() > shown) out += " and " + std::to_string(names.size() - shown) + " more";
    return out;
}

// The offending text for an error message, in double quotes, cut after 60 characters so a
// runaway field does not flood the message.
inline std::string excerpt(std::string_view text) {
    constexpr std::size_t max_chars = 60;
    std::string out = "\"";
    if (text.size() > max_chars) {
        std::size_t cut = max_chars;
        // Back up to the start of a UTF-8 sequence rather than split a character.
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
        out.append(text.substr(0, cut));
        out += "...";
    } else {
        out.append(text);
    }
    out += '"';
    return out;
}

// strerror's text, thread-safe.
inline std::string errno_text(int error_number) { return std::system_category().message(error_number); }

}  // namespace mlpipe::detail
