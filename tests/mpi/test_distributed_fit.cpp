// Distributed fits over MPI (run by CTest as mpirun -np 1, 2 and 3): every rank takes a
// share of the rows, and every rank must end with the model that one process fits on all the
// rows (probabilities within 1e-10), the same bits on every rank and at every run.
#include <catch2/catch.hpp>

#include "support/synthetic.hpp"

#include <mlpipe/core.hpp>
#include <mlpipe/frame/rows.hpp>
#include <mlpipe/parallel/collectives.hpp>
#include <mlpipe/parallel/mpi_communicator.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace {

using mlpipe::Frame;

const mlpipe::MpiCommunicator& world() {
    static const mlpipe::MpiCommunicator communicator;
    return communicator;
}

// The rows sorted by colour, then cut into one contiguous range per rank: with 3 ranks each
// rank sees other colours, so the encoder's categories differ between ranks.
std::vector<std::size_t> rows_by_colour(const Frame& X) {
    const mlpipe::Column& colour = X.column("color");
    std::vector<std::size_t> order(X.rows());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return colour.dictionary()[static_cast<std::size_t>(colour.codes()[a])] <
               colour.dictionary()[static_cast<std::size_t>(colour.codes()[b])];
    });
    return order;
}

std::vector<std::size_t> my_share(const std::vector<std::size_t>& order) {
    const auto ranks = static_cast<std::size_t>(world().size()), rank = static_cast<std::size_t>(world().rank());
    const std::size_t begin = order.size() * rank / ranks, end = order.size() * (rank + 1) / ranks;
    return {order.begin() + static_cast<std::ptrdiff_t>(begin), order.begin() + static_cast<std::ptrdiff_t>(end)};
}

template <class Matrix>
double max_difference(const Matrix& a, const Matrix& b) {
    REQUIRE(a.rows() == b.rows());
    REQUIRE(a.cols() == b.cols());
    return static_cast<double>((a - b).cwiseAbs().maxCoeff());
}

// Every rank's copy of `values`, which must be the same bits on every rank.
void require_same_on_every_rank(const std::vector<double>& values) {
    const auto all = mlpipe::collective::gather_numbers(world(), values);
    for (const auto& rank : all) REQUIRE(rank == all.front());
}

// The synthetic data with holes: every 7th a and 11th c missing, every 13th colour.
Frame with_holes(const Frame& X) {
    Frame out = X;
    for (const std::string name : {"a", "c"}) {
        std::vector<double> values(X.column(name).values().begin(), X.column(name).values().end());
        for (std::size_t i = 0; i < values.size(); i += name == "a" ? 7 : 11) values[i] = std::nan("");
        out.replace(*out.find(name), mlpipe::Column::numeric(name, std::move(values)));
    }
    const mlpipe::Column& colour = X.column("color");
    std::vector<std::int32_t> codes(colour.codes().begin(), colour.codes().end());
    for (std::size_t i = 0; i < codes.size(); i += 13) codes[i] = -1;
    out.replace(*out.find("color"), mlpipe::Column::categorical("color", std::move(codes), colour.dictionary()));
    return out;
}

// A step with no distributed fit.
struct Unshared {
    static std::string type_name() { return "Unshared"; }
    Unshared& fit(const Frame&) { return *this; }
    Frame transform(Frame X) const { return X; }
};

template <class Scalar>
std::vector<double> parameters_of(const mlpipe::BasicLogisticRegression<Scalar>& model) {
    std::vector<double> values;
    for (Eigen::Index i = 0; i < model.coef().size(); ++i)
        values.push_back(static_cast<double>(model.coef().data()[i]));
    for (Eigen::Index i = 0; i < model.intercept().size(); ++i)
        values.push_back(static_cast<double>(model.intercept()[i]));
    return values;
}

}  // namespace

TEST_CASE("the communicator sums in a fixed order and gathers in rank order") {
    const int rank = world().rank(), ranks = world().size();
    std::vector<double> values{1.0 + rank, 1e16, -1e16 * (rank == 0 ? ranks : 0)};
    world().sum(std::span<double>(values));
    CHECK(values[0] == ranks * (ranks + 1) / 2.0);
    require_same_on_every_rank(values);
    std::vector<float> floats{0.5f * static_cast<float>(rank)};
    world().sum(std::span<float>(floats));
    CHECK(floats[0] == 0.25f * static_cast<float>(ranks * (ranks - 1)));

    const auto gathered = world().allgather("rank " + std::to_string(rank));
    REQUIRE(gathered.size() == static_cast<std::size_t>(ranks));
    for (int r = 0; r < ranks; ++r) CHECK(gathered[static_cast<std::size_t>(r)] == "rank " + std::to_string(r));

    std::string message = rank == ranks - 1 ? "from the last rank" : "";
    world().broadcast(message, ranks - 1);
    CHECK(message == "from the last rank");
    CHECK(world().describe() == "MPI rank " + std::to_string(rank) + " of " + std::to_string(ranks));
}

TEST_CASE("a distributed pipeline fit is the fit of all the rows, on every rank") {
    const int classes = GENERATE(2, 3);
    const mlpipe::Solver solver =
        GENERATE(mlpipe::Solver::lbfgs, mlpipe::Solver::newton_cg, mlpipe::Solver::newton_cholesky);
    const mlpipe::SklearnVersion version = GENERATE(mlpipe::SklearnVersion::latest, mlpipe::SklearnVersion::v1_2);
    CAPTURE(classes, mlpipe::to_string(solver), mlpipe::to_string(version), world().size());
    const auto data = mlpipe::test::synthetic(3001, classes, 17);
    const auto order = rows_by_colour(data.X);
    const Frame X_all = mlpipe::take_rows(data.X, order), y_all = mlpipe::take_rows(data.y, order);
    const auto mine = my_share(order);
    const Frame X_mine = mlpipe::take_rows(data.X, mine), y_mine = mlpipe::take_rows(data.y, mine);

    const mlpipe::LogisticRegression::Options options{
        .C = 0.5, .tol = 1e-10, .match_sklearn = version, .solver = solver};
    auto single = mlpipe::test::synthetic_pipeline<double>(options);
    single.fit(X_all, y_all);
    auto distributed = mlpipe::test::synthetic_pipeline<double>(options);
    distributed.fit(X_mine, y_mine, {}, world());

    CHECK(distributed.step<mlpipe::OneHotEncoder>().feature_names_out() ==
          single.step<mlpipe::OneHotEncoder>().feature_names_out());
    const auto& scaler = distributed.step<mlpipe::StandardScaler>();
    const auto& scaler_single = single.step<mlpipe::StandardScaler>();
    CHECK(max_difference(scaler.mean(), scaler_single.mean()) <= 1e-12 * scaler_single.mean().cwiseAbs().maxCoeff());
    CHECK(max_difference(scaler.var(), scaler_single.var()) <= 1e-12 * scaler_single.var().maxCoeff());
    CHECK(scaler.n_samples_seen() == scaler_single.n_samples_seen());
    CHECK(distributed.classes() == single.classes());
    CHECK(distributed.final_step().n_iter() > 0);
    CHECK(max_difference(distributed.predict_proba(X_all), single.predict_proba(X_all)) <= 1e-10);
    require_same_on_every_rank(parameters_of(distributed.final_step()));
}

TEST_CASE("a distributed fit with sample and class weights matches, and repeats to the bit") {
    const auto data = mlpipe::test::synthetic(2000, 3, 5);
    const auto order = rows_by_colour(data.X);
    std::vector<double> weights(data.X.rows());
    for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = 0.5 + static_cast<double>(i % 7) / 4;
    std::vector<double> weights_all, weights_mine;
    for (auto row : order) weights_all.push_back(weights[row]);
    const auto mine = my_share(order);
    for (auto row : mine) weights_mine.push_back(weights[row]);
    const Frame X_all = mlpipe::take_rows(data.X, order), y_all = mlpipe::take_rows(data.y, order);
    const Frame X_mine = mlpipe::take_rows(data.X, mine), y_mine = mlpipe::take_rows(data.y, mine);

    const mlpipe::LogisticRegression::Options options{.tol = 1e-10, .class_weight = mlpipe::ClassWeight::balanced};
    auto single = mlpipe::test::synthetic_pipeline<double>(options);
    single.fit(X_all, y_all, weights_all);
    auto distributed = mlpipe::test::synthetic_pipeline<double>(options);
    distributed.fit(X_mine, y_mine, weights_mine, world());
    CHECK(max_difference(distributed.predict_proba(X_all), single.predict_proba(X_all)) <= 1e-10);

    auto again = mlpipe::test::synthetic_pipeline<double>(options);
    again.fit(X_mine, y_mine, weights_mine, world());
    CHECK(parameters_of(again.final_step()) == parameters_of(distributed.final_step()));
}

TEST_CASE("a distributed float fit is the float fit of all the rows, to float precision") {
    const auto data = mlpipe::test::synthetic(3000, 2, 3);
    const auto order = rows_by_colour(data.X);
    const auto mine = my_share(order);
    const mlpipe::BasicLogisticRegression<float>::Options options{.tol = 1e-4};
    auto single = mlpipe::test::synthetic_pipeline<float>(options);
    single.fit(mlpipe::take_rows(data.X, order), mlpipe::take_rows(data.y, order));
    auto distributed = mlpipe::test::synthetic_pipeline<float>(options);
    distributed.fit(mlpipe::take_rows(data.X, mine), mlpipe::take_rows(data.y, mine), {}, world());
    CHECK(max_difference(distributed.predict_proba(data.X), single.predict_proba(data.X)) <= 1e-4);
    require_same_on_every_rank(parameters_of(distributed.final_step()));
}

TEST_CASE("a failure on one rank is an error on every rank, naming that rank") {
    const auto data = mlpipe::test::synthetic(300, 2, 1);
    const int last = world().size() - 1;
    SECTION("no rows on the last rank") {
        std::vector<std::size_t> rows;
        if (world().rank() != last) {
            rows.resize(data.X.rows());
            std::iota(rows.begin(), rows.end(), std::size_t{0});
        }
        auto pipeline = mlpipe::test::synthetic_pipeline<double>({});
        CHECK_THROWS_WITH(pipeline.fit(mlpipe::take_rows(data.X, rows), mlpipe::take_rows(data.y, rows), {}, world()),
                          Catch::Contains("X has no rows") &&
                              Catch::Contains(world().size() > 1 ? "rank " + std::to_string(last) : std::string()));
    }
    SECTION("sag and saga have no distributed fit") {
        auto pipeline = mlpipe::test::synthetic_pipeline<double>({.solver = mlpipe::Solver::saga});
        if (world().size() > 1)
            CHECK_THROWS_AS(pipeline.fit(data.X, data.y, {}, world()), mlpipe::parameter_error);
        else
            CHECK_NOTHROW(pipeline.fit(data.X, data.y, {}, world()));
    }
    SECTION("a step without a distributed fit is refused by name") {
        mlpipe::Pipeline<Unshared, mlpipe::OneHotEncoder, mlpipe::StandardScaler, mlpipe::LogisticRegression> pipeline{
            Unshared{}, mlpipe::OneHotEncoder{{.columns = {"color", "size"}}},
            mlpipe::StandardScaler{{.columns = {"a", "b", "c"}}}, mlpipe::LogisticRegression{}};
        if (world().size() > 1)
            CHECK_THROWS_WITH(pipeline.fit(data.X, data.y, {}, world()),
                              Catch::Contains("Unshared") && Catch::Contains("no distributed fit"));
        else
            CHECK_NOTHROW(pipeline.fit(data.X, data.y, {}, world()));
    }
    SECTION("a backend that cannot start on one rank") {
        // Rank 0 asks for cuda: without a device it fails there alone, after the other ranks
        // have built their designs (without cuda in the build the option itself is refused).
        mlpipe::LogisticRegression::Options options;
        if (world().rank() == 0) options.backend = mlpipe::Backend::cuda;
        if constexpr (MLPIPE_WITH_CUDA == 0) {
            // Without cuda in the build the option is refused where it is set, before any
            // rank enters the fit: no rank is left waiting, and there is nothing more to test.
            if (world().rank() == 0)
                CHECK_THROWS_WITH(mlpipe::test::synthetic_pipeline<double>(options),
                                  Catch::Contains("backend cuda is not compiled in"));
            return;
        }
        auto pipeline = mlpipe::test::synthetic_pipeline<double>(options);
        if (!mlpipe::cuda_unavailable_reason())
            CHECK_NOTHROW(pipeline.fit(data.X, data.y, {}, world()));
        else if (world().size() > 1)
            CHECK_THROWS_WITH(pipeline.fit(data.X, data.y, {}, world()), Catch::Contains("rank 0 of"));
        else
            CHECK_THROWS_AS(pipeline.fit(data.X, data.y, {}, world()), mlpipe::error);
    }
    SECTION("a progress callback that stops one rank stops them all") {
        auto pipeline = mlpipe::test::synthetic_pipeline<double>({.tol = 1e-12});
        const int stopping = world().size() - 1;
        pipeline.final_step().set_progress_callback([&](const mlpipe::optim::IterationReport& report) {
            return world().rank() != stopping || report.iteration < 2;
        });
        pipeline.fit(data.X, data.y, {}, world());
        CHECK(pipeline.final_step().stop_reason() == mlpipe::optim::StopReason::cancelled);
        CHECK(pipeline.final_step().n_iter() == 2);
        require_same_on_every_rank(parameters_of(pipeline.final_step()));
    }
    SECTION("a label of another kind on one rank") {
        Frame y = data.y;
        if (world().rank() == last && world().size() > 1) {
            std::vector<double> numbers(data.y.rows(), 1.0);
            numbers[0] = 0.0;
            y = Frame{};
            y.add_numeric("label", numbers);
        }
        auto pipeline = mlpipe::test::synthetic_pipeline<double>({});
        if (world().size() > 1)
            CHECK_THROWS_WITH(pipeline.fit(data.X, y, {}, world()), Catch::Contains("numbers on some ranks"));
        else
            CHECK_NOTHROW(pipeline.fit(data.X, y, {}, world()));
    }
}

TEST_CASE("a distributed SimpleImputer learns the statistics of all the rows") {
    const mlpipe::ImputeStrategy strategy =
        GENERATE(mlpipe::ImputeStrategy::mean, mlpipe::ImputeStrategy::median, mlpipe::ImputeStrategy::most_frequent,
                 mlpipe::ImputeStrategy::constant);
    const std::size_t rows = GENERATE(1999, 2000);  // an odd and an even count of values
    CAPTURE(mlpipe::to_string(strategy), rows, world().size());
    auto data = mlpipe::test::synthetic(rows, 2, 9);
    Frame X = with_holes(data.X);
    // Few distinct values in b (so most_frequent has ties to break) and some repeated ones in c.
    std::vector<double> b(X.column("b").values().begin(), X.column("b").values().end());
    for (double& v : b) v = std::round(v * 8);
    X.replace(*X.find("b"), mlpipe::Column::numeric("b", std::move(b)));
    std::vector<double> c(X.column("c").values().begin(), X.column("c").values().end());
    for (double& v : c) v = std::isnan(v) ? v : std::round(v / 50);
    X.replace(*X.find("c"), mlpipe::Column::numeric("c", std::move(c)));
    const auto order = rows_by_colour(data.X);
    const Frame X_all = mlpipe::take_rows(X, order), X_mine = mlpipe::take_rows(X, my_share(order));

    const bool numeric_only = strategy == mlpipe::ImputeStrategy::mean || strategy == mlpipe::ImputeStrategy::median;
    const mlpipe::SimpleImputer::Options options{.strategy = strategy, .add_indicator = true};
    mlpipe::SimpleImputer single(options), distributed(options);
    single.fit(X_all);
    distributed.fit(X_mine, world());
    REQUIRE(distributed.statistics().size() == single.statistics().size());
    CHECK(distributed.statistics().size() == (numeric_only ? 3u : 5u));
    for (std::size_t j = 0; j < single.statistics().size(); ++j) {
        const auto& mine = distributed.statistics()[j];
        const auto& expected = single.statistics()[j];
        CAPTURE(expected.column);
        CHECK(mine.column == expected.column);
        CHECK(mine.has_value == expected.has_value);
        CHECK(mine.had_missing == expected.had_missing);
        CHECK(mine.category == expected.category);
        if (strategy == mlpipe::ImputeStrategy::mean)
            CHECK(mine.number == Approx(expected.number).epsilon(1e-13).margin(1e-13));
        else
            CHECK(mine.number == expected.number);  // a median, a mode, a constant: exact
    }
    CHECK(distributed.transform(X_all).names() == single.transform(X_all).names());
}

// newton-cholesky: it ends at a gradient of 1e-10, where lbfgs on this problem stops on the
// objective's relative change first, at points of two fits that differ by about 1e-9.
TEST_CASE("a distributed fit of a pipeline that imputes matches the fit of all the rows") {
    const auto data = mlpipe::test::synthetic(3000, 3, 21);
    const Frame X = with_holes(data.X);
    const auto order = rows_by_colour(data.X);
    const auto mine = my_share(order);
    auto make = [] {
        return mlpipe::Pipeline<mlpipe::SimpleImputer, mlpipe::SimpleImputer, mlpipe::OneHotEncoder,
                                mlpipe::StandardScaler, mlpipe::LogisticRegression>{
            mlpipe::SimpleImputer{{.columns = {"a", "b", "c"}, .strategy = mlpipe::ImputeStrategy::median}},
            mlpipe::SimpleImputer{{.columns = {"color"}, .strategy = mlpipe::ImputeStrategy::most_frequent}},
            mlpipe::OneHotEncoder{{.columns = {"color", "size"}}}, mlpipe::StandardScaler{{.columns = {"a", "b", "c"}}},
            mlpipe::LogisticRegression{{.tol = 1e-10, .solver = mlpipe::Solver::newton_cholesky}}};
    };
    auto single = make();
    single.fit(mlpipe::take_rows(X, order), mlpipe::take_rows(data.y, order));
    auto distributed = make();
    distributed.fit(mlpipe::take_rows(X, mine), mlpipe::take_rows(data.y, mine), {}, world());
    CHECK(distributed.step<0>().statistics() == single.step<0>().statistics());
    CHECK(distributed.step<1>().statistics() == single.step<1>().statistics());
    CHECK(max_difference(distributed.predict_proba(X), single.predict_proba(X)) <= 1e-10);
    require_same_on_every_rank(parameters_of(distributed.final_step()));
}

TEST_CASE("a distributed OneHotEncoder orders number categories by value and groups infrequent ones on all rows") {
    const auto data = mlpipe::test::synthetic(2500, 2, 31);
    Frame X = data.X;
    // A numeric column of a few values, some rare overall but common on one rank, with holes.
    std::vector<double> bucket(X.rows());
    const auto c = X.column("c").values();
    for (std::size_t i = 0; i < bucket.size(); ++i)
        bucket[i] = i % 17 == 0 ? std::nan("") : std::round(c[i] / 1000) * (i % 2 == 0 ? 1 : -1);
    X.add_numeric("bucket", std::move(bucket));
    const auto order = rows_by_colour(data.X);
    const Frame X_all = mlpipe::take_rows(X, order), X_mine = mlpipe::take_rows(X, my_share(order));
    const mlpipe::OneHotEncoder::Options options{
        .columns = {"bucket", "color"},
        .handle_unknown = mlpipe::HandleUnknown::infrequent_if_exist,
        .min_frequency = mlpipe::MinFrequency::count(150),
    };
    mlpipe::OneHotEncoder single(options), distributed(options);
    single.fit(X_all);
    distributed.fit(X_mine, world());
    CHECK(distributed.feature_names_out() == single.feature_names_out());
    CHECK(distributed.infrequent_categories() == single.infrequent_categories());
    const Frame a = distributed.transform(X_all), b = single.transform(X_all);
    for (const std::string name : {"bucket", "color"}) {
        const auto codes_a = a.column(name).codes(), codes_b = b.column(name).codes();
        CHECK(std::equal(codes_a.begin(), codes_a.end(), codes_b.begin(), codes_b.end()));
    }
}
