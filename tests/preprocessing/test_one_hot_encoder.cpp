// OneHotEncoder: categories, output layout, unknown values, drop, errors.

#include "../support/datasets.hpp"

#include <catch2/catch.hpp>

using namespace mlpipe;

TEST_CASE("categories are sorted and feature names follow them", "[one_hot_encoder]") {
    test::ReferenceSet set("penguins");
    OneHotEncoder encoder({.columns = set.categorical});
    encoder.fit(set.X_train);
    auto expected = set.ref["encoder"]["categories_"].get<std::vector<std::vector<std::string>>>();
    CHECK(encoder.categories() == expected);
    CHECK(encoder.feature_names_out() ==
          std::vector<std::string>{"species_Adelie", "species_Chinstrap", "species_Gentoo", "island_Biscoe",
                                   "island_Dream", "island_Torgersen"});
}

TEST_CASE("the output equals sklearn's dense one-hot matrix", "[one_hot_encoder]") {
    Frame X = test::toy_X();
    Frame encoded = OneHotEncoder{}.fit_transform(X);
    REQUIRE(encoded[0].is_one_hot());
    CHECK(encoded[0].dictionary() == std::vector<std::string>{"blue", "green", "red"});
    Eigen::MatrixXd dense = encoded.to_dense();
    REQUIRE(dense.cols() == 5);
    // color: red, blue, red, green, ... -> [0 0 1], [1 0 0], [0 0 1], [0 1 0]
    CHECK(dense.row(0).head(3) == Eigen::RowVector3d(0, 0, 1));
    CHECK(dense.row(1).head(3) == Eigen::RowVector3d(1, 0, 0));
    CHECK(dense.row(3).head(3) == Eigen::RowVector3d(0, 1, 0));
    CHECK(dense(0, 3) == 1.0);  // numeric columns pass through
    CHECK(encoded.feature_names() ==
          std::vector<std::string>{"color_blue", "color_green", "color_red", "size", "weight"});
}

TEST_CASE("unknown categories: error names column and value; ignore gives zeros", "[one_hot_encoder]") {
    Frame train;
    train.add_categorical("island", std::vector<std::string>{"Biscoe", "Dream", "Torgersen"});
    Frame test;
    test.add_categorical("island", std::vector<std::string>{"Dream", "Atlantis"});

    OneHotEncoder strict;
    strict.fit(train);
    CHECK_THROWS_AS(strict.transform(test), data_error);
    CHECK_THROWS_WITH(strict.transform(test),
                      Catch::Contains("'Atlantis'") && Catch::Contains("'island'") && Catch::Contains("row 1"));

    OneHotEncoder lenient({.handle_unknown = HandleUnknown::ignore});
    lenient.fit(train);
    Eigen::MatrixXd dense = lenient.transform(test).to_dense();
    CHECK(dense.row(0) == Eigen::RowVector3d(0, 1, 0));
    CHECK(dense.row(1) == Eigen::RowVector3d(0, 0, 0));
}

TEST_CASE("drop first and if_binary", "[one_hot_encoder]") {
    Frame X;
    X.add_categorical("sex", std::vector<std::string>{"male", "female", "male"});
    X.add_categorical("island", std::vector<std::string>{"Biscoe", "Dream", "Torgersen"});

    OneHotEncoder first({.drop = Drop::first});
    Frame out = first.fit_transform(X);
    CHECK(first.feature_names_out() == std::vector<std::string>{"sex_male", "island_Dream", "island_Torgersen"});
    CHECK(first.drop_idx() == std::vector<int>{0, 0});
    Eigen::MatrixXd dense = out.to_dense();
    CHECK(dense.row(1) == Eigen::RowVector3d(0, 1, 0));  // female dropped, Dream
    CHECK(dense.row(0) == Eigen::RowVector3d(1, 0, 0));  // male, Biscoe dropped

    OneHotEncoder binary({.drop = Drop::if_binary});
    binary.fit(X);
    CHECK(binary.feature_names_out() ==
          std::vector<std::string>{"sex_male", "island_Biscoe", "island_Dream", "island_Torgersen"});
}

TEST_CASE("missing values are a category of their own, last", "[one_hot_encoder]") {
    Frame X;
    X.add_categorical("c", std::vector<std::optional<std::string>>{"b", std::nullopt, "a"});
    OneHotEncoder encoder;
    Frame out = encoder.fit_transform(X);
    CHECK(encoder.categories()[0] == std::vector<std::string>{"a", "b", "nan"});
    CHECK(out.to_dense().row(1) == Eigen::RowVector3d(0, 0, 1));

    // A missing value never seen at fit is an unknown value.
    Frame train;
    train.add_categorical("c", std::vector<std::string>{"a", "b"});
    OneHotEncoder strict;
    strict.fit(train);
    CHECK_THROWS_WITH(strict.transform(X), Catch::Contains("missing value") && Catch::Contains("'c'"));
}

TEST_CASE("numeric columns can be one-hot encoded", "[one_hot_encoder]") {
    Frame X;
    X.add_numeric("rooms", {3, 1, 2, 3});
    OneHotEncoder encoder({.columns = {"rooms"}});
    Frame out = encoder.fit_transform(X);
    CHECK(encoder.categories()[0] == std::vector<std::string>{"1", "2", "3"});
    CHECK(out.to_dense().row(0) == Eigen::RowVector3d(0, 0, 1));
}

TEST_CASE("numeric categories: -0 and 0 are the same category", "[one_hot_encoder]") {
    Frame train, test;
    train.add_numeric("n", {-0.0, 1.0});
    test.add_numeric("n", {0.0, 1.0});
    OneHotEncoder encoder({.columns = {"n"}});
    encoder.fit(train);
    CHECK(encoder.categories()[0] == std::vector<std::string>{"0", "1"});
    CHECK(encoder.transform(test).to_dense().row(0) == Eigen::RowVector2d(1, 0));
}

TEST_CASE("the unknown-category message stays short with many categories", "[one_hot_encoder][errors]") {
    std::vector<std::string> many;
    for (int i = 0; i < 5000; ++i) many.push_back("category-" + std::to_string(i));
    Frame train, test;
    train.add_categorical("c", many);
    test.add_categorical("c", {"new"});
    OneHotEncoder encoder;
    encoder.fit(train);
    try {
        encoder.transform(test);
        FAIL("an unknown category must throw");
    } catch (const data_error& e) {
        const std::string message = e.what();
        CHECK(message.size() < 1000);
        CHECK_THAT(message, Catch::Contains("'new'") && Catch::Contains("and 4980 more"));
    }
}

TEST_CASE("categories sort by bytes, as Python sorts UTF-8 strings", "[one_hot_encoder]") {
    Frame X;
    X.add_categorical("name", std::vector<std::string>{"\xc3\xa9t\xc3\xa9", "Zoo", "apple", "Apple"});
    OneHotEncoder encoder;
    encoder.fit(X);
    CHECK(encoder.categories()[0] == std::vector<std::string>{"Apple", "Zoo", "apple", "\xc3\xa9t\xc3\xa9"});
}

TEST_CASE("OneHotEncoder errors", "[one_hot_encoder][errors]") {
    OneHotEncoder encoder({.columns = {"nope"}});
    CHECK_THROWS_AS(encoder.transform(test::toy_X()), not_fitted_error);
    CHECK_THROWS_WITH(encoder.fit(test::toy_X()), Catch::Contains("'nope'"));

    OneHotEncoder fitted;
    fitted.fit(test::toy_X());
    Frame without;
    without.add_numeric("size", {1.0});
    CHECK_THROWS_WITH(fitted.transform(without), Catch::Contains("'color'") && Catch::Contains("missing"));
    Frame retyped;
    retyped.add_numeric("color", {1.0});
    CHECK_THROWS_WITH(fitted.transform(retyped), Catch::Contains("'color'") && Catch::Contains("numeric"));
}
