#pragma once
// Bounds on what the training programs (`train`, `prepare`) print: a message or a log line
// quotes names and values from the input (hyperparameter keys, column names, class labels),
// and must not grow with it — a 100 MB key stays a short failure file, a million classes a
// short log line, and the "did you mean" search never runs on huge strings.

#include "text.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe::sagemaker {

inline constexpr std::size_t max_log_line_bytes = 4096;      // one log line
inline constexpr std::size_t max_failure_bytes = 4096;       // the failure file (SageMaker shows 1024)
inline constexpr std::size_t max_quoted_bytes = 200;         // one name or value quoted in a message
inline constexpr std::size_t max_suggested_name_bytes = 64;  // longer names get no "did you mean"
inline constexpr std::size_t max_suggestion_candidates = 10'000;
inline constexpr std::size_t max_listed_items = 20;

// `text` from the input, in single quotes; past max_quoted_bytes it is cut (at the start of
// a UTF-8 sequence) and its size given: 'abc...' (104857600 bytes).
inline std::string quoted_excerpt(std::string_view text) {
    if (text.size() <= max_quoted_bytes) return "'" + std::string(text) + "'";
    std::size_t cut = max_quoted_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
    return "'" + std::string(text.substr(0, cut)) + "...' (" + std::to_string(text.size()) + " bytes)";
}

// did_you_mean, only where a typo is plausible: for a name of at most
// max_suggested_name_bytes, among candidates not much longer (the edit distance is at
// least the difference of lengths, and a match must be closer than a third of the name),
// and not among more than max_suggestion_candidates names.
inline std::string bounded_did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
    if (name.size() > max_suggested_name_bytes || candidates.size() > max_suggestion_candidates) return "";
    std::vector<std::string> near;
    for (const auto& candidate : candidates)
        if (candidate.size() <= name.size() + max_suggested_name_bytes / 2) near.push_back(candidate);
    return did_you_mean(name, near);
}

// At most `limit` items joined, then "and N more".
inline std::string join_at_most(const std::vector<std::string>& items, std::size_t limit = max_listed_items,
                                std::string_view separator = ", ") {
    if (items.size() <= limit) return join(items, separator);
    const std::vector<std::string> shown(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(limit));
    return join(shown, separator) + " and " + std::to_string(items.size() - limit) + " more";
}

// Names from the input, each quoted_excerpt(), at most `limit` of them, then "and N more".
inline std::string quoted_names(const std::vector<std::string>& names, std::size_t limit = max_listed_items) {
    std::string out;
    const std::size_t shown = std::min(limit, names.size());
    for (std::size_t i = 0; i < shown; ++i) out += (i == 0 ? "" : ", ") + quoted_excerpt(names[i]);
    if (names.size() > shown) out += " and " + std::to_string(names.size() - shown) + " more";
    return out;
}

}  // namespace mlpipe::sagemaker
