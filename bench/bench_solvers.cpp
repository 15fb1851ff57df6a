// Time for each LogisticRegression solver to reach max |gradient| <= 1e-6 (sag and saga:
// their weight-change rule at tol 1e-5, which stops them at a similar gradient; the time at
// which their gradient first reaches 1e-6 is the t_tol counter) on four shapes that favour
// different solvers
// (bench/solver_bench.hpp, bench/README.md):
//   BM_Solver/<shape>/<solver>   one fit per run (Iterations(1)), real time
// Counters: n_iter; gap = f - f*, f* the best objective found on that shape by any solver
// (and by a tight newton-cg reference fit, tol 1e-10, run before the first benchmark of the
// shape, untimed); grad_max = max |gradient| at the result; t_tol = seconds (solver's own
// clock) to the first iteration whose reported max |gradient| is <= 1e-6, -1 if none;
// test_acc = accuracy on held-out rows (a fifth of the training rows, drawn after them);
// converged (0/1). The label is the stop reason. After the run a summary per shape goes to stderr, with the gaps recomputed
// against the best objective of all solvers of this run.
//
//   cmake --build build --target mlpipe_bench_solvers
//   MLPIPE_BENCH_SCALE=0.1 build/bench/mlpipe_bench_solvers            # a tenth of the rows
//   build/bench/mlpipe_bench_solvers --scale=1 --benchmark_filter='/c/'   # shape c at full size
//
// Scale 1 is the sizes (1M, 100k, 10k, 100k training rows): about 1.5 GiB of memory
// at most, and long on two cores, mostly sag and saga on shape a (bench/README.md). A solver
// that throws is reported as an error of its benchmark; the others go on.
#include "solver_bench.hpp"

#include <mlpipe/core.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

using mlpipe_bench::Shape;

double scale = 1.0;
double gradient_tolerance = 1e-6;  // tol of lbfgs, newton-cg, newton-cholesky; the t_tol threshold
// tol of sag and saga, on the relative change of the weights over an epoch. 1e-5 leaves max
// |gradient| between 2e-8 and 3e-6 on these shapes at 10k to 100k rows, where the other
// solvers stop at 1e-6 (at 1M rows, shape a, far lower: the rule does not scale with the
// rows); 1e-6 takes them about ten times lower, at 1.1 to 1.7 times the epochs.
double sag_tolerance = 1e-5;

std::size_t scaled_rows(const Shape& shape) {
    return std::max<std::size_t>(200, static_cast<std::size_t>(std::llround(static_cast<double>(shape.rows) * scale)));
}

struct ShapeData {
    mlpipe_bench::Split train, test;
    double reference = std::numeric_limits<double>::infinity();  // objective of the tight reference fit
};

// Generated on first use (so a --benchmark_filter skips the others) and kept for the run.
const ShapeData& shape_data(const Shape& shape) {
    static std::map<std::string, std::unique_ptr<ShapeData>> cache;
    auto& slot = cache[shape.id];
    if (!slot) {
        const auto started = std::chrono::steady_clock::now();
        const std::size_t n = scaled_rows(shape);
        slot = std::make_unique<ShapeData>();
        slot->train = mlpipe_bench::generate(shape, 0, n);
        slot->test = mlpipe_bench::generate(shape, n, std::max<std::size_t>(n / 5, 100));
        mlpipe::LogisticRegression reference(mlpipe_bench::options_for(mlpipe::Solver::newton_cg, 1e-10));
        reference.fit(slot->train.X, slot->train.y);
        slot->reference = mlpipe_bench::evaluate(slot->train.X, slot->train.y[0], reference).objective;
        std::fprintf(stderr, "shape %s: %zu training rows, %zu features; reference f* = %.17g (%s, %.1f s)\n",
                     shape.id, n, slot->train.X.feature_names().size(), slot->reference,
                     mlpipe::optim::to_string(reference.stop_reason()),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    return *slot;
}

struct Outcome {
    std::string solver;
    bool ok = false;
    std::string note;  // stop reason, or the error
    double seconds = 0, objective = 0, gradient_max = 0, test_accuracy = 0;
    double seconds_to_tol = -1;  // solver's clock at the first iteration with max |gradient| <= 1e-6; -1: never
    int n_iter = 0;
};
std::map<std::string, std::vector<Outcome>> outcomes;  // by shape id, in run order

void run_solver(benchmark::State& state, const Shape& shape, mlpipe::Solver solver) {
    const ShapeData& data = shape_data(shape);
    Outcome outcome;
    outcome.solver = mlpipe::to_string(solver);
    std::optional<mlpipe::LogisticRegression> model;
    try {
        for (auto _ : state) {
            const bool stochastic = solver == mlpipe::Solver::sag || solver == mlpipe::Solver::saga;
            model.emplace(mlpipe_bench::options_for(solver, stochastic ? sag_tolerance : gradient_tolerance));
            const auto started = std::chrono::steady_clock::now();
            model->fit(data.train.X, data.train.y);
            outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            benchmark::DoNotOptimize(model->coef().data());
        }
    } catch (const std::exception& e) {
        outcome.note = e.what();
        outcomes[shape.id].push_back(outcome);
        state.SkipWithError(e.what());
        return;
    }
    const auto value = mlpipe_bench::evaluate(data.train.X, data.train.y[0], *model);
    outcome.ok = true;
    outcome.note = mlpipe_bench::short_reason(model->stop_reason());
    outcome.objective = value.objective;
    outcome.gradient_max = value.gradient_max;
    outcome.n_iter = model->n_iter();
    outcome.test_accuracy = model->score(data.test.X, data.test.y);
    for (const auto& report : model->history()) {
        if (report.gradient_max <= gradient_tolerance) {
            outcome.seconds_to_tol = report.seconds;
            break;
        }
    }
    outcomes[shape.id].push_back(outcome);

    double best = data.reference;
    for (const auto& o : outcomes[shape.id])
        if (o.ok) best = std::min(best, o.objective);
    state.counters["n_iter"] = model->n_iter();
    state.counters["gap"] = value.objective - best;
    state.counters["grad_max"] = value.gradient_max;
    state.counters["test_acc"] = outcome.test_accuracy;
    state.counters["converged"] = model->converged() ? 1 : 0;
    state.counters["t_tol"] = outcome.seconds_to_tol;
    state.SetLabel(outcome.note);
}

void print_summary() {
    if (outcomes.empty()) return;
    std::fprintf(stderr, "\nSummary (scale %g): gap to the best objective of any solver in this run\n", scale);
    std::fprintf(stderr, "%-5s %-16s %10s %10s %7s %12s %12s %9s  %s\n", "shape", "solver", "seconds", "t_tol",
                 "n_iter", "gap", "grad_max", "test_acc", "stop");
    for (const auto& shape : mlpipe_bench::shapes()) {
        auto it = outcomes.find(shape.id);
        if (it == outcomes.end()) continue;
        double best = shape_data(shape).reference;
        for (const auto& o : it->second)
            if (o.ok) best = std::min(best, o.objective);
        for (const auto& o : it->second) {
            if (!o.ok) {
                std::fprintf(stderr, "%-5s %-16s %10s %10s %7s %12s %12s %9s  error: %s\n", shape.id, o.solver.c_str(),
                             "-", "-", "-", "-", "-", "-", o.note.c_str());
                continue;
            }
            std::fprintf(stderr, "%-5s %-16s %10.3f %10.3f %7d %12.3e %12.3e %9.4f  %s\n", shape.id, o.solver.c_str(),
                         o.seconds, o.seconds_to_tol, o.n_iter, o.objective - best, o.gradient_max, o.test_accuracy,
                         o.note.c_str());
        }
        std::fprintf(stderr, "%-5s f* = %.17g\n", shape.id, best);
    }
}

// --scale=X, --tol=X, --sag-tol=X (removed from argv) or MLPIPE_BENCH_SCALE, MLPIPE_BENCH_TOL,
// MLPIPE_BENCH_SAG_TOL; defaults 1, 1e-6, 1e-5.
void read_settings(int& argc, char** argv) {
    struct Setting {
        const char* flag;
        const char* variable;
        double* value;
    };
    const Setting settings[] = {{"--scale=", "MLPIPE_BENCH_SCALE", &scale},
                                {"--tol=", "MLPIPE_BENCH_TOL", &gradient_tolerance},
                                {"--sag-tol=", "MLPIPE_BENCH_SAG_TOL", &sag_tolerance}};
    for (const auto& setting : settings)
        if (const char* env = std::getenv(setting.variable)) *setting.value = std::atof(env);
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        bool taken = false;
        for (const auto& setting : settings) {
            const std::size_t length = std::strlen(setting.flag);
            if (std::strncmp(argv[i], setting.flag, length) == 0) {
                *setting.value = std::atof(argv[i] + length);
                taken = true;
            }
        }
        if (!taken) argv[out++] = argv[i];
    }
    argc = out;
    for (const auto& setting : settings) {
        if (!(*setting.value > 0) || !std::isfinite(*setting.value)) {
            std::fprintf(stderr, "mlpipe_bench_solvers: %s wants a positive number\n", setting.flag);
            std::exit(2);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    read_settings(argc, argv);
    for (const auto& shape : mlpipe_bench::shapes()) {
        for (mlpipe::Solver solver : mlpipe::all_solvers) {
            const std::string name = std::string("BM_Solver/") + shape.id + "/" + mlpipe::to_string(solver);
            benchmark::RegisterBenchmark(name.c_str(), [&shape, solver](benchmark::State& state) {
                run_solver(state, shape, solver);
            })
                ->Iterations(1)
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
        }
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    std::fprintf(stderr,
                 "mlpipe_bench_solvers: scale %g (MLPIPE_BENCH_SCALE or --scale=X; 1 = the issue's sizes), "
                 "tol %g (--tol), sag/saga tol %g (--sag-tol)\n",
                 scale, gradient_tolerance, sag_tolerance);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    print_summary();
    return 0;
}
