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

#include "../common/json_text.hpp"
#include "media_types.hpp"
#include "../common/text.hpp"

#include <mlpipe/core.hpp>
#include <mlpipe/io/json_records.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe::sagemaker {

class RecordReader {
public:
    explicit RecordReader(const Schema& schema, std::set<std::string> imputed = {})
        : schema_(schema), columns_(schema.columns()), imputed_(std::move(imputed)) {
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

    // JSON Lines and the records themselves: the library's JSON records reader.
    Frame read_jsonlines(std::string_view body) const { return frame_from_json_lines(body, schema_); }
    Frame frame_of(const nlohmann::json& records) const { return frame_from_json_records(records, schema_); }

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

    Schema schema_;
    std::vector<ColumnSpec> columns_;
    std::set<std::string> imputed_;  // columns whose missing values the model fills
    CsvOptions csv_options_;
    std::string column_list_;  // "species, island, ..." for error messages
};

}  // namespace mlpipe::sagemaker
