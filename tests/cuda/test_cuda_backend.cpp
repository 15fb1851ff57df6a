// The cuda backend against the cpu backend, on a device (tests/cuda/main.cpp skips without one).

#include "../support/backends.hpp"

#include <mlpipe/backend/cuda_design.hpp>
#include <mlpipe/backend/dispatch.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace mlpipe;
using mlpipe::test::Synthetic;
using mlpipe::test::synthetic;
using mlpipe::test::synthetic_pipeline;

TEMPLATE_TEST_CASE("cuda fits the cpu backend's model, binary and multinomial", "[cuda]", double, float) {
    test::check_fits_match_cpu<TestType>(Backend::cuda);
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

TEST_CASE("the cuda design's passes, the fused multinomial one too, equal the cpu design's", "[cuda]") {
    test::check_design_matches_cpu<CudaDesign>();
}
