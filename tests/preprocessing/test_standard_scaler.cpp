// StandardScaler: statistics as sklearn's, streaming, switches, missing values, errors.

#include "../support/datasets.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

using namespace mlpipe;

TEST_CASE("mean, var and scale match sklearn on penguins and iris", "[standard_scaler]") {
    for (const char* name : {"penguins", "iris"}) {
        test::ReferenceSet set(name);
        StandardScaler scaler({.columns = set.numeric});
        scaler.fit(set.X_train);
        const auto& ref = set.ref["scaler"];
        CHECK(test::max_abs_diff(scaler.mean(), test::to_vector(ref["mean_"])) < 1e-12);
        CHECK((scaler.var() - test::to_vector(ref["var_"])).cwiseQuotient(test::to_vector(ref["var_"])).cwiseAbs()
                  .maxCoeff() < 1e-12);
        CHECK((scaler.scale() - test::to_vector(ref["scale_"])).cwiseQuotient(test::to_vector(ref["scale_"]))
                  .cwiseAbs().maxCoeff() < 1e-12);
    }
}

TEST_CASE("transform standardises and inverse_transform undoes it", "[standard_scaler]") {
    Frame X = test::toy_X();
    StandardScaler scaler;
    Frame out = scaler.fit_transform(X);
    CHECK(scaler.columns() == std::vector<std::string>{"size", "weight"});
    CHECK(out[0].is_categorical());  // untouched
    auto size = out.column("size").values();
    double mean = 0, sq = 0;
    for (double v : size) mean += v / static_cast<double>(size.size());
    for (double v : size) sq += (v - mean) * (v - mean) / static_cast<double>(size.size());
    CHECK(mean == Approx(0).margin(1e-12));
    CHECK(sq == Approx(1.0).epsilon(1e-12));
    Frame back = scaler.inverse_transform(out);
    for (std::size_t i = 0; i < X.rows(); ++i)
        CHECK(back.column("weight").values()[i] == Approx(X.column("weight").values()[i]).epsilon(1e-14));
}

TEST_CASE("partial_fit over batches equals one fit", "[standard_scaler]") {
    test::ReferenceSet set("penguins");
    StandardScaler whole({.columns = set.numeric});
    whole.fit(set.X_train);
    StandardScaler streamed({.columns = set.numeric});
    // Three uneven batches of the same rows.
    const std::vector<std::pair<std::size_t, std::size_t>> batches = {{0, 50}, {50, 51}, {51, 266}};
    for (auto [begin, end] : batches) {
        Frame batch;
        for (const auto& name : set.numeric) {
            auto values = set.X_train.column(name).values();
            batch.add_numeric(name, std::vector<double>(values.begin() + static_cast<std::ptrdiff_t>(begin),
                                                        values.begin() + static_cast<std::ptrdiff_t>(end)));
        }
        streamed.partial_fit(batch);
    }
    CHECK(test::max_abs_diff(streamed.mean(), whole.mean()) < 1e-10);
    CHECK(((streamed.var() - whole.var()).cwiseQuotient(whole.var())).cwiseAbs().maxCoeff() < 1e-10);
    CHECK(streamed.n_samples_seen()[0] == 266);
}

TEST_CASE("constant columns get scale 1, missing values are ignored and kept", "[standard_scaler]") {
    Frame X;
    X.add_numeric("constant", {5.0, 5.0, 5.0, 5.0});
    X.add_numeric("gappy", {1.0, std::nan(""), 3.0, 5.0});
    StandardScaler scaler;
    Frame out = scaler.fit_transform(X);
    CHECK(scaler.scale()[0] == 1.0);
    CHECK(out.column("constant").values()[0] == 0.0);
    CHECK(scaler.mean()[1] == Approx(3.0));
    CHECK(scaler.n_samples_seen()[1] == 3);
    CHECK(std::isnan(out.column("gappy").values()[1]));
}

TEST_CASE("with_mean and with_std switch the centring and the scaling", "[standard_scaler]") {
    Frame X;
    X.add_numeric("x", {1.0, 2.0, 3.0, 6.0});
    Frame centred = StandardScaler({.with_std = false}).fit_transform(X);
    CHECK(centred.column("x").values()[0] == -2.0);
    StandardScaler scale_only({.with_mean = false});
    Frame scaled = scale_only.fit_transform(X);
    CHECK(scaled.column("x").values()[3] == Approx(6.0 / std::sqrt(3.5)));
}

TEST_CASE("sample weights weigh the statistics", "[standard_scaler]") {
    Frame X;
    X.add_numeric("x", {1.0, 3.0});
    StandardScaler scaler;
    std::vector<double> weights = {3.0, 1.0};
    scaler.fit(X, weights);
    CHECK(scaler.mean()[0] == Approx(1.5));
    CHECK(scaler.var()[0] == Approx(0.75));
}

TEST_CASE("a failed partial_fit leaves the statistics as they were", "[standard_scaler][errors]") {
    Frame first;
    first.add_numeric("a", {1.0, 2.0}).add_numeric("b", {3.0, 5.0});
    StandardScaler scaler;
    scaler.partial_fit(first);
    Frame bad;
    bad.add_numeric("a", {10.0, 20.0}).add_categorical("b", {"x", "y"});
    CHECK_THROWS_WITH(scaler.partial_fit(bad), Catch::Contains("'b'"));
    CHECK(scaler.n_samples_seen()[0] == 2);
    CHECK(scaler.mean()[0] == 1.5);
}

TEST_CASE("infinite values are refused, naming column and row", "[standard_scaler][errors]") {
    Frame X;
    X.add_numeric("x", {1.0, 2.0, std::numeric_limits<double>::infinity(), 4.0});
    CHECK_THROWS_WITH(StandardScaler{}.fit(X), Catch::Contains("'x'") && Catch::Contains("infinite") &&
                                                   Catch::Contains("row 2"));
}

TEST_CASE("infinite values on many rows (columns on the pool) are found, the first column's first", "[standard_scaler][errors]") {
    // 70,000 rows: the columns are summed on the pool. An infinite value is found from a sum
    // that is not finite: +inf and -inf in one column (a NaN sum), an infinite value whose
    // weight is 0, and the lower-numbered column's error whatever thread finishes first.
    constexpr double inf = std::numeric_limits<double>::infinity();
    const std::size_t n = 70'000;
    std::vector<double> a(n, 1.5), b(n), c(n);
    for (std::size_t i = 0; i < n; ++i) {
        b[i] = static_cast<double>(i % 97);
        c[i] = -static_cast<double>(i % 13);
    }
    b[50'000] = inf;
    b[60'000] = -inf;
    c[10] = inf;
    Frame X;
    X.add_numeric("a", a).add_numeric("b", b).add_numeric("c", c);
    CHECK_THROWS_WITH(StandardScaler{}.fit(X), Catch::Contains("'b'") && Catch::Contains("row 50000"));
    std::vector<double> weights(n, 1.0);
    weights[50'000] = weights[60'000] = weights[10] = 0.0;
    CHECK_THROWS_WITH(StandardScaler{}.fit(X, weights), Catch::Contains("'b'") && Catch::Contains("row 50000"));
    c[10] = 0.0;
    Frame finite;
    finite.add_numeric("a", a).add_numeric("c", c);
    const StandardScaler fitted = StandardScaler{}.fit(finite);  // no infinite value: fits
    CHECK(fitted.mean()[0] == 1.5);
    CHECK(fitted.scale()[0] == 1.0);  // a constant column
}

TEST_CASE("StandardScaler errors", "[standard_scaler][errors]") {
    StandardScaler scaler({.columns = {"color"}});
    CHECK_THROWS_AS(scaler.mean(), not_fitted_error);
    CHECK_THROWS_AS(scaler.transform(test::toy_X()), not_fitted_error);
    CHECK_THROWS_WITH(scaler.fit(test::toy_X()), Catch::Contains("'color'") && Catch::Contains("not numeric"));
    StandardScaler missing({.columns = {"height"}});
    CHECK_THROWS_WITH(missing.fit(test::toy_X()), Catch::Contains("'height'") && Catch::Contains("not in X"));
    Frame empty;
    empty.add_numeric("x", {});
    CHECK_THROWS_WITH(StandardScaler{}.fit(empty), Catch::Contains("no rows"));
}
