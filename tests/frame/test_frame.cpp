// Frame and Column: construction, checks, dense view, xtensor and Eigen input.

#include "../support/datasets.hpp"

#include <mlpipe/frame/rows.hpp>
#include <mlpipe/frame/xtensor.hpp>

#include <catch2/catch.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

using namespace mlpipe;

TEST_CASE("a frame is built column by column and from matrices", "[frame]") {
    Frame X = test::toy_X();
    CHECK(X.rows() == 8);
    CHECK(X.cols() == 3);
    CHECK(X.names() == std::vector<std::string>{"color", "size", "weight"});
    CHECK(X.column("color").is_categorical());
    CHECK(X.column("color").dictionary() == std::vector<std::string>{"red", "blue", "green"});  // first seen
    CHECK(X.index_of("weight") == 2);

    Eigen::MatrixXf m(2, 2);
    m << 1, 2, 3, 4;
    Frame from_eigen = Frame::from_matrix(m, {"a", "b"});
    CHECK(from_eigen.column("b").values()[1] == 4.0);
    CHECK(from_eigen.to_dense() == m.cast<double>());

    xt::xtensor<float, 2> t = {{1.5f, 2.0f}, {3.0f, 4.5f}, {5.0f, 6.0f}};
    Frame from_xt = frame_from_xtensor(t, {"a", "b"});
    CHECK(from_xt.rows() == 3);
    CHECK(from_xt.column("a").values()[2] == 5.0);
    CHECK(from_xt.column("b").values()[0] == 2.0);
}

TEST_CASE("frame errors name the column", "[frame][errors]") {
    Frame X = test::toy_X();
    CHECK_THROWS_WITH(X.column("colour"), Catch::Contains("'colour'") && Catch::Contains("'color'"));
    CHECK_THROWS_WITH(X.add_numeric("size", std::vector<double>(8, 0.0)), Catch::Contains("already present"));
    CHECK_THROWS_WITH(X.add_numeric("short", {1.0}), Catch::Contains("'short' has 1 rows"));
    CHECK_THROWS_WITH(X.add_numeric("", std::vector<double>(8, 0.0)), Catch::Contains("non-empty name"));
    CHECK_THROWS_WITH(X.column("size").codes(), Catch::Contains("'size' is numeric"));
    CHECK_THROWS_WITH(Frame::from_matrix(Eigen::MatrixXd(2, 3), {"a"}), Catch::Contains("3 matrix columns"));
    CHECK_THROWS_WITH(X.to_dense(), Catch::Contains("'color' is categorical"));
    CHECK_THROWS_AS(Column::categorical("c", std::vector<std::int32_t>{0, 3}, {"a", "b"}), data_error);
    CHECK_THROWS_WITH(X[3], Catch::Contains("index 3") && Catch::Contains("3 columns"));
    CHECK_THROWS_AS(X.replace(7, Column::numeric("z", std::vector<double>(8, 0.0))), data_error);
    xt::xarray<double> flat = {1.0, 2.0};
    CHECK_THROWS_WITH(frame_from_xtensor(flat, {"a"}), Catch::Contains("2-D"));
}

TEST_CASE("a frame built from a list of columns reports the first bad one, as adding them one by one does",
          "[frame][errors]") {
    const auto numeric = [](const std::string& name, std::size_t rows = 3) {
        return Column::numeric(name, std::vector<double>(rows, 1.0));
    };
    CHECK_THROWS_WITH(Frame({numeric("b"), numeric("a"), numeric("c"), numeric("a"), numeric("b")}),
                      "Frame: a column named 'a' is already present");
    CHECK_THROWS_WITH(Frame({numeric("b"), numeric("a", 2), numeric("b")}),
                      Catch::Contains("column 'a' has 2 rows but the frame has 3"));
    CHECK_THROWS_WITH(Frame({numeric("b"), numeric("b", 2)}), Catch::Contains("'b' is already present"));
    CHECK_THROWS_WITH(Frame({numeric("x"), numeric(""), numeric("x")}), Catch::Contains("non-empty name"));
    // More than 16 columns are checked another way (sorted names): the same first repeat.
    std::vector<Column> wide_repeat;
    for (int i = 0; i < 20; ++i) wide_repeat.push_back(numeric("w" + std::to_string(i % 17)));
    CHECK_THROWS_WITH(Frame(std::move(wide_repeat)), "Frame: a column named 'w0' is already present");
    std::vector<Column> many;
    for (int i = 0; i < 5000; ++i) many.push_back(numeric("c" + std::to_string(4999 - i), 1));
    const Frame wide(std::move(many));
    CHECK(wide.cols() == 5000);
    CHECK(wide[0].name() == "c4999");
    CHECK(wide[4999].name() == "c0");
}

TEST_CASE("a moved-from column is an empty numeric column whatever it held", "[frame]") {
    Column categorical = Column::categorical("color", std::vector<std::string>{"red", "blue", "red"});
    Column one_hot = Column::one_hot("size", {0, 1, 1}, {"S", "M"});
    const Column taken_categorical = std::move(categorical);
    const Column taken_one_hot = std::move(one_hot);
    CHECK(taken_categorical.codes().size() == 3);
    CHECK(taken_categorical.dictionary() == std::vector<std::string>{"red", "blue"});
    CHECK(taken_one_hot.width() == 2);
    for (const Column* moved : {&categorical, &one_hot}) {  // NOLINT(bugprone-use-after-move)
        CHECK(moved->is_numeric());
        CHECK(moved->size() == 0);
        CHECK(moved->values().empty());
        CHECK(moved->count_missing() == 0);
        CHECK_THROWS_AS(moved->codes(), data_error);
    }
    // Empty categorical columns have no codes and no categories, and say so.
    const Column empty = Column::categorical("none", std::vector<std::string>{});
    CHECK(empty.size() == 0);
    CHECK(empty.codes().empty());
    CHECK(empty.dictionary().empty());
    CHECK_THROWS_AS(empty.is_missing(0), std::out_of_range);
}

TEST_CASE("missing values are explicit", "[frame]") {
    Frame X;
    X.add_numeric("x", {1.0, std::nan(""), 3.0});
    X.add_categorical("c", std::vector<std::optional<std::string>>{"a", std::nullopt, std::nullopt});
    CHECK(X.column("x").is_missing(1));
    CHECK_FALSE(X.column("x").is_missing(0));
    CHECK(X.column("c").count_missing() == 2);
}

TEST_CASE("labels print as text and compare as values", "[frame][labels]") {
    Labels labels({Label("female"), Label("male")}, {1, 0, 1});
    std::ostringstream out;
    for (const auto& label : labels) out << label << ' ';
    CHECK(out.str() == "male female male ");
    CHECK(labels.to_strings() == std::vector<std::string>{"male", "female", "male"});
    CHECK(Label(1.0).to_string() == "1");
    CHECK(Label(0.5).to_string() == "0.5");
    CHECK(Label(2.0) < Label(10.0));
    CHECK(Label("B") < Label("a"));
    CHECK_THROWS_AS(Label("x").number(), data_error);
}

TEST_CASE("column-major xtensor arrays handed over become Frames without a copy, and others are copied",
          "[frame][xtensor]") {
    using ColumnMajor = xt::xtensor<double, 2, xt::layout_type::column_major>;
    ColumnMajor array = {{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}};
    const double* storage = array.data();
    Frame moved = frame_from_xtensor(std::move(array), {"a", "b"});
    CHECK(moved.column("a").values().data() == storage);  // the array's own memory, column by column
    CHECK(moved.column("b").values().data() == storage + 3);
    CHECK(moved.column("b").values()[2] == 6.0);
    Frame copy = moved;  // shares the columns; the array lives as long as any Frame holds it
    moved = Frame();
    CHECK(copy.column("a").values()[1] == 3.0);
    CHECK(copy.column("a").count_missing() == 0);

    auto shared = std::make_shared<const xt::xtensor<float, 2, xt::layout_type::column_major>>(
        xt::xtensor<float, 2, xt::layout_type::column_major>{{1.5f}, {2.5f}});
    {
        Frame floats = frame_from_xtensor(shared, {"x"});
        CHECK(floats.column("x").is_float32());
        CHECK(floats.column("x").values_f32().data() == shared->data());
        CHECK(shared.use_count() == 2);
    }
    CHECK(shared.use_count() == 1);  // released with the Frame

    auto dynamic = xt::xarray<double, xt::layout_type::column_major>::from_shape({2, 2});
    dynamic(1, 1) = 9.0;
    const double* dynamic_storage = dynamic.data();
    CHECK(frame_from_xtensor(std::move(dynamic), {"p", "q"}).column("q").values().data() == dynamic_storage + 2);

    xt::xtensor<double, 2> row_major = {{1.0, 2.0}, {3.0, 4.0}};  // xtensor's default layout: copied
    const Frame copied = frame_from_xtensor(row_major, {"a", "b"});
    CHECK(copied.column("a").values()[1] == 3.0);
    CHECK(copied.column("a").values().data() != row_major.data());
    CHECK_THROWS_WITH(frame_from_xtensor(ColumnMajor({2, 3}), {"a", "b"}), Catch::Contains("3 array columns but 2"));
    CHECK_THROWS_WITH(Column::numeric_view("v", std::span<const double>(), nullptr), Catch::Contains("owner"));
}

TEST_CASE("a model fits a Frame over an xtensor array and predicts into xtensor arrays", "[frame][xtensor]") {
    xt::xtensor<double, 2, xt::layout_type::column_major> features({8, 2});
    const Frame toy = test::toy_X();
    for (std::size_t i = 0; i < 8; ++i) {
        features(i, 0) = toy.column("size").values()[i];
        features(i, 1) = toy.column("weight").values()[i];
    }
    const Frame X = frame_from_xtensor(std::move(features), {"size", "weight"});
    LogisticRegression model;
    model.fit(X, test::toy_y());
    const xt::xtensor<double, 2> proba = to_xtensor(model.predict_proba(X));
    const xt::xtensor<double, 2> scores = to_xtensor(model.decision_function(X));
    const Eigen::MatrixXd expected =
        model.predict_proba(Frame({toy.column("size"), toy.column("weight")}));  // the same values, copied
    REQUIRE(proba.shape()[0] == 8);
    REQUIRE(proba.shape()[1] == 2);
    REQUIRE(scores.shape()[1] == 1);
    for (std::size_t i = 0; i < 8; ++i) {
        CHECK(proba(i, 0) + proba(i, 1) == Approx(1.0));
        CHECK(proba(i, 1) == expected(static_cast<Eigen::Index>(i), 1));
        CHECK((scores(i, 0) > 0) == (proba(i, 1) > 0.5));
    }
}

TEST_CASE("a code outside the dictionary is refused with its row, after thousands of good ones", "[frame][errors]") {
    // The codes are counted in one vectorised pass first, then searched for the row.
    std::vector<std::int32_t> codes(5000, 1);
    codes[17] = -1;  // missing: allowed
    CHECK_NOTHROW(Column::one_hot("size", codes, {"S", "M"}));
    codes[3333] = 2;
    CHECK_THROWS_WITH(Column::one_hot("size", codes, {"S", "M"}),
                      Catch::Contains("'size'") && Catch::Contains("code 2 in row 3333"));
    codes[3333] = 1;
    codes[4999] = -2;
    CHECK_THROWS_WITH(Column::categorical("size", codes, {"S", "M"}), Catch::Contains("code -2 in row 4999"));
}

TEST_CASE("category codes are stored in the narrowest integer type that holds the dictionary", "[frame][codes]") {
    CHECK(narrowest_code_type(0) == CodeType::int8);
    CHECK(narrowest_code_type(128) == CodeType::int8);  // codes -1 .. 127
    CHECK(narrowest_code_type(129) == CodeType::int16);
    CHECK(narrowest_code_type(32768) == CodeType::int16);
    CHECK(narrowest_code_type(32769) == CodeType::int32);

    auto names = [](std::size_t n) {
        std::vector<std::string> out;
        for (std::size_t i = 0; i < n; ++i) out.push_back("v" + std::to_string(i));
        return out;
    };
    // int32 codes given, each width kept exactly, the largest code and -1 included.
    for (const std::size_t n : {std::size_t{2}, std::size_t{128}, std::size_t{129}, std::size_t{32768},
                                std::size_t{32769}}) {
        INFO(n << " categories");
        const std::vector<std::int32_t> codes{0, -1, static_cast<std::int32_t>(n - 1), 1};
        const Column c = Column::categorical("c", codes, names(n));
        CHECK(c.code_type() == narrowest_code_type(n));
        CHECK(std::vector<std::int32_t>(c.codes().begin(), c.codes().end()) == codes);
        CHECK(c.count_missing() == 1);
        CHECK(c.is_missing(1));
        const Column o = Column::one_hot("o", codes, names(n));
        CHECK(o.code_type() == narrowest_code_type(n));
        CHECK(o.codes()[2] == static_cast<std::int32_t>(n - 1));
    }
    // Narrow codes given: kept when narrowest, widened when the dictionary needs more.
    const Column eight = Column::one_hot("o", std::vector<std::int8_t>{1, 0, -1}, {"a", "b"});
    CHECK(eight.code_type() == CodeType::int8);
    CHECK(eight.codes()[0] == 1);
    CHECK(eight.codes()[2] == -1);
    const Column widened = Column::categorical("c", std::vector<std::int8_t>{127, -1}, names(300));
    CHECK(widened.code_type() == CodeType::int16);
    CHECK(widened.codes()[0] == 127);
    const Column narrowed = Column::categorical("c", std::vector<std::int16_t>{2, -1}, names(3));
    CHECK(narrowed.code_type() == CodeType::int8);
    CHECK(narrowed.visit_codes([](auto codes) { return sizeof(codes[0]); }) == 1);
    // Each type's largest value: a code when the dictionary is larger, refused when it is not.
    const Column full16 = Column::one_hot("o", std::vector<std::int16_t>{32767, -1}, names(32768));
    CHECK(full16.code_type() == CodeType::int16);
    CHECK(full16.codes()[0] == 32767);
    CHECK(Column::one_hot("o", std::vector<std::int8_t>{127}, names(128)).codes()[0] == 127);
    CHECK_THROWS_WITH(Column::one_hot("o", std::vector<std::int8_t>{127}, names(127)),
                      Catch::Contains("code 127 in row 0"));
    CHECK_THROWS_WITH(Column::one_hot("o", std::vector<std::int16_t>{32767}, names(32767)),
                      Catch::Contains("code 32767 in row 0"));
    // Bad narrow codes get the same error as int32 ones.
    CHECK_THROWS_WITH(Column::one_hot("size", std::vector<std::int8_t>{0, 2}, {"S", "M"}),
                      Catch::Contains("'size'") && Catch::Contains("code 2 in row 1"));
    CHECK_THROWS_WITH(Column::one_hot("size", std::vector<std::int16_t>{-2}, {"S", "M"}),
                      Catch::Contains("code -2 in row 0"));
    // Rows taken keep the code type; an iterator outlives the view it came from.
    const Column wide = Column::categorical("w", std::vector<std::int32_t>{5, 200, -1}, names(300));
    const std::vector<std::size_t> picked{2, 0};
    const Frame taken = take_rows(Frame(std::vector<Column>{wide, eight}), picked);
    CHECK(taken.column("w").code_type() == CodeType::int16);
    CHECK(taken.column("o").code_type() == CodeType::int8);
    auto it = taken.column("w").codes().begin();
    CHECK(it[0] == -1);
    CHECK(it[1] == 5);
    CHECK(taken.column("w").codes().end() - it == 2);
}
