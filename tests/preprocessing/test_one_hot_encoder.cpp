// OneHotEncoder: categories (found or given), infrequent categories, output layout, unknown values,
// drop, errors; against scikit-learn 1.2.1 where it has a say.

#include "../support/datasets.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace mlpipe;

TEST_CASE("categories are sorted and feature names follow them", "[one_hot_encoder]") {
    test::ReferenceSet set("penguins");
    OneHotEncoder encoder({.columns = set.categorical});
    encoder.fit(set.X_train);
    auto expected = set.ref["encoder"]["categories_"].get<std::vector<std::vector<std::string>>>();
    CHECK(encoder.categories() == expected);
    CHECK(encoder.feature_names_out() == std::vector<std::string>{"species_Adelie", "species_Chinstrap",
                                                                  "species_Gentoo", "island_Biscoe", "island_Dream",
                                                                  "island_Torgersen"});
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

TEST_CASE("the encoder's output codes are int8 up to 128 categories and int16 past them", "[one_hot_encoder][codes]") {
    // 300 distinct values in a column whose input codes are int16, 3 in one that is int8;
    // row i of "many" is value i % 300, named so that sorting puts "v010" at output 10.
    std::vector<std::string> many, few;
    for (int i = 0; i < 900; ++i) {
        const std::string n = std::to_string(i % 300);
        many.push_back("v" + std::string(3 - n.size(), '0') + n);
        few.push_back(i % 3 == 0 ? "c" : i % 3 == 1 ? "a" : "b");
    }
    Frame X;
    X.add_categorical("many", many);
    X.add_categorical("few", few);
    REQUIRE(X.column("many").code_type() == CodeType::int16);
    const Frame encoded = OneHotEncoder({.handle_unknown = HandleUnknown::ignore}).fit_transform(X);
    const Column& m = encoded.column("many");
    const Column& f = encoded.column("few");
    CHECK(m.code_type() == CodeType::int16);
    CHECK(f.code_type() == CodeType::int8);
    for (std::size_t i = 0; i < 900; i += 7) {
        CHECK(m.codes()[i] == static_cast<std::int32_t>(i % 300));
        CHECK(f.codes()[i] == std::int32_t{i % 3 == 0 ? 2 : i % 3 == 1 ? 0 : 1});  // a, b, c sorted
    }
    // Sized by the output, not the input: 129 categories less the dropped first are 128
    // outputs, int8 again, the last of them code 127 and the dropped one all zeros (-1).
    std::vector<std::string> many129;
    for (int i = 0; i < 129; ++i) many129.push_back("v" + std::string(i < 10 ? "00" : i < 100 ? "0" : "") + std::to_string(i));
    Frame Y;
    Y.add_categorical("many", many129);
    REQUIRE(Y.column("many").code_type() == CodeType::int16);
    const Column dropped = OneHotEncoder({.drop = Drop::first}).fit_transform(Y).column("many");
    CHECK(dropped.width() == 128);
    CHECK(dropped.code_type() == CodeType::int8);
    CHECK(dropped.codes()[0] == -1);
    CHECK(dropped.codes()[1] == 0);
    CHECK(dropped.codes()[128] == 127);
}

TEST_CASE("unknown categories: error names column and value, ignore gives zeros", "[one_hot_encoder]") {
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

TEST_CASE("many rows, columns encoded on the pool: dropped, missing and narrow or wide codes as one at a time",
          "[one_hot_encoder]") {
    // 70,000 rows (the pool): "a" with 5 categories and missing values (int8 codes), "b" with
    // 300 (int16 codes), the first category of each dropped.
    const std::size_t n = 70'000;
    std::vector<std::optional<std::string>> a(n);
    std::vector<std::string> b(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (i % 11 != 0) a[i] = "a" + std::to_string(i % 5);
        b[i] = "b" + std::to_string(100 + (i * 7) % 300);
    }
    Frame X;
    X.add_categorical("a", a).add_categorical("b", b);
    OneHotEncoder encoder({.drop = Drop::first});
    const Frame out = encoder.fit_transform(X);
    // Sorted categories: a0..a4 then the missing one; b100..b399. The first of each dropped.
    const auto expected_a = [&](std::size_t i) { return i % 11 == 0 ? 4 : static_cast<int>(i % 5) - 1; };
    const auto expected_b = [&](std::size_t i) { return static_cast<int>((i * 7) % 300) - 1; };
    REQUIRE(out.column("a").code_type() == CodeType::int8);
    REQUIRE(out.column("b").code_type() == CodeType::int16);
    for (std::size_t i = 0; i < n; ++i) {
        if (out.column("a").codes()[i] != expected_a(i)) FAIL("a, row " << i << ": " << out.column("a").codes()[i]);
        if (out.column("b").codes()[i] != expected_b(i)) FAIL("b, row " << i << ": " << out.column("b").codes()[i]);
    }
    // Errors come as one column after another meets them: an unknown category in the first
    // column is reported before the second column's absence, and before an unknown one in it.
    std::vector<std::string> unknown_b = b;
    unknown_b[60'000] = "b9";
    Frame unknown_in_both;
    std::vector<std::optional<std::string>> unknown_a = a;
    unknown_a[65'000] = "a9";
    unknown_in_both.add_categorical("a", unknown_a).add_categorical("b", unknown_b);
    CHECK_THROWS_WITH(encoder.transform(unknown_in_both), Catch::Contains("'a9'") && Catch::Contains("row 65000"));
    Frame without_b;
    without_b.add_categorical("a", unknown_a);
    CHECK_THROWS_WITH(encoder.transform(without_b), Catch::Contains("'a9'"));
    Frame only_b_unknown;
    only_b_unknown.add_categorical("a", a).add_categorical("b", unknown_b);
    CHECK_THROWS_WITH(encoder.transform(only_b_unknown), Catch::Contains("'b9'") && Catch::Contains("row 60000"));
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

// ---------------------------------------------------------------------------------------------
// categories, min_frequency, max_categories, infrequent_if_exist: against scikit-learn 1.2.1
// (data/reference/encoder.json, made by data/reference/make_encoder.py).
// ---------------------------------------------------------------------------------------------
namespace {

const nlohmann::json& encoder_reference() {
    static const nlohmann::json ref = [] {
        std::ifstream in(test::data_dir() / "reference" / "encoder.json");
        return nlohmann::json::parse(in);
    }();
    return ref;
}

bool is_text(const std::string& column) { return encoder_reference()["columns"]["kinds"][column] == "text"; }
// The penguins columns are not among the hand-made ones, and are text.
bool is_number(const std::string& column) {
    const auto& kinds = encoder_reference()["columns"]["kinds"];
    return kinds.contains(column) && kinds[column] == "number";
}

// One hand-made column of the reference as a Frame (null: a missing value).
Frame reference_frame(const std::string& part, const std::string& column) {
    const auto& values = encoder_reference()["columns"][part][column];
    Frame X;
    if (is_text(column)) {
        std::vector<std::optional<std::string>> text;
        for (const auto& v : values) text.push_back(v.is_null() ? std::nullopt : std::optional(v.get<std::string>()));
        X.add_categorical(column, text);
    } else {
        std::vector<double> numbers;
        for (const auto& v : values) numbers.push_back(v.is_null() ? std::nan("") : v.get<double>());
        X.add_numeric(column, numbers);
    }
    return X;
}

CategoryList reference_list(const std::string& column, const nlohmann::json& values) {
    CategoryList list{.column = column};
    for (const auto& v : values) {
        if (is_text(column))
            list.text.push_back(v.is_null() ? std::nullopt : std::optional(v.get<std::string>()));
        else
            list.numbers.push_back(v.is_null() ? std::nan("") : v.get<double>());
    }
    return list;
}

// The options of a reference run: a JSON integer min_frequency is sklearn's int (a count),
// a JSON float its float (a fraction).
OneHotEncoder::Options reference_options(const nlohmann::json& run, std::vector<std::string> columns) {
    OneHotEncoder::Options options{.columns = std::move(columns)};
    const std::string handle = run["handle_unknown"];
    options.handle_unknown = handle == "error"    ? HandleUnknown::error
                             : handle == "ignore" ? HandleUnknown::ignore
                                                  : HandleUnknown::infrequent_if_exist;
    options.drop = run["drop"].is_null() ? Drop::none : run["drop"] == "first" ? Drop::first : Drop::if_binary;
    const auto& min_frequency = run["min_frequency"];
    if (min_frequency.is_number_integer())
        options.min_frequency = MinFrequency::count(min_frequency.get<std::int64_t>());
    else if (min_frequency.is_number_float())
        options.min_frequency = MinFrequency::fraction(min_frequency.get<double>());
    if (!run["max_categories"].is_null()) options.max_categories = run["max_categories"].get<std::int64_t>();
    if (run.contains("categories") && run["categories"] != "auto")
        for (const auto& column : options.columns)
            options.categories.push_back(reference_list(
                column, encoder_reference()["category_sets"][run["categories"].get<std::string>()][column]));
    return options;
}

// sklearn's value as mlpipe names it: null is "nan", numbers in their shortest form ("1", not "1.0").
std::string category_name(const nlohmann::json& value) {
    if (value.is_null()) return "nan";
    if (value.is_string()) return value.get<std::string>();
    return detail::number_to_text(value.get<double>());
}

std::vector<std::vector<std::string>> category_names(const nlohmann::json& per_column) {
    std::vector<std::vector<std::string>> out;
    for (const auto& column : per_column) {
        out.emplace_back();
        if (!column.is_null())
            for (const auto& v : column) out.back().push_back(category_name(v));
    }
    return out;
}

// sklearn's feature names, with numeric categories renamed as above ("n_2.0" -> "n_2").
std::vector<std::string> feature_names(const nlohmann::json& names, const std::vector<std::string>& columns) {
    std::vector<std::string> out;
    for (const auto& name_json : names) {
        std::string name = name_json;
        for (const auto& column : columns) {
            const std::string prefix = column + "_";
            if (name.rfind(prefix, 0) != 0 || !is_number(column)) continue;
            const std::string suffix = name.substr(prefix.size());
            if (suffix != "nan" && suffix != "infrequent_sklearn")
                name = prefix + detail::number_to_text(std::stod(suffix));
        }
        out.push_back(name);
    }
    return out;
}

// sklearn's dense rows for one input column's block of output columns: the argmax of each
// row, -1 for an all-zero row. Every row must hold at most one 1.
std::vector<std::int32_t> argmax_codes(const nlohmann::json& rows, std::size_t first, std::size_t width) {
    std::vector<std::int32_t> codes;
    for (const auto& row : rows) {
        std::int32_t code = -1;
        int ones = 0;
        for (std::size_t j = 0; j < width; ++j)
            if (row.at(first + j).get<int>() == 1) {
                ++ones;
                if (code < 0) code = static_cast<std::int32_t>(j);
            }
        CHECK(ones <= 1);
        codes.push_back(code);
    }
    return codes;
}

std::vector<std::int32_t> codes_of(const Column& column) {
    REQUIRE(column.is_one_hot());
    return {column.codes().begin(), column.codes().end()};
}

std::vector<int> drop_indices(const nlohmann::json& drop_idx, std::size_t columns) {
    if (drop_idx.is_null()) return std::vector<int>(columns, -1);
    std::vector<int> out;
    for (const auto& d : drop_idx) out.push_back(d.is_null() ? -1 : d.get<int>());
    return out;
}

// sklearn's repr of a value in its "Found unknown categories [...]" message.
std::string python_repr(const nlohmann::json& value) {
    if (value.is_null()) return "nan";
    if (value.is_string()) return "'" + value.get<std::string>() + "'";
    std::string text = detail::number_to_text(value.get<double>());
    if (text.find('.') == std::string::npos) text += ".0";
    return text;
}

// How mlpipe's messages show a value: 'text', '2.5', or "missing value".
std::string our_repr(const nlohmann::json& value) {
    return value.is_null() ? "missing value" : "'" + category_name(value) + "'";
}

// The first row of `part` whose value is not in `known` (category names), with that value.
std::pair<std::size_t, nlohmann::json> first_unknown(const std::string& part, const std::string& column,
                                                     const std::vector<std::string>& known, bool missing_known) {
    const auto& values = encoder_reference()["columns"][part][column];
    for (std::size_t row = 0; row < values.size(); ++row) {
        const bool is_known = values[row].is_null()
                                  ? missing_known
                                  : std::find(known.begin(), known.end(), category_name(values[row])) != known.end();
        if (!is_known) return {row, values[row]};
    }
    FAIL("no unknown value in " << part << " of column " << column);
    return {};
}

}  // namespace

TEST_CASE("categories, min_frequency, max_categories, handle_unknown and drop as in sklearn 1.2.1",
          "[one_hot_encoder][infrequent][reference]") {
    const auto& runs = encoder_reference()["runs"];
    REQUIRE(runs.size() > 1000);
    std::size_t fitted = 0, fit_errors = 0, transform_errors = 0;
    for (const auto& run : runs) {
        const std::string column = run["column"];
        INFO(column << ": categories " << run["categories"] << ", min_frequency " << run["min_frequency"]
                    << ", max_categories " << run["max_categories"] << ", handle_unknown " << run["handle_unknown"]
                    << ", drop " << run["drop"]);
        const Frame train = reference_frame("train", column);
        const auto options = reference_options(run, {column});

        if (run.contains("fit_error")) {
            ++fit_errors;
            const std::string sklearn_error = run["fit_error"];
            if (sklearn_error.find("Unsorted categories") != std::string::npos) {
                // sklearn refuses at fit; mlpipe as soon as it sees the options.
                CHECK_THROWS_AS(OneHotEncoder(options), parameter_error);
                CHECK_THROWS_WITH(OneHotEncoder(options), Catch::Contains("categories for column '" + column + "'") &&
                                                              Catch::Contains("increasing order"));
                continue;
            }
            REQUIRE_THAT(sklearn_error, Catch::Contains("during fit"));
            const auto& listed = encoder_reference()["category_sets"][run["categories"].get<std::string>()][column];
            std::vector<std::string> known;
            bool missing_known = false;
            for (const auto& v : listed) {
                if (v.is_null())
                    missing_known = true;
                else
                    known.push_back(category_name(v));
            }
            const auto [row, value] = first_unknown("train", column, known, missing_known);
            CHECK_THAT(sklearn_error, Catch::Contains(python_repr(value)));
            OneHotEncoder encoder(options);
            CHECK_THROWS_AS(encoder.fit(train), data_error);
            CHECK_THROWS_WITH(encoder.fit(train), Catch::Contains("column '" + column + "'") &&
                                                      Catch::Contains(our_repr(value)) &&
                                                      Catch::Contains("(row " + std::to_string(row) + ")") &&
                                                      Catch::Contains("categories"));
            CHECK_FALSE(encoder.is_fitted());
            continue;
        }

        ++fitted;
        OneHotEncoder encoder(options);
        encoder.fit(train);
        const auto categories = category_names(run["categories_"]);
        CHECK(encoder.categories() == categories);
        const auto& infrequent = run["infrequent_categories_"];
        CHECK(encoder.infrequent_categories() ==
              (infrequent.is_null() ? std::vector<std::vector<std::string>>(1) : category_names(infrequent)));
        CHECK(encoder.drop_idx() == drop_indices(run["drop_idx_"], 1));
        const auto names = feature_names(run["feature_names_out"], {column});
        CHECK(encoder.feature_names_out() == names);

        for (const std::string part : {"train", "test"}) {
            INFO("transform of the " << part << " rows");
            const Frame X = reference_frame(part, column);
            if (run.contains(part + "_error")) {
                ++transform_errors;
                const std::string sklearn_error = run[part + "_error"];
                std::vector<std::string> known;
                bool missing_known = false;
                for (const auto& v : run["categories_"][0]) {
                    if (v.is_null())
                        missing_known = true;
                    else
                        known.push_back(category_name(v));
                }
                const auto [row, value] = first_unknown(part, column, known, missing_known);
                CHECK_THAT(sklearn_error, Catch::Contains("during transform") && Catch::Contains(python_repr(value)));
                CHECK_THROWS_AS(encoder.transform(X), data_error);
                CHECK_THROWS_WITH(encoder.transform(X), Catch::Contains("column '" + column + "'") &&
                                                            Catch::Contains(our_repr(value)) &&
                                                            Catch::Contains("(row " + std::to_string(row) + ")"));
                continue;
            }
            const auto& rows = run[part];
            REQUIRE(rows.size() == X.rows());
            for (const auto& row : rows) REQUIRE(row.size() == names.size());
            const Frame out = encoder.transform(X);
            CHECK(out[0].width() == names.size());
            CHECK(codes_of(out[0]) == argmax_codes(rows, 0, names.size()));
        }
    }
    // Every kind of outcome is reached.
    CHECK(fitted > 1000);
    CHECK(fit_errors > 100);
    CHECK(transform_errors > 100);
}

TEST_CASE("min_frequency and max_categories on the penguins as in sklearn 1.2.1",
          "[one_hot_encoder][infrequent][reference]") {
    test::ReferenceSet set("penguins");
    const std::vector<std::string> columns{"species", "island"};
    const std::map<std::string, Frame> tests{
        {"test", set.X_test},
        {"test_unknown", read_csv(test::data_dir() / "reference" / "penguins" / "test" / "X_test_unknown.csv")}};
    const auto& runs = encoder_reference()["penguins"]["runs"];
    REQUIRE(runs.size() == 30);
    std::size_t with_infrequent = 0;
    for (const auto& run : runs) {
        INFO("min_frequency " << run["min_frequency"] << ", max_categories " << run["max_categories"]
                              << ", handle_unknown " << run["handle_unknown"] << ", drop " << run["drop"]);
        REQUIRE_FALSE(run.contains("fit_error"));
        OneHotEncoder encoder(reference_options(run, columns));
        encoder.fit(set.X_train);
        CHECK(encoder.categories() == category_names(run["categories_"]));
        const auto infrequent = category_names(run["infrequent_categories_"]);
        CHECK(encoder.infrequent_categories() == infrequent);
        for (const auto& list : infrequent) with_infrequent += list.empty() ? 0 : 1;
        CHECK(encoder.drop_idx() == drop_indices(run["drop_idx_"], 2));
        const auto names = feature_names(run["feature_names_out"], columns);
        CHECK(encoder.feature_names_out() == names);
        for (const auto& [part, X] : tests) {
            INFO(part);
            const Frame out = encoder.transform(X);
            const auto& rows = run[part];
            REQUIRE(rows.size() == X.rows());
            std::size_t first = 0;
            for (const auto& column : columns) {
                const Column& encoded = out.column(column);
                CHECK(codes_of(encoded) == argmax_codes(rows, first, encoded.width()));
                first += encoded.width();
            }
            CHECK(first == names.size());
            CHECK(out.to_dense().rows() == static_cast<Eigen::Index>(X.rows()));
        }
    }
    CHECK(with_infrequent > 20);
}

TEST_CASE("sklearn's docstring example: max_categories = 3", "[one_hot_encoder][infrequent]") {
    std::vector<std::string> values;
    for (auto [value, n] : {std::pair{"a", 5}, {"b", 20}, {"c", 10}, {"d", 3}})
        values.insert(values.end(), static_cast<std::size_t>(n), value);
    Frame X;
    X.add_categorical("x", values);
    OneHotEncoder encoder({.max_categories = 3});
    encoder.fit(X);
    CHECK(encoder.infrequent_categories() == std::vector<std::vector<std::string>>{{"a", "d"}});
    CHECK(encoder.feature_names_out() == std::vector<std::string>{"x_b", "x_c", "x_infrequent_sklearn"});
    Frame rows;
    rows.add_categorical("x", {"a", "b"});
    const Frame out = encoder.transform(rows);
    REQUIRE(out[0].is_one_hot());
    CHECK(out.to_dense() == (Eigen::MatrixXd(2, 3) << 0, 0, 1, 1, 0, 0).finished());
}

TEST_CASE("unknown values: the infrequent column with infrequent_if_exist, zeros with ignore",
          "[one_hot_encoder][infrequent]") {
    Frame train, test;
    train.add_categorical("c", {"a", "a", "a", "b", "b", "b", "r"});
    train.add_categorical("d", {"x", "x", "x", "y", "y", "y", "y"});
    test.add_categorical("c", {"new", "r", "a"});
    test.add_categorical("d", {"new", "x", "y"});
    OneHotEncoder frequent(
        {.handle_unknown = HandleUnknown::infrequent_if_exist, .min_frequency = MinFrequency::count(2)});
    const Frame out = frequent.fit(train).transform(test);
    CHECK(codes_of(out[0]) == std::vector<std::int32_t>{2, 2, 0});   // c: a, b, infrequent (r)
    CHECK(codes_of(out[1]) == std::vector<std::int32_t>{-1, 0, 1});  // d has no infrequent column
    OneHotEncoder ignore({.handle_unknown = HandleUnknown::ignore, .min_frequency = MinFrequency::count(2)});
    CHECK(codes_of(ignore.fit(train).transform(test)[0]) == std::vector<std::int32_t>{-1, 2, 0});
}

TEST_CASE("given categories: the order given, unseen ones kept, values outside refused or left out",
          "[one_hot_encoder][categories]") {
    Frame X;
    X.add_categorical("c", std::vector<std::optional<std::string>>{"b", "a", std::nullopt, "b", "z"});
    X.add_numeric("n", {3, 1, std::nan(""), 1, 3});
    const std::vector<CategoryList> lists{{.column = "c", .text = {"b", std::nullopt, "a", "never"}},
                                          {.column = "n", .numbers = {1, 2, 3, std::nan("")}}};
    OneHotEncoder strict({.columns = {"c", "n"}, .categories = lists});
    CHECK_THROWS_AS(strict.fit(X), data_error);
    CHECK_THROWS_WITH(strict.fit(X), Catch::Contains("column 'c'") && Catch::Contains("'z'") &&
                                         Catch::Contains("(row 4)") && Catch::Contains("categories"));

    OneHotEncoder lenient({.columns = {"c", "n"},
                           .handle_unknown = HandleUnknown::ignore,
                           .categories = lists,
                           .min_frequency = MinFrequency::count(1)});
    const Frame out = lenient.fit_transform(X);
    CHECK(lenient.categories() ==
          std::vector<std::vector<std::string>>{{"b", "nan", "a", "never"}, {"1", "2", "3", "nan"}});
    // Listed but never seen: count 0, below min_frequency 1.
    CHECK(lenient.infrequent_categories() == std::vector<std::vector<std::string>>{{"never"}, {"2"}});
    CHECK(lenient.feature_names_out() == std::vector<std::string>{"c_b", "c_nan", "c_a", "c_infrequent_sklearn", "n_1",
                                                                  "n_3", "n_nan", "n_infrequent_sklearn"});
    CHECK(codes_of(out[0]) == std::vector<std::int32_t>{0, 2, 1, 0, -1});
    CHECK(codes_of(out[1]) == std::vector<std::int32_t>{1, 0, 2, 0, 1});

    // A missing value outside the list is refused at fit too, naming it.
    OneHotEncoder no_missing({.columns = {"n"}, .categories = {{.column = "n", .numbers = {1, 3}}}});
    CHECK_THROWS_WITH(no_missing.fit(X),
                      Catch::Contains("column 'n'") && Catch::Contains("missing value") && Catch::Contains("(row 2)"));
}

TEST_CASE("bad min_frequency and max_categories are refused as sklearn refuses them", "[one_hot_encoder][errors]") {
    std::size_t checked = 0;
    for (const auto& bad : encoder_reference()["parameter_errors"]) {
        INFO(bad.dump());
        REQUIRE(bad["error"].is_string());
        CHECK_THAT(bad["error"].get<std::string>(), Catch::Contains("InvalidParameterError"));
        const std::string option = bad["option"];
        OneHotEncoder::Options options;
        if (option == "max_categories")
            options.max_categories = bad["value"].get<std::int64_t>();
        else if (bad["value"].is_number_integer())
            options.min_frequency = MinFrequency::count(bad["value"].get<std::int64_t>());
        else
            options.min_frequency = MinFrequency::fraction(bad["value"].get<double>());
        CHECK_THROWS_AS(OneHotEncoder(options), parameter_error);
        CHECK_THROWS_WITH(OneHotEncoder(options), Catch::Contains(option));
        ++checked;
    }
    CHECK(checked == 8);
    CHECK_THROWS_WITH(OneHotEncoder({.min_frequency = MinFrequency::fraction(std::nan(""))}),
                      Catch::Contains("min_frequency"));
    // The edges that sklearn accepts.
    CHECK_NOTHROW(OneHotEncoder({.min_frequency = MinFrequency::count(1)}));
    CHECK_NOTHROW(OneHotEncoder({.min_frequency = MinFrequency::fraction(0.999)}));
    CHECK_NOTHROW(OneHotEncoder({.max_categories = 1}));
    // set_options checks as the constructor does, and keeps the old options when it refuses.
    OneHotEncoder encoder({.max_categories = 2});
    CHECK_THROWS_WITH(encoder.set_options({.max_categories = 0}), Catch::Contains("max_categories"));
    CHECK(encoder.options().max_categories == 2);
    encoder.set_options({.min_frequency = MinFrequency::count(3)});
    CHECK(encoder.options().min_frequency == MinFrequency::count(3));
}

TEST_CASE("bad category lists are refused, naming the option and the column", "[one_hot_encoder][errors]") {
    auto refused = [](const OneHotEncoder::Options& options, const std::string& what) {
        INFO(what);
        CHECK_THROWS_AS(OneHotEncoder(options), parameter_error);
        CHECK_THROWS_WITH(OneHotEncoder(options), Catch::Contains("categories") && Catch::Contains(what));
    };
    const double nan = std::nan("");
    refused({.columns = {"n"}, .categories = {{.column = "n", .numbers = {2, 1}}}}, "column 'n'");
    refused({.columns = {"n"}, .categories = {{.column = "n", .numbers = {nan, 1}}}}, "column 'n'");
    refused({.columns = {"n"}, .categories = {{.column = "n", .numbers = {1, nan, nan}}}}, "column 'n'");
    refused({.columns = {"n"}, .categories = {{.column = "n", .numbers = {1, 1}}}}, "column 'n'");
    refused({.columns = {"c"}, .categories = {{.column = "c", .text = {"a", "a"}}}}, "'a' twice");
    refused({.columns = {"c"}, .categories = {{.column = "c", .text = {std::nullopt, "a", std::nullopt}}}},
            "missing value twice");
    refused({.columns = {"c"}, .categories = {{.column = "c"}}}, "column 'c'");
    refused({.columns = {"c"}, .categories = {{.column = "c", .text = {"a"}, .numbers = {1}}}}, "column 'c'");
    refused({.columns = {"c"}, .categories = {{.column = "c", .text = {"a"}}, {.column = "c", .text = {"b"}}}},
            "column 'c' twice");
    refused({.columns = {"c"}, .categories = {{.column = "d", .text = {"a"}}}}, "column 'd'");
    refused({.columns = {"c", "d"}, .categories = {{.column = "c", .text = {"a"}}}}, "column 'd'");
    // Text before NaN, in any order, is fine for a categorical column; numbers sorted with NaN last too.
    CHECK_NOTHROW(OneHotEncoder({.categories = {{.column = "c", .text = {"b", std::nullopt, "a"}}}}));
    CHECK_NOTHROW(OneHotEncoder({.categories = {{.column = "n", .numbers = {-1, 2.5, nan}}}}));

    // What only the data can tell: the kind of the column, and lists for the columns found.
    Frame X;
    X.add_categorical("c", {"a", "b"});
    X.add_categorical("d", {"a", "b"});
    X.add_numeric("n", {1, 2});
    auto refused_at_fit = [&](const OneHotEncoder::Options& options, const std::string& what) {
        INFO(what);
        OneHotEncoder encoder(options);
        CHECK_THROWS_AS(encoder.fit(X), parameter_error);
        CHECK_THROWS_WITH(encoder.fit(X), Catch::Contains("categories") && Catch::Contains(what));
        CHECK_FALSE(encoder.is_fitted());
    };
    refused_at_fit({.columns = {"n"}, .categories = {{.column = "n", .text = {"1"}}}}, "column 'n'");
    refused_at_fit({.columns = {"c"}, .categories = {{.column = "c", .numbers = {1}}}}, "column 'c'");
    refused_at_fit({.categories = {{.column = "c", .text = {"a", "b"}}}}, "column 'd'");  // d found, not listed
    refused_at_fit({.categories = {{.column = "c", .text = {"a", "b"}},
                                   {.column = "d", .text = {"a", "b"}},
                                   {.column = "n", .numbers = {1, 2}}}},
                   "column 'n'");  // n is numeric, so not found
    CHECK_NOTHROW(
        OneHotEncoder({.categories = {{.column = "c", .text = {"a", "b"}}, {.column = "d", .text = {"b", "a"}}}})
            .fit(X));
}
