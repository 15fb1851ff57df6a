// LinearLoss and the design's products against what they must equal: the gradient against
// differences of the loss, the Hessian-vector product against differences of the gradient,
// the full Hessian against the product, and the weighted Gram matrix against a dense one.

#include "../support/datasets.hpp"

#include <mlpipe/linear_model/design.hpp>
#include <mlpipe/linear_model/linear_loss.hpp>
#include <mlpipe/linear_model/solve.hpp>

#include <Eigen/Cholesky>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

using namespace mlpipe;
using test::max_abs_diff;
using test::ReferenceSet;

namespace {

struct Problem {
    Design<double> design;
    std::vector<std::int32_t> y;
    Eigen::VectorXd weights;
    Eigen::Index k = 1;
};

// The reference set transformed as the pipeline does (one-hot codes, scaled numbers).
Problem problem(const char* name) {
    ReferenceSet set(name);
    Pipeline<OneHotEncoder, StandardScaler> prepare{
        OneHotEncoder{{.columns = set.categorical, .handle_unknown = HandleUnknown::ignore}},
        StandardScaler{{.columns = set.numeric}}};
    Problem out{Design<double>::build(prepare.fit_transform(set.X_train), "test"), {}, {}, 1};
    const auto& labels = set.y_train[0];
    out.y.assign(labels.codes().begin(), labels.codes().end());
    const auto classes = static_cast<Eigen::Index>(labels.dictionary().size());
    out.k = classes == 2 ? 1 : classes;
    out.weights = Eigen::VectorXd::Ones(out.design.rows());
    for (Eigen::Index i = 0; i < out.weights.size(); i += 4) out.weights[i] = 2.5;  // uneven weights
    return out;
}

Eigen::VectorXd random_vector(Eigen::Index n, std::mt19937_64& engine, double scale) {
    std::normal_distribution<double> normal(0.0, scale);
    Eigen::VectorXd v(n);
    for (auto& x : v) x = normal(engine);
    return v;
}

// Removes from v the directions along which adding one number to every class's score
// changes nothing (the intercepts; a feature's weights when unpenalised), where the full
// Hessian is regularised on purpose and differs from the true one.
void remove_class_shifts(Eigen::VectorXd& v, Eigen::Index p, Eigen::Index k, bool weights_too) {
    if (k == 1) return;
    auto centre = [&](Eigen::Index first, Eigen::Index stride) {
        double mean = 0;
        for (Eigen::Index c = 0; c < k; ++c) mean += v[first + c * stride];
        mean /= static_cast<double>(k);
        for (Eigen::Index c = 0; c < k; ++c) v[first + c * stride] -= mean;
    };
    centre(p * k, 1);
    if (weights_too)
        for (Eigen::Index j = 0; j < p; ++j) centre(j, p);
}

template <class BaseLoss>
void check_derivatives(const Problem& data, double l2, bool fit_intercept) {
    const LinearLoss<Design<double>, BaseLoss> loss(data.design, data.y, data.weights, data.k, l2,
                                                    1.0 / data.weights.sum(), fit_intercept);
    const Eigen::Index np = loss.n_parameters(), p = loss.n_features();
    std::mt19937_64 engine(11);
    Eigen::VectorXd x = random_vector(np, engine, 0.5);
    if (!fit_intercept) x.tail(data.k).setZero();
    Eigen::VectorXd g(np), g_plus(np), g_minus(np);
    loss(x, g);

    // Gradient: central differences of f along random directions.
    const double h = 1e-5;
    for (int trial = 0; trial < 3; ++trial) {
        Eigen::VectorXd v = random_vector(np, engine, 1.0);
        if (!fit_intercept) v.tail(data.k).setZero();
        const double difference = (loss(Eigen::VectorXd(x + h * v), g_plus) - loss(Eigen::VectorXd(x - h * v), g_minus)) / (2 * h);
        CHECK(g.dot(v) == Approx(difference).epsilon(1e-6).margin(1e-9));
    }

    // Hessian-vector product: central differences of the gradient.
    loss.prepare_hessian(x, g);
    Eigen::VectorXd v = random_vector(np, engine, 1.0);
    if (!fit_intercept) v.tail(data.k).setZero();
    Eigen::VectorXd Hv(np);
    loss.hessian_product(v, Hv);
    loss(Eigen::VectorXd(x + h * v), g_plus);
    loss(Eigen::VectorXd(x - h * v), g_minus);
    const Eigen::VectorXd difference = (g_plus - g_minus) / (2 * h);
    CHECK(max_abs_diff(Hv, difference) < 1e-6 * std::max(1.0, difference.cwiseAbs().maxCoeff()));

    // The full Hessian: symmetric, and H v equals the product away from the class shifts.
    Eigen::MatrixXd H;
    Eigen::VectorXd g_full(np);
    const double f = loss.gradient_hessian(x, g_full, H);
    CHECK(f == Approx(loss(x, g)).epsilon(1e-14));
    CHECK(max_abs_diff(g_full, g) < 1e-15);
    REQUIRE(H.rows() == np);
    CHECK(max_abs_diff(H, Eigen::MatrixXd(H.transpose())) < 1e-15);
    Eigen::VectorXd w = random_vector(np, engine, 1.0);
    if (!fit_intercept) w.tail(data.k).setZero();
    remove_class_shifts(w, p, data.k, l2 == 0);
    Eigen::VectorXd Hw(np);
    loss.prepare_hessian(x, g);
    loss.hessian_product(w, Hw);
    CHECK(max_abs_diff(Eigen::VectorXd(H * w), Hw) < 1e-12 * std::max(1.0, Hw.cwiseAbs().maxCoeff()));
    // Positive definite where it matters: the Newton step solves H p = -g exactly.
    const Eigen::VectorXd step = H.ldlt().solve(-g);
    CHECK(max_abs_diff(Eigen::VectorXd(H * step), Eigen::VectorXd(-g)) < 1e-9);
}

}  // namespace

TEST_CASE("LinearLoss: gradient, Hessian-vector product and Hessian agree with differences", "[linear_loss]") {
    for (const char* name : {"penguins", "penguins_species"}) {
        const Problem data = problem(name);
        for (double l2 : {0.0, 0.7}) {
            for (bool fit_intercept : {true, false}) {
                INFO(name << ", l2 " << l2 << (fit_intercept ? "" : ", no intercept"));
                if (data.k == 1)
                    check_derivatives<BinomialLoss>(data, l2, fit_intercept);
                else
                    check_derivatives<MultinomialLoss>(data, l2, fit_intercept);
            }
        }
    }
}

TEST_CASE("BinomialLoss: the unweighted block loss is as accurate as its terms one at a time", "[linear_loss]") {
    // Without weights the block loss takes one logarithm per eight rows, with weights one per
    // row. Both against the sum in long double, for block sizes around multiples of eight and
    // scores whose log1p(exp(-|z|)) terms run from log(2) (all scores 0) down to 1e-260, and
    // scores so large that exp(-|z|) is 0 in double.
    std::mt19937_64 engine(7);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (const Eigen::Index m : {1, 7, 8, 9, 63, 64, 2048, 2051}) {
        for (const double scale : {0.0, 0.5, 5.0, 40.0, 600.0}) {
            Eigen::ArrayXd z(m), r_unweighted(m), r_weighted(m);
            std::vector<std::int32_t> y(static_cast<std::size_t>(m));
            // Large scales: scores of the right sign for their labels, so that the loss is all
            // log1p terms, tiny next to the scores. Small scales: either sign.
            for (Eigen::Index i = 0; i < m; ++i) {
                const std::int32_t label = static_cast<std::int32_t>(engine() & 1);
                y[static_cast<std::size_t>(i)] = label;
                z[i] = scale < 40 ? scale * normal(engine)
                                  : (label == 1 ? 1 : -1) * scale * (1 + 0.01 * std::abs(normal(engine)));
            }
            // max(z, 0) - y z is exact in double for y in {0, 1} (0, z or z - z), and summed first
            // so that the tiny terms are not lost against it.
            long double exact = 0, magnitude = 0;
            for (Eigen::Index i = 0; i < m; ++i) {
                const long double zi = z[i];
                exact += std::max(zi, 0.0L) - y[static_cast<std::size_t>(i)] * zi;
                magnitude += std::abs(zi) + 1;
            }
            for (Eigen::Index i = 0; i < m; ++i) exact += std::log1p(std::exp(-std::abs(static_cast<long double>(z[i]))));
            const Eigen::ArrayXd ones = Eigen::ArrayXd::Ones(m);
            const double unweighted = BinomialLoss::block_loss_gradient<double>(z, y.data(), nullptr, r_unweighted);
            const double weighted = BinomialLoss::block_loss_gradient<double>(z, y.data(), ones.data(), r_weighted);
            INFO("m = " << m << ", scale = " << scale << ", exact = " << static_cast<double>(exact));
            const auto eps = static_cast<long double>(std::numeric_limits<double>::epsilon());
            // Unweighted: relative to the loss itself, however small (the linear part cancels
            // exactly, the grouped log1p keeps the terms' relative precision).
            CHECK(std::abs(unweighted - exact) <= 4 * eps * exact);
            // Weighted, one term at a time, as before: z + log1p - y z in each row loses the
            // terms below z's last bit, so only to within the scores' size (and the sum's
            // rounding: 2048 terms of log(2) at scale 0 are 3e-12 off).
            CHECK(std::abs(weighted - exact) <= 16 * eps * magnitude);
            CHECK((r_unweighted == r_weighted).all());
        }
        // exp(-800) is below every double (Eigen's exp gives 0 or the smallest ones): the loss
        // and the residuals are 0 to within 1e-300 (long double's terms are 1e-348 each).
        Eigen::ArrayXd z(m), r(m);
        std::vector<std::int32_t> y(static_cast<std::size_t>(m));
        for (Eigen::Index i = 0; i < m; ++i) {
            y[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i % 2);
            z[i] = i % 2 == 1 ? 800.0 : -800.0;
        }
        const double tiny_loss = BinomialLoss::block_loss_gradient<double>(z, y.data(), nullptr, r);
        CHECK(tiny_loss >= 0);
        CHECK(tiny_loss <= static_cast<double>(m) * 1e-300);
        CHECK((r.abs() <= 1e-300).all());
    }
}

TEST_CASE("Design: the weighted Gram matrix equals the dense X' diag(d) X", "[linear_loss]") {
    const Problem data = problem("penguins_species");
    const auto& design = data.design;
    Eigen::MatrixXd X = Eigen::MatrixXd::Zero(design.rows(), design.n_features());
    for (Eigen::Index i = 0; i < design.rows(); ++i)
        design.for_each_nonzero(i, [&](Eigen::Index j, double value) { X(i, j) = value; });
    std::mt19937_64 engine(5);
    const Eigen::VectorXd d = random_vector(design.rows(), engine, 1.0).cwiseAbs();
    Eigen::MatrixXd H;
    design.weighted_gram(d, H);
    const Eigen::MatrixXd expected = X.transpose() * d.asDiagonal() * X;
    CHECK(max_abs_diff(H, expected) < 1e-12 * expected.cwiseAbs().maxCoeff());
    // The one-hot blocks are there (not only the numeric corner).
    CHECK(H.bottomRightCorner(2, 2).cwiseAbs().sum() > 0);
    CHECK(design.max_row_squared_norm() == Approx(X.rowwise().squaredNorm().maxCoeff()).epsilon(1e-15));
}

// The passes read four numeric columns at once when they share a storage type, and up to four
// one-hot columns in one loop when their codes share a type: every grouping (4 + 3 singles,
// float32 groups, 1 to 5 one-hot columns, missing codes, one-hot columns too wide to group,
// int8 codes broken by int16 and int32 ones) must give the dense products, on blocks with a
// short last one, computing in double and in float.
TEMPLATE_TEST_CASE("Design: scores and X' r equal the dense products for every column grouping", "[linear_loss]",
                   double, float) {
    using Scalar = TestType;
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    const double tolerance = std::is_same_v<Scalar, double> ? 1e-12 : 1e-5;
    std::mt19937_64 engine(17);
    std::normal_distribution<double> normal(1.0, 2.0);
    // The categories of each one-hot column, case by case.
    const std::vector<std::vector<std::size_t>> cases = {
        {5}, {5, 5}, {5, 5, 5}, {5, 5, 5, 5}, {5, 5, 5, 5, 5},
        {1100, 1100, 1100, 1100, 1100},  // int16 codes, each column wider than a group may be
        {5, 300, 5, 5, 5},               // int8, int16, then a group of three int8
        {33000, 5, 5},                   // int32 codes, then int8 (fewer rows: X is dense here)
        {5, 5, 5, 4100},                 // a group of three int8, then an int16 column too wide to group
    };
    for (const bool float32 : {false, true}) {
        for (const auto& levels : cases) {
            const std::size_t rows =
                *std::max_element(levels.begin(), levels.end()) > 4000 ? 300 : 2 * Design<Scalar>::block_rows + 13;
            INFO((float32 ? "float32 storage" : "mixed storage") << ", one-hot columns of "
                                                                  << Catch::Detail::stringify(levels) << " categories");
            std::vector<Column> columns;
            FeatureScalings scalings;
            for (int j = 0; j < 7; ++j) {
                const std::string name = "x" + std::to_string(j);
                std::vector<double> values(rows);
                for (auto& v : values) v = normal(engine);
                if (float32 || j == 4) {  // mixed: column 4 breaks the second group of four
                    columns.push_back(Column::numeric_f32(name, std::vector<float>(values.begin(), values.end())));
                } else {
                    columns.push_back(Column::numeric(name, std::move(values)));
                }
                scalings[name] = {0.25 * j, 1.0 + 0.5 * j};
            }
            for (std::size_t j = 0; j < levels.size(); ++j) {
                std::vector<std::string> categories;
                for (std::size_t l = 0; l < levels[j]; ++l) categories.push_back("l" + std::to_string(l));
                std::uniform_int_distribution<int> level(-1, static_cast<int>(levels[j]) - 1);  // -1: no category
                std::vector<std::int32_t> codes(rows);
                for (auto& c : codes) c = level(engine);
                columns.push_back(Column::one_hot("c" + std::to_string(j), std::move(codes), categories));
                CHECK(columns.back().code_type() == narrowest_code_type(levels[j]));
            }
            const Frame frame(std::move(columns));
            const auto design = Design<Scalar>::build(frame, "test", scalings);
            Eigen::MatrixXd X = Eigen::MatrixXd::Zero(design.rows(), design.n_features());
            for (Eigen::Index i = 0; i < design.rows(); ++i)
                design.for_each_nonzero(i, [&](Eigen::Index j, Scalar value) { X(i, j) = static_cast<double>(value); });
            const Matrix W = random_vector(2 * design.n_features(), engine, 1.0).reshaped(design.n_features(), 2).template cast<Scalar>();
            const Eigen::Matrix<Scalar, 1, 2> b(0.5f, -1.5f);
            Matrix Z;
            design.decision(W, b, Z);
            const Eigen::MatrixXd expected_Z = (X * W.template cast<double>()).rowwise() + b.template cast<double>();
            CHECK(max_abs_diff(Eigen::MatrixXd(Z.template cast<double>()), expected_Z) < tolerance * expected_Z.cwiseAbs().maxCoeff());
            const Matrix R = random_vector(2 * design.rows(), engine, 1.0).reshaped(design.rows(), 2).template cast<Scalar>();
            Matrix G(design.n_features(), 2);
            design.transpose_times(R, G);
            const Eigen::MatrixXd expected_G = X.transpose() * R.template cast<double>();
            CHECK(max_abs_diff(Eigen::MatrixXd(G.template cast<double>()), expected_G) < tolerance * expected_G.cwiseAbs().maxCoeff());
        }
    }
}

TEST_CASE("Design: a non-finite value is refused with its column and row, however far down", "[linear_loss][errors]") {
    // Values are checked a chunk at a time in vectorised sums; the row is then searched.
    const std::size_t rows = 5000;
    auto frame = [&](std::size_t inf_row, std::size_t nan_row) {
        std::vector<double> a(rows, 1.5);
        std::vector<float> b(rows, 2.5f);
        if (inf_row < rows) a[inf_row] = -std::numeric_limits<double>::infinity();
        if (nan_row < rows) b[nan_row] = std::numeric_limits<float>::quiet_NaN();
        std::vector<Column> columns;
        columns.push_back(Column::numeric("a", std::move(a)));
        columns.push_back(Column::numeric_f32("b", std::move(b)));
        return Frame(std::move(columns));
    };
    CHECK_NOTHROW(Design<double>::build(frame(rows, rows), "test"));
    // Both bad: the first column ('a') is reported.
    CHECK_THROWS_WITH(Design<double>::build(frame(4097, 1500), "test"),
                      Catch::Contains("'a'") && Catch::Contains("infinite value in row 4097"));
    CHECK_THROWS_WITH(Design<double>::build(frame(rows, 1500), "test"),
                      Catch::Contains("'b'") && Catch::Contains("missing value (NaN) in row 1500"));
    CHECK_THROWS_WITH(Design<float>::build(frame(rows, 4999), "test"),
                      Catch::Contains("'b'") && Catch::Contains("row 4999"));
}
