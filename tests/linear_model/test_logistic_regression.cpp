// LogisticRegression: parity with scikit-learn on the reference sets, options, errors.

#include "../support/datasets.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace mlpipe;
using test::max_abs_diff;
using test::ReferenceSet;

namespace {
std::string strip_prefix(const std::string& name) {  // "num__x" / "cat__x_a" -> "x" / "x_a"
    auto at = name.find("__");
    return at == std::string::npos ? name : name.substr(at + 2);
}
}  // namespace

TEST_CASE("matches scikit-learn 1.2.1 exactly with match_sklearn = v1_2", "[logistic_regression][parity]") {
    for (const char* name : {"penguins", "iris", "penguins_species"}) {
        DYNAMIC_SECTION(name) {
            ReferenceSet set(name);
            auto model = set.pipeline({.match_sklearn = SklearnVersion::v1_2});
            model.fit(set.X_train, set.y_train);
            const auto& lr = model.step<LogisticRegression>();

            // Same L-BFGS iterates as scipy: same number of iterations, same stop.
            CHECK(lr.n_iter() == set.ref["n_iter_"][0].get<int>());
            CHECK(lr.converged());
            CHECK(lr.objective() == Approx(set.ref["objective"].get<double>()).epsilon(1e-12));

            Labels predicted = model.predict(set.X_test);
            const auto& expected = set.ref["test"]["predictions"];
            REQUIRE(predicted.size() == expected.size());
            for (std::size_t i = 0; i < predicted.size(); ++i)
                CHECK(predicted[i].to_string() == expected[i].get<std::string>());

            const Eigen::MatrixXd proba = model.predict_proba(set.X_test);
            CHECK(max_abs_diff(proba, test::to_matrix(set.ref["test"]["predict_proba"])) < 1e-6);
            CHECK(max_abs_diff(lr.coef(), test::to_matrix(set.ref["coef_"])) < 1e-6);
            CHECK(max_abs_diff(lr.intercept(), test::to_vector(set.ref["intercept_"])) < 1e-6);

            const Eigen::MatrixXd scores = model.decision_function(set.X_test);
            const auto& ref_scores = set.ref["test"]["decision_function"];
            if (scores.cols() == 1) {
                CHECK(max_abs_diff(scores.col(0), test::to_vector(ref_scores)) < 1e-6);
            } else {
                CHECK(max_abs_diff(scores, test::to_matrix(ref_scores)) < 1e-6);
            }

            std::vector<std::string> classes;
            for (const auto& c : model.classes()) classes.push_back(c.to_string());
            CHECK(classes == set.ref["classes_"].get<std::vector<std::string>>());

            std::vector<std::string> names;
            for (const auto& n : set.ref["feature_names_out"]) names.push_back(strip_prefix(n.get<std::string>()));
            CHECK(lr.feature_names_out() == names);
        }
    }
}

TEST_CASE("the default (latest) reaches the exact optimum at tol 1e-10", "[logistic_regression][parity]") {
    for (const char* name : {"penguins", "iris", "penguins_species"}) {
        DYNAMIC_SECTION(name) {
            ReferenceSet set(name);
            auto model = set.pipeline({.tol = 1e-10});
            model.fit(set.X_train, set.y_train);
            const auto& lr = model.final_step();
            const auto& tight = set.ref["tight"];
            CHECK(max_abs_diff(model.predict_proba(set.X_test), test::to_matrix(tight["test_predict_proba"])) < 1e-5);
            CHECK(max_abs_diff(lr.coef(), test::to_matrix(tight["coef_"])) < 1e-5);
            CHECK(max_abs_diff(lr.intercept(), test::to_vector(tight["intercept_"])) < 1e-5);
        }
    }
}

TEST_CASE("default settings give the reference labels", "[logistic_regression][parity]") {
    ReferenceSet set("penguins");
    auto model = set.pipeline();
    model.fit(set.X_train, set.y_train);
    CHECK(model.step<LogisticRegression>().converged());
    CHECK(model.score(set.X_test, set.y_test) == Approx(set.ref["test_accuracy"].get<double>()));
    CHECK(max_abs_diff(model.predict_proba(set.X_test), test::to_matrix(set.ref["test"]["predict_proba"])) < 1e-2);
}

TEST_CASE("unknown categories are ignored as sklearn does", "[logistic_regression][parity]") {
    ReferenceSet set("penguins");
    auto model = set.pipeline({.match_sklearn = SklearnVersion::v1_2});
    model.fit(set.X_train, set.y_train);
    Frame unknown = read_csv(test::data_dir() / "reference/penguins/test/X_test_unknown.csv");
    const auto& ref = set.ref["test_unknown"];
    Labels predicted = model.predict(unknown);
    for (std::size_t i = 0; i < predicted.size(); ++i)
        CHECK(predicted[i].to_string() == ref["predictions"][i].get<std::string>());
    CHECK(max_abs_diff(model.predict_proba(unknown), test::to_matrix(ref["predict_proba"])) < 1e-6);
    CHECK(model.score(unknown, set.y_test) == Approx(ref["accuracy"].get<double>()));
}

TEST_CASE("float computes the same model to float precision", "[logistic_regression][float]") {
    ReferenceSet set("penguins");
    auto model = set.pipeline<float>({.match_sklearn = SklearnVersion::v1_2});
    model.fit(set.X_train, set.y_train);
    Eigen::MatrixXf proba = model.predict_proba(set.X_test);
    CHECK(max_abs_diff(proba, test::to_matrix(set.ref["test"]["predict_proba"])) < 1e-3);
    // In float, the summed loss of v1_2 (about 65 here) is resolved to about 1e-5, so the line
    // search may run out of room before max |gradient| <= tol; the fit has then reached the
    // optimum to float precision.
    auto exact = set.pipeline<double>({.match_sklearn = SklearnVersion::v1_2});
    exact.fit(set.X_train, set.y_train);
    const auto& lr = model.final_step();
    INFO(to_string(lr.stop_reason()) << " after " << lr.n_iter() << " iterations; objective " << lr.objective()
                                     << ", in double " << exact.final_step().objective());
    CHECK((lr.converged() || lr.stop_reason() == optim::StopReason::line_search_failed));
    CHECK(std::abs(lr.objective() - exact.final_step().objective()) <= 2e-6 * exact.final_step().objective());
}

TEST_CASE("predict_proba rows sum to one and agree with predict", "[logistic_regression]") {
    ReferenceSet set("iris");
    auto model = set.pipeline();
    model.fit(set.X_train, set.y_train);
    Eigen::MatrixXd proba = model.predict_proba(set.X_test);
    Labels labels = model.predict(set.X_test);
    for (Eigen::Index i = 0; i < proba.rows(); ++i) {
        CHECK(proba.row(i).sum() == Approx(1.0).epsilon(1e-12));
        Eigen::Index best = 0;
        proba.row(i).maxCoeff(&best);
        CHECK(labels.codes()[static_cast<std::size_t>(i)] == best);
    }
    Eigen::MatrixXd log_proba = model.predict_log_proba(set.X_test);
    CHECK(max_abs_diff(log_proba.array().exp().matrix(), proba) < 1e-12);
}

TEST_CASE("positive_proba_in_place gives predict_proba's second column to the bit", "[logistic_regression]") {
    ReferenceSet set("penguins");
    auto model = set.pipeline();
    model.fit(set.X_train, set.y_train);
    const auto& lr = model.final_step();
    Eigen::MatrixXd scores = model.decision_function(set.X_test);
    REQUIRE(scores.cols() == 1);
    const Eigen::MatrixXd proba = model.predict_proba(set.X_test);
    lr.positive_proba_in_place(scores);
    CHECK((scores.col(0).array() == proba.col(1).array()).all());
    CHECK((1.0 - scores.col(0).array() == proba.col(0).array()).all());

    // Rows enough for blocks on two threads, and scores far out on both sides.
    const LogisticRegression two_threads({.n_jobs = 2});
    Eigen::MatrixXd many = Eigen::MatrixXd::Random(100'003, 1) * 40.0;
    many(0, 0) = 800.0;
    many(1, 0) = -800.0;
    const Eigen::MatrixXd expected = two_threads.proba_from_scores(many);
    two_threads.positive_proba_in_place(many);
    CHECK((many.col(0).array() == expected.col(1).array()).all());
    CHECK(many(0, 0) == 1.0);
    CHECK(many(1, 0) == 0.0);

    Eigen::MatrixXd multiclass = Eigen::MatrixXd::Zero(3, 3);
    CHECK_THROWS_WITH(lr.positive_proba_in_place(multiclass),
                      Catch::Contains("the scores have 3 columns; a binary model's have 1"));
}

TEST_CASE("numeric labels keep their numbers and sort numerically", "[logistic_regression]") {
    Frame X = test::toy_X();
    Frame y;
    y.add_numeric("label", {10, 2, 10, 2, 10, 10, 2, 2});
    OneHotEncoder encoder;
    LogisticRegression lr;
    lr.fit(encoder.fit_transform(X), y);
    REQUIRE(lr.classes().size() == 2);
    CHECK(lr.classes()[0] == Label(2.0));
    CHECK(lr.classes()[1] == Label(10.0));
    const Frame encoded = encoder.transform(X);
    Labels predicted = lr.predict(encoded);
    Eigen::MatrixXd scores = lr.decision_function(encoded);
    for (std::size_t i = 0; i < predicted.size(); ++i) {
        std::ostringstream text;
        text << predicted[i];
        CHECK(text.str() == (scores(static_cast<Eigen::Index>(i), 0) > 0 ? "10" : "2"));
        CHECK(predicted[i].number() == (scores(static_cast<Eigen::Index>(i), 0) > 0 ? 10.0 : 2.0));
    }
}

TEST_CASE("class_weight balanced equals the matching sample weights", "[logistic_regression]") {
    ReferenceSet set("penguins_species");
    auto balanced = set.pipeline({.class_weight = ClassWeight::balanced});
    balanced.fit(set.X_train, set.y_train);

    // n / (K * count_k) by hand, passed as sample weights.
    std::vector<Label> y = labels_of(set.y_train[0]);
    std::map<std::string, double> count;
    for (const auto& label : y) count[label.to_string()] += 1;
    std::vector<double> weights;
    for (const auto& label : y)
        weights.push_back(static_cast<double>(y.size()) / (3.0 * count[label.to_string()]));
    auto weighted = set.pipeline();
    weighted.fit(set.X_train, set.y_train, weights);

    CHECK(max_abs_diff(balanced.final_step().coef(), weighted.final_step().coef()) < 1e-12);
    auto unweighted = set.pipeline();
    unweighted.fit(set.X_train, set.y_train);
    CHECK(max_abs_diff(balanced.final_step().coef(), unweighted.final_step().coef()) > 1e-3);
}

TEST_CASE("integer sample weights equal repeated rows", "[logistic_regression]") {
    Frame X = test::toy_X(), y = test::toy_y();
    std::vector<double> weights = {1, 2, 1, 1, 3, 1, 1, 2};
    Frame X_rep, y_rep;
    {
        std::vector<std::string> color, label;
        std::vector<double> size, weight;
        for (std::size_t i = 0; i < X.rows(); ++i)
            for (int r = 0; r < static_cast<int>(weights[i]); ++r) {
                color.push_back(X.column("color").dictionary()[static_cast<std::size_t>(X.column("color").codes()[i])]);
                size.push_back(X.column("size").values()[i]);
                weight.push_back(X.column("weight").values()[i]);
                label.push_back(y[0].dictionary()[static_cast<std::size_t>(y[0].codes()[i])]);
            }
        X_rep.add_categorical("color", color).add_numeric("size", size).add_numeric("weight", weight);
        y_rep.add_categorical("label", label);
    }
    using Model = Pipeline<OneHotEncoder, LogisticRegression>;
    Model a{OneHotEncoder{}, LogisticRegression{{.tol = 1e-10}}};
    Model b{OneHotEncoder{}, LogisticRegression{{.tol = 1e-10}}};
    a.fit(X, y, weights);
    b.fit(X_rep, y_rep);
    CHECK(max_abs_diff(a.final_step().coef(), b.final_step().coef()) < 1e-6);
}

TEST_CASE("penalty none and no intercept", "[logistic_regression]") {
    ReferenceSet set("penguins");
    auto l2 = set.pipeline();
    auto none = set.pipeline({.max_iter = 1000, .penalty = Penalty::none});
    l2.fit(set.X_train, set.y_train);
    none.fit(set.X_train, set.y_train);
    // Without the penalty the weights grow.
    CHECK(none.final_step().coef().norm() > l2.final_step().coef().norm());

    auto no_intercept = set.pipeline({.fit_intercept = false});
    no_intercept.fit(set.X_train, set.y_train);
    CHECK(no_intercept.final_step().intercept()[0] == 0.0);
}

TEST_CASE("not converging keeps the last iterate and says so", "[logistic_regression]") {
    ReferenceSet set("penguins");
    auto model = set.pipeline({.max_iter = 3});
    model.fit(set.X_train, set.y_train);
    const auto& lr = model.final_step();
    CHECK_FALSE(lr.converged());
    CHECK(lr.n_iter() == 3);
    CHECK(lr.stop_reason() == optim::StopReason::max_iterations);
    CHECK(lr.history().size() == 3);
    CHECK(model.predict(set.X_test).size() == set.X_test.rows());
}

TEST_CASE("the progress callback sees every iteration", "[logistic_regression]") {
    ReferenceSet set("penguins");
    auto model = set.pipeline({.match_sklearn = SklearnVersion::v1_2});
    std::vector<double> losses;
    model.step<LogisticRegression>().set_progress_callback(
        [&](const optim::IterationReport& r) { losses.push_back(r.objective); });
    model.fit(set.X_train, set.y_train);
    REQUIRE(static_cast<int>(losses.size()) == model.final_step().n_iter());
    for (std::size_t i = 1; i < losses.size(); ++i) CHECK(losses[i] <= losses[i - 1]);
}

TEST_CASE("bad input to LogisticRegression gives clear errors", "[logistic_regression][errors]") {
    Frame X = OneHotEncoder{}.fit_transform(test::toy_X());
    Frame y = test::toy_y();
    LogisticRegression lr;

    CHECK_THROWS_AS(lr.predict(X), not_fitted_error);
    CHECK_THROWS_WITH(lr.predict_proba(X), Catch::Contains("not fitted"));
    CHECK_THROWS_AS(lr.coef(), not_fitted_error);

    Frame one_class;
    one_class.add_categorical("label", std::vector<std::string>(8, "yes"));
    CHECK_THROWS_WITH(lr.fit(X, one_class), Catch::Contains("single class") && Catch::Contains("yes"));

    Frame short_y;
    short_y.add_categorical("label", std::vector<std::string>{"a", "b"});
    CHECK_THROWS_WITH(lr.fit(X, short_y), Catch::Contains("8 rows") && Catch::Contains("2"));

    CHECK_THROWS_WITH(lr.fit(Frame{}, Frame{}), Catch::Contains("y must have exactly one column"));
    Frame empty_X, empty_y;
    empty_X.add_numeric("a", {});
    empty_y.add_numeric("y", {});
    CHECK_THROWS_WITH(lr.fit(empty_X, empty_y), Catch::Contains("no rows"));

    Frame with_nan = X;
    auto values = std::vector<double>(with_nan.column("size").values().begin(), with_nan.column("size").values().end());
    values[3] = std::nan("");
    with_nan.replace(*with_nan.find("size"), Column::numeric("size", values));
    CHECK_THROWS_WITH(lr.fit(with_nan, y), Catch::Contains("'size'") && Catch::Contains("row 3"));
    values[3] = 1.0;
    values[5] = -std::numeric_limits<double>::infinity();
    Frame with_inf = X;
    with_inf.replace(*with_inf.find("size"), Column::numeric("size", values));
    CHECK_THROWS_WITH(lr.fit(with_inf, y), Catch::Contains("'size'") && Catch::Contains("infinite") &&
                                               Catch::Contains("row 5"));

    CHECK_THROWS_WITH(lr.fit(test::toy_X(), y), Catch::Contains("'color'") && Catch::Contains("categorical"));

    CHECK_THROWS_AS(LogisticRegression({.C = 0}), parameter_error);
    CHECK_THROWS_AS(LogisticRegression({.C = 1e-320}), parameter_error);          // 1/C overflows
    CHECK_THROWS_AS(BasicLogisticRegression<float>({.C = 1e-39}), parameter_error);  // in float
    CHECK_THROWS_AS(LogisticRegression({.C = -1}), parameter_error);
    CHECK_THROWS_AS(LogisticRegression({.max_iter = 0}), parameter_error);
    CHECK_THROWS_AS(LogisticRegression({.tol = -1}), parameter_error);

    std::vector<double> bad_weights(8, 1.0);
    bad_weights[2] = -1;
    CHECK_THROWS_WITH(lr.fit(X, y, bad_weights), Catch::Contains("sample_weight[2]"));
    CHECK_THROWS_WITH(lr.fit(X, y, std::vector<double>(3, 1.0)), Catch::Contains("sample_weight has 3"));

    lr.fit(X, y);
    Frame fewer = X;
    Frame without_weight;
    for (const auto& c : X)
        if (c.name() != "weight") without_weight.add(c);
    CHECK_THROWS_WITH(lr.predict(without_weight), Catch::Contains("missing column(s) 'weight'"));
    Frame extra = X;
    extra.add_numeric("surprise", std::vector<double>(8, 0.0));
    CHECK_THROWS_WITH(lr.predict(extra), Catch::Contains("unexpected column(s) 'surprise'"));
    // All errors share one base type.
    CHECK_THROWS_AS(lr.predict(extra), mlpipe::error);
}
