// L-BFGS and the Moré–Thuente line search on problems with known minima.

#include <mlpipe/optim/lbfgs.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace mlpipe::optim;

namespace {
template <class Scalar>
struct Rosenbrock {
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    int* calls;
    Scalar operator()(const Vector& x, Vector& g) const {
        ++*calls;
        Scalar f = 0;
        g.setZero(x.size());
        for (Eigen::Index i = 0; i + 1 < x.size(); ++i) {
            const Scalar a = x[i + 1] - x[i] * x[i];
            const Scalar b = 1 - x[i];
            f += 100 * a * a + b * b;
            g[i] += -400 * x[i] * a - 2 * b;
            g[i + 1] += 200 * a;
        }
        return f;
    }
};
}  // namespace

TEMPLATE_TEST_CASE("L-BFGS finds the Rosenbrock minimum", "[lbfgs]", float, double) {
    using Vector = Eigen::Matrix<TestType, Eigen::Dynamic, 1>;
    int calls = 0;
    Vector x = Vector::Constant(6, TestType(-1.2));
    typename LBFGS<TestType>::Options options;
    options.max_iter = 500;
    options.gtol = std::is_same_v<TestType, float> ? TestType(1e-3) : TestType(1e-8);
    options.ftol = 0;
    auto result = LBFGS<TestType>(options).minimize(Rosenbrock<TestType>{&calls}, x);
    CHECK(result.n_evaluations == calls);
    CHECK(result.n_iter > 10);
    const double tolerance = std::is_same_v<TestType, float> ? 2e-2 : 1e-6;
    for (Eigen::Index i = 0; i < x.size(); ++i) CHECK(std::abs(static_cast<double>(x[i]) - 1.0) < tolerance);
}

TEST_CASE("L-BFGS solves a quadratic and reports convergence by gradient", "[lbfgs]") {
    // f(x) = 1/2 x'Ax - b'x with A diagonal: minimum at A^-1 b.
    Eigen::VectorXd a(4), b(4);
    a << 1, 10, 100, 1000;
    b << 1, 2, 3, 4;
    auto quadratic = [&](const Eigen::VectorXd& x, Eigen::VectorXd& g) {
        g = a.cwiseProduct(x) - b;
        return 0.5 * x.dot(a.cwiseProduct(x)) - b.dot(x);
    };
    Eigen::VectorXd x = Eigen::VectorXd::Zero(4);
    LBFGS<double>::Options options;
    options.gtol = 1e-10;
    options.ftol = 0;
    auto result = LBFGS<double>(options).minimize(quadratic, x);
    CHECK(result.converged);
    CHECK(result.reason == StopReason::gradient_tolerance);
    CHECK((x - b.cwiseQuotient(a)).cwiseAbs().maxCoeff() < 1e-9);
}

TEST_CASE("L-BFGS stops on the relative reduction of f", "[lbfgs]") {
    int calls = 0;
    Eigen::VectorXd x = Eigen::VectorXd::Constant(2, -1.2);
    LBFGS<double>::Options options;
    options.gtol = 0;
    options.ftol = 1e-3;
    options.max_iter = 1000;
    auto result = LBFGS<double>(options).minimize(Rosenbrock<double>{&calls}, x);
    CHECK(result.converged);
    CHECK(result.reason == StopReason::relative_reduction);
}

TEST_CASE("L-BFGS respects max_iter and calls back each iteration", "[lbfgs]") {
    int calls = 0;
    Eigen::VectorXd x = Eigen::VectorXd::Constant(4, -1.2);
    LBFGS<double>::Options options;
    options.max_iter = 5;
    std::vector<IterationReport> reports;
    auto result = LBFGS<double>(options).minimize(Rosenbrock<double>{&calls}, x,
                                                  [&](const IterationReport& r) { reports.push_back(r); });
    CHECK_FALSE(result.converged);
    CHECK(result.reason == StopReason::max_iterations);
    CHECK(result.n_iter == 5);
    REQUIRE(reports.size() == 5);
    CHECK(reports.back().iteration == 5);
    CHECK(reports.back().objective == Approx(result.objective));
}

TEST_CASE("L-BFGS at a stationary start does no iteration", "[lbfgs]") {
    auto flat = [](const Eigen::VectorXd& x, Eigen::VectorXd& g) {
        g = x;
        return 0.5 * x.squaredNorm();
    };
    Eigen::VectorXd x = Eigen::VectorXd::Zero(3);
    auto result = LBFGS<double>().minimize(flat, x);
    CHECK(result.converged);
    CHECK(result.n_iter == 0);
    CHECK(result.n_evaluations == 1);
}

TEST_CASE("L-BFGS refuses a non-finite start and bad options", "[lbfgs]") {
    auto broken = [](const Eigen::VectorXd& x, Eigen::VectorXd& g) {
        g = x;
        return std::nan("");
    };
    Eigen::VectorXd x = Eigen::VectorXd::Ones(2);
    CHECK_THROWS_WITH(LBFGS<double>().minimize(broken, x), Catch::Contains("not finite"));
    LBFGS<double>::Options options;
    options.history = 0;
    CHECK_THROWS_AS(LBFGS<double>(options), mlpipe::parameter_error);
}

TEST_CASE("a function that only grows ends the line search without converging", "[lbfgs]") {
    // The gradient says "go right" but f grows in every direction: no step is acceptable.
    auto liar = [](const Eigen::VectorXd& x, Eigen::VectorXd& g) {
        g = Eigen::VectorXd::Constant(x.size(), -1.0);
        return x.squaredNorm() * 10 + 1;
    };
    Eigen::VectorXd x = Eigen::VectorXd::Zero(2);
    auto result = LBFGS<double>().minimize(liar, x);
    CHECK_FALSE(result.converged);
    CHECK(result.reason == StopReason::line_search_failed);
    CHECK(x.isZero());  // the last accepted iterate is kept
}
