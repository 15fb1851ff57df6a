// mlpipe_bench_backends: the same LogisticRegression fit on each backend this build has, over
// sizes from 100k x 20 to 2M x 200 numeric features, in double and float. Every fit runs
// exactly 20 L-BFGS iterations (tol 0), so the times compare the passes, not the stopping.
//
//   build/bench/mlpipe_bench_backends --benchmark_filter='1000000/100'
//
// Labels: rows/features/backend; counters: seconds per iteration (s_per_iter) and the rows
// read per second. Backends missing from the build are skipped with a message.

#include <mlpipe/backend/backend.hpp>
#include <mlpipe/core.hpp>

#include <benchmark/benchmark.h>

#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

constexpr int iterations_per_fit = 20;

// One generated problem per size, made once and shared by the backends and both types.
const std::pair<mlpipe::Frame, mlpipe::Frame>& problem(std::size_t rows, std::size_t features) {
    static std::map<std::pair<std::size_t, std::size_t>, std::unique_ptr<std::pair<mlpipe::Frame, mlpipe::Frame>>>
        cache;
    auto& slot = cache[{rows, features}];
    if (!slot) {
        std::mt19937_64 random(7);
        std::normal_distribution<double> normal;
        std::vector<double> score(rows, 0.0), weight(features);
        for (double& w : weight) w = normal(random) / std::sqrt(static_cast<double>(features));
        slot = std::make_unique<std::pair<mlpipe::Frame, mlpipe::Frame>>();
        for (std::size_t j = 0; j < features; ++j) {
            std::vector<double> column(rows);
            for (std::size_t i = 0; i < rows; ++i) {
                column[i] = normal(random);
                score[i] += weight[j] * column[i];
            }
            slot->first.add_numeric("x" + std::to_string(j), std::move(column));
        }
        std::vector<std::string> label(rows);
        for (std::size_t i = 0; i < rows; ++i) label[i] = score[i] + normal(random) > 0 ? "yes" : "no";
        slot->second.add_categorical("label", label);
    }
    return *slot;
}

template <class Scalar>
void fit(benchmark::State& state) {
    const auto rows = static_cast<std::size_t>(state.range(0));
    const auto features = static_cast<std::size_t>(state.range(1));
    const auto backend = static_cast<mlpipe::Backend>(state.range(2));
    if (!mlpipe::backend_compiled_in(backend)) {
        state.SkipWithError((std::string(mlpipe::to_string(backend)) + " is not in this build").c_str());
        return;
    }
    if (backend == mlpipe::Backend::cuda && mlpipe::cuda_unavailable_reason()) {
        state.SkipWithError(("no CUDA device: " + *mlpipe::cuda_unavailable_reason()).c_str());
        return;
    }
    const auto& [X, y] = problem(rows, features);
    typename mlpipe::BasicLogisticRegression<Scalar>::Options options{.max_iter = iterations_per_fit, .tol = 0};
    options.backend = backend;
    mlpipe::BasicLogisticRegression<Scalar> model(options);
    int iterations = 0;
    for (auto _ : state) {
        model.fit(X, y);
        iterations += model.n_iter();
    }
    state.SetLabel(std::to_string(rows) + "x" + std::to_string(features) + " " + mlpipe::to_string(backend) +
                   (std::is_same_v<Scalar, float> ? " float" : " double"));
    // A rate inverted: elapsed seconds / solver iterations.
    state.counters["s_per_iter"] = benchmark::Counter(static_cast<double>(iterations),
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(rows) * iterations,
                                                      benchmark::Counter::kIsRate);
}

void sizes(benchmark::internal::Benchmark* b) {
    for (const auto& [rows, features] : std::vector<std::pair<long, long>>{
             {100'000, 20}, {1'000'000, 20}, {1'000'000, 100}, {2'000'000, 200}})
        for (mlpipe::Backend backend : {mlpipe::Backend::cpu, mlpipe::Backend::blas, mlpipe::Backend::cuda})
            b->Args({rows, features, static_cast<long>(backend)});
    b->ArgNames({"rows", "features", "backend"})->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
}

}  // namespace

BENCHMARK_TEMPLATE(fit, double)->Apply(sizes);
BENCHMARK_TEMPLATE(fit, float)->Apply(sizes);

BENCHMARK_MAIN();
