// The cuda backend against the cpu backend, on a device (tests/cuda/main.cpp skips without one).

#include "../support/datasets.hpp"
#include "../support/synthetic.hpp"

#include <mlpipe/backend/cuda_design.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace mlpipe;
using mlpipe::test::Synthetic;
using mlpipe::test::synthetic;
using mlpipe::test::synthetic_pipeline;

namespace {

// max |a - b| / max |b| over a model's coefficients and intercepts together: the parameters'
// difference relative to their size.
template <class Model>
double relative_difference(const Model& a, const Model& b) {
    auto parameters = [](const Model& m) {
        Eigen::MatrixXd all(m.coef().rows(), m.coef().cols() + 1);
        all << m.coef().template cast<double>(), m.intercept().template cast<double>();
        return all;
    };
    const Eigen::MatrixXd pa = parameters(a), pb = parameters(b);
    return (pa - pb).cwiseAbs().maxCoeff() / std::max(1e-300, pb.cwiseAbs().maxCoeff());
}

}  // namespace

TEMPLATE_TEST_CASE("cuda fits the cpu backend's model, binary and multinomial", "[cuda]", double, float) {
    const double limit = std::is_same_v<TestType, double> ? 1e-8 : 1e-4;
    for (int classes : {2, 3}) {
        const Synthetic data = synthetic(9'000, classes, 13);
        for (Solver solver : all_solvers) {
            INFO(classes << " classes, " << to_string(solver));
            typename BasicLogisticRegression<TestType>::Options options{.max_iter = 500, .solver = solver};
            options.tol = solver == Solver::sag || solver == Solver::saga ? 1e-6 : 1e-10;
            if (std::is_same_v<TestType, float>) options.tol = std::max(options.tol, 1e-5);
            auto cpu = synthetic_pipeline<TestType>(options);
            options.backend = Backend::cuda;
            auto cuda = synthetic_pipeline<TestType>(options);
            cpu.fit(data.X, data.y);
            cuda.fit(data.X, data.y);
            CHECK(relative_difference(cuda.final_step(), cpu.final_step()) < limit);
        }
    }
}

TEST_CASE("cuda gives the same bits at every run", "[cuda]") {
    const Synthetic data = synthetic(50'000, 3, 3);
    auto first = synthetic_pipeline<double>({.tol = 1e-8, .backend = Backend::cuda});
    auto second = synthetic_pipeline<double>({.tol = 1e-8, .backend = Backend::cuda});
    first.fit(data.X, data.y);
    second.fit(data.X, data.y);
    REQUIRE(first.final_step().n_iter() > 2);
    CHECK(first.final_step().coef() == second.final_step().coef());
    CHECK(first.final_step().intercept() == second.final_step().intercept());
}

TEST_CASE("the cuda design's passes equal the cpu design's", "[cuda]") {
    const Synthetic data = synthetic(5'000, 3, 23);
    auto model = synthetic_pipeline<double>({.max_iter = 2});
    model.fit(data.X, data.y);
    const Frame encoded = model.step<OneHotEncoder>().transform(data.X);
    const auto cpu = Design<double>::build(encoded, "test", model.step<StandardScaler>().feature_scalings());
    const CudaDesign<double> cuda(cpu);
    const Eigen::Index p = cpu.n_features();
    const Eigen::MatrixXd W = Eigen::MatrixXd::Random(p, 3);
    const Eigen::RowVectorXd b = Eigen::RowVectorXd::Random(3);
    Eigen::MatrixXd z_cpu, z_cuda;
    cpu.decision(W, b, z_cpu);
    cuda.decision(W, b, z_cuda);
    CHECK(test::max_abs_diff(z_cuda, z_cpu) < 1e-12 * z_cpu.cwiseAbs().maxCoeff());
    Eigen::MatrixXd g_cpu(p, 3), g_cuda(p, 3);
    cpu.transpose_times(z_cpu, g_cpu);
    cuda.transpose_times(z_cpu, g_cuda);
    CHECK(test::max_abs_diff(g_cuda, g_cpu) < 1e-11 * g_cpu.cwiseAbs().maxCoeff());
    CHECK(cuda.device_bytes() >= static_cast<std::size_t>(cpu.rows()) * 3 * sizeof(double));
}
