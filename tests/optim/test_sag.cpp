// SAG and SAGA: the optimum of scikit-learn 1.2.1 (l2, l1, elasticnet) on the reference
// sets, its predictions at the default tol, reproducible draws, stopping, float, errors.
// scikit-learn draws its rows with its own generator, so only where its fits end up can be
// compared, never the path (n_iter differs).

#include "../support/datasets.hpp"

#include <mlpipe/linear_model/design.hpp>
#include <mlpipe/linear_model/linear_loss.hpp>
#include <mlpipe/linear_model/solve.hpp>
#include <mlpipe/optim/newton_cholesky.hpp>
#include <mlpipe/optim/sag.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace mlpipe;
using test::max_abs_diff;
using test::ReferenceSet;
using test::sklearn_fit;

namespace {

LogisticRegression::Options tight(Solver solver) { return {.max_iter = 100000, .tol = 1e-10, .solver = solver}; }

// The fraction of rows whose label (as text) equals the reference's.
double accuracy(const Labels& predicted, const Frame& truth) {
    const auto& column = truth[0];
    const auto codes = column.codes();
    std::size_t right = 0;
    for (std::size_t i = 0; i < predicted.size(); ++i)
        right += predicted[i].to_string() == column.dictionary()[static_cast<std::size_t>(codes[i])];
    return static_cast<double>(right) / static_cast<double>(predicted.size());
}

// SAG and SAGA as the brief of sag.hpp states them, one step at a time and every weight at
// every step (O(n_features K) a step), with the same draws: the reference for the lazy
// updates of optim::SAG, which must agree to rounding.
template <class Loss>
Eigen::VectorXd plain_sag(const Loss& loss, bool saga, double l1, std::uint64_t seed, int epochs) {
    const auto& design = loss.design();
    const Eigen::Index n = design.rows(), p = design.n_features(), k = loss.n_outputs();
    Eigen::MatrixXd W = Eigen::MatrixXd::Zero(p, k), sum_gradient = Eigen::MatrixXd::Zero(p, k);
    Eigen::MatrixXd memory = Eigen::MatrixXd::Zero(n, k);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(k), intercept_sum = Eigen::VectorXd::Zero(k);
    std::vector<bool> seen(static_cast<std::size_t>(n));
    int num_seen = 0;
    const double alpha = loss.l2() / static_cast<double>(n), beta = l1 / static_cast<double>(n);
    const double L =
        0.25 * (design.max_row_squared_norm() + (loss.fit_intercept() ? 1 : 0)) * loss.sample_weights().maxCoeff() +
        alpha;
    const double step = saga ? 1 / (2 * L + std::min(2 * static_cast<double>(n) * alpha, L)) : 1 / L;
    std::mt19937_64 engine(seed);
    const auto rows = static_cast<std::uint64_t>(n);
    const std::uint64_t reject_below = (std::numeric_limits<std::uint64_t>::max() - rows + 1) % rows;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        for (Eigen::Index t = 0; t < n; ++t) {
            std::uint64_t r = engine();
            while (r < reject_below) r = engine();
            const auto i = static_cast<Eigen::Index>(r % rows);
            if (!seen[static_cast<std::size_t>(i)]) {
                seen[static_cast<std::size_t>(i)] = true;
                ++num_seen;
            }
            Eigen::VectorXd xi = Eigen::VectorXd::Zero(p);
            design.for_each_nonzero(i, [&](Eigen::Index j, double v) { xi[j] += v; });
            Eigen::VectorXd z = W.transpose() * xi;
            if (loss.fit_intercept()) z += b;
            Eigen::VectorXd g(k);
            Loss::base_loss::loss_gradient(z.data(), k, loss.targets()[static_cast<std::size_t>(i)],
                                           loss.sample_weights()[i], g.data());
            const Eigen::VectorXd delta = g - memory.row(i).transpose();
            memory.row(i) = g.transpose();
            sum_gradient += xi * delta.transpose();
            W *= 1 - step * alpha;
            if (saga) W -= step * (1 - 1.0 / num_seen) * xi * delta.transpose();
            W -= step * sum_gradient / num_seen;
            const double threshold = step * beta;
            if (beta > 0)
                W = W.unaryExpr([&](double w) {
                    return w > threshold ? w - threshold : w < -threshold ? w + threshold : 0.0;
                });
            if (loss.fit_intercept()) {
                intercept_sum += delta;
                b -= step * intercept_sum / num_seen;
                if (saga) b -= step * (1 - 1.0 / num_seen) * delta;
            }
        }
    }
    Eigen::VectorXd x(p * k + k);
    x.head(p * k) = Eigen::Map<const Eigen::VectorXd>(W.data(), p * k);
    x.tail(k) = b;
    return x;
}

}  // namespace

TEST_CASE("SAG's lazy updates follow the plain algorithm step for step", "[sag]") {
    // Uneven weights, a strong l2 (its scale factor underflows and is folded in mid-epoch),
    // l1 alone and with l2, with and without intercept; binary and multinomial.
    struct Case {
        double l2, l1;
        bool saga, fit_intercept;
    };
    const std::vector<Case> cases{{1, 0, false, true},     {1, 0, true, true},    {0, 2, true, true},
                                  {1, 1, true, true},      {1e4, 0, false, true}, {1e4, 3, true, true},
                                  {0.5, 0.5, true, false}, {0, 0, false, true},   {0, 40, true, true}};
    for (const char* name : {"penguins", "penguins_species"}) {
        ReferenceSet set(name);
        Pipeline<OneHotEncoder, StandardScaler> prepare{
            OneHotEncoder{{.columns = set.categorical, .handle_unknown = HandleUnknown::ignore}},
            StandardScaler{{.columns = set.numeric}}};
        const auto design = Design<double>::build(prepare.fit_transform(set.X_train), "test");
        const auto& labels = set.y_train[0];
        const std::vector<std::int32_t> y(labels.codes().begin(), labels.codes().end());
        const auto classes = static_cast<Eigen::Index>(labels.dictionary().size());
        const Eigen::Index k = classes == 2 ? 1 : classes;
        Eigen::VectorXd weights = Eigen::VectorXd::Ones(design.rows());
        for (Eigen::Index i = 0; i < weights.size(); i += 3) weights[i] = 1.7;
        for (const auto& c : cases) {
            INFO(name << ": l2 " << c.l2 << ", l1 " << c.l1 << (c.saga ? ", saga" : ", sag")
                      << (c.fit_intercept ? "" : ", no intercept"));
            auto check = [&](auto base_loss) {
                const LinearLoss<Design<double>, decltype(base_loss)> loss(design, y, weights, k, c.l2, 1.0,
                                                                           c.fit_intercept);
                const int epochs = 3;
                Eigen::VectorXd x = Eigen::VectorXd::Zero(loss.n_parameters());
                const auto result =
                    optim::SAG<double>({.max_iter = epochs, .tol = 0, .saga = c.saga, .l1 = c.l1, .random_state = 7})
                        .minimize(loss, x);
                CHECK(result.n_iter == epochs);
                const Eigen::VectorXd expected = plain_sag(loss, c.saga, c.l1, 7, epochs);
                CHECK(max_abs_diff(x, expected) < 1e-10 * std::max(1.0, expected.cwiseAbs().maxCoeff()));
                CHECK((x.array() == 0).count() == (expected.array() == 0).count());  // the same exact zeros
            };
            if (k == 1)
                check(BinomialLoss{});
            else
                check(MultinomialLoss{});
        }
    }
}

TEST_CASE("sag and saga reach scikit-learn's l2 optimum at tol 1e-10", "[sag][parity]") {
    for (const char* name : {"penguins", "iris", "penguins_species"}) {
        for (Solver solver : {Solver::sag, Solver::saga}) {
            DYNAMIC_SECTION(name << " " << to_string(solver)) {
                ReferenceSet set(name);
                const auto fit = sklearn_fit(name, to_string(solver), 1e-10);
                auto model = set.pipeline(tight(solver));
                model.fit(set.X_train, set.y_train);
                const auto& lr = model.final_step();
                CHECK(lr.converged());
                CHECK(lr.stop_reason() == optim::StopReason::weight_change);
                CHECK(lr.n_iter() < 2000);  // scikit-learn: 61 to 431 epochs
                const Eigen::MatrixXd proba = model.predict_proba(set.X_test);
                CHECK(max_abs_diff(proba, test::to_matrix(set.ref["tight"]["test_predict_proba"])) < 1e-5);
                CHECK(max_abs_diff(proba, test::to_matrix(fit["test_predict_proba"])) < 1e-5);
                CHECK(max_abs_diff(lr.coef(), test::to_matrix(fit["coef"])) < 1e-5);
                CHECK(max_abs_diff(lr.intercept(), test::to_vector(fit["intercept"])) < 1e-5);
                // At the optimum the gradient of the (averaged) objective vanishes.
                CHECK(lr.history().back().gradient_max < 1e-6);
            }
        }
    }
}

TEST_CASE("saga reaches scikit-learn's l1 and elasticnet optimum, with its exact zeros", "[sag][parity]") {
    for (const char* name : {"penguins", "iris", "penguins_species"}) {
        for (Penalty penalty : {Penalty::l1, Penalty::elasticnet}) {
            DYNAMIC_SECTION(name << " " << to_string(penalty)) {
                ReferenceSet set(name);
                const auto fit = sklearn_fit(name, "saga", 1e-10, to_string(penalty));
                LogisticRegression::Options options = tight(Solver::saga);
                options.C = 0.5;
                options.penalty = penalty;
                if (penalty == Penalty::elasticnet) options.l1_ratio = 0.5;
                auto model = set.pipeline(options);
                model.fit(set.X_train, set.y_train);
                const auto& lr = model.final_step();
                CHECK(lr.converged());
                CHECK(max_abs_diff(model.predict_proba(set.X_test), test::to_matrix(fit["test_predict_proba"])) < 1e-5);
                const Eigen::MatrixXd reference = test::to_matrix(fit["coef"]);
                REQUIRE(lr.coef().rows() == reference.rows());
                REQUIRE(lr.coef().cols() == reference.cols());
                // penguins_species: the one-hot blocks sum to the (unpenalised) intercept column, and
                // with three classes the l1 objective is nearly flat along some coefficient
                // directions: scikit-learn took 1490 epochs, and both fits stop on the same rule
                // within 6e-4 of each other there while the probabilities agree to 1e-5.
                const double coef_tolerance = std::string(name) == "penguins_species" ? 1e-3 : 1e-5;
                CHECK(max_abs_diff(lr.coef(), reference) < coef_tolerance);
                // The soft threshold leaves exact zeros where scikit-learn has them, and only there.
                int zeros = 0;
                for (Eigen::Index r = 0; r < reference.rows(); ++r) {
                    for (Eigen::Index c = 0; c < reference.cols(); ++c) {
                        INFO("coef(" << r << ", " << c << ") = " << lr.coef()(r, c) << ", scikit-learn "
                                     << reference(r, c));
                        if (std::abs(reference(r, c)) < 1e-8) {
                            CHECK(lr.coef()(r, c) == 0.0);
                            ++zeros;
                        } else {
                            CHECK(lr.coef()(r, c) != 0.0);
                        }
                    }
                }
                if (penalty == Penalty::l1) CHECK(zeros >= 4);  // the check above has zeros to look at
                // The minimum-norm subgradient (the l1 term absorbs the gradient at a zero weight)
                // vanishes at the optimum; the plain gradient would not, where weights are zero.
                CHECK(lr.history().back().gradient_max < 1e-6);
            }
        }
    }
}

TEST_CASE("the objective saga reports includes the l1 term", "[sag]") {
    ReferenceSet set("penguins");
    auto model =
        set.pipeline({.C = 0.5, .max_iter = 100000, .tol = 1e-10, .solver = Solver::saga, .penalty = Penalty::l1});
    model.fit(set.X_train, set.y_train);
    const auto& lr = model.final_step();
    // Averaged over the (unit) weights: mean log loss + (1/C) ||W||_1 / n.
    const Eigen::MatrixXd proba = model.predict_proba(set.X_train);
    const auto& column = set.y_train[0];
    const auto codes = column.codes();
    double log_loss = 0;
    for (Eigen::Index i = 0; i < proba.rows(); ++i) {
        const std::string truth = column.dictionary()[static_cast<std::size_t>(codes[static_cast<std::size_t>(i)])];
        Eigen::Index c = 0;
        while (model.classes()[static_cast<std::size_t>(c)].to_string() != truth) ++c;
        log_loss -= std::log(proba(i, c));
    }
    const double n = static_cast<double>(proba.rows());
    const double expected = log_loss / n + 2.0 * lr.coef().cwiseAbs().sum() / n;
    CHECK(lr.objective() == Approx(expected).epsilon(1e-10));
    CHECK(lr.history().back().objective == lr.objective());
}

TEST_CASE("sag and saga at the default tol predict as scikit-learn's default fits", "[sag][parity]") {
    for (const char* name : {"penguins", "iris", "penguins_species"}) {
        for (Solver solver : {Solver::sag, Solver::saga}) {
            DYNAMIC_SECTION(name << " " << to_string(solver)) {
                ReferenceSet set(name);
                const auto fit = sklearn_fit(name, to_string(solver), 1e-4);
                auto model = set.pipeline({.solver = solver});  // tol 1e-4, max_iter 100
                model.fit(set.X_train, set.y_train);
                const auto& lr = model.final_step();
                CHECK(lr.converged());
                CHECK(lr.n_iter() < 100);
                const Labels predicted = model.predict(set.X_test);
                REQUIRE(predicted.size() == fit["test_predictions"].size());
                double sklearn_right = 0;
                const auto& column = set.y_test[0];
                for (std::size_t i = 0; i < predicted.size(); ++i) {
                    const std::string theirs = fit["test_predictions"][i].get<std::string>();
                    CHECK(predicted[i].to_string() == theirs);
                    sklearn_right += theirs == column.dictionary()[static_cast<std::size_t>(column.codes()[i])];
                }
                const double sklearn_accuracy = sklearn_right / static_cast<double>(predicted.size());
                CHECK(model.score(set.X_test, set.y_test) == Approx(sklearn_accuracy));
                CHECK(accuracy(predicted, set.y_test) == Approx(sklearn_accuracy));
                // Stopped early by design: near the optimum, not at it.
                CHECK(max_abs_diff(model.predict_proba(set.X_test), test::to_matrix(fit["test_predict_proba"])) < 1e-2);
            }
        }
    }
}

TEST_CASE("the same random_state gives the same model, another one the same optimum", "[sag]") {
    ReferenceSet set("iris");
    for (Solver solver : {Solver::sag, Solver::saga}) {
        DYNAMIC_SECTION(to_string(solver)) {
            LogisticRegression::Options options{.solver = solver, .random_state = 42};
            auto first = set.pipeline(options);
            auto second = set.pipeline(options);
            first.fit(set.X_train, set.y_train);
            second.fit(set.X_train, set.y_train);
            CHECK(first.final_step().coef() == second.final_step().coef());  // bit for bit
            CHECK(first.final_step().intercept() == second.final_step().intercept());
            CHECK(first.final_step().n_iter() == second.final_step().n_iter());

            options.random_state = 43;
            auto other = set.pipeline(options);
            other.fit(set.X_train, set.y_train);
            CHECK(other.final_step().coef() != first.final_step().coef());  // the seed decides the draws

            for (std::uint64_t seed : {std::uint64_t{1}, std::uint64_t{0xfeedbeefcafeULL}}) {
                INFO("random_state " << seed);
                LogisticRegression::Options precise = tight(solver);
                precise.random_state = seed;
                auto model = set.pipeline(precise);
                model.fit(set.X_train, set.y_train);
                CHECK(model.final_step().converged());
                CHECK(max_abs_diff(model.predict_proba(set.X_test),
                                   test::to_matrix(set.ref["tight"]["test_predict_proba"])) < 1e-5);
            }
        }
    }
}

TEST_CASE("sag and saga report every epoch, stop when told and at max_iter", "[sag]") {
    ReferenceSet set("penguins");
    for (Solver solver : {Solver::sag, Solver::saga}) {
        DYNAMIC_SECTION(to_string(solver)) {
            SECTION("the callback returns false after 2 epochs") {
                auto model = set.pipeline(tight(solver));
                int calls = 0;
                model.final_step().set_progress_callback([&](const optim::IterationReport&) { return ++calls < 2; });
                model.fit(set.X_train, set.y_train);
                const auto& lr = model.final_step();
                CHECK(calls == 2);
                CHECK(lr.n_iter() == 2);
                CHECK_FALSE(lr.converged());
                CHECK(lr.stop_reason() == optim::StopReason::cancelled);
                CHECK(lr.history().size() == 2);
            }
            SECTION("max_iter 1") {
                auto model = set.pipeline({.max_iter = 1, .tol = 1e-10, .solver = solver});
                model.fit(set.X_train, set.y_train);
                const auto& lr = model.final_step();
                CHECK(lr.n_iter() == 1);
                CHECK_FALSE(lr.converged());
                CHECK(lr.stop_reason() == optim::StopReason::max_iterations);
                CHECK(lr.history().size() == 1);
            }
            SECTION("the reports") {
                auto model = set.pipeline({.solver = solver});
                model.fit(set.X_train, set.y_train);
                const auto& history = model.final_step().history();
                REQUIRE(history.size() == static_cast<std::size_t>(model.final_step().n_iter()));
                REQUIRE(history.size() >= 2);
                // scikit-learn's step sizes: 1/L for sag, 1/(2L + min(2 n alpha, L)) for saga,
                // L = (max ||x_i||^2 + 1) / 4 + alpha, alpha = 1 / (C n).
                const double step = history.front().step;
                CHECK(step > 0);
                CHECK(step < (solver == Solver::sag ? 4.0 : 2.0));
                for (std::size_t i = 0; i < history.size(); ++i) {
                    CHECK(history[i].iteration == static_cast<int>(i) + 1);
                    CHECK(history[i].step == step);
                    CHECK(history[i].evaluations == static_cast<int>(i) + 1);  // one full pass per epoch
                    if (i > 0) CHECK(history[i].seconds >= history[i - 1].seconds);
                }
                CHECK(history.back().objective == Approx(model.final_step().objective()));
                CHECK(history.back().objective < history.front().objective);
            }
        }
    }
}

TEST_CASE("sag and saga reach the optimum of the other solvers with weights, without intercept or penalty", "[sag]") {
    // Uneven weights (up to 5, and balanced class weights) test the step size: scikit-learn's
    // ignores the weights and would be too long for them.
    ReferenceSet set("penguins_species");
    std::vector<double> weights(set.X_train.rows());
    for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = 1.0 + static_cast<double>(i % 5);
    struct Case {
        const char* what;
        LogisticRegression::Options options;
        bool weighted;
    };
    const std::vector<Case> cases{
        {"sample weights", {.C = 0.3}, true},
        {"balanced class weights", {.C = 0.3, .class_weight = ClassWeight::balanced}, false},
        {"no intercept", {.C = 2.0, .fit_intercept = false}, false},
        {"no penalty (penguins)", {.penalty = Penalty::none}, false},
    };
    for (const auto& c : cases) {
        for (Solver solver : {Solver::sag, Solver::saga}) {
            DYNAMIC_SECTION(c.what << " " << to_string(solver)) {
                const ReferenceSet data(c.options.penalty == Penalty::none ? "penguins" : "penguins_species");
                const std::span<const double> w =
                    c.weighted ? std::span<const double>(weights) : std::span<const double>();
                LogisticRegression::Options options = c.options;
                options.max_iter = 10000;
                options.tol = 1e-10;
                options.solver = Solver::newton_cholesky;
                auto reference = data.pipeline(options);
                reference.fit(data.X_train, data.y_train, w);
                options.solver = solver;
                auto model = data.pipeline(options);
                model.fit(data.X_train, data.y_train, w);
                CHECK(model.final_step().converged());
                CHECK(max_abs_diff(model.predict_proba(data.X_test), reference.predict_proba(data.X_test)) < 1e-6);
                // Without a penalty the one-hot blocks and the intercept are collinear: many
                // coefficients give the same probabilities, and only those are compared.
                if (c.options.penalty != Penalty::none)
                    CHECK(max_abs_diff(model.final_step().coef(), reference.final_step().coef()) < 1e-5);
                if (!c.options.fit_intercept) CHECK(model.final_step().intercept().isZero(0));
            }
        }
    }
}

TEST_CASE("float models fit with sag and saga", "[sag][float]") {
    ReferenceSet set("penguins");
    for (Solver solver : {Solver::sag, Solver::saga}) {
        INFO(to_string(solver));
        auto model = set.pipeline<float>({.max_iter = 1000, .tol = 1e-5, .solver = solver});
        model.fit(set.X_train, set.y_train);
        CHECK(model.final_step().converged());
        const Eigen::MatrixXf proba = model.predict_proba(set.X_test);
        CHECK(max_abs_diff(proba, test::to_matrix(set.ref["tight"]["test_predict_proba"])) < 1e-3);
    }
    const auto fit = sklearn_fit("penguins", "saga", 1e-10, "l1");
    auto l1 =
        set.pipeline<float>({.C = 0.5, .max_iter = 1000, .tol = 1e-5, .solver = Solver::saga, .penalty = Penalty::l1});
    l1.fit(set.X_train, set.y_train);
    CHECK(max_abs_diff(l1.predict_proba(set.X_test), test::to_matrix(fit["test_predict_proba"])) < 1e-3);
    const Eigen::MatrixXd reference = test::to_matrix(fit["coef"]);
    for (Eigen::Index j = 0; j < reference.cols(); ++j)
        if (reference(0, j) == 0) CHECK(l1.final_step().coef()(0, j) == 0.0f);
}

TEST_CASE("SAG on a LinearLoss: the optimum of newton-cholesky with weights and scale, and its errors", "[sag]") {
    // Two numeric columns, no encoder: the loss is built by hand as LogisticRegression does.
    Frame numeric;
    numeric.add_numeric("size", {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0});
    numeric.add_numeric("weight", {10.0, 8.0, 6.5, 7.0, 3.0, 2.5, 1.0, 0.5});
    const auto design = Design<double>::build(numeric, "test");
    const std::vector<std::int32_t> y{0, 0, 1, 0, 1, 1, 1, 0};
    Eigen::VectorXd weights(8);
    weights << 1, 2, 0.5, 1, 3, 1, 1, 2;
    using Loss = LinearLoss<Design<double>, BinomialLoss>;
    static_assert(optim::LinearFiniteSum<Loss>);
    static_assert(!optim::LinearFiniteSum<Eigen::VectorXd>);
    const Loss loss(design, y, weights, 1, 0.5, 1.0 / weights.sum(), true);

    Eigen::VectorXd exact = Eigen::VectorXd::Zero(loss.n_parameters());
    optim::NewtonCholesky<double>({.max_iter = 100, .tol = 1e-12}).minimize(loss, exact);
    Eigen::VectorXd x = Eigen::VectorXd::Zero(loss.n_parameters());
    const auto result = optim::SAG<double>({.max_iter = 100000, .tol = 1e-12, .random_state = 3}).minimize(loss, x);
    CHECK(result.converged);
    CHECK(result.reason == optim::StopReason::weight_change);
    CHECK(result.n_evaluations == 1);  // no callback: the final report only
    CHECK(max_abs_diff(x, exact) < 1e-6);  // 5e-8 here: unscaled features converge slowly
    CHECK(result.gradient_max < 1e-8);
    Eigen::VectorXd grad;
    CHECK(result.objective == Approx(loss(exact, grad)).epsilon(1e-12));

    Eigen::VectorXd wrong = Eigen::VectorXd::Zero(2);
    CHECK_THROWS_AS(optim::SAG<double>().minimize(loss, wrong), parameter_error);

    // A row whose squared norm overflows would give a step of 0 and a fit that never moves.
    Frame huge;
    huge.add_numeric("x", {1e200, -1e200, 1e200, -1e200, 1, 2, 3, 4});
    const auto huge_design = Design<double>::build(huge, "test");
    const Loss huge_loss(huge_design, y, weights, 1, 0.5, 1.0, true);
    Eigen::VectorXd start = Eigen::VectorXd::Zero(huge_loss.n_parameters());
    CHECK_THROWS_WITH(optim::SAG<double>().minimize(huge_loss, start), Catch::Contains("overflows"));
}

TEST_CASE("SAG refuses bad options", "[sag][errors]") {
    using Options = optim::SAG<double>::Options;
    CHECK_THROWS_AS(optim::SAG<double>(Options{.max_iter = 0}), parameter_error);
    CHECK_THROWS_AS(optim::SAG<double>(Options{.tol = -1}), parameter_error);
    CHECK_THROWS_AS(optim::SAG<double>(Options{.tol = std::numeric_limits<double>::quiet_NaN()}), parameter_error);
    CHECK_THROWS_AS(optim::SAG<double>(Options{.saga = true, .l1 = -0.1}), parameter_error);
    CHECK_THROWS_AS(optim::SAG<double>(Options{.saga = true, .l1 = std::numeric_limits<double>::infinity()}),
                    parameter_error);
    CHECK_THROWS_WITH(optim::SAG<double>(Options{.saga = false, .l1 = 0.5}), Catch::Contains("needs saga"));
    CHECK_NOTHROW(optim::SAG<double>(Options{.saga = true, .l1 = 0.5}));
    CHECK_NOTHROW(optim::SAG<float>(optim::SAG<float>::Options{.tol = 0}));
    // Through LogisticRegression, l1 without saga is refused by name before any fit.
    CHECK_THROWS_WITH(LogisticRegression({.solver = Solver::sag, .penalty = Penalty::l1}),
                      Catch::Contains("penalty l1 needs solver saga"));
}
