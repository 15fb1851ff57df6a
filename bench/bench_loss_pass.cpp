// mlpipe_bench_loss_pass: one loss + gradient evaluation of a binary LogisticRegression
// on the training job's shape (rows x 20 numeric + 5 one-hot columns of 10 levels), against
// the memory bandwidth of the same machine in the same run. The numeric columns carry a
// StandardScaler's affine map, folded into the pass as Pipeline does.
//
//   build/bench/mlpipe_bench_loss_pass [rows=1000000] [repeats=15] [float64|float32]
//
// float32: the numeric columns stored as float32 (the job's --dtype float32), the pass still
// computing in double (Design<double>).
//
// Prints, per thread count: the bytes one pass reads (numeric columns, one-hot codes,
// labels; the sample weights are all 1, which the pass does not read), the median time of
// a plain streaming read of those bytes (a sum, on the same blocks and pool), and the median
// time of LinearLoss's evaluation with the bandwidth it reaches and its share of the
// streaming read's. Uses only the public API, so the same source builds against an older
// mlpipe for a before/after comparison (before 2026-12-02 the pass read the weights too: 8
// bytes a row more).

#include <mlpipe/core.hpp>
#include <mlpipe/linear_model/design.hpp>
#include <mlpipe/linear_model/linear_loss.hpp>
#include <mlpipe/parallel/blocks.hpp>
#include <mlpipe/parallel/thread_pool.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

template <class F>
double median_seconds(int repeats, F&& f) {
    std::vector<double> seconds;
    f();  // warm the caches and the pool
    for (int r = 0; r < repeats; ++r) {
        const auto start = Clock::now();
        f();
        seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
    return median(seconds);
}

// Older Designs had no threads to set.
template <class D>
void set_threads_if_any(D& design, unsigned threads) {
    if constexpr (requires { design.set_threads(threads); }) design.set_threads(threads);
}

// As LogisticRegression.fit prepares its design (older Designs had no such step).
template <class D>
void pair_one_hot_columns_if_any(D& design) {
    if constexpr (requires { design.pair_one_hot_columns(); }) design.pair_one_hot_columns();
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 15;
    const bool float32 = argc > 3 && std::string(argv[3]) == "float32";
    if (argc > 3 && !float32 && std::string(argv[3]) != "float64") {
        std::fprintf(stderr, "usage: %s [rows] [repeats] [float64|float32]\n", argv[0]);
        return 2;
    }
    constexpr int numeric = 20, categorical = 5, levels = 10;

    std::mt19937_64 random(42);
    auto uniform = [&] { return static_cast<double>(random() >> 11) * 0x1.0p-53; };
    mlpipe::Frame X;
    std::vector<std::int32_t> y(rows);
    for (int j = 0; j < numeric; ++j) {
        std::vector<double> values(rows);
        for (auto& v : values) v = 10 * uniform() - 5;
        if (float32)
            X.add(mlpipe::Column::numeric_f32("x" + std::to_string(j), std::vector<float>(values.begin(), values.end())));
        else
            X.add_numeric("x" + std::to_string(j), std::move(values));
    }
    std::vector<std::string> dictionary;
    for (int l = 0; l < levels; ++l) dictionary.push_back("c" + std::to_string(l));
    for (int j = 0; j < categorical; ++j) {
        std::vector<std::int32_t> codes(rows);
        for (auto& c : codes) c = static_cast<std::int32_t>(random() % levels);
        X.add(mlpipe::Column::one_hot("k" + std::to_string(j), std::move(codes), dictionary));
    }
    for (auto& label : y) label = uniform() < 0.5 ? 1 : 0;
    // A StandardScaler folded into the design, as Pipeline fits the training job's model:
    // every numeric column centred and scaled on the fly.
    mlpipe::FeatureScalings scalings;
    for (int j = 0; j < numeric; ++j) scalings["x" + std::to_string(j)] = {0.25 * j, 2.0 + 0.1 * j};
    const Eigen::VectorXd weights = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(rows));

    // Codes as the columns store them: int8 for ten levels.
    const auto code_bytes = static_cast<int>(X[static_cast<std::size_t>(numeric)].code_type());
    const double bytes = static_cast<double>(rows) * (numeric * (float32 ? 4 : 8) + categorical * code_bytes + 4);
    std::printf("rows %zu, %d numeric (%s) + %d one-hot columns (%s codes); one pass reads %.1f MB\n", rows,
                numeric, float32 ? "float32" : "float64", categorical,
                mlpipe::to_string(X[static_cast<std::size_t>(numeric)].code_type()), bytes / 1e6);
    std::printf("%-8s %-26s %10s %10s %12s\n", "threads", "pass", "median ms", "GB/s", "of read");

    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned threads = 1; threads <= cores; threads *= 2) {
        // The plain streaming read: every byte the pass reads, summed, block by block.
        const mlpipe::RowBlocks blocks(rows, 2048);
        std::vector<double> partial(blocks.count());
        auto stream = [&] {
            mlpipe::ThreadPool::shared().run(
                blocks.count(),
                [&](std::size_t b) {
                    const auto block = blocks[b];
                    double sum = 0;
                    const auto m = static_cast<Eigen::Index>(block.size());
                    for (int j = 0; j < numeric; ++j) {  // Eigen's sum: vectorised, unrolled
                        const auto& column = X[static_cast<std::size_t>(j)];
                        if (float32)
                            sum += Eigen::Map<const Eigen::ArrayXf>(column.values_f32().data() + block.begin, m).sum();
                        else
                            sum += Eigen::Map<const Eigen::ArrayXd>(column.values().data() + block.begin, m).sum();
                    }
                    std::int64_t codes = 0;
                    for (int j = 0; j < categorical; ++j) {
                        X[static_cast<std::size_t>(numeric + j)].visit_codes([&](auto c) {
                            for (std::size_t i = block.begin; i < block.end; ++i) codes += c[i];
                        });
                    }
                    for (std::size_t i = block.begin; i < block.end; ++i) codes += y[i];
                    partial[b] = sum + static_cast<double>(codes);
                },
                threads);
        };
        const double read = median_seconds(repeats, stream);
        std::printf("%-8u %-26s %10.2f %10.1f %11.0f%%\n", threads, "streaming read", read * 1e3, bytes / read / 1e9,
                    100.0);

        auto design = mlpipe::Design<double>::build(X, "bench", scalings);
        set_threads_if_any(design, threads);
        pair_one_hot_columns_if_any(design);
        const mlpipe::LinearLoss<mlpipe::Design<double>, mlpipe::BinomialLoss> loss(design, y, weights, 1, 1.0, 1.0,
                                                                                    true);
        Eigen::VectorXd params = Eigen::VectorXd::LinSpaced(design.n_features() + 1, -0.05, 0.05), grad;
        double sink = 0;
        const double pass = median_seconds(repeats, [&] { sink += loss(params, grad); });
        std::printf("%-8u %-26s %10.2f %10.1f %11.0f%%\n", threads, "loss + gradient (double)", pass * 1e3,
                    bytes / pass / 1e9, 100.0 * read / pass);
        if (sink == 0.12345) std::printf("%g\n", sink + partial[0]);
    }
}
