// The solvers behind LogisticRegression (lbfgs, newton-cg, newton-cholesky; sag and saga
// have their own file in tests/optim): parity with scikit-learn 1.2.1, the exact optimum,
// stopping, and the solver/penalty combinations scikit-learn refuses.

#include "../support/datasets.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <stop_token>
#include <string>

using namespace mlpipe;
using test::max_abs_diff;
using test::ReferenceSet;
using test::sklearn_fit;

namespace {

const std::vector<Solver> smooth_solvers{Solver::lbfgs, Solver::newton_cg, Solver::newton_cholesky};

}  // namespace

TEST_CASE("newton-cg and newton-cholesky reproduce scikit-learn 1.2.1 with match_sklearn = v1_2",
          "[solvers][parity]") {
    // newton-cholesky is binary only in 1.2.1, so its reference is penguins alone.
    const std::vector<std::pair<std::string, Solver>> cases{{"penguins", Solver::newton_cg},
                                                            {"iris", Solver::newton_cg},
                                                            {"penguins_species", Solver::newton_cg},
                                                            {"penguins", Solver::newton_cholesky}};
    for (const auto& [name, solver] : cases) {
        DYNAMIC_SECTION(name << " " << to_string(solver)) {
            ReferenceSet set(name);
            const auto fit = sklearn_fit(name, to_string(solver), 1e-4);
            auto model = set.pipeline({.match_sklearn = SklearnVersion::v1_2, .solver = solver});
            model.fit(set.X_train, set.y_train);
            const auto& lr = model.final_step();
            CHECK(lr.n_iter() == fit["n_iter"].get<int>());
            CHECK(lr.converged());
            CHECK(max_abs_diff(model.predict_proba(set.X_test), test::to_matrix(fit["test_predict_proba"])) < 1e-6);
            CHECK(max_abs_diff(lr.coef(), test::to_matrix(fit["coef"])) < 1e-6);
            const Labels predicted = model.predict(set.X_test);
            for (std::size_t i = 0; i < predicted.size(); ++i)
                CHECK(predicted[i].to_string() == fit["test_predictions"][i].get<std::string>());
        }
    }
}

TEST_CASE("every smooth solver reaches the exact optimum at tol 1e-10", "[solvers][parity]") {
    for (const char* name : {"penguins", "iris", "penguins_species"}) {
        for (Solver solver : smooth_solvers) {
            DYNAMIC_SECTION(name << " " << to_string(solver)) {
                ReferenceSet set(name);
                auto model = set.pipeline({.max_iter = 10000, .tol = 1e-10, .solver = solver});
                model.fit(set.X_train, set.y_train);
                const auto& lr = model.final_step();
                const auto& tight = set.ref["tight"];
                CHECK(max_abs_diff(model.predict_proba(set.X_test), test::to_matrix(tight["test_predict_proba"])) <
                      1e-5);
                CHECK(max_abs_diff(lr.coef(), test::to_matrix(tight["coef_"])) < 1e-5);
                CHECK(lr.converged());
            }
        }
    }
}

TEST_CASE("the smooth solvers agree with each other without a penalty and with class weights", "[solvers]") {
    // No penalty on penguins (not separable: a finite optimum); l2 with balanced class
    // weights on penguins_species (multinomial with one-hot columns).
    const std::vector<std::pair<std::string, LogisticRegression::Options>> cases{
        {"penguins", {.max_iter = 10000, .tol = 1e-10, .penalty = Penalty::none}},
        {"penguins_species", {.C = 0.3, .max_iter = 10000, .tol = 1e-10, .class_weight = ClassWeight::balanced}},
        {"iris", {.C = 0.3, .max_iter = 10000, .tol = 1e-10, .fit_intercept = false}}};
    for (const auto& [name, base] : cases) {
        ReferenceSet set(name);
        auto reference = set.pipeline(base);
        reference.fit(set.X_train, set.y_train);
        for (Solver solver : {Solver::newton_cg, Solver::newton_cholesky}) {
            INFO(name << " " << to_string(solver));
            LogisticRegression::Options options = base;
            options.solver = solver;
            auto model = set.pipeline(options);
            model.fit(set.X_train, set.y_train);
            CHECK(model.final_step().converged());
            CHECK(max_abs_diff(model.predict_proba(set.X_test), reference.predict_proba(set.X_test)) < 1e-6);
            if (!options.fit_intercept) CHECK(model.final_step().intercept().isZero());
        }
    }
}

TEST_CASE("float models fit with every smooth solver", "[solvers]") {
    ReferenceSet set("penguins");
    for (Solver solver : smooth_solvers) {
        INFO(to_string(solver));
        auto model = set.pipeline<float>({.max_iter = 1000, .tol = 1e-5, .solver = solver});
        model.fit(set.X_train, set.y_train);
        const auto& tight = set.ref["tight"];
        CHECK(max_abs_diff(model.predict_proba(set.X_test).cast<double>(), test::to_matrix(tight["test_predict_proba"])) <
              1e-3);
        CHECK(model.final_step().converged());
    }
}

TEST_CASE("an empty std::function or null pointer as progress callback is no callback", "[solvers]") {
    ReferenceSet set("penguins");
    auto model = set.pipeline({.solver = Solver::newton_cg});
    model.final_step().set_progress_callback(std::function<void(const optim::IterationReport&)>{});
    CHECK_NOTHROW(model.fit(set.X_train, set.y_train));
    CHECK(model.final_step().converged());
    model.final_step().set_progress_callback(std::function<bool(const optim::IterationReport&)>{});
    CHECK_NOTHROW(model.fit(set.X_train, set.y_train));
    void (*none)(const optim::IterationReport&) = nullptr;
    model.final_step().set_progress_callback(none);
    CHECK_NOTHROW(model.fit(set.X_train, set.y_train));
    CHECK(model.final_step().history().size() == static_cast<std::size_t>(model.final_step().n_iter()));
}

TEST_CASE("every solver reports its iterations and can be stopped", "[solvers]") {
    ReferenceSet set("iris");
    for (Solver solver : all_solvers) {
        DYNAMIC_SECTION(to_string(solver)) {
            SECTION("the callback returns false") {
                auto model = set.pipeline({.max_iter = 1000, .tol = 1e-10, .solver = solver});
                int calls = 0;
                model.final_step().set_progress_callback([&](const optim::IterationReport&) { return ++calls < 2; });
                model.fit(set.X_train, set.y_train);
                const auto& lr = model.final_step();
                CHECK(calls == 2);
                CHECK(lr.n_iter() == 2);
                CHECK_FALSE(lr.converged());
                CHECK(lr.stop_reason() == optim::StopReason::cancelled);
                CHECK(lr.history().size() == 2);
                CHECK(model.predict(set.X_test).size() == set.X_test.rows());  // the last iterate is kept
            }
            SECTION("a stop token") {
                auto model = set.pipeline({.max_iter = 1000, .tol = 1e-10, .solver = solver});
                std::stop_source source;
                model.final_step().set_stop_token(source.get_token());
                model.final_step().set_progress_callback([&](const optim::IterationReport&) { source.request_stop(); });
                model.fit(set.X_train, set.y_train);
                CHECK(model.final_step().n_iter() == 1);
                CHECK(model.final_step().stop_reason() == optim::StopReason::cancelled);
            }
            SECTION("the iteration limit") {
                auto model = set.pipeline({.max_iter = 1, .tol = 1e-10, .solver = solver});
                model.fit(set.X_train, set.y_train);
                const auto& lr = model.final_step();
                CHECK(lr.n_iter() == 1);
                CHECK_FALSE(lr.converged());
                CHECK(lr.stop_reason() == optim::StopReason::max_iterations);
            }
            SECTION("history: objective non-increasing for the line-search solvers, time non-decreasing") {
                auto model = set.pipeline({.max_iter = 200, .solver = solver});
                model.fit(set.X_train, set.y_train);
                const auto& history = model.final_step().history();
                REQUIRE(history.size() == static_cast<std::size_t>(model.final_step().n_iter()));
                for (std::size_t i = 1; i < history.size(); ++i) {
                    CHECK(history[i].iteration == history[i - 1].iteration + 1);
                    CHECK(history[i].seconds >= history[i - 1].seconds);
                    if (solver != Solver::sag && solver != Solver::saga)
                        CHECK(history[i].objective <= history[i - 1].objective);
                }
            }
        }
    }
}

TEST_CASE("combinations scikit-learn refuses are refused by name", "[solvers][errors]") {
    for (Solver solver : {Solver::lbfgs, Solver::newton_cg, Solver::newton_cholesky, Solver::sag}) {
        INFO(to_string(solver));
        CHECK_THROWS_WITH(LogisticRegression({.solver = solver, .penalty = Penalty::l1}),
                          Catch::Contains("penalty l1 needs solver saga"));
        CHECK_THROWS_WITH(LogisticRegression({.solver = solver, .penalty = Penalty::elasticnet, .l1_ratio = 0.5}),
                          Catch::Contains("penalty elasticnet needs solver saga"));
    }
    CHECK_THROWS_WITH(LogisticRegression({.solver = Solver::saga, .penalty = Penalty::elasticnet}),
                      Catch::Contains("elasticnet needs l1_ratio"));
    CHECK_THROWS_WITH(LogisticRegression({.solver = Solver::saga, .penalty = Penalty::elasticnet, .l1_ratio = 1.5}),
                      Catch::Contains("l1_ratio must be in [0, 1]"));
    CHECK_THROWS_AS(LogisticRegression({.solver = Solver::saga, .penalty = Penalty::l1, .l1_ratio = -0.1}),
                    parameter_error);
    CHECK_THROWS_WITH(LogisticRegression({.solver = static_cast<Solver>(9)}),
                      Catch::Contains("solver") && Catch::Contains("lbfgs, newton-cg, newton-cholesky, sag, saga"));
    CHECK_THROWS_WITH(LogisticRegression({.penalty = static_cast<Penalty>(7)}),
                      Catch::Contains("penalty") && Catch::Contains("l2, none, l1, elasticnet"));
    CHECK_NOTHROW(LogisticRegression({.solver = Solver::saga, .penalty = Penalty::elasticnet, .l1_ratio = 0.0}));
    CHECK_NOTHROW(LogisticRegression({.solver = Solver::newton_cholesky, .penalty = Penalty::none}));
}

TEST_CASE("solver and penalty names follow scikit-learn", "[solvers]") {
    for (Solver solver : all_solvers) CHECK(solver_from_string(to_string(solver)) == solver);
    CHECK(solver_from_string("newton_cg") == Solver::newton_cg);
    CHECK_FALSE(solver_from_string("liblinear").has_value());
    for (Penalty penalty : all_penalties) CHECK(penalty_from_string(to_string(penalty)) == penalty);
    CHECK_FALSE(penalty_from_string("L1").has_value());
}
