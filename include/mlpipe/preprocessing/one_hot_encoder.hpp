#pragma once
// OneHotEncoder: scikit-learn's OneHotEncoder for the chosen columns of a Frame.
//
// Categories are the sorted unique values of each column (strings by bytes, which is
// Python's order for UTF-8; numbers numerically); a missing value, when seen at fit, is a
// category of its own placed last and named "nan". The output replaces each encoded
// column by a one_hot column in the same place: one code per row, never a dense 0/1
// matrix (see Column). Other columns pass through unchanged.

#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace boost::serialization {
class access;
}

namespace mlpipe {

enum class HandleUnknown : std::uint8_t { error = 0, ignore = 1 };
enum class Drop : std::uint8_t { none = 0, first = 1, if_binary = 2 };

class OneHotEncoder {
public:
    struct Options {
        std::vector<std::string> columns{};  // columns to encode; empty: every categorical column
        HandleUnknown handle_unknown = HandleUnknown::error;
        Drop drop = Drop::none;
        friend bool operator==(const Options&, const Options&) = default;
    };

    OneHotEncoder() = default;
    explicit OneHotEncoder(Options options) : options_(std::move(options)) {}

    static std::string type_name() { return "OneHotEncoder"; }
    const Options& options() const noexcept { return options_; }
    // New options, used from the next fit on (handle_unknown at once, as scikit-learn's
    // set_params); the fitted categories stay.
    void set_options(Options options) { options_ = std::move(options); }

    OneHotEncoder& fit(const Frame& X) {
        if (X.rows() == 0) throw data_error("OneHotEncoder.fit: X has no rows");
        std::vector<Feature> features;
        for (const auto& name : columns_to_encode(X)) {
            const Column& column = X.column(name);
            Feature feature;
            feature.name = name;
            feature.input_kind = column.kind();
            if (column.is_one_hot())
                throw data_error("OneHotEncoder.fit: column '" + name + "' is already one-hot encoded");
            if (column.is_categorical()) {
                std::vector<bool> used(column.dictionary().size(), false);
                for (auto code : column.codes()) {
                    if (code < 0) feature.has_missing = true;
                    else used[static_cast<std::size_t>(code)] = true;
                }
                for (std::size_t c = 0; c < used.size(); ++c)
                    if (used[c]) feature.categories.push_back(column.dictionary()[c]);
                std::sort(feature.categories.begin(), feature.categories.end());
            } else {
                std::vector<double> values;
                column.visit_values([&](auto stored) {
                    for (const auto v : stored) {
                        if (std::isnan(v)) feature.has_missing = true;
                        else values.push_back(static_cast<double>(v));
                    }
                });
                std::sort(values.begin(), values.end());
                values.erase(std::unique(values.begin(), values.end()), values.end());
                for (double v : values) feature.categories.push_back(number_text(v));
            }
            const std::size_t n_categories = feature.categories.size() + (feature.has_missing ? 1 : 0);
            if (options_.drop == Drop::first || (options_.drop == Drop::if_binary && n_categories == 2))
                feature.dropped = 0;
            feature.prepare();
            features.push_back(std::move(feature));
        }
        features_ = std::move(features);
        is_fitted_ = true;
        return *this;
    }

    // Taken by value: a pipeline moves its intermediate frames through without copies.
    Frame transform(Frame X) const {
        check_fitted();
        for (const auto& feature : features_) {
            auto index = X.find(feature.name);
            if (!index)
                throw data_error("OneHotEncoder.transform: column '" + feature.name + "' seen at fit is missing");
            const Column& column = X[*index];
            if (column.kind() != feature.input_kind)
                throw data_error("OneHotEncoder.transform: column '" + feature.name + "' was " +
                                 to_string(feature.input_kind) + " at fit but is " + to_string(column.kind()) +
                                 " now");
            X.replace(*index, Column::one_hot(feature.name, encode(feature, column), feature.output));
        }
        return X;
    }

    Frame fit_transform(const Frame& X) { return fit(X).transform(X); }

    bool is_fitted() const noexcept { return is_fitted_; }

    // The encoded columns, in the order they were listed (or found).
    std::vector<std::string> columns() const {
        check_fitted();
        std::vector<std::string> out;
        for (const auto& f : features_) out.push_back(f.name);
        return out;
    }

    // Per encoded column, its categories in output order ("nan" last when missing values were seen).
    std::vector<std::vector<std::string>> categories() const {
        check_fitted();
        std::vector<std::vector<std::string>> out;
        for (const auto& f : features_) {
            out.push_back(f.categories);
            if (f.has_missing) out.back().push_back("nan");
        }
        return out;
    }

    // Index of the dropped category per column (-1: none dropped).
    std::vector<int> drop_idx() const {
        check_fitted();
        std::vector<int> out;
        for (const auto& f : features_) out.push_back(f.dropped);
        return out;
    }

    // column_category for every output column, in order.
    std::vector<std::string> feature_names_out() const {
        check_fitted();
        std::vector<std::string> out;
        for (const auto& f : features_)
            for (const auto& c : f.output) out.push_back(f.name + "_" + c);
        return out;
    }

    template <class Archive>
    void serialize(Archive& archive, unsigned version);

private:
    friend class boost::serialization::access;

    struct Feature {
        std::string name;
        ColumnKind input_kind = ColumnKind::categorical;
        std::vector<std::string> categories;  // sorted, without the missing category
        bool has_missing = false;             // missing values form the last category
        int dropped = -1;                     // index of the dropped category, -1 for none

        // Derived from the above at fit and at load, for transform.
        std::unordered_map<std::string, std::int32_t> lookup;  // category -> index in categories
        std::vector<std::string> output;                       // output categories, after the drop

        void prepare() {
            lookup.clear();
            for (std::size_t c = 0; c < categories.size(); ++c)
                lookup.emplace(categories[c], static_cast<std::int32_t>(c));
            output = categories;
            if (has_missing) output.push_back("nan");
            if (dropped >= static_cast<int>(output.size()) || dropped < -1)
                throw model_file_error("OneHotEncoder: column '" + name + "' drops category " +
                                       std::to_string(dropped) + " of " + std::to_string(output.size()));
            if (dropped >= 0) output.erase(output.begin() + dropped);
        }

        template <class Archive>
        void serialize(Archive& archive, unsigned version);
    };

    static std::string number_text(double v) { return detail::number_to_text(v); }

    std::vector<std::string> columns_to_encode(const Frame& X) const {
        if (!options_.columns.empty()) {
            for (const auto& name : options_.columns) {
                if (!X.contains(name))
                    throw data_error("OneHotEncoder.fit: column '" + name + "' listed in columns is not in X");
            }
            return options_.columns;
        }
        std::vector<std::string> names;
        for (const auto& c : X)
            if (c.is_categorical()) names.push_back(c.name());
        return names;
    }

    // Output code per row: category index after the drop, -1 for an all-zero row.
    std::vector<std::int32_t> encode(const Feature& f, const Column& column) const {
        const auto& index = f.lookup;
        const auto missing_code = static_cast<std::int32_t>(f.has_missing ? f.categories.size() : -2);
        constexpr std::int32_t unknown = -2;

        auto after_drop = [&](std::int32_t code) -> std::int32_t {
            if (f.dropped < 0) return code;
            if (code == f.dropped) return -1;
            return code > f.dropped ? code - 1 : code;
        };
        auto unknown_value = [&](std::size_t row, const std::string& text) -> std::int32_t {
            if (options_.handle_unknown == HandleUnknown::ignore) return -1;
            std::string seen = detail::quoted_list(f.categories);
            if (f.has_missing) seen += ", missing";
            throw data_error("OneHotEncoder.transform: unknown category " + text + " in column '" + f.name +
                             "' (row " + std::to_string(row) + "); categories seen at fit: " + seen +
                             ". Use handle_unknown = ignore to encode unknown values as all zeros");
        };

        std::vector<std::int32_t> codes(column.size());
        if (column.is_categorical()) {
            // Map the column's dictionary once, then each row is a lookup.
            const auto& dictionary = column.dictionary();
            std::vector<std::int32_t> mapped(dictionary.size());
            for (std::size_t d = 0; d < dictionary.size(); ++d) {
                auto it = index.find(dictionary[d]);
                mapped[d] = it == index.end() ? unknown : it->second;
            }
            auto input = column.codes();
            for (std::size_t i = 0; i < input.size(); ++i) {
                const std::int32_t code = input[i] < 0 ? missing_code : mapped[static_cast<std::size_t>(input[i])];
                if (code >= 0) codes[i] = after_drop(code);
                else
                    codes[i] = unknown_value(
                        i, input[i] < 0 ? std::string("(missing value)")
                                        : "'" + dictionary[static_cast<std::size_t>(input[i])] + "'");
            }
        } else {
            const Column doubles = column.to_float64();  // categories are named from double values
            auto values = doubles.values();
            for (std::size_t i = 0; i < values.size(); ++i) {
                std::int32_t code = missing_code;
                std::string text = "(missing value)";
                if (!std::isnan(values[i])) {
                    text = number_text(values[i]);
                    auto it = index.find(text);
                    code = it == index.end() ? unknown : it->second;
                    text = "'" + text + "'";
                }
                codes[i] = code >= 0 ? after_drop(code) : unknown_value(i, text);
            }
        }
        return codes;
    }

    void check_fitted() const {
        if (!is_fitted_) throw not_fitted_error("OneHotEncoder");
    }

    Options options_{};
    std::vector<Feature> features_;
    bool is_fitted_ = false;
};

}  // namespace mlpipe
