#pragma once
// Text helpers of the programs: the library's own (mlpipe/detail/text.hpp: trim, numbers,
// quoted lists, excerpts) made visible here, plus what only the programs need: lists,
// numbers for logs, the closest known name for a typo, and making a message safe to send
// or log (valid UTF-8, bounded length).

#include <mlpipe/detail/text.hpp>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe::sagemaker {

// Unqualified in the programs' code, which has detail namespaces of its own.
using mlpipe::detail::errno_text;
using mlpipe::detail::excerpt;
using mlpipe::detail::number_to_text;
using mlpipe::detail::parse_double;
using mlpipe::detail::quoted_list;
using mlpipe::detail::trim;

inline std::string to_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

inline std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

// Comma-separated items, trimmed, empty items dropped: "a, b,,c" -> {a, b, c}.
inline std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    while (true) {
        const std::size_t comma = text.find(',');
        const std::string_view item = trim(text.substr(0, comma));
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) return out;
        text.remove_prefix(comma + 1);
    }
}

// A number with a fixed number of decimals, as the metric lines print them.
inline std::string fixed(double value, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

// A number with `digits` significant digits, for logs.
inline std::string significant(double value, int digits = 6) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
    return buffer;
}

inline std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

// The candidate closest to `name` (ignoring case), or "" when none is close enough to be
// a plausible typo.
inline std::string closest_match(std::string_view name, const std::vector<std::string>& candidates) {
    const std::string wanted = to_lower(name);
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(2, wanted.size() / 3) + 1;
    for (const auto& candidate : candidates) {
        // The distance is at least the difference in length: skip what cannot win without
        // running the quadratic distance on it (a key may be megabytes long).
        const std::size_t gap = wanted.size() > candidate.size() ? wanted.size() - candidate.size()
                                                                 : candidate.size() - wanted.size();
        if (gap >= best_distance) continue;
        const std::size_t distance = edit_distance(wanted, to_lower(candidate));
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

// " (did you mean 'x'?)" when a close candidate exists, else "".
inline std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
    const std::string match = closest_match(name, candidates);
    return match.empty() ? std::string() : " (did you mean '" + match + "'?)";
}

// `text` with every byte that does not belong to a well-formed UTF-8 sequence replaced by
// U+FFFD, as nlohmann::json's error_handler_t::replace does: for log lines and messages
// that quote client input, file contents or class labels.
inline std::string valid_utf8(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const unsigned char lead = byte(i);
        std::size_t length = 0;
        unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
        if (lead < 0x80) {
            length = 1;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0) low = 0xA0;   // no overlong forms
            if (lead == 0xED) high = 0x9F;  // no surrogates
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0) low = 0x90;
            if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
        }
        bool well_formed = length > 0 && length <= text.size() - i;
        for (std::size_t k = 1; well_formed && k < length; ++k) {
            const unsigned char next = byte(i + k);
            well_formed = k == 1 ? next >= low && next <= high : (next & 0xC0U) == 0x80U;
        }
        if (well_formed) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

// At most `max_bytes` of `text` (cut at the start of a UTF-8 sequence), then how much was
// left out: a message quoting client input must not grow with it.
inline std::string bounded(std::string text, std::size_t max_bytes = 1000) {
    if (text.size() <= max_bytes) return text;
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
    const std::size_t left_out = text.size() - cut;
    text.resize(cut);
    return text + "... (" + std::to_string(left_out) + " more bytes)";
}

}  // namespace mlpipe::sagemaker
