#pragma once
// JSON text that the programs write or quote, made safe against what they read:
//   - json_text dumps with invalid UTF-8 replaced by U+FFFD. nlohmann's default handler
//     throws on it, and strings come from HTTP requests, CSV files and class labels;
//   - describe_json_value names a value in a message by its type and a short excerpt, never
//     the whole of it (a client's value may be megabytes, or nested deep enough for dump's
//     recursion to overflow the stack);
//   - nesting_deeper_than refuses such nesting before nlohmann parses it.

#include "text.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace mlpipe::sagemaker {

// Arrays and objects nested deeper than this are refused; records need 3 levels
// ({"instances": [[...]]}), job configuration files a few more.
inline constexpr std::size_t max_json_nesting = 64;

inline std::string json_text(const nlohmann::json& value, int indent = -1) {
    return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "array of 3 items", "object of 2 keys", "string \"Adelie\"", "number \"39.5\"", "null".
inline std::string describe_json_value(const nlohmann::json& value) {
    if (value.is_array()) return "array of " + std::to_string(value.size()) + " items";
    if (value.is_object()) return "object of " + std::to_string(value.size()) + " keys";
    if (value.is_null()) return "null";
    std::string text = json_text(value);
    if (value.is_string()) text = text.substr(1, text.size() - 2);  // excerpt adds its own quotes
    return std::string(value.type_name()) + " " + excerpt(text);
}

// Whether the JSON text nests arrays and objects more than `limit` deep (brackets inside
// strings do not count). Only the nesting is looked at; the parser checks the rest.
inline bool nesting_deeper_than(std::string_view text, std::size_t limit) {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;  // skips the escaped character
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return false;
}

}  // namespace mlpipe::sagemaker
