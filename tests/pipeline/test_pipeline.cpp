// Pipeline: step access, sklearn's fit/predict flow, schema checks, nesting.

#include "../support/datasets.hpp"

#include <catch2/catch.hpp>

using namespace mlpipe;

using Model = Pipeline<OneHotEncoder, StandardScaler, LogisticRegression>;

TEST_CASE("a pipeline equals its steps applied by hand", "[pipeline]") {
    test::ReferenceSet set("penguins");
    Model model = set.pipeline();
    model.fit(set.X_train, set.y_train);

    OneHotEncoder encoder({.columns = set.categorical, .handle_unknown = HandleUnknown::ignore});
    StandardScaler scaler({.columns = set.numeric});
    // The pipeline hands the scaler's map to the classifier instead of a scaled copy: the
    // same steps by hand, bit for bit.
    static_assert(Model::folds_scaling);
    const Frame encoded = encoder.fit_transform(set.X_train);
    scaler.fit(encoded);
    LogisticRegression lr;
    lr.fit(encoded, set.y_train, {}, scaler.feature_scalings());
    Eigen::MatrixXd by_hand = lr.predict_proba(encoder.transform(set.X_test), scaler.feature_scalings());
    CHECK(model.predict_proba(set.X_test) == by_hand);
    CHECK(model.transform_features(set.X_test).to_dense() ==
          scaler.transform(encoder.transform(set.X_test)).to_dense());

    // And the model of the scaled copy, up to the rounding of (x - mean) w / scale against
    // ((x - mean) / scale) w.
    LogisticRegression on_copy;
    on_copy.fit(scaler.transform(encoded), set.y_train);
    CHECK(test::max_abs_diff(on_copy.predict_proba(scaler.transform(encoder.transform(set.X_test))), by_hand) < 1e-12);
    CHECK(test::max_abs_diff(on_copy.coef(), lr.coef()) < 1e-12);
}

TEST_CASE("y may be a column, and feature names come from the final step", "[pipeline]") {
    test::ReferenceSet set("penguins");
    Model from_frame = set.pipeline();
    Model from_column = set.pipeline();
    from_frame.fit(set.X_train, set.y_train);
    from_column.fit(set.X_train, set.y_train[0]);
    CHECK(from_column.predict_proba(set.X_test) == from_frame.predict_proba(set.X_test));
    CHECK(from_frame.feature_names_out() ==
          std::vector<std::string>{"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g",
                                   "species_Adelie", "species_Chinstrap", "species_Gentoo", "island_Biscoe",
                                   "island_Dream", "island_Torgersen"});
    Model unfitted;
    CHECK_THROWS_AS(unfitted.feature_names_out(), not_fitted_error);
}

TEST_CASE("steps are reachable by index and by type", "[pipeline]") {
    test::ReferenceSet set("penguins");
    Model model = set.pipeline();
    model.fit(set.X_train, set.y_train);
    CHECK(&model.step<0>() == &model.step<OneHotEncoder>());
    CHECK(&model.step<2>() == &model.step<LogisticRegression>());
    CHECK(model.step<StandardScaler>().mean().size() == 4);
    CHECK(model.step<OneHotEncoder>().categories().size() == 2);
    CHECK(Model::size == 3);
    CHECK(Model::type_name() == "Pipeline<OneHotEncoder,StandardScaler,LogisticRegression<double>>");
}

TEST_CASE("the fitted input columns are checked by name at predict time", "[pipeline][errors]") {
    test::ReferenceSet set("penguins");
    Model model = set.pipeline();
    CHECK_THROWS_AS(model.predict(set.X_test), not_fitted_error);
    model.fit(set.X_train, set.y_train);

    // Reordered columns are fine: columns are matched by name.
    Frame reordered;
    const auto names = set.X_test.names();
    for (auto it = names.rbegin(); it != names.rend(); ++it) reordered.add(set.X_test.column(*it));
    CHECK(model.predict_proba(reordered) == model.predict_proba(set.X_test));

    Frame missing;
    for (const auto& c : set.X_test)
        if (c.name() != "island") missing.add(c);
    CHECK_THROWS_WITH(model.predict(missing), Catch::Contains("Pipeline.predict") &&
                                                  Catch::Contains("missing column(s) 'island'"));

    Frame extra = set.X_test;
    extra.add_numeric("year", std::vector<double>(extra.rows(), 2008));
    CHECK_THROWS_WITH(model.predict(extra), Catch::Contains("unexpected column(s) 'year'"));

    // Text in a numeric column: the reader infers "categorical", the error says why.
    Frame retyped;
    for (const auto& c : set.X_test) {
        if (c.name() != "body_mass_g") {
            retyped.add(c);
            continue;
        }
        std::vector<std::string> text(c.size(), "4000");
        text[5] = "heavy";
        retyped.add_categorical("body_mass_g", text);
    }
    CHECK_THROWS_WITH(model.predict(retyped), Catch::Contains("'body_mass_g' was numeric") &&
                                                  Catch::Contains("'heavy'") && Catch::Contains("row 5"));
}

TEST_CASE("pipelines nest and a transformer pipeline transforms", "[pipeline]") {
    test::ReferenceSet set("penguins");
    using Preprocess = Pipeline<OneHotEncoder, StandardScaler>;
    static_assert(Transformer<Preprocess>);
    static_assert(Classifier<Model>);
    using Nested = Pipeline<Preprocess, LogisticRegression>;
    Nested nested{Preprocess{OneHotEncoder({.columns = set.categorical, .handle_unknown = HandleUnknown::ignore}),
                             StandardScaler({.columns = set.numeric})},
                  LogisticRegression{}};
    nested.fit(set.X_train, set.y_train);
    Model flat = set.pipeline();
    flat.fit(set.X_train, set.y_train);
    // The flat pipeline folds its scaler into the classifier, the nested one cannot (its
    // last-but-one step is a pipeline): equal up to rounding.
    static_assert(!Nested::folds_scaling);
    CHECK(test::max_abs_diff(nested.predict_proba(set.X_test), flat.predict_proba(set.X_test)) < 1e-12);
    CHECK(Nested::type_name() == "Pipeline<Pipeline<OneHotEncoder,StandardScaler>,LogisticRegression<double>>");
}

TEST_CASE("fit on empty input is an error", "[pipeline][errors]") {
    Model model;
    Frame X, y;
    X.add_numeric("a", {});
    y.add_numeric("y", {});
    CHECK_THROWS_WITH(model.fit(X, y), Catch::Contains("no rows"));
}

TEST_CASE("score is the accuracy", "[pipeline]") {
    test::ReferenceSet set("penguins");
    Model model = set.pipeline();
    model.fit(set.X_train, set.y_train);
    Labels predicted = model.predict(set.X_test);
    std::vector<Label> truth = labels_of(set.y_test[0]);
    double hits = 0;
    for (std::size_t i = 0; i < truth.size(); ++i) hits += predicted[i] == truth[i] ? 1 : 0;
    CHECK(model.score(set.X_test, set.y_test) == Approx(hits / static_cast<double>(truth.size())));
}
