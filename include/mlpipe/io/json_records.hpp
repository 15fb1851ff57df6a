#pragma once
// Frames from JSON records, as a web service receives rows to predict:
//
//   frame_from_json_records(records, schema)   a parsed JSON array; each item one record,
//                                              an object keyed by column name or a list
//                                              of values in the schema's column order
//   frame_from_json_lines(text, schema)        JSON Lines: one such record per line
//
//   const mlpipe::Schema& schema = model.schema();   // the columns seen at fit
//   mlpipe::Frame X = mlpipe::frame_from_json_records(nlohmann::json::parse(body), schema);
//
// Numeric columns take JSON numbers and categorical columns JSON strings; null is a missing
// value (NaN, or the missing category). An object must hold every column and no other key; a
// list exactly one value per column. Every problem is a data_error naming the record
// (numbered from 1; in JSON Lines record N is line N, empty lines being refused) and the
// field, and quoting at most an excerpt of a value, so a client's megabyte string never
// becomes a megabyte message.
//
// A separate header: it needs nlohmann/json (Debian's nlohmann-json3-dev, CMake target
// nlohmann_json::nlohmann_json), which the rest of mlpipe does not.

#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/frame/schema.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mlpipe {

// Arrays and objects nested deeper than this are refused before parsing by
// frame_from_json_lines (records need two levels; nlohmann's parser recurses, so a client's
// 100,000 opening brackets must never reach it).
inline constexpr std::size_t max_json_record_nesting = 64;

namespace detail::json_records {

// JSON text with invalid UTF-8 replaced by U+FFFD: nlohmann's default dump throws on it, and
// the strings come from clients.
inline std::string dump(const nlohmann::json& value, int indent = -1) {
    return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A value named in a message by its type and at most an excerpt: "array of 3 items",
// "object of 2 keys", "string \"Adelie\"", "number \"39.5\"", "null".
inline std::string describe(const nlohmann::json& value) {
    if (value.is_array()) return "array of " + std::to_string(value.size()) + " items";
    if (value.is_object()) return "object of " + std::to_string(value.size()) + " keys";
    if (value.is_null()) return "null";
    std::string text = dump(value);
    if (value.is_string()) text = text.substr(1, text.size() - 2);  // excerpt adds its own quotes
    return std::string(value.type_name()) + " " + excerpt(text);
}

// Whether JSON text nests arrays and objects more than `limit` deep (brackets inside strings
// do not count). Only the nesting is looked at; the parser checks the rest.
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

// nlohmann's parse messages end with the text read so far ("last read: '...'"), which can be
// a client's whole megabyte string: keep the start, where the reason is.
inline std::string bounded_reason(std::string_view what) {
    constexpr std::size_t max_bytes = 200;
    if (what.size() <= max_bytes) return std::string(what);
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(what[cut]) & 0xC0U) == 0x80U) --cut;  // a whole UTF-8 character
    return std::string(what.substr(0, cut)) + "...";
}

inline std::string column_list(const std::vector<ColumnSpec>& columns) {
    std::string out;
    for (const auto& column : columns) out += (out.empty() ? "" : ", ") + column.name;
    return out;
}

// One column's values, gathered record by record. A categorical column's dictionary is
// indexed by views into the JSON document, which outlives the builder.
class ColumnBuilder {
public:
    ColumnBuilder(const ColumnSpec& spec, std::size_t rows) : spec_(&spec) {
        if (spec.kind == ColumnKind::numeric) values_.reserve(rows);
        else codes_.reserve(rows);
    }

    void add(const nlohmann::json& value, std::size_t record) {
        if (spec_->kind == ColumnKind::numeric) {
            if (value.is_null()) values_.push_back(std::numeric_limits<double>::quiet_NaN());
            else if (value.is_number()) values_.push_back(value.get<double>());
            else fail(value, record, "a number");
            return;
        }
        if (value.is_null()) {
            codes_.push_back(-1);
        } else if (value.is_string()) {
            const auto& text = value.get_ref<const std::string&>();
            const auto [it, inserted] = index_.try_emplace(text, static_cast<std::int32_t>(dictionary_.size()));
            if (inserted) dictionary_.push_back(text);
            codes_.push_back(it->second);
        } else {
            fail(value, record, "a string");
        }
    }

    Column build() {
        if (spec_->kind == ColumnKind::numeric) return Column::numeric(spec_->name, std::move(values_));
        return Column::categorical(spec_->name, std::move(codes_), std::move(dictionary_));
    }

private:
    [[noreturn]] void fail(const nlohmann::json& value, std::size_t record, const char* expected) const {
        throw data_error("record " + std::to_string(record) + ", field '" + spec_->name + "': expected " + expected +
                         " (or null), got " + describe(value));
    }

    const ColumnSpec* spec_;
    std::vector<double> values_;
    std::vector<std::int32_t> codes_;
    std::vector<std::string> dictionary_;
    std::unordered_map<std::string_view, std::int32_t> index_;
};

inline void add_object(const nlohmann::json& fields, std::size_t record, const std::vector<ColumnSpec>& columns,
                       std::vector<ColumnBuilder>& builders) {
    for (std::size_t j = 0; j < columns.size(); ++j) {
        const auto value = fields.find(columns[j].name);
        if (value == fields.end())
            throw data_error("record " + std::to_string(record) + ": missing field '" + columns[j].name +
                             "' (the model needs " + column_list(columns) + ")");
        builders[j].add(*value, record);
    }
    if (fields.size() == columns.size()) return;
    for (const auto& [key, value] : fields.items()) {
        bool known = false;
        for (const auto& column : columns) known = known || column.name == key;
        if (!known)
            throw data_error("record " + std::to_string(record) + ": unexpected field " + excerpt(key) +
                             " (the model needs " + column_list(columns) + ")");
    }
}

inline void add_list(const nlohmann::json& fields, std::size_t record, const std::vector<ColumnSpec>& columns,
                     std::vector<ColumnBuilder>& builders) {
    if (fields.size() != columns.size())
        throw data_error("record " + std::to_string(record) + " has " + std::to_string(fields.size()) +
                         " fields, expected " + std::to_string(columns.size()) + " (" + column_list(columns) + ")");
    for (std::size_t j = 0; j < columns.size(); ++j) builders[j].add(fields[j], record);
}

}  // namespace detail::json_records

// `records` must be a JSON array of records (an empty array gives a Frame of no rows).
inline Frame frame_from_json_records(const nlohmann::json& records, const Schema& schema) {
    using namespace detail::json_records;
    if (!records.is_array())
        throw data_error(std::string("expected a list of records, got a JSON ") + records.type_name());
    const auto& columns = schema.columns();
    std::vector<ColumnBuilder> builders;
    builders.reserve(columns.size());
    for (const auto& spec : columns) builders.emplace_back(spec, records.size());
    std::size_t record = 0;
    for (const auto& fields : records) {
        ++record;
        if (fields.is_object()) add_object(fields, record, columns, builders);
        else if (fields.is_array()) add_list(fields, record, columns, builders);
        else
            throw data_error("record " + std::to_string(record) + " is a " + fields.type_name() +
                             "; expected an object keyed by column name or a list of values");
    }
    std::vector<Column> built;
    built.reserve(builders.size());
    for (auto& builder : builders) built.push_back(builder.build());
    return Frame(std::move(built));
}

// JSON Lines: one record per line (LF or CRLF; the text may end with a line end). An empty
// line is refused rather than skipped: a service answers one line per record, in order.
inline Frame frame_from_json_lines(std::string_view text, const Schema& schema) {
    using namespace detail::json_records;
    // The parsed records stay alive in one array while the columns are built.
    nlohmann::json records = nlohmann::json::array();
    std::size_t line = 0;
    while (!text.empty()) {
        ++line;
        const std::size_t end = text.find('\n');
        std::string_view record = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (!record.empty() && record.back() == '\r') record.remove_suffix(1);
        if (detail::trim(record).empty())
            throw data_error("line " + std::to_string(line) +
                             " is empty; send one JSON record per line, without empty lines (the answer has one "
                             "line per record, in order)");
        if (nesting_deeper_than(record, max_json_record_nesting))
            throw data_error("line " + std::to_string(line) + " nests JSON arrays and objects more than " +
                             std::to_string(max_json_record_nesting) + " levels deep");
        try {
            records.push_back(nlohmann::json::parse(record));
        } catch (const nlohmann::json::exception& e) {
            // parse_error, or out_of_range for a number beyond a double (1e400).
            throw data_error("line " + std::to_string(line) + " is not valid JSON: " + bounded_reason(e.what()));
        }
        if (!records.back().is_object() && !records.back().is_array())
            throw data_error("line " + std::to_string(line) + " is a JSON " + records.back().type_name() +
                             "; each line must be one record: an object keyed by column name or a list of "
                             "values in the order " +
                             column_list(schema.columns()));
    }
    return frame_from_json_records(records, schema);
}

}  // namespace mlpipe
