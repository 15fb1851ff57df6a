#pragma once
// Writing predictions as an /invocations response body, one output record per input
// record, in order:
//   text/csv               one line per record: its label, its probabilities (in classes()
//                          order) or both, label first, as CsvOutput says;
//   application/json       {"predictions": ["female", ...], "probabilities": [[0.97, 0.03], ...],
//                           "classes": ["female", "male"]}: probabilities are always included,
//                           their columns in the order of "classes";
//   application/jsonlines  one object per line: {"prediction": "female",
//                           "probabilities": {"female": 0.97, "male": 0.03}}.
// Labels keep their type (a numeric class is a JSON number); probabilities are written in
// the shortest form that reads back as the same double.

#include "../common/json_text.hpp"
#include "media_types.hpp"
#include "../common/prediction.hpp"
#include "../common/text.hpp"

#include <mlpipe/core.hpp>
#include <mlpipe/io/csv_writer.hpp>  // detail::csv::append_field, the quoting of write_csv

#include <string>
#include <string_view>
#include <vector>

namespace mlpipe::sagemaker {

// The `output` attribute of an X-Amzn-SageMaker-Custom-Attributes header: attributes are
// separated by ';', each `key=value`; other keys are the caller's own and are ignored.
// Returns `fallback` when there is no output attribute; throws data_error for a bad value.
inline CsvOutput csv_output_of(std::string_view attributes, CsvOutput fallback) {
    while (!attributes.empty()) {
        const std::size_t semicolon = attributes.find(';');
        const std::string_view attribute = trim(attributes.substr(0, semicolon));
        attributes = semicolon == std::string_view::npos ? std::string_view() : attributes.substr(semicolon + 1);
        const std::size_t equals = attribute.find('=');
        if (equals == std::string_view::npos || to_lower(trim(attribute.substr(0, equals))) != "output") continue;
        const auto parsed = parse_csv_output(attribute.substr(equals + 1));
        if (!parsed)
            throw data_error("custom attribute " + excerpt(std::string(attribute)) +
                             ": output must be label, probabilities or label,probabilities");
        return *parsed;
    }
    return fallback;
}

inline bool needs_probabilities(Format format, CsvOutput csv_output = {}) noexcept {
    return format != Format::csv || csv_output.probabilities;
}

class ResponseWriter {
public:
    // Each class's text in every format is prepared once, not per request.
    explicit ResponseWriter(const std::vector<Label>& classes) {
        for (const auto& label : classes) {
            csv_labels_.push_back(csv_field(label.to_string()));
            // A label that is not valid UTF-8 is written with U+FFFD in its place.
            json_labels_.push_back(label.is_number() ? label.to_string() : json_text(label.text()));
            json_keys_.push_back(json_text(label.to_string()));
        }
    }

    std::string write(Format format, const Predictions& predictions, CsvOutput csv_output = {}) const {
        switch (format) {
            case Format::csv: return csv(predictions, csv_output);
            case Format::json: return json(predictions);
            case Format::jsonlines: return jsonlines(predictions);
        }
        return {};
    }

private:
    // Quoted as write_csv quotes a field, where a CSV reader would otherwise split or trim it.
    static std::string csv_field(std::string_view text) {
        std::string out;
        mlpipe::detail::csv::append_field(out, text, ',');
        return out;
    }

    // The shortest text that reads back as the same double.
    static void append_number(std::string& out, double value) { out += number_to_text(value); }

    void append_probability_row(std::string& out, const Predictions& predictions, Eigen::Index row) const {
        out += '[';
        for (Eigen::Index c = 0; c < predictions.probabilities.cols(); ++c) {
            if (c > 0) out += ',';
            append_number(out, predictions.probabilities(row, c));
        }
        out += ']';
    }

    std::string csv(const Predictions& predictions, CsvOutput what) const {
        const auto& codes = predictions.class_codes;
        std::string out;
        out.reserve(codes.size() * (8 + (what.probabilities ? 24 * csv_labels_.size() : 0)));
        for (std::size_t i = 0; i < codes.size(); ++i) {
            if (what.label) out += csv_labels_[static_cast<std::size_t>(codes[i])];
            if (what.probabilities) {
                for (Eigen::Index c = 0; c < predictions.probabilities.cols(); ++c) {
                    if (c > 0 || what.label) out += ',';
                    append_number(out, predictions.probabilities(static_cast<Eigen::Index>(i), c));
                }
            }
            out += '\n';
        }
        return out;
    }

    std::string json(const Predictions& predictions) const {
        const auto& codes = predictions.class_codes;
        std::string out;
        out.reserve(codes.size() * (16 + 24 * json_labels_.size()) + 64);
        out += "{\"predictions\":[";
        for (std::size_t i = 0; i < codes.size(); ++i) {
            if (i > 0) out += ',';
            out += json_labels_[static_cast<std::size_t>(codes[i])];
        }
        out += "],\"probabilities\":[";
        for (std::size_t i = 0; i < codes.size(); ++i) {
            if (i > 0) out += ',';
            append_probability_row(out, predictions, static_cast<Eigen::Index>(i));
        }
        out += "],\"classes\":[";
        for (std::size_t c = 0; c < json_labels_.size(); ++c) {
            if (c > 0) out += ',';
            out += json_labels_[c];
        }
        out += "]}";
        return out;
    }

    std::string jsonlines(const Predictions& predictions) const {
        const auto& codes = predictions.class_codes;
        std::string out;
        out.reserve(codes.size() * (40 + 32 * json_keys_.size()));
        for (std::size_t i = 0; i < codes.size(); ++i) {
            out += "{\"prediction\":";
            out += json_labels_[static_cast<std::size_t>(codes[i])];
            out += ",\"probabilities\":{";
            for (std::size_t c = 0; c < json_keys_.size(); ++c) {
                if (c > 0) out += ',';
                out += json_keys_[c];
                out += ':';
                append_number(out,
                              predictions.probabilities(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)));
            }
            out += "}}\n";
        }
        return out;
    }

    std::vector<std::string> csv_labels_;   // CSV fields, quoted where needed
    std::vector<std::string> json_labels_;  // JSON values: strings quoted and escaped, numbers bare
    std::vector<std::string> json_keys_;    // JSON object keys (always strings)
};

}  // namespace mlpipe::sagemaker
