// SimpleImputer against scikit-learn 1.2.1 (data/reference/penguins_impute/impute.json, made
// by data/reference/make_impute.py): statistics, transform output and the whole imputing
// pipeline's probabilities; then the errors, float32 storage and persistence.

#include "../support/datasets.hpp"

#include <mlpipe/mlpipe.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using namespace mlpipe;

namespace {

const auto impute_dir = [] { return test::data_dir() / "reference" / "penguins_impute"; };

nlohmann::json impute_reference() {
    std::ifstream in(impute_dir() / "impute.json");
    return nlohmann::json::parse(in);
}

// A column from JSON values: numbers (null = NaN) or strings (null = missing).
Column column_from_json(const std::string& name, const nlohmann::json& values, bool categorical) {
    if (!categorical) {
        std::vector<double> out;
        for (const auto& v : values)
            out.push_back(v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>());
        return Column::numeric(name, out);
    }
    std::vector<std::optional<std::string>> out;
    for (const auto& v : values) out.push_back(v.is_null() ? std::nullopt : std::optional(v.get<std::string>()));
    return Column::categorical(name, out);
}

// The hand-made columns; "word" and "none" (no value at all at fit) hold text.
Frame frame_from_json(const nlohmann::json& columns) {
    Frame X;
    for (const auto& [name, values] : columns.items())
        X.add(column_from_json(name, values, name == "word" || name == "none"));
    return X;
}

ImputeStrategy strategy_of(const std::string& name) {
    if (name == "mean") return ImputeStrategy::mean;
    if (name == "median") return ImputeStrategy::median;
    if (name == "most_frequent") return ImputeStrategy::most_frequent;
    return ImputeStrategy::constant;
}

SimpleImputer imputer_of(const nlohmann::json& run) {
    SimpleImputer::Options options{.columns = run["columns"].get<std::vector<std::string>>(),
                                   .strategy = strategy_of(run["strategy"]),
                                   .add_indicator = run["add_indicator"].get<bool>()};
    const auto& fill = run["fill_value"];
    if (fill.is_string()) options.fill_value = fill.get<std::string>();
    if (fill.is_number()) options.fill_value = detail::number_to_text(fill.get<double>());
    return SimpleImputer(options);
}

// The imputer of `run`, fitted on train, against sklearn's statistics and transform of test.
void check_run(const nlohmann::json& run, const Frame& train, const Frame& test) {
    INFO("strategy " << run["strategy"] << ", fill_value " << run["fill_value"] << ", add_indicator "
                     << run["add_indicator"] << ", columns " << run["columns"]);
    SimpleImputer imputer = imputer_of(run);
    imputer.fit(train);

    const auto& expected_statistics = run["statistics"];
    REQUIRE(imputer.statistics().size() == expected_statistics.size());
    for (std::size_t j = 0; j < expected_statistics.size(); ++j) {
        const auto& s = imputer.statistics()[j];
        const auto& expected = expected_statistics[j];
        INFO("column " << s.column);
        CHECK(s.column == run["columns"][j].get<std::string>());
        CHECK(s.has_value == !expected.is_null());
        if (expected.is_number()) CHECK(s.number == Approx(expected.get<double>()).epsilon(1e-14));
        if (expected.is_string()) CHECK(s.category == expected.get<std::string>());
    }

    // Only the imputed columns, in sklearn's output order (the others pass through unchanged).
    Frame selected;
    for (const auto& name : run["columns"]) selected.add(test.column(name.get<std::string>()));
    const Frame out = imputer.transform(selected);
    CHECK(out.names() == run["feature_names_out"].get<std::vector<std::string>>());
    REQUIRE(out.cols() == run["transform"].size());
    for (std::size_t j = 0; j < out.cols(); ++j) {
        const Column& column = out[j];
        const auto& expected = run["transform"][j];
        INFO("output column " << column.name());
        REQUIRE(column.size() == expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            if (expected[i].is_string()) {
                REQUIRE(column.is_categorical());
                REQUIRE(column.codes()[i] >= 0);
                CHECK(column.dictionary()[static_cast<std::size_t>(column.codes()[i])] == expected[i].get<std::string>());
            } else if (expected[i].is_boolean()) {  // sklearn's indicator of a text column
                CHECK(column.value(i) == (expected[i].get<bool>() ? 1.0 : 0.0));
            } else {
                REQUIRE(column.is_numeric());
                CHECK(column.value(i) == Approx(expected[i].get<double>()).epsilon(1e-14));
            }
        }
    }
}

}  // namespace

TEST_CASE("SimpleImputer matches scikit-learn on hand-made columns", "[imputer][sklearn]") {
    // Ties in most_frequent, a median of an even count, a column with no value at fit
    // (dropped), one with holes only at transform time, the default fill values.
    const auto ref = impute_reference();
    const Frame train = frame_from_json(ref["cases"]["train"]);
    const Frame test = frame_from_json(ref["cases"]["test"]);
    REQUIRE(ref["cases"]["runs"].size() == 12);
    for (const auto& run : ref["cases"]["runs"]) check_run(run, train, test);
}

TEST_CASE("SimpleImputer matches scikit-learn on the penguins with holes", "[imputer][sklearn]") {
    const auto ref = impute_reference();
    const Frame train = read_csv(impute_dir() / "train" / "X_train.csv");
    const Frame test = read_csv(impute_dir() / "test" / "X_test.csv");
    REQUIRE(train.column("bill_length_mm").count_missing() > 0);
    REQUIRE(train.column("species").count_missing() > 0);
    REQUIRE(ref["imputers"].size() == 15);
    for (const auto& run : ref["imputers"]) check_run(run, train, test);
}

TEST_CASE("an imputing pipeline predicts scikit-learn's probabilities", "[imputer][sklearn][pipeline]") {
    using Model = Pipeline<SimpleImputer, SimpleImputer, OneHotEncoder, StandardScaler, LogisticRegression>;
    const auto ref = impute_reference();
    const auto numeric = ref["numerical_features"].get<std::vector<std::string>>();
    const auto categorical = ref["categorical_features"].get<std::vector<std::string>>();
    const Frame X_train = read_csv(impute_dir() / "train" / "X_train.csv");
    const Frame y_train = read_csv(impute_dir() / "train" / "y_train.csv");
    const Frame X_test = read_csv(impute_dir() / "test" / "X_test.csv");

    for (const auto& fit : ref["fits"]) {
        INFO("numeric " << fit["numeric_strategy"] << ", categorical " << fit["categorical_strategy"]);
        Model model{SimpleImputer({.columns = numeric, .strategy = strategy_of(fit["numeric_strategy"])}),
                    SimpleImputer({.columns = categorical,
                                   .strategy = strategy_of(fit["categorical_strategy"]),
                                   .fill_value = fit["fill_value"].is_string() ? fit["fill_value"].get<std::string>()
                                                                               : std::string()}),
                    OneHotEncoder({.columns = categorical, .handle_unknown = HandleUnknown::ignore}),
                    StandardScaler({.columns = numeric}),
                    LogisticRegression({.match_sklearn = SklearnVersion::v1_2})};
        model.fit(X_train, y_train);

        for (std::size_t j = 0; j < numeric.size(); ++j)
            CHECK(model.step<0>().statistics()[j].number ==
                  Approx(fit["numeric_statistics"][j].get<double>()).epsilon(1e-14));
        for (std::size_t j = 0; j < categorical.size(); ++j)
            CHECK(model.step<1>().statistics()[j].category == fit["categorical_statistics"][j].get<std::string>());

        // sklearn's names are "num__x" and "cat__species_Adelie"; ours are the same without the
        // transformer's prefix, and list the columns as the frame holds them.
        std::vector<std::string> expected_names;
        for (const auto& name : fit["feature_names_out"]) expected_names.push_back(name.get<std::string>().substr(5));
        auto names = model.feature_names_out();
        std::sort(names.begin(), names.end());
        std::sort(expected_names.begin(), expected_names.end());
        CHECK(names == expected_names);

        CHECK(model.final_step().n_iter() == fit["n_iter"].get<int>());
        const Eigen::MatrixXd proba = model.predict_proba(X_test);
        const Eigen::MatrixXd expected = test::to_matrix(fit["test_predict_proba"]);
        CHECK(test::max_abs_diff(proba, expected) < 1e-6);
        CHECK(model.predict(X_test).to_strings() == fit["test_predictions"].get<std::vector<std::string>>());

        // The same model after a save and a load.
        const Model loaded = load_from_string<Model>(save_to_string(model));
        CHECK(loaded.predict_proba(X_test) == proba);
    }
}

TEST_CASE("SimpleImputer: the default columns follow the strategy", "[imputer]") {
    Frame X;
    X.add_categorical("colour", std::vector<std::optional<std::string>>{"red", std::nullopt, "red", "blue"});
    X.add_numeric("size", {1.0, std::nan(""), 3.0, 3.0});

    SimpleImputer by_mean;  // mean: numeric columns only; the categorical one passes through
    const Frame mean_out = by_mean.fit_transform(X);
    CHECK(by_mean.statistics().size() == 1);
    CHECK(mean_out.column("size").values()[1] == Approx(7.0 / 3));
    CHECK(mean_out.column("colour").count_missing() == 1);

    SimpleImputer by_mode({.strategy = ImputeStrategy::most_frequent});
    const Frame mode_out = by_mode.fit_transform(X);
    CHECK(by_mode.statistic("colour").category == "red");
    CHECK(by_mode.statistic("size").number == 3.0);
    CHECK(mode_out.column("colour").count_missing() == 0);
    CHECK(mode_out.column("size").values()[1] == 3.0);
    CHECK_THROWS_WITH(by_mode.statistic("weight"), Catch::Contains("weight"));

    // A constant categorical fill that is already a category reuses its code.
    SimpleImputer constant({.columns = {"colour"}, .strategy = ImputeStrategy::constant, .fill_value = "blue"});
    const Column filled = constant.fit_transform(X).column("colour");
    CHECK(filled.dictionary().size() == 2);
    CHECK(filled.codes()[1] == filled.codes()[3]);
}

TEST_CASE("SimpleImputer keeps float32 storage and passes full columns through", "[imputer][float32]") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    Frame X;
    X.add(Column::numeric_f32("x", {1.5F, nan, 2.0F, 0.1F}));
    X.add_numeric("full", {1.0, 2.0, 3.0, 4.0});
    SimpleImputer imputer({.strategy = ImputeStrategy::mean, .add_indicator = true});
    const Frame out = imputer.fit_transform(X);
    REQUIRE(out.column("x").is_float32());
    const double mean = (1.5 + 2.0 + static_cast<double>(0.1F)) / 3;  // in double, of the stored floats
    CHECK(imputer.statistic("x").number == mean);
    CHECK(out.column("x").values_f32()[1] == static_cast<float>(mean));
    // Only x had a hole at fit, so only x gets an indicator, after the other columns.
    CHECK(out.names() == std::vector<std::string>{"x", "full", "missingindicator_x"});
    CHECK(out.column("missingindicator_x").values()[1] == 1.0);
    CHECK(out.column("missingindicator_x").values()[0] == 0.0);
    // A column without holes is the same storage, not a copy.
    CHECK(out.column("full").values().data() == X.column("full").values().data());
}

TEST_CASE("SimpleImputer refuses bad options and data, naming them", "[imputer][errors]") {
    Frame X;
    X.add_categorical("colour", std::vector<std::optional<std::string>>{"red", std::nullopt, "blue"});
    X.add_numeric("size", {1.0, std::nan(""), 3.0});

    SECTION("mean or median of a categorical column") {
        SimpleImputer imputer({.columns = {"size", "colour"}, .strategy = ImputeStrategy::median});
        CHECK_THROWS_AS(imputer.fit(X), data_error);
        CHECK_THROWS_WITH(imputer.fit(X), Catch::Contains("colour") && Catch::Contains("median"));
        CHECK_FALSE(imputer.is_fitted());
    }
    SECTION("a fill_value that is not a number for a numeric column") {
        SimpleImputer imputer({.strategy = ImputeStrategy::constant, .fill_value = "unknown"});
        CHECK_THROWS_AS(imputer.fit(X), parameter_error);
        CHECK_THROWS_WITH(imputer.fit(X), Catch::Contains("fill_value") && Catch::Contains("size"));
        SimpleImputer not_a_number({.columns = {"size"}, .strategy = ImputeStrategy::constant, .fill_value = "nan"});
        CHECK_THROWS_AS(not_a_number.fit(X), parameter_error);
        // The same fill value is fine for a categorical column alone.
        SimpleImputer text({.columns = {"colour"}, .strategy = ImputeStrategy::constant, .fill_value = "unknown"});
        CHECK(text.fit_transform(X).column("colour").dictionary().back() == "unknown");
    }
    SECTION("an infinite value, as scikit-learn refuses it") {
        Frame infinite;
        infinite.add_numeric("size", {1.0, std::numeric_limits<double>::infinity(), std::nan("")});
        SimpleImputer imputer({.columns = {"size"}});
        CHECK_THROWS_WITH(imputer.fit(infinite), Catch::Contains("infinite") && Catch::Contains("row 1"));
    }
    SECTION("a strategy out of range and a column named twice") {
        SimpleImputer bad_strategy({.strategy = static_cast<ImputeStrategy>(9)});
        CHECK_THROWS_WITH(bad_strategy.fit(X), Catch::Contains("strategy"));
        CHECK_THROWS_AS(bad_strategy.fit(X), parameter_error);
        SimpleImputer twice({.columns = {"size", "size"}});
        CHECK_THROWS_AS(twice.fit(X), parameter_error);
    }
    SECTION("a column absent at fit or at transform, or of another kind at transform") {
        SimpleImputer absent({.columns = {"weight"}});
        CHECK_THROWS_WITH(absent.fit(X), Catch::Contains("'weight' is not in X"));
        SimpleImputer imputer({.strategy = ImputeStrategy::most_frequent});
        imputer.fit(X);
        Frame without;
        without.add(X.column("colour"));
        CHECK_THROWS_WITH(imputer.transform(without), Catch::Contains("'size' is not in X"));
        Frame changed;
        changed.add(X.column("colour"));
        changed.add_categorical("size", {"a", "b", "c"});
        CHECK_THROWS_WITH(imputer.transform(changed), Catch::Contains("'size' was numeric at fit"));
    }
    SECTION("an encoded column, and an empty frame") {
        OneHotEncoder encoder({.columns = {"colour"}});
        const Frame encoded = encoder.fit_transform(X);
        SimpleImputer imputer({.columns = {"colour"}, .strategy = ImputeStrategy::most_frequent});
        CHECK_THROWS_WITH(imputer.fit(encoded), Catch::Contains("one-hot"));
        CHECK_THROWS_AS(imputer.fit(Frame{}), data_error);
    }
    SECTION("a failed fit keeps the earlier fit") {
        SimpleImputer imputer({.columns = {"size"}});
        imputer.fit(X);
        const double before = imputer.statistic("size").number;
        Frame other;
        other.add_categorical("size", {"a", "b", "c"});
        CHECK_THROWS_AS(imputer.fit(other), data_error);
        CHECK(imputer.is_fitted());
        CHECK(imputer.statistic("size").number == before);
    }
}
