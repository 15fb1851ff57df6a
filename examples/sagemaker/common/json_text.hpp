#pragma once
// JSON text that the programs write or quote, made safe against what they read:
//   - json_text dumps with invalid UTF-8 replaced by U+FFFD. nlohmann's default handler
//     throws on it, and strings come from HTTP requests, CSV files and class labels;
//   - describe_json_value names a value in a message by its type and a short excerpt, never
//     the whole of it (a client's value may be megabytes, or nested deep enough for dump's
//     recursion to overflow the stack);
//   - nesting_deeper_than refuses such nesting before nlohmann parses it.

#include "text.hpp"

#include <mlpipe/io/json_records.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace mlpipe::sagemaker {

// Arrays and objects nested deeper than this are refused; records need 3 levels
// ({"instances": [[...]]}), job configuration files a few more.
inline constexpr std::size_t max_json_nesting = max_json_record_nesting;

// The library's, used for JSON records (mlpipe/io/json_records.hpp), so that messages and
// limits agree between the records a request holds and everything else the programs read.
inline std::string json_text(const nlohmann::json& value, int indent = -1) {
    return mlpipe::detail::json_records::dump(value, indent);
}

// "array of 3 items", "object of 2 keys", "string \"Adelie\"", "number \"39.5\"", "null".
inline std::string describe_json_value(const nlohmann::json& value) {
    return mlpipe::detail::json_records::describe(value);
}

// Whether the JSON text nests arrays and objects more than `limit` deep (brackets inside
// strings do not count).
inline bool nesting_deeper_than(std::string_view text, std::size_t limit) {
    return mlpipe::detail::json_records::nesting_deeper_than(text, limit);
}

}  // namespace mlpipe::sagemaker
