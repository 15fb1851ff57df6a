// train_test_split, KFold, StratifiedKFold and cross_val_score against scikit-learn 1.2.1
// (data/reference/model_selection.json, made by data/reference/make_model_selection.py):
// the same rows and folds for the same random_state, the same fold scores.

#include "../support/datasets.hpp"

#include <mlpipe/mlpipe.hpp>
#include <mlpipe/model_selection.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <set>
#include <string>
#include <vector>

using namespace mlpipe;

namespace {

nlohmann::json reference() {
    std::ifstream in(test::data_dir() / "reference" / "model_selection.json");
    return nlohmann::json::parse(in);
}

const std::vector<std::string> set_names = {"penguins", "iris", "penguins_species"};

KFoldOptions kfold_options(const nlohmann::json& entry) {
    KFoldOptions options{.n_splits = entry["n_splits"].get<std::size_t>(), .shuffle = entry["shuffle"].get<bool>()};
    if (!entry["random_state"].is_null()) options.random_state = entry["random_state"].get<std::uint32_t>();
    return options;
}

// The folds against sklearn's test folds; training rows are the rest, ascending.
void check_folds(const std::vector<Fold>& folds, const nlohmann::json& expected_tests, std::size_t n) {
    REQUIRE(folds.size() == expected_tests.size());
    for (std::size_t k = 0; k < folds.size(); ++k) {
        INFO("fold " << k);
        CHECK(folds[k].test == expected_tests[k].get<std::vector<std::size_t>>());
        std::vector<std::size_t> rest;
        for (std::size_t i = 0; i < n; ++i)
            if (!std::binary_search(folds[k].test.begin(), folds[k].test.end(), i)) rest.push_back(i);
        CHECK(folds[k].train == rest);
    }
}

}  // namespace

TEST_CASE("numpy's RandomState: the permutation scikit-learn draws", "[model_selection]") {
    // numpy.random.RandomState(0).permutation(10) and RandomState(42).permutation(5).
    CHECK(NumpyRandomState(0).permutation(10) == std::vector<std::size_t>{2, 8, 4, 9, 1, 6, 7, 3, 0, 5});
    CHECK(NumpyRandomState(42).permutation(5) == std::vector<std::size_t>{1, 4, 2, 0, 3});
    CHECK(NumpyRandomState(0).permutation(0).empty());
}

TEST_CASE("KFold and StratifiedKFold give scikit-learn's folds", "[model_selection][sklearn]") {
    const auto ref = reference();
    for (const auto& name : set_names) {
        INFO("set " << name);
        const auto& entry = ref["sets"][name];
        test::ReferenceSet set(name);
        const std::size_t n = entry["rows"].get<std::size_t>();
        REQUIRE(set.y_train.rows() == n);
        for (const auto& kfold : entry["kfold"]) {
            INFO("KFold n_splits " << kfold["n_splits"] << " shuffle " << kfold["shuffle"] << " random_state "
                                   << kfold["random_state"]);
            check_folds(KFold(kfold_options(kfold)).split(set.X_train), kfold["test_folds"], n);
        }
        for (const auto& stratified : entry["stratified_kfold"]) {
            INFO("StratifiedKFold n_splits " << stratified["n_splits"] << " shuffle " << stratified["shuffle"]
                                             << " random_state " << stratified["random_state"]);
            check_folds(StratifiedKFold(kfold_options(stratified)).split(set.y_train), stratified["test_folds"], n);
        }
    }
}

TEST_CASE("train_test_split gives scikit-learn's rows, stratified or not", "[model_selection][sklearn]") {
    const auto ref = reference();
    for (const auto& name : set_names) {
        INFO("set " << name);
        test::ReferenceSet set(name);
        for (const auto& split : ref["sets"][name]["train_test_split"]) {
            INFO("test_size " << split["test_size"] << " random_state " << split["random_state"] << " stratify "
                              << split["stratify"]);
            const SplitOptions options{.test_size = split["test_size"].get<double>(),
                                       .random_state = split["random_state"].get<std::uint32_t>(),
                                       .stratify = split["stratify"].get<bool>()};
            const SplitRows rows = train_test_split_rows(set.y_train[0], options);
            CHECK(rows.train == split["train"].get<std::vector<std::size_t>>());
            CHECK(rows.test == split["test"].get<std::vector<std::size_t>>());

            // The frames hold those rows.
            const auto parts = train_test_split(set.X_train, set.y_train, options);
            REQUIRE(parts.X_test.rows() == rows.test.size());
            REQUIRE(parts.y_train.rows() == rows.train.size());
            const std::string numeric = set.numeric.front();
            const auto labels = labels_of(set.y_train[0]);
            const auto train_labels = labels_of(parts.y_train[0]);
            for (std::size_t k = 0; k < rows.test.size(); ++k)
                CHECK(parts.X_test.column(numeric).value(k) == set.X_train.column(numeric).value(rows.test[k]));
            for (std::size_t k = 0; k < rows.train.size(); ++k) CHECK(train_labels[k] == labels[rows.train[k]]);
        }
    }
}

TEST_CASE("cross_val_score gives scikit-learn's fold scores", "[model_selection][sklearn][pipeline]") {
    const auto ref = reference();
    for (const auto& name : set_names) {
        INFO("set " << name);
        test::ReferenceSet set(name);
        const auto model = set.pipeline({.match_sklearn = SklearnVersion::v1_2});
        for (const auto& run : ref["sets"][name]["cross_val_score"]) {
            INFO("cv " << run["cv"]);
            const auto expected = run["scores"].get<std::vector<double>>();
            std::vector<double> scores;
            if (run["cv"] == "stratified5") scores = cross_val_score(model, set.X_train, set.y_train);
            else
                scores = cross_val_score(model, set.X_train, set.y_train,
                                         KFold({.n_splits = 5, .shuffle = true, .random_state = 0}).split(set.X_train));
            REQUIRE(scores.size() == expected.size());
            for (std::size_t k = 0; k < scores.size(); ++k) CHECK(scores[k] == Approx(expected[k]).epsilon(1e-12));
        }
    }
}

TEST_CASE("cross_val_score gives the same scores on one thread and on many", "[model_selection][parallel]") {
    test::ReferenceSet set("penguins_species");
    const auto model = set.pipeline();
    const auto folds = StratifiedKFold({.n_splits = 4, .shuffle = true, .random_state = 3}).split(set.y_train);
    const Scorer<decltype(model)> log_likelihood = [](const auto& fitted, const Frame& X, const Frame&) {
        return fitted.predict_proba(X).array().log().sum();  // a score that shows any change in the fit
    };
    const auto one = cross_val_score(model, set.X_train, set.y_train, folds, log_likelihood, {.n_jobs = 1});
    const auto all = cross_val_score(model, set.X_train, set.y_train, folds, log_likelihood, {.n_jobs = -1});
    CHECK(one == all);
    CHECK(std::set<double>(one.begin(), one.end()).size() == 4);
}

TEST_CASE("splitters refuse what scikit-learn refuses, naming it", "[model_selection][errors]") {
    test::ReferenceSet set("penguins");
    SECTION("KFold options and sizes") {
        CHECK_THROWS_AS(KFold({.n_splits = 1}), parameter_error);
        CHECK_THROWS_WITH(KFold({.n_splits = 3, .random_state = 1}), Catch::Contains("random_state"));
        CHECK_THROWS_WITH(KFold({.n_splits = 5}).split(3), Catch::Contains("3 rows"));
        CHECK_THROWS_AS(StratifiedKFold({.n_splits = 0}), parameter_error);
    }
    SECTION("StratifiedKFold: too few rows per class, a continuous target, a missing label") {
        Frame y;
        y.add_categorical("label", {"a", "a", "b", "b", "c", "c"});
        CHECK_THROWS_WITH(StratifiedKFold({.n_splits = 3}).split(y), Catch::Contains("n_splits = 3"));
        CHECK(StratifiedKFold({.n_splits = 2}).split(y).size() == 2);
        Frame continuous;
        continuous.add_numeric("price", {1.5, 2.0, 3.25, 4.0});
        CHECK_THROWS_WITH(StratifiedKFold({.n_splits = 2}).split(continuous), Catch::Contains("continuous"));
        Frame holes;
        holes.add_categorical("label", std::vector<std::optional<std::string>>{"a", std::nullopt, "a", "b"});
        CHECK_THROWS_WITH(StratifiedKFold({.n_splits = 2}).split(holes), Catch::Contains("missing"));
    }
    SECTION("train_test_split sizes and stratification") {
        CHECK_THROWS_WITH(train_test_split_rows(10, {.test_size = 1.5}), Catch::Contains("test_size"));
        CHECK_THROWS_WITH(train_test_split_rows(10, {.test_size = 10}), Catch::Contains("test_size"));
        CHECK_THROWS_WITH(train_test_split_rows(10, {.test_size = 0.6, .train_size = 0.5}), Catch::Contains("more than 1"));
        CHECK_THROWS_AS(train_test_split_rows(10, {.test_size = 6, .train_size = 5}), parameter_error);
        CHECK_THROWS_AS(train_test_split_rows(10, {.stratify = true}), parameter_error);
        Frame y;
        y.add_categorical("label", {"a", "a", "a", "b"});
        CHECK_THROWS_WITH(train_test_split_rows(y[0], {.test_size = 0.5, .random_state = 0, .stratify = true}),
                          Catch::Contains("class b") && Catch::Contains("only one row"));
        CHECK_THROWS_AS(train_test_split(set.X_train, set.X_train), data_error);  // y of six columns
    }
    SECTION("sizes as scikit-learn computes them") {
        const auto default_split = train_test_split_rows(10, {.random_state = 0});
        CHECK(default_split.test.size() == 3);  // ceil(0.25 * 10)
        CHECK(default_split.train.size() == 7);
        const auto train_only = train_test_split_rows(10, {.train_size = 0.55, .random_state = 0});
        CHECK(train_only.train.size() == 5);  // floor(0.55 * 10)
        CHECK(train_only.test.size() == 5);
        const auto in_order = train_test_split_rows(5, {.test_size = 2, .shuffle = false});
        CHECK(in_order.train == std::vector<std::size_t>{0, 1, 2});
        CHECK(in_order.test == std::vector<std::size_t>{3, 4});
    }
    SECTION("take_rows: a row past the end") {
        const std::vector<std::size_t> rows = {0, set.X_train.rows()};
        CHECK_THROWS_WITH(take_rows(set.X_train, rows), Catch::Contains("entry 1"));
    }
}
