// The parallel passes give the same bits whatever the thread count: the rows are cut into
// blocks by their number alone and the blocks' sums are added in block order.

#include "../support/datasets.hpp"
#include "../support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>
#include <mlpipe/linear_model/design.hpp>
#include <mlpipe/linear_model/linear_loss.hpp>

using namespace mlpipe;
using mlpipe::test::Synthetic;
using mlpipe::test::synthetic;
using mlpipe::test::synthetic_pipeline;

TEMPLATE_TEST_CASE("fit and predict give the same bits with 1, 2, 3 or 8 threads", "[parallel][solvers]", double,
                   float) {
    for (int classes : {2, 3}) {
        const Synthetic data = synthetic(20'000, classes, 7);  // ten blocks
        for (Solver solver : {Solver::lbfgs, Solver::newton_cg, Solver::newton_cholesky}) {
            INFO(classes << " classes, " << to_string(solver));
            typename BasicLogisticRegression<TestType>::Options options{.solver = solver};
            options.n_jobs = 1;
            auto single = synthetic_pipeline<TestType>(options);
            single.fit(data.X, data.y);
            REQUIRE(single.final_step().n_iter() > 2);
            const auto single_proba = single.predict_proba(data.X);
            for (int threads : {2, 3, 8}) {
                INFO(threads << " threads");
                options.n_jobs = threads;
                auto parallel = synthetic_pipeline<TestType>(options);
                parallel.fit(data.X, data.y);
                CHECK(parallel.final_step().n_iter() == single.final_step().n_iter());
                CHECK(parallel.final_step().coef() == single.final_step().coef());
                CHECK(parallel.final_step().intercept() == single.final_step().intercept());
                CHECK(parallel.predict_proba(data.X) == single_proba);
            }
        }
    }
}

TEST_CASE("predict_proba of many rows, in blocks on the pool: each row's probabilities from its scores alone",
          "[parallel]") {
    for (int classes : {2, 3}) {
        INFO(classes << " classes");
        const Synthetic data = synthetic(100'000, classes, 11);  // four blocks of probabilities, the last short
        LogisticRegression::Options options{.max_iter = 5};
        options.n_jobs = 1;
        auto single = synthetic_pipeline<double>(options);
        single.fit(data.X, data.y);
        const Eigen::MatrixXd scores = single.decision_function(data.X);
        const Eigen::MatrixXd proba = single.predict_proba(data.X);
        REQUIRE(proba.rows() == 100'000);
        REQUIRE(proba.cols() == classes);
        for (Eigen::Index i = 0; i < proba.rows(); ++i) {
            Eigen::RowVectorXd expected(classes);
            if (classes == 2) {
                const double p = detail::expit(scores(i, 0));
                expected << 1 - p, p;
            } else {
                expected = (scores.row(i).array() - scores.row(i).maxCoeff()).exp().matrix();
                expected /= expected.sum();
            }
            if (proba.row(i) != expected) FAIL("row " << i << ": " << proba.row(i) << " instead of " << expected);
        }
        options.n_jobs = 3;
        auto parallel = synthetic_pipeline<double>(options);
        parallel.fit(data.X, data.y);
        CHECK(parallel.predict_proba(data.X) == proba);
    }
}

TEST_CASE("float32 fits the model of float64 to within float rounding", "[parallel][float]") {
    const Synthetic data = synthetic(20'000, 2, 11);
    auto in_double = synthetic_pipeline<double>({.tol = 1e-6});
    auto in_float = synthetic_pipeline<float>({.tol = 1e-4});
    in_double.fit(data.X, data.y);
    in_float.fit(data.X, data.y);
    CHECK(test::max_abs_diff(in_float.predict_proba(data.X), in_double.predict_proba(data.X)) < 1e-3);
    CHECK(std::abs(in_float.final_step().objective() - in_double.final_step().objective()) <
          1e-5 * std::abs(in_double.final_step().objective()));
}

namespace {

// The binary fused pass against Z = X w + b, the per-row loss and X' r (the separate passes,
// which read the one-hot columns one at a time). Returns the fused loss. weights: null, every
// weight 1.
double check_fused_binary_pass(const Design<double>& design, const std::vector<std::int32_t>& y,
                               const double* weights, const Eigen::VectorXd& params) {
    const Eigen::Index p = design.n_features();
    Eigen::VectorXd fused_gradient;
    double intercept_gradient = 0;
    const double fused = design.binary_loss_gradient<BinomialLoss>(params.head(p), params[p], y.data(), weights,
                                                                   fused_gradient, intercept_gradient);
    Eigen::MatrixXd Z;
    design.decision(params.head(p), params.tail(1), Z);
    Eigen::MatrixXd R(Z.rows(), 1);
    double loss = 0;
    for (Eigen::Index i = 0; i < Z.rows(); ++i)
        loss += BinomialLoss::loss_gradient(&Z(i, 0), 1, y[static_cast<std::size_t>(i)], weights ? weights[i] : 1.0,
                                            &R(i, 0));
    Eigen::VectorXd gradient(p);
    design.transpose_times(R, gradient);
    CHECK(std::abs(fused - loss) < 1e-12 * std::abs(loss));
    CHECK(test::max_abs_diff(fused_gradient, gradient) < 1e-9);
    CHECK(std::abs(intercept_gradient - R.sum()) < 1e-9);
    return fused;
}

// The multinomial fused pass (K = W's columns) against Z = X W + 1 b', the per-row loss and X' R.
void check_fused_multinomial_pass(const Design<double>& design, const std::vector<std::int32_t>& y,
                                  const Eigen::VectorXd& weights, const Eigen::MatrixXd& W, const Eigen::RowVectorXd& b) {
    const Eigen::Index p = design.n_features(), k = W.cols();
    Eigen::MatrixXd fused_gradient;
    Eigen::RowVectorXd fused_intercept_gradient;
    const double fused = design.loss_gradient<MultinomialLoss>(W, b, y.data(), weights.data(), fused_gradient,
                                                               fused_intercept_gradient);
    Eigen::MatrixXd Z;
    design.decision(W, b, Z);
    Eigen::MatrixXd R(Z.rows(), k);
    double loss = 0;
    Eigen::VectorXd z(k), g(k);
    for (Eigen::Index i = 0; i < Z.rows(); ++i) {
        z = Z.row(i).transpose();
        loss += MultinomialLoss::loss_gradient(z.data(), k, y[static_cast<std::size_t>(i)], weights[i], g.data());
        R.row(i) = g.transpose();
    }
    Eigen::MatrixXd gradient(p, k);
    design.transpose_times(R, gradient);
    CHECK(std::abs(fused - loss) < 1e-12 * std::abs(loss));
    CHECK(test::max_abs_diff(fused_gradient, gradient) < 1e-9);
    CHECK(test::max_abs_diff(fused_intercept_gradient.transpose(), R.colwise().sum().transpose()) < 1e-9);
}

}  // namespace

TEST_CASE("the fused pass equals the separate passes on many blocks", "[parallel][linear_loss]") {
    const test::SyntheticDesign problem = test::synthetic_design(synthetic(10'000, 2, 3), 3);
    const Design<double>& design = problem.design;
    const std::vector<std::int32_t>& y = problem.y;  // 0 "no", 1 "yes"
    Eigen::VectorXd weights = Eigen::VectorXd::LinSpaced(static_cast<Eigen::Index>(y.size()), 0.5, 1.5);
    const Eigen::Index p = design.n_features();
    Eigen::VectorXd params = Eigen::VectorXd::LinSpaced(p + 1, -0.7, 0.9);
    const double fused = check_fused_binary_pass(design, y, weights.data(), params);

    // No weights (a null pointer, as LinearLoss passes for unit weights) are weights of 1: the
    // gradient to the bit, the loss to its last bits (it sums its logarithms eight rows at a time).
    const Eigen::VectorXd ones = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(y.size()));
    Eigen::VectorXd with_ones, without;
    double intercept_with_ones = 0, intercept_without = 0;
    const double loss_with_ones = design.binary_loss_gradient<BinomialLoss>(params.head(p), params[p], y.data(),
                                                                            ones.data(), with_ones, intercept_with_ones);
    const double loss_without = design.binary_loss_gradient<BinomialLoss>(params.head(p), params[p], y.data(), nullptr,
                                                                          without, intercept_without);
    CHECK(loss_without == Approx(loss_with_ones).epsilon(1e-15));
    CHECK(without == with_ones);
    CHECK(intercept_without == intercept_with_ones);
    CHECK(loss_without != fused);  // the weights above are not all 1: the check can fail
}

TEST_CASE("the fused multinomial pass equals the separate passes on many blocks", "[parallel][linear_loss]") {
    const test::SyntheticDesign problem = test::synthetic_design(synthetic(10'000, 3, 5), 3);
    const Eigen::VectorXd weights = Eigen::VectorXd::LinSpaced(static_cast<Eigen::Index>(problem.y.size()), 0.5, 1.5);
    const Eigen::Index p = problem.design.n_features();
    check_fused_multinomial_pass(problem.design, problem.y, weights, Eigen::MatrixXd::Random(p, 3),
                                 Eigen::RowVectorXd::Random(3));
}

TEST_CASE("the fused passes read narrow one-hot columns in pairs, to the same sums", "[parallel][linear_loss]") {
    // From Design::pair_min_rows rows on, the fused passes read neighbouring one-hot columns
    // with few categories as one column of pair codes. Here c0 and c1 pair, c2 and c3 are too
    // wide to pair (they are read as a group of two, as without pairs), and c4 pairs with c5;
    // the encoder meets unknown categories (no code) in every column. The fused passes must equal the separate passes, which read a column at
    // a time, to rounding.
    const std::size_t rows = 3 * Design<double>::pair_min_rows + 123;
    std::mt19937_64 random(17);
    std::vector<double> x(rows);
    std::vector<std::string> c[6];
    const std::size_t levels[6] = {10, 7, 40, 30, 20, 5};
    std::vector<std::int32_t> y(rows), y3(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        x[i] = static_cast<double>(random() % 1000) / 100;
        double score = 0.3 * (x[i] - 5);
        for (std::size_t k = 0; k < 6; ++k) {
            const std::size_t level = random() % (levels[k] + 1);  // level == levels[k]: unknown below
            c[k].push_back("v" + std::to_string(level));
            score += (level % 3 == 0 ? 0.4 : -0.2);
        }
        y[i] = score > 0 ? 1 : 0;
        y3[i] = static_cast<std::int32_t>(random() % 3);
    }
    Frame X;
    X.add_numeric("x", x);
    std::vector<std::string> names;
    for (std::size_t k = 0; k < 6; ++k) {
        names.push_back("c" + std::to_string(k));
        X.add_categorical(names.back(), c[k]);
    }
    // The encoder learns levels 0 .. levels[k] - 1 of each column; the last level is unknown.
    Frame fit_frame;
    {
        std::vector<double> fx;
        std::vector<std::string> fc[6];
        for (std::size_t l = 0; l < 40; ++l) {
            fx.push_back(static_cast<double>(l));
            for (std::size_t k = 0; k < 6; ++k) fc[k].push_back("v" + std::to_string(l % levels[k]));
        }
        fit_frame.add_numeric("x", fx);
        for (std::size_t k = 0; k < 6; ++k) fit_frame.add_categorical(names[k], fc[k]);
    }
    OneHotEncoder encoder{{.columns = names, .handle_unknown = HandleUnknown::ignore}};
    encoder.fit(fit_frame);
    const Frame encoded = encoder.transform(X);
    REQUIRE(encoded.column("c2").is_one_hot());
    Design<double> design = Design<double>::build(encoded, "test", {{"x", FeatureScaling{5.0, 2.5}}});
    const Eigen::Index p = design.n_features();
    REQUIRE(p == 1 + 10 + 7 + 40 + 30 + 20 + 5);
    REQUIRE(design.one_hot_pairs().empty());  // a prediction's design reads a column at a time
    design.pair_one_hot_columns();            // as LogisticRegression.fit does
    REQUIRE(design.one_hot_pairs() == std::vector<std::size_t>{0, 4});

    SECTION("binary") {
        check_fused_binary_pass(design, y, nullptr, Eigen::VectorXd::LinSpaced(p + 1, -0.9, 0.8));
    }
    SECTION("three classes") {
        const Eigen::VectorXd weights = Eigen::VectorXd::LinSpaced(static_cast<Eigen::Index>(rows), 0.5, 1.5);
        check_fused_multinomial_pass(design, y3, weights, Eigen::MatrixXd::Random(p, 3), Eigen::RowVectorXd::Random(3));
    }
}
