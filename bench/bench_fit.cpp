// Timings of the library's hot paths on synthetic penguins-like data:
//   BM_PipelineFit/<rows>        OneHotEncoder -> StandardScaler -> LogisticRegression fit
//   BM_PredictProba/<rows>       predict_proba of the fitted pipeline
//   BM_ReadCsv/<rows>            read_csv of a generated file
// Each reports rows/s (state.counters["rows/s"]).
//
//   build/bench/mlpipe_bench [--benchmark_filter=Fit] [--benchmark_min_time=0.5]
#include <mlpipe/core.hpp>
#include <mlpipe/io/csv_writer.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using Model = mlpipe::Pipeline<mlpipe::OneHotEncoder, mlpipe::StandardScaler, mlpipe::LogisticRegression>;

struct Dataset {
    mlpipe::Frame X;
    mlpipe::Frame y;
};

// Two categorical columns (3 and 5 categories) and four numeric ones on penguin-like scales;
// the binary label is drawn from a known logistic model, so fits converge as on real data.
Dataset make_dataset(std::size_t rows) {
    std::mt19937_64 rng(20260101u + rows);
    const std::array<std::string, 3> species = {"Adelie", "Chinstrap", "Gentoo"};
    const std::array<std::string, 5> islands = {"Biscoe", "Dream", "Torgersen", "Anvers", "Cuverville"};
    const std::array<double, 3> species_effect = {-0.8, 0.3, 0.5};
    const std::array<double, 5> island_effect = {0.2, -0.1, 0.0, 0.4, -0.5};

    std::uniform_int_distribution<int> pick_species(0, 2), pick_island(0, 4);
    std::normal_distribution<double> bill_length(44.0, 5.4), bill_depth(17.0, 2.0), flipper(201.0, 14.0),
        mass(4200.0, 800.0);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);

    std::vector<std::string> s(rows), island(rows), sex(rows);
    std::vector<double> length(rows), depth(rows), flipper_length(rows), body_mass(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        const int si = pick_species(rng), ii = pick_island(rng);
        s[i] = species[static_cast<std::size_t>(si)];
        island[i] = islands[static_cast<std::size_t>(ii)];
        length[i] = bill_length(rng);
        depth[i] = bill_depth(rng);
        flipper_length[i] = flipper(rng);
        body_mass[i] = mass(rng);
        const double z = species_effect[static_cast<std::size_t>(si)] + island_effect[static_cast<std::size_t>(ii)] +
                         1.5 * (length[i] - 44.0) / 5.4 + 2.8 * (depth[i] - 17.0) / 2.0 +
                         0.3 * (flipper_length[i] - 201.0) / 14.0 + 2.8 * (body_mass[i] - 4200.0) / 800.0;
        sex[i] = uniform(rng) < 1.0 / (1.0 + std::exp(-z)) ? "male" : "female";
    }
    Dataset data;
    data.X.add_categorical("species", s);
    data.X.add_categorical("island", island);
    data.X.add_numeric("bill_length_mm", std::move(length));
    data.X.add_numeric("bill_depth_mm", std::move(depth));
    data.X.add_numeric("flipper_length_mm", std::move(flipper_length));
    data.X.add_numeric("body_mass_g", std::move(body_mass));
    data.y.add_categorical("sex", sex);
    return data;
}

// Generated once per size and shared by the benchmarks.
const Dataset& dataset(std::size_t rows) {
    static std::map<std::size_t, Dataset> cache;
    auto it = cache.find(rows);
    if (it == cache.end()) it = cache.emplace(rows, make_dataset(rows)).first;
    return it->second;
}

Model make_model() {
    return Model{
        mlpipe::OneHotEncoder{{.columns = {"species", "island"}}},
        mlpipe::StandardScaler{{.columns = {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"}}},
        mlpipe::LogisticRegression{{.C = 1.0, .max_iter = 100}}};
}

void set_rate(benchmark::State& state, std::size_t rows) {
    state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows) * static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}

void BM_PipelineFit(benchmark::State& state) {
    const auto rows = static_cast<std::size_t>(state.range(0));
    const Dataset& data = dataset(rows);
    int n_iter = 0;
    for (auto _ : state) {
        Model model = make_model();
        model.fit(data.X, data.y);
        n_iter = model.final_step().n_iter();
        benchmark::DoNotOptimize(n_iter);
    }
    set_rate(state, rows);
    state.counters["n_iter"] = n_iter;
}
BENCHMARK(BM_PipelineFit)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

void BM_PredictProba(benchmark::State& state) {
    const auto rows = static_cast<std::size_t>(state.range(0));
    const Dataset& data = dataset(rows);
    Model model = make_model();
    model.fit(data.X, data.y);
    for (auto _ : state) {
        auto proba = model.predict_proba(data.X);
        benchmark::DoNotOptimize(proba.data());
        benchmark::ClobberMemory();
    }
    set_rate(state, rows);
}
BENCHMARK(BM_PredictProba)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

// A CSV file of the generated data (features and label), written once, removed at exit.
class CsvFile {
public:
    explicit CsvFile(std::size_t rows)
        : path_(std::filesystem::temp_directory_path() /
                ("mlpipe_bench_" + std::to_string(::getpid()) + "_" + std::to_string(rows) + ".csv")) {
        mlpipe::Frame frame = dataset(rows).X;
        frame.add(dataset(rows).y[0]);
        mlpipe::write_csv(frame, path_);
    }
    ~CsvFile() {
        std::error_code ignored;
        std::filesystem::remove(path_, ignored);
    }
    CsvFile(const CsvFile&) = delete;
    CsvFile& operator=(const CsvFile&) = delete;
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

void BM_ReadCsv(benchmark::State& state) {
    const auto rows = static_cast<std::size_t>(state.range(0));
    static std::map<std::size_t, CsvFile> files;
    auto it = files.find(rows);
    if (it == files.end()) it = files.try_emplace(rows, rows).first;
    const auto& path = it->second.path();
    const auto bytes = static_cast<std::int64_t>(std::filesystem::file_size(path));
    for (auto _ : state) {
        mlpipe::Frame frame = mlpipe::read_csv(path);
        benchmark::DoNotOptimize(frame.rows());
    }
    set_rate(state, rows);
    state.SetBytesProcessed(bytes * static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ReadCsv)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
