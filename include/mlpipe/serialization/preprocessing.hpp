#pragma once
// Boost.Serialization for OneHotEncoder, StandardScaler and SimpleImputer (options and fitted
// state).

#include <mlpipe/preprocessing/one_hot_encoder.hpp>
#include <mlpipe/preprocessing/simple_imputer.hpp>
#include <mlpipe/preprocessing/standard_scaler.hpp>
#include <mlpipe/serialization/eigen.hpp>
#include <mlpipe/serialization/frame.hpp>

#include <boost/serialization/nvp.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <boost/serialization/version.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace mlpipe::detail {
// Enums travel as one byte and are checked on the way in.
template <class Archive, class Enum>
void serialize_enum(Archive& archive, const char* name, Enum& value, Enum largest) {
    auto raw = static_cast<std::uint8_t>(value);
    archive& boost::serialization::make_nvp(name, raw);
    if (raw > static_cast<std::uint8_t>(largest))
        throw model_file_error(std::string("unknown value ") + std::to_string(raw) + " for '" + name +
                               "' in the model file");
    value = static_cast<Enum>(raw);
}
}  // namespace mlpipe::detail

// Numbers travel as their shortest text ("nan", "inf" included), which text and XML
// archives read back exactly; std::optional travels as the place of the missing value.
template <class Archive>
void mlpipe::CategoryList::serialize(Archive& archive, unsigned /*version*/) {
    using boost::serialization::make_nvp;
    std::vector<std::string> values, number_texts;
    std::int64_t missing_at = -1;
    if constexpr (Archive::is_saving::value) {
        for (const auto& value : text) {
            if (value)
                values.push_back(*value);
            else
                missing_at = static_cast<std::int64_t>(values.size());
        }
        for (double number : numbers) number_texts.push_back(detail::number_to_text(number));
    }
    archive& make_nvp("column", column);
    archive& make_nvp("text", values);
    archive& make_nvp("text_missing_at", missing_at);
    archive& make_nvp("numbers", number_texts);
    if constexpr (Archive::is_loading::value) {
        if (missing_at < -1 || missing_at > static_cast<std::int64_t>(values.size()))
            throw model_file_error("OneHotEncoder in the model file places the missing category of column '" + column +
                                   "' at " + std::to_string(missing_at));
        text.assign(values.begin(), values.end());
        if (missing_at >= 0) text.insert(text.begin() + missing_at, std::nullopt);
        numbers.clear();
        for (const auto& number : number_texts) {
            double value = 0;
            const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
            if (error != std::errc() || end != number.data() + number.size())
                throw model_file_error("OneHotEncoder in the model file has category '" + number +
                                       "' for numeric column '" + column + "'");
            numbers.push_back(value);
        }
    }
}

template <class Archive>
void mlpipe::OneHotEncoder::Feature::serialize(Archive& archive, unsigned version) {
    using boost::serialization::make_nvp;
    archive& make_nvp("name", name);
    detail::serialize_enum(archive, "input_kind", input_kind, ColumnKind::one_hot);
    archive& make_nvp("categories", categories);
    if (version >= 1) {
        archive& make_nvp("missing_at", missing_at);
        archive& make_nvp("infrequent", infrequent);
    } else {
        bool has_missing = missing_at >= 0;
        archive& make_nvp("has_missing", has_missing);
        missing_at = has_missing ? static_cast<std::int32_t>(categories.size()) : -1;
        infrequent.clear();
    }
    archive& make_nvp("dropped", dropped);
    if constexpr (Archive::is_loading::value) prepare();  // checks missing_at, infrequent and dropped too
}

// Version 1: mlpipe 0.1 and 0.2 (columns, handle_unknown error or ignore, drop). Version 2
// adds categories, min_frequency, max_categories and handle_unknown infrequent_if_exist; a
// version 1 file loads with automatic categories and no infrequent grouping, which is what
// fitted it.
template <class Archive>
void mlpipe::OneHotEncoder::serialize(Archive& archive, unsigned version) {
    using boost::serialization::make_nvp;
    archive& make_nvp("columns", options_.columns);
    detail::serialize_enum(archive, "handle_unknown", options_.handle_unknown,
                           version >= 2 ? HandleUnknown::infrequent_if_exist : HandleUnknown::ignore);
    detail::serialize_enum(archive, "drop", options_.drop, Drop::if_binary);
    if (version >= 2) {
        archive& make_nvp("categories", options_.categories);
        bool has_min_frequency = options_.min_frequency.has_value();
        MinFrequency min_frequency = options_.min_frequency.value_or(MinFrequency{});
        archive& make_nvp("has_min_frequency", has_min_frequency);
        detail::serialize_enum(archive, "min_frequency_kind", min_frequency.kind, MinFrequency::Kind::fraction);
        archive& make_nvp("min_frequency_rows", min_frequency.rows);
        archive& make_nvp("min_frequency_share", min_frequency.share);
        if (has_min_frequency)
            options_.min_frequency = min_frequency;
        else
            options_.min_frequency.reset();
        bool has_max_categories = options_.max_categories.has_value();
        std::int64_t max_categories = options_.max_categories.value_or(0);
        archive& make_nvp("has_max_categories", has_max_categories);
        archive& make_nvp("max_categories", max_categories);
        if (has_max_categories)
            options_.max_categories = max_categories;
        else
            options_.max_categories.reset();
    } else {
        options_.categories.clear();
        options_.min_frequency.reset();
        options_.max_categories.reset();
    }
    archive& make_nvp("is_fitted", is_fitted_);
    archive& make_nvp("features", features_);
    if constexpr (Archive::is_loading::value) {
        try {
            validate(options_);
        } catch (const parameter_error& bad) {
            throw model_file_error(std::string("OneHotEncoder in the model file has invalid options: ") + bad.what());
        }
    }
}

template <class Archive>
void mlpipe::StandardScaler::serialize(Archive& archive, unsigned /*version*/) {
    using boost::serialization::make_nvp;
    archive& make_nvp("columns", options_.columns);
    archive& make_nvp("with_mean", options_.with_mean);
    archive& make_nvp("with_std", options_.with_std);
    archive& make_nvp("is_fitted", is_fitted_);
    archive& make_nvp("fitted_columns", names_);
    archive& make_nvp("n_samples_seen", count_);
    archive& make_nvp("mean", mean_);
    archive& make_nvp("var", var_);
    archive& make_nvp("scale", scale_);
    if constexpr (Archive::is_loading::value) {
        const auto p = static_cast<Eigen::Index>(names_.size());
        if (is_fitted_ && (count_.size() != p || mean_.size() != p || var_.size() != p || scale_.size() != p))
            throw model_file_error("StandardScaler in the model file has statistics of the wrong length");
    }
}

template <class Archive>
void mlpipe::SimpleImputer::Statistic::serialize(Archive& archive, unsigned /*version*/) {
    using boost::serialization::make_nvp;
    archive& make_nvp("column", column);
    detail::serialize_enum(archive, "kind", kind, ColumnKind::categorical);
    archive& make_nvp("has_value", has_value);
    archive& make_nvp("number", number);
    archive& make_nvp("category", category);
    archive& make_nvp("had_missing", had_missing);
    if constexpr (Archive::is_loading::value) {
        if (has_value && kind == ColumnKind::numeric && std::isnan(number))
            throw model_file_error("SimpleImputer in the model file fills column '" + column + "' with NaN");
    }
}

template <class Archive>
void mlpipe::SimpleImputer::serialize(Archive& archive, unsigned /*version*/) {
    using boost::serialization::make_nvp;
    archive& make_nvp("columns", options_.columns);
    detail::serialize_enum(archive, "strategy", options_.strategy, ImputeStrategy::constant);
    archive& make_nvp("fill_value", options_.fill_value);
    archive& make_nvp("add_indicator", options_.add_indicator);
    archive& make_nvp("is_fitted", is_fitted_);
    archive& make_nvp("statistics", statistics_);
    if constexpr (Archive::is_loading::value) {
        for (std::size_t i = 0; i < statistics_.size(); ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (statistics_[i].column == statistics_[j].column)
                    throw model_file_error("SimpleImputer in the model file imputes column '" + statistics_[i].column +
                                           "' twice");
    }
}

BOOST_CLASS_VERSION(mlpipe::OneHotEncoder, 2)
BOOST_CLASS_VERSION(mlpipe::OneHotEncoder::Feature, 1)
BOOST_CLASS_VERSION(mlpipe::StandardScaler, 1)
