#pragma once
// Boost.Serialization for LogisticRegression (options and fitted state).

#include <mlpipe/linear_model/logistic_regression.hpp>
#include <mlpipe/serialization/eigen.hpp>
#include <mlpipe/serialization/frame.hpp>
#include <mlpipe/serialization/preprocessing.hpp>

#include <boost/serialization/nvp.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <boost/serialization/version.hpp>

#include <cstdint>

namespace boost::serialization {

// Version 2 (mlpipe 0.2) adds seconds; version 1 files read it as 0.
template <class Archive>
void serialize(Archive& archive, mlpipe::optim::IterationReport& report, unsigned version) {
    archive& make_nvp("iteration", report.iteration);
    archive& make_nvp("objective", report.objective);
    archive& make_nvp("gradient_max", report.gradient_max);
    archive& make_nvp("step", report.step);
    archive& make_nvp("evaluations", report.evaluations);
    if (version >= 2) archive& make_nvp("seconds", report.seconds);
    else report.seconds = 0;
}

// Class templates need the version specialised by hand (BOOST_CLASS_VERSION cannot).
// Version 1: mlpipe 0.1 (lbfgs only). Version 2: mlpipe 0.2 adds solver, l1_ratio and
// random_state; a version 1 file loads with lbfgs, no l1_ratio and seed 0, which is what
// fitted it.
template <class Scalar>
struct version<mlpipe::BasicLogisticRegression<Scalar>> {
    using tag = mpl::integral_c_tag;
    using type = mpl::int_<2>;
    static constexpr int value = 2;
};

}  // namespace boost::serialization

template <class Scalar>
template <class Archive>
void mlpipe::BasicLogisticRegression<Scalar>::serialize(Archive& archive, unsigned version) {
    using boost::serialization::make_nvp;
    archive& make_nvp("C", options_.C);
    archive& make_nvp("max_iter", options_.max_iter);
    archive& make_nvp("tol", options_.tol);
    detail::serialize_enum(archive, "match_sklearn", options_.match_sklearn, SklearnVersion::v1_2);
    if (version >= 2) {
        detail::serialize_enum(archive, "solver", options_.solver, all_solvers.back());
        detail::serialize_enum(archive, "penalty", options_.penalty, all_penalties.back());
        bool has_l1_ratio = options_.l1_ratio.has_value();
        double l1_ratio = options_.l1_ratio.value_or(0.0);
        archive& make_nvp("has_l1_ratio", has_l1_ratio);
        archive& make_nvp("l1_ratio", l1_ratio);
        if (has_l1_ratio) options_.l1_ratio = l1_ratio;
        else options_.l1_ratio.reset();
        archive& make_nvp("random_state", options_.random_state);
    } else {
        options_.solver = Solver::lbfgs;
        options_.l1_ratio.reset();
        options_.random_state = 0;
        detail::serialize_enum(archive, "penalty", options_.penalty, Penalty::none);
    }
    detail::serialize_enum(archive, "class_weight", options_.class_weight, ClassWeight::balanced);
    archive& make_nvp("fit_intercept", options_.fit_intercept);
    archive& make_nvp("is_fitted", is_fitted_);

    std::vector<std::uint64_t> widths(fitted_.one_hot_widths.begin(), fitted_.one_hot_widths.end());
    archive& make_nvp("schema", fitted_.schema);
    archive& make_nvp("one_hot_widths", widths);
    fitted_.one_hot_widths.assign(widths.begin(), widths.end());
    archive& make_nvp("feature_names", fitted_.feature_names);
    archive& make_nvp("classes", fitted_.classes);
    archive& make_nvp("coef", fitted_.coef);
    archive& make_nvp("intercept", fitted_.intercept);
    archive& make_nvp("n_iter", fitted_.n_iter);
    archive& make_nvp("converged", fitted_.converged);
    // 0.1 knew the first four reasons.
    detail::serialize_enum(archive, "stop_reason", fitted_.stop_reason,
                           version >= 2 ? optim::StopReason::weight_change : optim::StopReason::line_search_failed);
    archive& make_nvp("objective", fitted_.objective);
    archive& make_nvp("fit_seconds", fitted_.fit_seconds);
    archive& make_nvp("history", fitted_.history);

    if constexpr (Archive::is_loading::value) {
        try {
            validate(options_);
        } catch (const parameter_error& bad) {
            throw model_file_error(std::string("LogisticRegression in the model file has invalid options: ") +
                                   bad.what());
        }
    }
    if (is_fitted_) {
        // Shapes must agree with each other and with the input schema, or predict would read
        // past the weights: a file with a valid checksum but inconsistent fields is refused.
        const auto k = fitted_.classes.size() == 2 ? 1 : fitted_.classes.size();
        std::size_t numeric = 0, one_hot = 0, width = 0;
        for (const auto& spec : fitted_.schema.columns()) {
            numeric += spec.kind == ColumnKind::numeric ? 1 : 0;
            one_hot += spec.kind == ColumnKind::one_hot ? 1 : 0;
        }
        // Each width bounded first, so that forged widths cannot wrap the sum around to a match.
        bool widths_fit = true;
        for (auto w : fitted_.one_hot_widths) {
            widths_fit = widths_fit && w <= static_cast<std::size_t>(fitted_.coef.cols());
            width += widths_fit ? w : 0;
        }
        if (fitted_.classes.size() < 2 || static_cast<std::size_t>(fitted_.coef.rows()) != k ||
            static_cast<std::size_t>(fitted_.intercept.size()) != k ||
            static_cast<std::size_t>(fitted_.coef.cols()) != fitted_.feature_names.size() ||
            one_hot != fitted_.one_hot_widths.size() || !widths_fit ||
            numeric + width != static_cast<std::size_t>(fitted_.coef.cols()))
            throw model_file_error("LogisticRegression in the model file has inconsistent shapes");
    }
}

BOOST_CLASS_VERSION(mlpipe::optim::IterationReport, 2)
