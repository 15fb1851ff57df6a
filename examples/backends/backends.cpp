// Fits one pipeline (OneHotEncoder -> StandardScaler -> LogisticRegression) on generated data
// with every backend this build has, and prints the time per fit, the iterations and the
// largest difference from the cpu backend's coefficients: what switching the backend costs
// and changes, on the sizes given.
//
//   backends [--rows N] [--numeric N] [--categorical N] [--levels N] [--classes K]
//            [--dtype float64|float32] [--solver NAME] [--tol X] [--repeat N] [--n-jobs N]

#include <mlpipe/backend/backend.hpp>
#include <mlpipe/core.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <random>
#include <string>
#include <vector>

namespace {

struct Settings {
    std::size_t rows = 200'000;
    std::size_t numeric = 20;
    std::size_t categorical = 5;
    std::size_t levels = 10;
    std::size_t classes = 2;
    bool float32 = false;
    mlpipe::Solver solver = mlpipe::Solver::lbfgs;
    int repeat = 3;
    int n_jobs = -1;
    double tol = 1e-4;
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "backends: %s\nusage: backends [--rows N] [--numeric N] [--categorical N] [--levels N] "
                 "[--classes K] [--dtype float64|float32] [--solver NAME] [--tol X] [--repeat N] [--n-jobs N]\n",
                 why.c_str());
    std::exit(2);
}

std::size_t whole_number(const std::string& flag, const std::string& text, std::size_t smallest) {
    std::size_t used = 0;
    unsigned long long value = 0;
    try {
        value = std::stoull(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || text[0] == '-' || value < smallest)
        usage(flag + " takes a whole number >= " + std::to_string(smallest) + ", got '" + text + "'");
    return static_cast<std::size_t>(value);
}

Settings parse(int argc, char** argv) {
    Settings s;
    for (int i = 1; i < argc; i += 2) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) usage(flag + " needs a value");
        const std::string value = argv[i + 1];
        if (flag == "--rows") s.rows = whole_number(flag, value, 2);
        else if (flag == "--numeric") s.numeric = whole_number(flag, value, 0);
        else if (flag == "--categorical") s.categorical = whole_number(flag, value, 0);
        else if (flag == "--levels") s.levels = whole_number(flag, value, 2);
        else if (flag == "--classes") s.classes = whole_number(flag, value, 2);
        else if (flag == "--repeat") s.repeat = static_cast<int>(whole_number(flag, value, 1));
        else if (flag == "--n-jobs") s.n_jobs = static_cast<int>(whole_number(flag, value, 1));
        else if (flag == "--tol") {
            char* end = nullptr;
            s.tol = std::strtod(value.c_str(), &end);
            if (value.empty() || *end != '\0' || !(s.tol >= 0) || !std::isfinite(s.tol))
                usage("--tol takes a number >= 0, got '" + value + "'");
        } else if (flag == "--dtype") {
            if (value != "float64" && value != "float32") usage("--dtype takes float64 or float32, got '" + value + "'");
            s.float32 = value == "float32";
        } else if (flag == "--solver") {
            const auto solver = mlpipe::solver_from_string(value);
            if (!solver) usage("--solver takes lbfgs, newton-cg, newton-cholesky, sag or saga, got '" + value + "'");
            s.solver = *solver;
        } else {
            usage("unknown argument '" + flag + "'");
        }
    }
    if (s.numeric + s.categorical == 0) usage("--numeric and --categorical are both 0: no features");
    return s;
}

struct Data {
    mlpipe::Frame X, y;
    std::vector<std::string> numeric_names, categorical_names;
};

// Numeric columns on different scales, categorical ones of `levels` values; the label is the
// largest of `classes` noisy linear scores (a logistic model for two classes).
Data generate(const Settings& s) {
    std::mt19937_64 random(42);
    std::normal_distribution<double> normal;
    std::vector<std::vector<double>> numeric(s.numeric, std::vector<double>(s.rows));
    std::vector<std::vector<std::string>> categorical(s.categorical, std::vector<std::string>(s.rows));
    std::vector<std::string> label(s.rows);
    std::vector<std::vector<double>> weight(s.classes, std::vector<double>(s.numeric + s.categorical * s.levels));
    for (auto& w : weight)
        for (double& v : w) v = 0.5 * normal(random);
    std::vector<double> score(s.classes);
    for (std::size_t i = 0; i < s.rows; ++i) {
        std::fill(score.begin(), score.end(), 0.0);
        for (std::size_t j = 0; j < s.numeric; ++j) {
            const double z = normal(random);
            numeric[j][i] = 10.0 * static_cast<double>(j + 1) + static_cast<double>(j + 1) * z;
            for (std::size_t c = 0; c < s.classes; ++c) score[c] += weight[c][j] * z;
        }
        for (std::size_t j = 0; j < s.categorical; ++j) {
            const std::size_t level = random() % s.levels;
            categorical[j][i] = "v" + std::to_string(level);
            for (std::size_t c = 0; c < s.classes; ++c) score[c] += weight[c][s.numeric + j * s.levels + level];
        }
        for (double& v : score) v += std::log(-std::log(std::uniform_real_distribution<double>(1e-12, 1.0)(random)));
        label[i] = "c" + std::to_string(std::max_element(score.begin(), score.end()) - score.begin());
    }
    Data d;
    for (std::size_t j = 0; j < s.numeric; ++j) {
        d.numeric_names.push_back("x" + std::to_string(j));
        d.X.add_numeric(d.numeric_names.back(), std::move(numeric[j]));
    }
    for (std::size_t j = 0; j < s.categorical; ++j) {
        d.categorical_names.push_back("k" + std::to_string(j));
        d.X.add_categorical(d.categorical_names.back(), categorical[j]);
    }
    d.y.add_categorical("label", label);
    return d;
}

struct Run {
    mlpipe::Backend backend;
    double median_seconds = 0;
    int n_iter = 0;
    Eigen::MatrixXd coef;
};

template <class Scalar>
Run fit_on(mlpipe::Backend backend, const Settings& s, const Data& d) {
    typename mlpipe::BasicLogisticRegression<Scalar>::Options options{.tol = s.tol, .solver = s.solver};
    options.n_jobs = s.n_jobs;
    options.backend = backend;
    mlpipe::Pipeline<mlpipe::OneHotEncoder, mlpipe::StandardScaler, mlpipe::BasicLogisticRegression<Scalar>> model{
        mlpipe::OneHotEncoder{{.columns = d.categorical_names}}, mlpipe::StandardScaler{{.columns = d.numeric_names}},
        mlpipe::BasicLogisticRegression<Scalar>{options}};
    std::vector<double> seconds;
    for (int r = 0; r < s.repeat; ++r) {
        const auto start = std::chrono::steady_clock::now();
        model.fit(d.X, d.y);
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(seconds.begin(), seconds.end());
    return {backend, seconds[seconds.size() / 2], model.final_step().n_iter(),
            model.final_step().coef().template cast<double>()};
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Settings s = parse(argc, argv);
        std::printf("data: %zu rows, %zu numeric + %zu categorical (%zu levels) columns, %zu classes, %s; "
                    "solver %s, tol %g; median of %d fits\n",
                    s.rows, s.numeric, s.categorical, s.levels, s.classes, s.float32 ? "float32" : "float64",
                    mlpipe::to_string(s.solver), s.tol, s.repeat);
        const Data d = generate(s);
        std::vector<Run> runs;
        for (mlpipe::Backend backend : {mlpipe::Backend::cpu, mlpipe::Backend::blas, mlpipe::Backend::cuda}) {
            if (!mlpipe::backend_compiled_in(backend)) {
                std::printf("%-5s  not in this build\n", mlpipe::to_string(backend));
                continue;
            }
            if (backend == mlpipe::Backend::cuda) {
                if (const auto why = mlpipe::cuda_unavailable_reason()) {
                    std::printf("%-5s  no CUDA device: %s\n", mlpipe::to_string(backend), why->c_str());
                    continue;
                }
            }
            runs.push_back(s.float32 ? fit_on<float>(backend, s, d) : fit_on<double>(backend, s, d));
            const Run& run = runs.back();
            const Run& cpu = runs.front();
            const double size = std::max(1e-300, cpu.coef.cwiseAbs().maxCoeff());
            const double difference = (run.coef - cpu.coef).cwiseAbs().maxCoeff() / size;
            std::printf("%-5s  %9.3f s per fit  %4d iterations  %8.2e largest difference from cpu (relative)  "
                        "%5.2fx cpu's speed\n",
                        mlpipe::to_string(backend), run.median_seconds, run.n_iter, difference,
                        cpu.median_seconds / run.median_seconds);
        }
        std::printf("done: %zu backends compared\n", runs.size());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
