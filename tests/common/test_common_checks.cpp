// Checks every component must pass (as sklearn's check_estimator): fitting twice gives
// the same result, a second fit starts afresh, not-fitted errors, missing columns are
// errors, float and double inputs work, and save/load in every archive kind gives
// bit-identical output.

#include "../support/datasets.hpp"

#include <mlpipe/io/model_archive.hpp>  // saves models other than the stock pipelines
#include <mlpipe/mlpipe.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace mlpipe;

namespace {

Frame features() {
    test::ReferenceSet set("penguins_species");
    return set.X_train;
}
Frame labels() {
    test::ReferenceSet set("penguins_species");
    return set.y_train;
}
const std::vector<std::string> numeric = {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"};
const std::vector<std::string> categorical = {"island", "sex"};

// Another data set with the same columns (other numbers, one more category in each
// categorical column), to check that a second fit forgets the first.
Frame other_features() {
    Frame X = features();
    Frame out;
    for (const auto& c : X) {
        if (c.is_numeric()) {
            std::vector<double> v(c.values().begin(), c.values().end());
            for (double& x : v) x = x * 1.5 + 3;
            out.add(Column::numeric(c.name(), v));
        } else {
            std::vector<std::string> v;
            for (auto code : c.codes()) v.push_back(c.dictionary()[static_cast<std::size_t>(code)]);
            for (std::size_t i = 0; i < v.size(); i += 3) v[i] = "elsewhere";
            out.add_categorical(c.name(), v);
        }
    }
    return out;
}

// What each component is fitted on and what output is compared.
struct EncoderSpec {
    using Component = OneHotEncoder;
    static Component make() { return OneHotEncoder({.columns = categorical}); }
    static void fit(Component& c, const Frame& X, const Frame&) { c.fit(X); }
    static Eigen::MatrixXd output(const Component& c, const Frame& X) {
        Frame out = c.transform(X);
        Frame encoded;
        for (const auto& col : out)
            if (col.is_one_hot()) encoded.add(col);
        return encoded.to_dense();
    }
};
struct ScalerSpec {
    using Component = StandardScaler;
    static Component make() { return StandardScaler({.columns = numeric}); }
    static void fit(Component& c, const Frame& X, const Frame&) { c.fit(X); }
    static Eigen::MatrixXd output(const Component& c, const Frame& X) {
        Frame out = c.transform(X);
        Frame scaled;
        for (const auto& name : numeric) scaled.add(out.column(name));
        return scaled.to_dense();
    }
};
struct ImputerSpec {
    using Component = SimpleImputer;
    static Component make() { return SimpleImputer({.columns = numeric, .add_indicator = true}); }
    static void fit(Component& c, const Frame& X, const Frame&) { c.fit(with_holes(X)); }
    static Eigen::MatrixXd output(const Component& c, const Frame& X) {
        Frame out = c.transform(with_holes(X));
        Frame imputed;
        for (const auto& col : out)
            if (col.is_numeric()) imputed.add(col);
        return imputed.to_dense();
    }
    // X with every 5th numeric value (shifted per column) missing, so the fit has holes to fill.
    static Frame with_holes(const Frame& X) {
        Frame out;
        std::size_t shift = 0;
        for (const auto& c : X) {
            if (!c.is_numeric()) {
                out.add(c);
                continue;
            }
            std::vector<double> v(c.size());
            for (std::size_t i = 0; i < v.size(); ++i) v[i] = (i + shift) % 5 == 0 ? std::nan("") : c.value(i);
            out.add(Column::numeric(c.name(), v));
            ++shift;
        }
        return out;
    }
};
template <class Scalar>
struct RegressionSpec {
    using Component = BasicLogisticRegression<Scalar>;
    static Component make() { return Component({.tol = 1e-6}); }
    static Frame prepared(const Frame& X) {
        OneHotEncoder encoder({.columns = categorical, .handle_unknown = HandleUnknown::ignore});
        encoder.fit(features());
        StandardScaler scaler({.columns = numeric});
        scaler.fit(features());
        return scaler.transform(encoder.transform(X));
    }
    static void fit(Component& c, const Frame& X, const Frame& y) { c.fit(prepared(X), y); }
    static Eigen::MatrixXd output(const Component& c, const Frame& X) {
        return c.predict_proba(prepared(X)).template cast<double>();
    }
};
template <class Scalar>
struct PipelineSpec {
    using Component = Pipeline<OneHotEncoder, StandardScaler, BasicLogisticRegression<Scalar>>;
    static Component make() {
        return Component{OneHotEncoder({.columns = categorical}), StandardScaler({.columns = numeric}),
                         BasicLogisticRegression<Scalar>({.tol = 1e-6})};
    }
    static void fit(Component& c, const Frame& X, const Frame& y) { c.fit(X, y); }
    static Eigen::MatrixXd output(const Component& c, const Frame& X) {
        return c.predict_proba(X).template cast<double>();
    }
};
struct ImputingPipelineSpec {
    using Component = Pipeline<SimpleImputer, OneHotEncoder, StandardScaler, LogisticRegression>;
    static Component make() {
        return Component{SimpleImputer({.columns = numeric, .strategy = ImputeStrategy::median}),
                         OneHotEncoder({.columns = categorical}), StandardScaler({.columns = numeric}),
                         LogisticRegression({.tol = 1e-6})};
    }
    static void fit(Component& c, const Frame& X, const Frame& y) { c.fit(ImputerSpec::with_holes(X), y); }
    static Eigen::MatrixXd output(const Component& c, const Frame& X) {
        return c.predict_proba(ImputerSpec::with_holes(X));
    }
};
struct TransformPipelineSpec {
    using Component = Pipeline<OneHotEncoder, StandardScaler>;
    static Component make() {
        return Component{OneHotEncoder({.columns = categorical}), StandardScaler({.columns = numeric})};
    }
    static void fit(Component& c, const Frame& X, const Frame&) { c.fit(X); }
    static Eigen::MatrixXd output(const Component& c, const Frame& X) { return c.transform(X).to_dense(); }
};

}  // namespace

TEMPLATE_TEST_CASE("common component checks", "[common]", EncoderSpec, ScalerSpec, ImputerSpec, RegressionSpec<double>,
                   RegressionSpec<float>, PipelineSpec<double>, PipelineSpec<float>, ImputingPipelineSpec,
                   TransformPipelineSpec) {
    using Spec = TestType;
    const Frame X = features(), y = labels();

    SECTION("using a component before fit is a not_fitted_error") {
        auto component = Spec::make();
        CHECK_THROWS_AS(Spec::output(component, X), not_fitted_error);
    }

    SECTION("fitting twice gives the same result, and a second fit starts afresh") {
        auto once = Spec::make();
        Spec::fit(once, X, y);
        auto twice = Spec::make();
        Spec::fit(twice, other_features(), y);
        Spec::fit(twice, X, y);
        CHECK(Spec::output(once, X) == Spec::output(twice, X));
    }

    SECTION("a column missing at transform time is a data_error naming it") {
        auto component = Spec::make();
        Spec::fit(component, X, y);
        Frame without;
        for (const auto& c : X)
            if (c.name() != "bill_depth_mm" && c.name() != "island") without.add(c);
        CHECK_THROWS_AS(Spec::output(component, without), data_error);
    }

    SECTION("save and load in every archive kind give bit-identical output") {
        auto component = Spec::make();
        Spec::fit(component, X, y);
        const Eigen::MatrixXd expected = Spec::output(component, X);
        for (auto format : {ArchiveFormat::binary, ArchiveFormat::text, ArchiveFormat::xml}) {
            INFO("archive " << to_string(format));
            const std::string bytes = save_to_string(component, format);
            auto loaded = load_from_string<typename Spec::Component>(bytes);
            CHECK(Spec::output(loaded, X) == expected);
            // An unfitted component round-trips too, and stays unfitted.
            auto fresh = load_from_string<typename Spec::Component>(save_to_string(Spec::make(), format));
            CHECK_THROWS_AS(Spec::output(fresh, X), not_fitted_error);
        }
    }

    SECTION("numeric input given as float values works and agrees with double to float precision") {
        // The same numbers, rounded to float and back: a float-fed fit is the double fit of
        // slightly different data, so the outputs agree to about float precision.
        Eigen::MatrixXf as_float(static_cast<Eigen::Index>(X.rows()), 4);
        for (std::size_t j = 0; j < numeric.size(); ++j)
            for (std::size_t i = 0; i < X.rows(); ++i)
                as_float(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
                    static_cast<float>(X.column(numeric[j]).values()[i]);
        const Frame float_columns = Frame::from_matrix(as_float, numeric);
        Frame from_float;  // X's columns in X's order, the numeric ones from floats
        for (const auto& column : X)
            from_float.add(column.is_numeric() ? float_columns.column(column.name()) : column);
        auto a = Spec::make();
        auto b = Spec::make();
        Spec::fit(a, from_float, y);
        Spec::fit(b, X, y);
        const Eigen::MatrixXd out_float = Spec::output(a, from_float);
        const Eigen::MatrixXd out_double = Spec::output(b, X);
        REQUIRE(out_float.rows() == out_double.rows());
        REQUIRE(out_float.cols() == out_double.cols());
        CHECK((out_float - out_double).cwiseAbs().maxCoeff() < 1e-3);
        CHECK(out_float.allFinite());
    }
}
