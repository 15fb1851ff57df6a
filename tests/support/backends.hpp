#pragma once
// Shared by the backend tests (tests/backend, tests/cuda): a backend against the cpu one.

#include "datasets.hpp"
#include "synthetic.hpp"

#include <mlpipe/backend/dispatch.hpp>
#include <mlpipe/core.hpp>
#include <mlpipe/linear_model/design.hpp>
#include <mlpipe/linear_model/linear_loss.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace mlpipe::test {

// max |a - b| / max |b| over a model's coefficients and intercepts together: the parameters'
// difference relative to their size.
template <class Model>
double parameter_difference(const Model& a, const Model& b) {
    auto parameters = [](const Model& m) {
        Eigen::MatrixXd all(m.coef().rows(), m.coef().cols() + 1);
        all << m.coef().template cast<double>(), m.intercept().template cast<double>();
        return all;
    };
    const Eigen::MatrixXd pa = parameters(a), pb = parameters(b);
    return (pa - pb).cwiseAbs().maxCoeff() / std::max(1e-300, pb.cwiseAbs().maxCoeff());
}

// A backend's design, built on the cpu design of a 3-class problem, against that cpu design:
// the scores, the transpose product and the fused multinomial pass, to rounding.
template <template <class> class BackendDesign>
void check_design_matches_cpu() {
    const SyntheticDesign problem = synthetic_design(synthetic(5'000, 3, 23), 2);
    const Design<double>& cpu = problem.design;
    const std::vector<std::int32_t>& y = problem.y;
    const BackendDesign<double> other(cpu);
    REQUIRE(other.n_features() == cpu.n_features());
    const Eigen::Index p = cpu.n_features();
    const Eigen::MatrixXd W = Eigen::MatrixXd::Random(p, 3);
    const Eigen::RowVectorXd b = Eigen::RowVectorXd::Random(3);

    Eigen::MatrixXd z_cpu, z_other;
    cpu.decision(W, b, z_cpu);
    other.decision(W, b, z_other);
    CHECK(max_abs_diff(z_other, z_cpu) < 1e-12 * z_cpu.cwiseAbs().maxCoeff());
    Eigen::MatrixXd g_cpu(p, 3), g_other(p, 3);
    cpu.transpose_times(z_cpu, g_cpu);
    other.transpose_times(z_cpu, g_other);
    CHECK(max_abs_diff(g_other, g_cpu) < 1e-11 * g_cpu.cwiseAbs().maxCoeff());

    const Eigen::VectorXd weights = Eigen::VectorXd::LinSpaced(static_cast<Eigen::Index>(y.size()), 0.5, 1.5);
    Eigen::MatrixXd G_cpu, G_other;
    Eigen::RowVectorXd gb_cpu, gb_other;
    const double loss_cpu = cpu.loss_gradient<MultinomialLoss>(W, b, y.data(), weights.data(), G_cpu, gb_cpu);
    const double loss_other =
        other.template loss_gradient<MultinomialLoss>(W, b, y.data(), weights.data(), G_other, gb_other);
    CHECK(std::abs(loss_other - loss_cpu) < 1e-12 * std::abs(loss_cpu));
    CHECK(max_abs_diff(G_other, G_cpu) < 1e-11 * G_cpu.cwiseAbs().maxCoeff());
    CHECK(max_abs_diff(gb_other, gb_cpu) < 1e-11 * gb_cpu.cwiseAbs().maxCoeff());
}

// Fits of every solver, binary and three classes, on `backend` and on the cpu backend: the
// same model to rounding (their sums differ in order only). Well conditioned (scaled
// features, l2) and with tight tolerances, so rounding is all that separates them.
template <class Scalar>
void check_fits_match_cpu(Backend backend) {
    const double limit = std::is_same_v<Scalar, double> ? 1e-8 : 1e-4;
    for (int classes : {2, 3}) {
        const Synthetic data = synthetic(9'000, classes, 13);  // five blocks, the last short
        for (Solver solver : all_solvers) {
            INFO(classes << " classes, " << to_string(solver));
            typename BasicLogisticRegression<Scalar>::Options options{.max_iter = 500, .solver = solver};
            options.tol = solver == Solver::sag || solver == Solver::saga ? 1e-6 : 1e-10;
            if (std::is_same_v<Scalar, float>) options.tol = std::max(options.tol, 1e-5);
            auto cpu = synthetic_pipeline<Scalar>(options);
            options.backend = backend;
            auto other = synthetic_pipeline<Scalar>(options);
            cpu.fit(data.X, data.y);
            other.fit(data.X, data.y);
            CHECK(parameter_difference(other.final_step(), cpu.final_step()) < limit);
            CHECK(max_abs_diff(other.predict_proba(data.X).template cast<double>(),
                               cpu.predict_proba(data.X).template cast<double>()) < limit);
        }
    }
}

}  // namespace mlpipe::test
