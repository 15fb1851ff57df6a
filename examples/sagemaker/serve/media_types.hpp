#pragma once
// The body formats the server reads and writes, and how HTTP headers name them:
// Content-Type picks the input format, Accept the output format.

#include "../common/text.hpp"

#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace mlpipe::sagemaker {

enum class Format { csv, json, jsonlines };

inline const char* media_type(Format format) noexcept {
    switch (format) {
        case Format::csv: return "text/csv";
        case Format::json: return "application/json";
        case Format::jsonlines: return "application/jsonlines";
    }
    return "application/octet-stream";
}

// The media type of one header element ("Text/CSV; charset=utf-8" -> "text/csv").
inline std::string bare_media_type(std::string_view element) {
    return to_lower(trim(element.substr(0, element.find(';'))));
}

namespace detail::media_types {

// The q parameter of one Accept element: 1 when absent, nothing when malformed.
inline std::optional<double> quality(std::string_view element) {
    std::size_t at = element.find(';');
    while (at != std::string_view::npos) {
        element.remove_prefix(at + 1);
        at = element.find(';');
        const std::string_view parameter = trim(element.substr(0, at));
        if (parameter.size() < 2 || std::tolower(static_cast<unsigned char>(parameter[0])) != 'q' ||
            parameter[1] != '=')
            continue;
        double q = 0;
        if (!parse_double(trim(parameter.substr(2)), q) || !(q >= 0 && q <= 1)) return std::nullopt;
        return q;
    }
    return 1.0;
}

}  // namespace detail::media_types

// The format of a bare media type; "application/jsonl" and "application/x-jsonlines" are
// other names in use for JSON Lines.
inline std::optional<Format> format_named(std::string_view bare_type) {
    if (bare_type == "text/csv") return Format::csv;
    if (bare_type == "application/json") return Format::json;
    if (bare_type == "application/jsonlines" || bare_type == "application/jsonl" ||
        bare_type == "application/x-jsonlines")
        return Format::jsonlines;
    return std::nullopt;
}

// The input format named by a Content-Type header. Parameters such as charset are ignored
// (the body is read as UTF-8 either way) and the media type is matched without regard to
// case. An absent header reads as text/csv, the container's native format.
inline std::optional<Format> input_format(std::string_view content_type) {
    if (trim(content_type).empty()) return Format::csv;
    return format_named(bare_media_type(content_type));
}

// The output format for an Accept header: the supported type with the highest q value,
// the earliest listed among equals; "*/*" (or an absent header) means `fallback`, "text/*"
// CSV and "application/*" JSON. Nothing when no listed type is supported (HTTP 406).
inline std::optional<Format> output_format(std::string_view accept, Format fallback) {
    if (trim(accept).empty()) return fallback;
    std::optional<Format> best;
    double best_quality = 0;
    while (!accept.empty()) {
        const std::size_t comma = accept.find(',');
        const std::string_view element = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);

        const std::string type = bare_media_type(element);
        std::optional<Format> format = format_named(type);
        if (type == "*/*") format = fallback;
        else if (type == "text/*") format = Format::csv;
        else if (type == "application/*") format = Format::json;
        const auto q = detail::media_types::quality(element);
        if (format && q && *q > best_quality) {
            best = format;
            best_quality = *q;
        }
    }
    return best;
}

// What a text/csv answer holds on each line: the label (the default), the probabilities of
// the classes, or both (label first). Chosen per request with the custom attribute
// `output=...` (X-Amzn-SageMaker-Custom-Attributes) or for the endpoint with MLPIPE_CSV_OUTPUT.
struct CsvOutput {
    bool label = true;
    bool probabilities = false;
    friend bool operator==(const CsvOutput&, const CsvOutput&) = default;
};

// "label", "probabilities" or "label,probabilities" (either order, blanks around the names
// allowed, any case); nothing for anything else.
inline std::optional<CsvOutput> parse_csv_output(std::string_view text) {
    CsvOutput out{.label = false, .probabilities = false};
    while (true) {
        const std::size_t comma = text.find(',');
        const std::string name = to_lower(trim(text.substr(0, comma)));
        if (name == "label" && !out.label) out.label = true;
        else if (name == "probabilities" && !out.probabilities) out.probabilities = true;
        else return std::nullopt;
        if (comma == std::string_view::npos) return out;
        text.remove_prefix(comma + 1);
    }
}

}  // namespace mlpipe::sagemaker
