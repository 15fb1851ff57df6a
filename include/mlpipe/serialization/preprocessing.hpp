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

#include <cmath>
#include <cstdint>

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

template <class Archive>
void mlpipe::OneHotEncoder::Feature::serialize(Archive& archive, unsigned /*version*/) {
    using boost::serialization::make_nvp;
    archive& make_nvp("name", name);
    detail::serialize_enum(archive, "input_kind", input_kind, ColumnKind::one_hot);
    archive& make_nvp("categories", categories);
    archive& make_nvp("has_missing", has_missing);
    archive& make_nvp("dropped", dropped);
    if constexpr (Archive::is_loading::value) prepare();  // checks `dropped` too
}

template <class Archive>
void mlpipe::OneHotEncoder::serialize(Archive& archive, unsigned /*version*/) {
    using boost::serialization::make_nvp;
    archive& make_nvp("columns", options_.columns);
    detail::serialize_enum(archive, "handle_unknown", options_.handle_unknown, HandleUnknown::ignore);
    detail::serialize_enum(archive, "drop", options_.drop, Drop::if_binary);
    archive& make_nvp("is_fitted", is_fitted_);
    archive& make_nvp("features", features_);
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

BOOST_CLASS_VERSION(mlpipe::OneHotEncoder, 1)
BOOST_CLASS_VERSION(mlpipe::StandardScaler, 1)
