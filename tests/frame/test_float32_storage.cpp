// float32 numeric columns: the Column API, the CSV reader's numeric_type, and components that
// read them (StandardScaler, OneHotEncoder, LogisticRegression through its Design). A float32
// column holds the float64 column's values rounded to float; every computation widens them
// to double, so a model fitted on float32 storage is the same, bit for bit, as one fitted on
// float64 storage of the same rounded values.

#include <mlpipe/linear_model/design.hpp>
#include <mlpipe/mlpipe.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace mlpipe;

namespace {

// The same frame with its numeric columns stored as float32 (true) or as float64 holding
// the same float-rounded values (false).
Frame rounded(const Frame& X, bool as_float32) {
    Frame out;
    for (const auto& column : X) {
        if (!column.is_numeric()) {
            out.add(column);
            continue;
        }
        std::vector<float> floats(column.values().begin(), column.values().end());
        if (as_float32)
            out.add(Column::numeric_f32(column.name(), std::move(floats)));
        else
            out.add(Column::numeric(column.name(), std::vector<double>(floats.begin(), floats.end())));
    }
    return out;
}

struct Data {
    Frame X, y;
};

Data synthetic(std::size_t rows, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    auto uniform = [&] { return static_cast<double>(random() >> 11) * 0x1.0p-53; };
    std::vector<double> a(rows), b(rows);
    std::vector<std::string> color(rows), label(rows);
    const char* colors[] = {"red", "green", "blue"};
    for (std::size_t i = 0; i < rows; ++i) {
        a[i] = 100 + 20 * uniform();
        b[i] = uniform() - 0.5;
        const std::size_t c = random() % 3;
        color[i] = colors[c];
        label[i] = 0.1 * (a[i] - 110) + 3 * b[i] + (c == 1 ? 0.8 : 0.0) + 2 * (uniform() - 0.5) > 0 ? "yes" : "no";
    }
    Data d;
    d.X.add_numeric("a", std::move(a));
    d.X.add_numeric("b", std::move(b));
    d.X.add_categorical("color", color);
    d.y.add_categorical("label", label);
    return d;
}

auto penguin_like_pipeline(int n_jobs = 1) {
    LogisticRegression::Options options;
    options.n_jobs = n_jobs;
    return Pipeline<OneHotEncoder, StandardScaler, LogisticRegression>{
        OneHotEncoder{{.columns = {"color"}}}, StandardScaler{{.columns = {"a", "b"}}}, LogisticRegression{options}};
}

}  // namespace

TEST_CASE("a float32 column stores floats and says so", "[frame][float32]") {
    const Column c = Column::numeric_f32("x", {1.5f, std::nanf(""), -2.25f});
    CHECK(c.is_numeric());
    CHECK(c.is_float32());
    CHECK(c.numeric_type() == NumericType::float32);
    CHECK(c.size() == 3);
    CHECK(c.values_f32()[2] == -2.25f);
    CHECK(c.value(0) == 1.5);
    CHECK(c.is_missing(1));
    CHECK(c.count_missing() == 1);
    REQUIRE_THROWS_WITH(c.values(), Catch::Contains("column 'x' stores float32 values") &&
                                        Catch::Contains("visit_values"));
    CHECK(c.visit_values([](auto values) { return sizeof(values[0]); }) == sizeof(float));

    const Column widened = c.to_float64();
    CHECK_FALSE(widened.is_float32());
    CHECK(widened.values()[2] == -2.25);
    CHECK(std::isnan(widened.values()[1]));

    const Column d = Column::numeric("y", {1.0, 2.0});
    CHECK(d.numeric_type() == NumericType::float64);
    REQUIRE_THROWS_WITH(d.values_f32(), Catch::Contains("column 'y' stores float64 values"));
    CHECK(d.visit_values([](auto values) { return sizeof(values[0]); }) == sizeof(double));

    Column moved = Column::numeric_f32("m", {3.0f});
    const Column taken = std::move(moved);
    CHECK(taken.is_float32());
    CHECK_FALSE(moved.is_float32());  // NOLINT(bugprone-use-after-move): a moved-from column is empty float64
    CHECK(moved.size() == 0);         // NOLINT(bugprone-use-after-move)
}

TEST_CASE("read_csv stores numeric columns as float32 when asked, but the ones kept float64",
          "[csv][float32]") {
    const std::string text = "a,b,name,y\n0.1,1e10,x,0.1\n,2.5,y,0.2\n3,-7,,0.1\n";
    CsvOptions options;
    options.numeric_type = NumericType::float32;
    options.float64_columns = {"y"};
    for (std::size_t window : {std::size_t{0}, std::size_t{7}}) {
        options.window_bytes = window;
        const Frame frame = parse_csv(text, options);
        REQUIRE(frame.column("a").is_float32());
        CHECK(frame.column("a").values_f32()[0] == 0.1f);  // the double 0.1 rounded to float
        CHECK(std::isnan(frame.column("a").values_f32()[1]));
        CHECK(frame.column("b").values_f32()[0] == 1e10f);
        CHECK(frame.column("name").is_categorical());
        REQUIRE_FALSE(frame.column("y").is_float32());
        CHECK(frame.column("y").values()[0] == 0.1);
    }
    // float64 stays the default.
    CHECK_FALSE(parse_csv(text).column("a").is_float32());

    // A float32 column writes back the shortest text of the float, not of its double.
    std::ostringstream out;
    write_csv(parse_csv("a\n0.1\n", options), out);
    CHECK(out.str() == "a\n0.1\n");
}

TEST_CASE("read_csv refuses a number too large for float32, naming the column and record", "[csv][float32]") {
    CsvOptions options;
    options.numeric_type = NumericType::float32;
    REQUIRE_THROWS_AS(parse_csv("a,b\n1,2\n3,1e300\n", options), csv_error);
    REQUIRE_THROWS_WITH(parse_csv("a,b\n1,2\n3,1e300\n", options),
                        Catch::Contains("'b'") && Catch::Contains("1e+300") && Catch::Contains("data record 2") &&
                            Catch::Contains("too large for float32"));
    // The largest float and infinities written as such are values, not overflows.
    const Frame frame = parse_csv("a\n3.4028234e38\ninf\n", options);
    CHECK(frame.column("a").values_f32()[0] == std::numeric_limits<float>::max());
    CHECK(std::isinf(frame.column("a").values_f32()[1]));
}

TEST_CASE("StandardScaler and OneHotEncoder read float32 columns as their double values", "[preprocessing][float32]") {
    const Data data = synthetic(5'000, 3);
    const Frame f32 = rounded(data.X, true), f64 = rounded(data.X, false);
    StandardScaler s32, s64;
    s32.fit(f32);
    s64.fit(f64);
    CHECK(s32.mean() == s64.mean());
    CHECK(s32.scale() == s64.scale());
    const Frame t32 = s32.transform(f32), t64 = s64.transform(f64);
    CHECK_FALSE(t32.column("a").is_float32());  // scaled values are doubles
    for (const char* name : {"a", "b"}) CHECK(std::ranges::equal(t32.column(name).values(), t64.column(name).values()));

    Frame numbers;
    numbers.add(Column::numeric_f32("k", {1.5f, 2.0f, 1.5f}));
    OneHotEncoder encoder({.columns = {"k"}});
    encoder.fit(numbers);
    CHECK(encoder.categories()[0] == std::vector<std::string>{"1.5", "2"});
    CHECK(encoder.transform(numbers).column("k").codes()[2] == 0);
}

TEST_CASE("a fit on float32 storage is the fit on float64 storage of the same values, bit for bit",
          "[linear_model][float32][parallel]") {
    const Data data = synthetic(12'000, 11);  // several blocks of rows
    const Frame f32 = rounded(data.X, true), f64 = rounded(data.X, false);
    auto model32 = penguin_like_pipeline(), model64 = penguin_like_pipeline();
    model32.fit(f32, data.y);
    model64.fit(f64, data.y);
    const auto& lr32 = model32.final_step();
    const auto& lr64 = model64.final_step();
    CHECK(lr32.n_iter() == lr64.n_iter());
    CHECK(lr32.coef() == lr64.coef());
    CHECK(lr32.intercept() == lr64.intercept());
    CHECK(model32.predict_proba(f32) == model64.predict_proba(f64));
    // A model fitted on float32 storage predicts float64 input (an endpoint's request) too.
    CHECK(model32.predict_proba(f64) == model64.predict_proba(f64));

    // Against the unrounded data: a different problem, but close.
    auto exact = penguin_like_pipeline();
    exact.fit(data.X, data.y);
    const double difference = (exact.predict_proba(data.X) - model32.predict_proba(data.X)).cwiseAbs().maxCoeff();
    CHECK(difference < 1e-5);
    CHECK(difference > 0);

    // Any thread count gives the same bits on float32 storage too.
    for (int threads : {2, 3}) {
        auto parallel = penguin_like_pipeline(threads);
        parallel.fit(f32, data.y);
        CHECK(parallel.final_step().coef() == lr32.coef());
        CHECK(parallel.predict_proba(f32) == model32.predict_proba(f32));
    }
}

TEST_CASE("Design<double> computes on float32 storage as on float64 storage of the same values, bit for bit",
          "[linear_model][float32]") {
    // Nine numeric columns: two groups of four (read four at a time, widened as read) and
    // one alone; 5,000 rows: several blocks and a short last one.
    std::mt19937_64 engine(17);
    std::uniform_real_distribution<double> uniform(-3.0, 3.0);
    const std::size_t rows = 5000;
    std::vector<Column> narrow, wide;
    FeatureScalings scalings;
    for (int j = 0; j < 9; ++j) {
        std::vector<float> values(rows);
        for (auto& v : values) v = static_cast<float>(uniform(engine));
        const std::string name = "x" + std::to_string(j);
        wide.push_back(Column::numeric(name, std::vector<double>(values.begin(), values.end())));
        narrow.push_back(Column::numeric_f32(name, std::move(values)));
        scalings[name] = {0.1 * j, 1.0 + 0.25 * j};
    }
    const Frame f32(std::move(narrow)), f64(std::move(wide));
    const auto d32 = Design<double>::build(f32, "test", scalings);
    const auto d64 = Design<double>::build(f64, "test", scalings);
    Eigen::MatrixXd W(d32.n_features(), 2);
    for (Eigen::Index i = 0; i < W.size(); ++i) W.data()[i] = uniform(engine);
    const Eigen::RowVector2d b(0.5, -1.5);
    Eigen::MatrixXd Z32, Z64;
    d32.decision(W, b, Z32);
    d64.decision(W, b, Z64);
    CHECK(Z32 == Z64);
    Eigen::MatrixXd G32(d32.n_features(), 2), G64(d64.n_features(), 2);
    d32.transpose_times(Z64, G32);
    d64.transpose_times(Z64, G64);
    CHECK(G32 == G64);
}
