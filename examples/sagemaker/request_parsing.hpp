#pragma once
// Reading the records of an /invocations body into a Frame with the model's input columns.
//
// text/csv: no header, one record per line, the fields in the order of the columns seen
// at fit (Schema order); a single line is one record. An empty field, NA, NaN or null is
// a missing value. An empty line is refused (the CSV reader would skip it, and batch
// transform needs one output line per input line); the body may end with a line end,
// and lines may end with CRLF.
// application/json, one of:
//   [{"species": "Adelie", "island": "Dream", "bill_length_mm": 39.5, ...}, ...]
//       records as objects keyed by column name, every column present, no other keys;
//   [["Adelie", "Dream", 39.5, ...], ...]   records as lists in Schema order;
//   ["Adelie", "Dream", 39.5, ...]          a single record as a flat list;
//   {"instances": <either list of records>}  the TensorFlow Serving style used by SageMaker.
// application/jsonlines: one record per line, an object keyed by column name or a list of
//   values in Schema order; the body may end with a line end, and lines may end with CRLF;
//   an empty line is refused (the answer has one line per record).
//   Numeric columns take JSON numbers, categorical columns JSON strings; null is missing.
//   Arrays and objects nested more than max_json_nesting deep are refused before parsing.
//
// Records are numbered from 1 in error messages, as CSV lines are. A missing value in a
// numeric column is refused unless the model fills it (`imputed`: a model trained with
// impute-numerical); an infinite one always is. A missing or unknown category is left to the
// model (its imputer, or the OneHotEncoder's handle_unknown). Every problem is thrown as a
// mlpipe::error (csv_error or data_error) whose message says where it is.

#include "json_text.hpp"
#include "media_types.hpp"
#include "text.hpp"

#include <mlpipe/core.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mlpipe::sagemaker {

class RecordReader {
public:
    explicit RecordReader(const Schema& schema, std::set<std::string> imputed = {})
        : columns_(schema.columns()), imputed_(std::move(imputed)) {
        csv_options_.header = false;
        for (const auto& column : columns_) {
            csv_options_.column_names.push_back(column.name);
            csv_options_.column_kinds[column.name] = column.kind;
            column_list_ += (column_list_.empty() ? "" : ", ") + column.name;
        }
    }

    Frame read(Format format, std::string_view body) const {
        if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
            throw data_error("no records in the request body");
        Frame records = format == Format::json        ? read_json(body)
                        : format == Format::jsonlines ? read_jsonlines(body)
                                                      : read_csv(body);
        if (records.rows() == 0) throw data_error("no records in the request body");
        require_finite_numbers(records, imputed_);
        return records;
    }

private:
    Frame read_csv(std::string_view body) const {
        require_no_empty_line(body);
        try {
            return parse_csv(body, csv_options_, source_name);
        } catch (const csv_error& e) {
            // A field count error has no column; say it in the model's terms rather than
            // the reader's options.
            if (e.column() != 0 || e.line() == 0) throw;
            throw csv_error(source_name, e.line(), 0, "",
                            "line " + std::to_string(e.line()) + " has " +
                                std::to_string(fields_on_line(body, e.line())) + " fields, expected " +
                                std::to_string(columns_.size()) + " (" + column_list_ + ")");
        }
    }

    // Refuses a line with nothing on it (outside quotes) before the end of the body.
    static void require_no_empty_line(std::string_view body) {
        std::size_t line = 1;
        bool quoted = false;
        bool line_is_empty = true;
        for (std::size_t at = 0; at < body.size(); ++at) {
            const char c = body[at];
            if (c == '"') quoted = !quoted;  // "" inside quotes toggles twice
            if (quoted || (c != '\n' && c != '\r')) {
                line_is_empty = false;
                continue;
            }
            if (line_is_empty)
                throw csv_error(source_name, line, 0, "",
                                "line " + std::to_string(line) +
                                    " is empty; send one record per line, without empty lines (the answer has one "
                                    "line per record, in order)");
            if (c == '\r' && at + 1 < body.size() && body[at + 1] == '\n') ++at;  // CRLF is one line end
            ++line;
            line_is_empty = true;
        }
    }

    // Fields of the record that starts on physical line `line`, for error messages.
    static std::size_t fields_on_line(std::string_view body, std::size_t line) {
        std::size_t at = 0;
        for (std::size_t seen = 1; seen < line && at != std::string_view::npos; ++seen) {
            at = body.find('\n', at);
            if (at != std::string_view::npos) ++at;
        }
        std::size_t fields = 1;
        bool quoted = false;
        for (; at < body.size(); ++at) {
            const char c = body[at];
            if (c == '"') quoted = !quoted;
            else if (!quoted && c == ',') ++fields;
            else if (!quoted && (c == '\n' || c == '\r')) break;
        }
        return fields;
    }

    Frame read_json(std::string_view body) const {
        if (nesting_deeper_than(body, max_json_nesting))
            throw data_error("the request body nests JSON arrays and objects more than " +
                             std::to_string(max_json_nesting) + " levels deep; records need at most 3");
        nlohmann::json document;
        try {
            document = nlohmann::json::parse(body);
        } catch (const nlohmann::json::exception& e) {
            // parse_error, or out_of_range for a number beyond a double (1e400).
            throw data_error(std::string("the request body is not valid JSON: ") + e.what());
        }
        const nlohmann::json* records = &document;
        if (document.is_object()) {
            const auto instances = document.find("instances");
            if (instances == document.end())
                throw data_error(
                    "a JSON object body must hold the records under \"instances\"; or send a list of records, "
                    "each an object keyed by column name or a list of values in the order " +
                    column_list_);
            records = &*instances;
        }
        if (!records->is_array())
            throw data_error(std::string("expected a list of records, got a JSON ") + records->type_name());
        const bool single_record = !records->empty() && !records->front().is_array() && !records->front().is_object();
        if (single_record) return frame_of(nlohmann::json::array({*records}));
        return frame_of(*records);
    }

    // One JSON document per line. The parsed records stay alive in one array while the
    // columns are built (a column's dictionary keeps views into them).
    Frame read_jsonlines(std::string_view body) const {
        nlohmann::json records = nlohmann::json::array();
        std::size_t line = 0;
        while (!body.empty()) {
            ++line;
            const std::size_t end = body.find('\n');
            std::string_view text = body.substr(0, end);
            body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
            if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
            if (trim(text).empty())
                throw data_error("line " + std::to_string(line) +
                                 " is empty; send one JSON record per line, without empty lines (the answer has one "
                                 "line per record, in order)");
            if (nesting_deeper_than(text, max_json_nesting))
                throw data_error("line " + std::to_string(line) + " nests JSON arrays and objects more than " +
                                 std::to_string(max_json_nesting) + " levels deep");
            try {
                records.push_back(nlohmann::json::parse(text));
            } catch (const nlohmann::json::exception& e) {
                throw data_error("line " + std::to_string(line) + " is not valid JSON: " + e.what());
            }
            if (!records.back().is_object() && !records.back().is_array())
                throw data_error("line " + std::to_string(line) + " is a JSON " + records.back().type_name() +
                                 "; each line must be one record: an object keyed by column name or a list of "
                                 "values in the order " +
                                 column_list_);
        }
        return frame_of(records);
    }

    // One column's values, gathered record by record.
    class ColumnBuilder {
    public:
        ColumnBuilder(const ColumnSpec& spec, std::size_t rows) : spec_(spec) {
            if (spec.kind == ColumnKind::numeric) values_.reserve(rows);
            else codes_.reserve(rows);
        }

        void add(const nlohmann::json& value, std::size_t record) {
            if (spec_.kind == ColumnKind::numeric) {
                if (value.is_null()) values_.push_back(std::numeric_limits<double>::quiet_NaN());
                else if (value.is_number()) values_.push_back(value.get<double>());
                else fail(value, record, "a number");
            } else {
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
        }

        Column build() {
            if (spec_.kind == ColumnKind::numeric) return Column::numeric(spec_.name, std::move(values_));
            return Column::categorical(spec_.name, std::move(codes_), std::move(dictionary_));
        }

    private:
        [[noreturn]] void fail(const nlohmann::json& value, std::size_t record, const char* expected) const {
            throw data_error("record " + std::to_string(record) + ", field '" + spec_.name + "': expected " + expected +
                             " (or null), got " + describe_json_value(value));
        }

        const ColumnSpec& spec_;
        std::vector<double> values_;
        std::vector<std::int32_t> codes_;
        std::vector<std::string> dictionary_;
        std::unordered_map<std::string_view, std::int32_t> index_;  // views into the JSON document
    };

    Frame frame_of(const nlohmann::json& records) const {
        std::vector<ColumnBuilder> builders;
        builders.reserve(columns_.size());
        for (const auto& spec : columns_) builders.emplace_back(spec, records.size());
        std::size_t record = 0;
        for (const auto& fields : records) {
            ++record;
            if (fields.is_object()) add_object(fields, record, builders);
            else if (fields.is_array()) add_list(fields, record, builders);
            else
                throw data_error("record " + std::to_string(record) + " is a " + fields.type_name() +
                                 "; expected an object keyed by column name or a list of values");
        }
        std::vector<Column> columns;
        columns.reserve(builders.size());
        for (auto& builder : builders) columns.push_back(builder.build());
        return Frame(std::move(columns));
    }

    void add_object(const nlohmann::json& fields, std::size_t record, std::vector<ColumnBuilder>& builders) const {
        for (std::size_t j = 0; j < columns_.size(); ++j) {
            const auto value = fields.find(columns_[j].name);
            if (value == fields.end())
                throw data_error("record " + std::to_string(record) + ": missing field '" + columns_[j].name +
                                 "' (the model needs " + column_list_ + ")");
            builders[j].add(*value, record);
        }
        if (fields.size() == columns_.size()) return;
        for (const auto& [key, value] : fields.items()) {
            bool known = false;
            for (const auto& column : columns_) known = known || column.name == key;
            if (!known)
                throw data_error("record " + std::to_string(record) + ": unexpected field " + excerpt(key) +
                                 " (the model needs " + column_list_ + ")");
        }
    }

    void add_list(const nlohmann::json& fields, std::size_t record, std::vector<ColumnBuilder>& builders) const {
        if (fields.size() != columns_.size())
            throw data_error("record " + std::to_string(record) + " has " + std::to_string(fields.size()) +
                             " fields, expected " + std::to_string(columns_.size()) + " (" + column_list_ + ")");
        for (std::size_t j = 0; j < columns_.size(); ++j) builders[j].add(fields[j], record);
    }

    static void require_finite_numbers(const Frame& records, const std::set<std::string>& imputed) {
        for (const auto& column : records) {
            if (!column.is_numeric()) continue;
            const bool may_be_missing = imputed.contains(column.name());
            const auto values = column.values();
            for (std::size_t i = 0; i < values.size(); ++i) {
                if (std::isfinite(values[i]) || (may_be_missing && std::isnan(values[i]))) continue;
                throw data_error("record " + std::to_string(i + 1) + ", column '" + column.name() + "': " +
                                 (std::isnan(values[i]) ? "missing value; the model does not fill this column (train "
                                                          "with impute-numerical to fill missing numbers)"
                                                        : "infinite value; the model needs a finite number"));
            }
        }
    }

    static constexpr const char* source_name = "request body";

    std::vector<ColumnSpec> columns_;
    std::set<std::string> imputed_;  // columns whose missing values the model fills
    CsvOptions csv_options_;
    std::string column_list_;  // "species, island, ..." for error messages
};

}  // namespace mlpipe::sagemaker
