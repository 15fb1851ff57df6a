// The backend switch: names, refusal of a backend the build lacks, automatic's choice, and
// (when compiled in) the blas backend's models against the cpu backend's.

#include "../support/backends.hpp"

#include <mlpipe/backend/backend.hpp>
#include <mlpipe/backend/dispatch.hpp>
#include <mlpipe/pipeline/params.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#if MLPIPE_WITH_BLAS
#include <mlpipe/backend/blas_design.hpp>
#endif

using namespace mlpipe;
using mlpipe::test::Synthetic;
using mlpipe::test::synthetic;
using mlpipe::test::synthetic_pipeline;

TEST_CASE("backends are named as the options and set_params spell them", "[backend]") {
    for (Backend b : all_backends) CHECK(backend_from_string(to_string(b)) == b);
    CHECK_FALSE(backend_from_string("gpu"));
    CHECK_FALSE(backend_from_string("CPU"));

    LogisticRegression model;
    CHECK(std::get<std::string>(get_params(model).at("backend")) == "cpu");
    set_params(model, {{"backend", std::string("automatic")}});
    CHECK(model.options().backend == Backend::automatic);
    CHECK_THROWS_WITH(set_params(model, {{"backend", std::string("gpu")}}),
                      Catch::Contains("backend") && Catch::Contains("gpu") && Catch::Contains("automatic"));
}

TEST_CASE("a backend the build lacks is refused when set, naming the CMake option that builds it", "[backend]") {
    struct Case {
        Backend backend;
        const char* option;
    };
    for (const Case c : {Case{Backend::blas, "MLPIPE_WITH_BLAS"}, Case{Backend::cuda, "MLPIPE_WITH_CUDA"}}) {
        INFO(to_string(c.backend));
        LogisticRegression::Options options;
        options.backend = c.backend;
        if (backend_compiled_in(c.backend)) {
            CHECK_NOTHROW(LogisticRegression(options));
        } else {
            CHECK_THROWS_AS(LogisticRegression(options), parameter_error);
            CHECK_THROWS_WITH(LogisticRegression(options), Catch::Contains(std::string("-D") + c.option + "=ON") &&
                                                               Catch::Contains(to_string(c.backend)));
            LogisticRegression model;
            CHECK_THROWS_AS(model.set_options(options), parameter_error);
            CHECK(model.options().backend == Backend::cpu);  // unchanged
        }
    }
    LogisticRegression::Options options;
    options.backend = static_cast<Backend>(9);
    CHECK_THROWS_WITH(LogisticRegression(options), Catch::Contains("unknown value 9") && Catch::Contains("automatic"));
}

TEST_CASE("automatic takes cuda with a device, else blas when compiled in, else cpu, and says why", "[backend]") {
    const BackendChoice choice = choose_backend(Backend::automatic);
    if (!cuda_unavailable_reason()) {
        CHECK(choice.backend == Backend::cuda);
    } else if (backend_compiled_in(Backend::blas)) {
        CHECK(choice.backend == Backend::blas);
        CHECK_THAT(choice.reason, Catch::Contains("no CUDA device") || Catch::Contains("cuda not compiled in"));
    } else {
        CHECK(choice.backend == Backend::cpu);
        CHECK_THAT(choice.reason, Catch::Contains("MLPIPE_WITH_BLAS"));
    }
    CHECK(choose_backend(Backend::cpu).backend == Backend::cpu);
    // automatic fits the model of the backend it names.
    const Synthetic data = synthetic(5'000, 2, 5);
    auto automatic = synthetic_pipeline<double>({.tol = 1e-10, .backend = Backend::automatic});
    auto named = synthetic_pipeline<double>({.tol = 1e-10, .backend = choice.backend});
    if (choice.backend == Backend::cuda) return;  // compared in the cuda tests
    automatic.fit(data.X, data.y);
    named.fit(data.X, data.y);
    CHECK(automatic.final_step().coef() == named.final_step().coef());
}

TEST_CASE("a fit records where it ran: the backend asked for, or automatic's choice and why", "[backend]") {
    const Synthetic data = synthetic(2'000, 2, 5);
    auto cpu = synthetic_pipeline<double>({.backend = Backend::cpu});
    cpu.fit(data.X, data.y);
    CHECK(cpu.final_step().fit_backend().backend == Backend::cpu);
    CHECK(cpu.final_step().fit_backend().reason == "asked for cpu");
    CHECK_FALSE(cpu.final_step().fit_backend().fell_back);
    const BackendChoice choice = choose_backend(Backend::automatic);
    if (choice.backend == Backend::cuda) return;  // the cuda tests fit on the device
    auto automatic = synthetic_pipeline<double>({.backend = Backend::automatic});
    automatic.fit(data.X, data.y);
    CHECK(automatic.final_step().fit_backend().backend == choice.backend);
    CHECK(automatic.final_step().fit_backend().reason == choice.reason);
}

TEST_CASE("automatic gives way to blas or cpu when the device cannot take the fit, and says why", "[backend]") {
    const Backend next = backend_compiled_in(Backend::blas) ? Backend::blas : Backend::cpu;
    const BackendChoice tried{Backend::cuda, "automatic: a CUDA device is present"};
    const auto out_of_memory = [] () -> int {
        throw device_error("no CUDA device: out of device memory: 8192 MiB more needed, 1024 MiB free of 16384");
    };
    const auto on_host = [] { return 2; };
    bool started = false;

    // Before the fit has begun (the upload ran out of memory), and after it when it can
    // start over: the host backend's answer, and why.
    for (const bool restartable : {true, false}) {
        BackendChoice ran = tried;
        CHECK(run_with_device_fallback(true, ran, started, restartable, out_of_memory, on_host) == 2);
        CHECK(ran.backend == next);
        CHECK(ran.fell_back);
        CHECK_THAT(ran.reason, Catch::StartsWith(tried.reason) && Catch::Contains("8192 MiB more needed") &&
                                   Catch::EndsWith("fell back to " + std::string(to_string(next))));
    }
    started = true;
    BackendChoice ran = tried;
    CHECK(run_with_device_fallback(true, ran, started, true, out_of_memory, on_host) == 2);

    // Not when cuda was asked for by name, nor after a distributed fit has begun (the other
    // ranks are in it), nor for any other error.
    ran = tried;
    CHECK_THROWS_AS(run_with_device_fallback(false, ran, started, true, out_of_memory, on_host), device_error);
    CHECK_THROWS_AS(run_with_device_fallback(true, ran, started, false, out_of_memory, on_host), device_error);
    const auto bad_data = []() -> int { throw data_error("a NaN in column 'size'"); };
    CHECK_THROWS_AS(run_with_device_fallback(true, ran, started, true, bad_data, on_host), data_error);
    CHECK(ran.backend == Backend::cuda);
    CHECK(run_with_device_fallback(true, ran, started, true, [] { return 1; }, on_host) == 1);
}

#if MLPIPE_WITH_BLAS

TEMPLATE_TEST_CASE("blas fits the cpu backend's model, every solver, binary and multinomial", "[backend][blas]",
                   double, float) {
    test::check_fits_match_cpu<TestType>(Backend::blas);
}

TEST_CASE("blas gives the same bits with 1, 2 or 3 threads and leaves OpenBLAS's thread count as it was",
          "[backend][blas][parallel]") {
    const int before = openblas_get_num_threads();
    for (int classes : {2, 3}) {
        const Synthetic data = synthetic(12'000, classes, 17);
        LogisticRegression::Options options{.tol = 1e-8, .backend = Backend::blas};
        options.n_jobs = 1;
        auto single = synthetic_pipeline<double>(options);
        single.fit(data.X, data.y);
        REQUIRE(single.final_step().n_iter() > 2);
        for (int threads : {2, 3}) {
            INFO(classes << " classes, " << threads << " threads");
            options.n_jobs = threads;
            auto parallel = synthetic_pipeline<double>(options);
            parallel.fit(data.X, data.y);
            CHECK(parallel.final_step().n_iter() == single.final_step().n_iter());
            CHECK(parallel.final_step().coef() == single.final_step().coef());
            CHECK(parallel.final_step().intercept() == single.final_step().intercept());
        }
    }
    CHECK(openblas_get_num_threads() == before);
}

TEST_CASE("the blas design's passes, the fused multinomial one too, equal the cpu design's", "[backend][blas]") {
    test::check_design_matches_cpu<BlasDesign>();
}

#endif  // MLPIPE_WITH_BLAS

#if MLPIPE_WITH_CUDA

TEST_CASE("backend cuda without a usable device fails with 'no CUDA device:' and why, and changes nothing",
          "[backend][cuda]") {
    Frame X;
    X.add_numeric("size", {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0});
    X.add_numeric("weight", {10.0, 8.0, 6.5, 7.0, 3.0, 2.5, 1.0, 0.5});
    const Frame y = test::toy_y();
    LogisticRegression model({.tol = 1e-10});
    model.fit(X, y);
    const Eigen::MatrixXd coef = model.coef();
    auto options = model.options();
    options.backend = Backend::cuda;
    model.set_options(options);  // compiled in: accepted
    if (const auto reason = cuda_unavailable_reason()) {
        try {
            model.fit(X, y);
            FAIL("fit on backend cuda without a device did not throw");
        } catch (const device_error& e) {  // the type automatic falls back on
            const std::string message = e.what();
            CHECK(message.rfind("no CUDA device: ", 0) == 0);
            CHECK_THAT(message, Catch::Contains(*reason));
        }
        CHECK(model.coef() == coef);  // the fitted model as it was
        CHECK(choose_backend(Backend::automatic).backend != Backend::cuda);
        CHECK_THAT(choose_backend(Backend::automatic).reason, Catch::Contains(*reason));
    } else {
        model.fit(X, y);  // a device: tests/cuda compares its models with the cpu's
        CHECK(test::max_abs_diff(model.coef(), coef) < 1e-8 * coef.cwiseAbs().maxCoeff());
    }
}

#endif  // MLPIPE_WITH_CUDA
