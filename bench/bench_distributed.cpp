// mlpipe_bench_distributed: a distributed pipeline fit under mpirun, timed, with the time each
// rank spends in the communicator's sums kept apart from its computing (bench/README.md,
// "Distributed fits").
//
//   mpirun -np 2 build/bench/mlpipe_bench_distributed --rows 10000000 --threads 1
//
// The rows are those of the training job of bench/compare_sklearn's shape (20 numeric
// columns, 5 categorical ones of 10 levels, a 0/1 label from a logistic model), made from a
// seed per row, so the union of the ranks' rows is the same data whatever the number of ranks:
// rank r makes rows [r n / ranks, (r + 1) n / ranks). Every fit runs at most --iterations
// L-BFGS iterations with tol 0 (it may stop earlier on the line search, at the same iteration
// whatever the rank count), so runs with other rank counts compare the same work. Rank 0
// prints one line per run and a summary (medians); never run by the tests.

#include <mlpipe/core.hpp>
#include <mlpipe/parallel/collectives.hpp>
#include <mlpipe/parallel/mpi_communicator.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Forwards to another communicator and adds up the time spent in sum(), the only collective a
// solver iteration makes, in two parts: waiting for every rank to reach it (a barrier first:
// the slowest rank's lag) and the sum itself (the messages).
class TimedCommunicator final : public mlpipe::Communicator {
public:
    explicit TimedCommunicator(const mlpipe::Communicator& inner) : inner_(inner) {}
    int rank() const noexcept override { return inner_.rank(); }
    int size() const noexcept override { return inner_.size(); }
    void sum(std::span<double> values) const override {
        timed([&] { inner_.sum(values); }, values.size());
    }
    void sum(std::span<float> values) const override {
        timed([&] { inner_.sum(values); }, values.size());
    }
    std::vector<std::string> allgather(std::string_view bytes) const override { return inner_.allgather(bytes); }
    void broadcast(std::string& bytes, int root) const override { inner_.broadcast(bytes, root); }
    std::string describe() const override { return inner_.describe(); }

    double sum_seconds() const noexcept { return seconds_; }
    double wait_seconds() const noexcept { return wait_; }
    long sums() const noexcept { return sums_; }
    std::size_t largest_sum() const noexcept { return largest_; }
    void reset() noexcept { seconds_ = 0, wait_ = 0, sums_ = 0, largest_ = 0; }

private:
    template <class Sum>
    void timed(Sum&& sum, std::size_t size) const {
        const auto arrived = Clock::now();
        (void)inner_.allgather({});  // a barrier
        const auto start = Clock::now();
        sum();
        wait_ += std::chrono::duration<double>(start - arrived).count();
        seconds_ += std::chrono::duration<double>(Clock::now() - start).count();
        ++sums_;
        largest_ = std::max(largest_, size);
    }
    const mlpipe::Communicator& inner_;
    mutable double seconds_ = 0, wait_ = 0;
    mutable long sums_ = 0;
    mutable std::size_t largest_ = 0;
};

// Rows [begin, end) of the data set: each row from its own seed.
std::pair<mlpipe::Frame, mlpipe::Frame> make_rows(std::size_t begin, std::size_t end) {
    constexpr std::size_t numeric = 20, categorical = 5, levels = 10;
    const std::size_t rows = end - begin;
    std::vector<std::vector<double>> x(numeric, std::vector<double>(rows));
    std::vector<std::vector<std::int32_t>> codes(categorical, std::vector<std::int32_t>(rows));
    std::vector<std::int32_t> label(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        std::mt19937_64 random(0x9E3779B97F4A7C15ULL * (begin + i + 1));
        std::normal_distribution<double> normal;
        double score = 0;
        for (std::size_t j = 0; j < numeric; ++j) {
            x[j][i] = normal(random) * static_cast<double>(j + 1) + static_cast<double>(j);
            score += (j % 2 == 0 ? 0.3 : -0.2) * (x[j][i] - static_cast<double>(j)) / static_cast<double>(j + 1);
        }
        for (std::size_t j = 0; j < categorical; ++j) {
            codes[j][i] = static_cast<std::int32_t>(random() % levels);
            score += 0.1 * (static_cast<double>(codes[j][i]) - 4.5);
        }
        const double uniform = static_cast<double>(random() >> 11) * 0x1.0p-53;
        label[i] = uniform < 1 / (1 + std::exp(-score)) ? 1 : 0;
    }
    std::vector<std::string> dictionary;
    for (std::size_t l = 0; l < levels; ++l) dictionary.push_back("level" + std::to_string(l));
    mlpipe::Frame X, y;
    for (std::size_t j = 0; j < numeric; ++j) X.add_numeric("x" + std::to_string(j), std::move(x[j]));
    for (std::size_t j = 0; j < categorical; ++j)
        X.add(mlpipe::Column::categorical("c" + std::to_string(j), std::move(codes[j]), dictionary));
    y.add(mlpipe::Column::categorical("label", std::move(label), {"0", "1"}));
    return {std::move(X), std::move(y)};
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    mlpipe::MpiSession session(argc, argv);
    const mlpipe::MpiCommunicator world;
    std::size_t rows = 1'000'000;
    int threads = 1, iterations = 20, runs = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--rows" && i + 1 < argc)
            rows = std::stoul(argv[++i]);
        else if (arg == "--threads" && i + 1 < argc)
            threads = std::stoi(argv[++i]);
        else if (arg == "--iterations" && i + 1 < argc)
            iterations = std::stoi(argv[++i]);
        else if (arg == "--runs" && i + 1 < argc)
            runs = std::stoi(argv[++i]);
        else {
            if (world.rank() == 0)
                std::fprintf(stderr, "usage: mpirun -np N %s [--rows N] [--threads T] [--iterations I] [--runs R]\n",
                             argv[0]);
            return 2;
        }
    }
    const auto ranks = static_cast<std::size_t>(world.size()), rank = static_cast<std::size_t>(world.rank());
    const auto made = Clock::now();
    const auto [X, y] = make_rows(rows * rank / ranks, rows * (rank + 1) / ranks);
    const double make_seconds = std::chrono::duration<double>(Clock::now() - made).count();

    std::vector<std::string> numeric, categorical;
    for (int j = 0; j < 20; ++j) numeric.push_back("x" + std::to_string(j));
    for (int j = 0; j < 5; ++j) categorical.push_back("c" + std::to_string(j));
    TimedCommunicator timed(world);
    std::vector<double> fit_seconds, per_iteration, sum_per_iteration, wait_per_iteration;
    if (rank == 0)
        std::printf("ranks %zu, threads per rank %d, rows %zu (%zu on rank 0, made in %.2f s), %d iterations\n", ranks,
                    threads, rows, X.rows(), make_seconds, iterations);
    for (int run = 0; run < runs; ++run) {
        mlpipe::Pipeline<mlpipe::OneHotEncoder, mlpipe::StandardScaler, mlpipe::LogisticRegression> model{
            mlpipe::OneHotEncoder{{.columns = categorical}}, mlpipe::StandardScaler{{.columns = numeric}},
            mlpipe::LogisticRegression{{.max_iter = iterations, .tol = 0, .n_jobs = threads}}};
        timed.reset();
        const auto start = Clock::now();
        model.fit(X, y, {}, timed);
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        const auto& lr = model.final_step();
        // The slowest rank's times: the job waits for it. The solver's own time (the
        // preprocessing fits and the design left out) per iteration.
        const std::vector<double> times{seconds, lr.fit_seconds(), timed.sum_seconds(), timed.wait_seconds()};
        double slowest = 0, slowest_solver = 0, slowest_sum = 0, longest_wait = 0;
        for (const auto& r : mlpipe::collective::gather_numbers(world, times)) {
            slowest = std::max(slowest, r[0]);
            slowest_solver = std::max(slowest_solver, r[1]);
            slowest_sum = std::max(slowest_sum, r[2]);
            longest_wait = std::max(longest_wait, r[3]);
        }
        const double iterations_run = std::max(1, lr.n_iter());
        fit_seconds.push_back(slowest);
        per_iteration.push_back(slowest_solver / iterations_run);
        sum_per_iteration.push_back(slowest_sum / iterations_run);
        wait_per_iteration.push_back(longest_wait / iterations_run);
        if (rank == 0)
            std::printf(
                "  run %d: pipeline fit %.3f s, solver %.3f s, %d iterations, %ld sums of up to %zu values: "
                "%.4f s summing, %.4f s waiting at them; objective %.15g\n",
                run + 1, slowest, slowest_solver, lr.n_iter(), timed.sums(), timed.largest_sum(), slowest_sum,
                longest_wait, lr.objective());
    }
    if (rank == 0)
        std::printf(
            "median: pipeline fit %.3f s; per solver iteration %.1f ms, of which summing %.3f ms and "
            "waiting for the slowest rank %.1f ms\n",
            median(fit_seconds), 1e3 * median(per_iteration), 1e3 * median(sum_per_iteration),
            1e3 * median(wait_per_iteration));
    return 0;
}
