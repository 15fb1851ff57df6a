// mlpipe_solver_run: fits one LogisticRegression on CSV data and prints what bench/compare_solvers
// and bench/plot_suboptimality.py need, as one JSON object on stdout.
//
//   mlpipe_solver_run --x X_train.csv --y y_train.csv [--x-test X_test.csv --y-test y_test.csv]
//                     --solver lbfgs|newton-cg|newton-cholesky|sag|saga [--tol 1e-6] [--max-iter 2000]
//                     [--C 1] [--random-state 0] [--one-hot c0=10,c1=10] [--no-coef]
//
// X: a header row, numeric columns; the columns named in --one-hot hold integer level codes
// 0 .. levels-1 and become one-hot columns with every level (seen or not), in the order
// given, after the numeric ones -- the feature order of the numpy design compare_solvers
// builds. y: one column of labels. The model is fitted on X as it is (no scaler: the
// generated features are already standardised); only the fit is timed.
//
// Output: solver, ok, seconds (the fit), n_iter, converged, stop_reason, objective and
// gradient_max (recomputed from the data at the fitted coefficients, averaged convention),
// initial_objective (f at zero, where every solver starts), history [[iteration, seconds,
// objective, gradient_max], ...] as the solver reported it, test_accuracy, classes, coef
// (K x features), intercept. On an error: {"solver": ..., "ok": false, "error": "..."}, exit 1.
#include "solver_bench.hpp"

#include <mlpipe/core.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char ch : text) {
        switch (ch) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (static_cast<unsigned char>(ch) < 0x20) {
                    char buffer[8];
                    std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(ch));
                    out += buffer;
                } else {
                    out += ch;
                }
        }
    }
    return out + "\"";
}

// Shortest text that reads back as the same double; JSON has no NaN or infinity, so null.
std::string json_number(double value) {
    if (!std::isfinite(value)) return "null";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    return buffer;
}

struct Arguments {
    std::string x, y, x_test, y_test;
    mlpipe::Solver solver = mlpipe::Solver::lbfgs;
    std::string solver_name = "lbfgs";
    double tol = 1e-6, C = 1.0;
    int max_iter = 2000;
    std::uint64_t random_state = 0;
    std::vector<std::pair<std::string, int>> one_hot;
    bool coef = true;
};

[[noreturn]] void usage(const std::string& message) {
    std::fprintf(stderr,
                 "mlpipe_solver_run: %s\nusage: mlpipe_solver_run --x X.csv --y y.csv [--x-test X.csv --y-test y.csv] "
                 "--solver NAME [--tol T] [--max-iter N] [--C C] [--random-state S] [--one-hot col=levels,...] "
                 "[--no-coef]\n",
                 message.c_str());
    std::exit(2);
}

Arguments parse(int argc, char** argv) {
    Arguments args;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "--no-coef") {
            args.coef = false;
            continue;
        }
        if (i + 1 >= argc) usage("missing value after " + std::string(flag));
        const std::string value = argv[++i];
        if (flag == "--x") args.x = value;
        else if (flag == "--y") args.y = value;
        else if (flag == "--x-test") args.x_test = value;
        else if (flag == "--y-test") args.y_test = value;
        else if (flag == "--solver") {
            const auto solver = mlpipe::solver_from_string(value);
            if (!solver) usage("unknown solver '" + value + "'");
            args.solver = *solver;
            args.solver_name = mlpipe::to_string(*solver);
        } else if (flag == "--tol") args.tol = std::stod(value);
        else if (flag == "--C") args.C = std::stod(value);
        else if (flag == "--max-iter") args.max_iter = std::stoi(value);
        else if (flag == "--random-state") args.random_state = std::stoull(value);
        else if (flag == "--one-hot") {
            std::stringstream list(value);
            std::string item;
            while (std::getline(list, item, ',')) {
                const auto eq = item.find('=');
                if (eq == std::string::npos) usage("--one-hot wants col=levels, got '" + item + "'");
                args.one_hot.emplace_back(item.substr(0, eq), std::stoi(item.substr(eq + 1)));
            }
        } else usage("unknown flag " + std::string(flag));
    }
    if (args.x.empty() || args.y.empty()) usage("--x and --y are required");
    if (args.x_test.empty() != args.y_test.empty()) usage("--x-test and --y-test go together");
    return args;
}

// The numeric columns as they are, then each --one-hot column as a one-hot column of all its levels.
mlpipe::Frame read_features(const std::string& path, const Arguments& args) {
    mlpipe::CsvOptions options;
    for (const auto& [name, levels] : args.one_hot) options.column_kinds[name] = mlpipe::ColumnKind::numeric;
    const mlpipe::Frame raw = mlpipe::read_csv(path, options);
    std::map<std::string, int> one_hot(args.one_hot.begin(), args.one_hot.end());
    mlpipe::Frame X;
    for (const auto& column : raw)
        if (!one_hot.contains(column.name())) X.add(column);
    for (const auto& [name, levels] : args.one_hot) {
        const auto values = raw.column(name).values();
        std::vector<std::int32_t> codes(values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            const double v = values[i];
            if (!(v >= 0 && v < levels) || v != std::floor(v))
                throw mlpipe::data_error(path + ": column '" + name + "' row " + std::to_string(i) +
                                         " is not a level code in [0, " + std::to_string(levels) + ")");
            codes[i] = static_cast<std::int32_t>(v);
        }
        std::vector<std::string> categories(static_cast<std::size_t>(levels));
        for (int l = 0; l < levels; ++l) categories[static_cast<std::size_t>(l)] = std::to_string(l);
        X.add(mlpipe::Column::one_hot(name, std::move(codes), std::move(categories)));
    }
    return X;
}

int run(const Arguments& args) {
    const mlpipe::Frame X = read_features(args.x, args);
    const mlpipe::Frame y = mlpipe::read_csv(args.y);
    if (y.cols() != 1) throw mlpipe::data_error(args.y + ": one column of labels expected");

    mlpipe::LogisticRegression::Options options = mlpipe_bench::options_for(args.solver, args.tol);
    options.C = args.C;
    options.max_iter = args.max_iter;
    options.random_state = args.random_state;
    mlpipe::LogisticRegression model(options);
    const auto started = std::chrono::steady_clock::now();
    model.fit(X, y);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    const auto value = mlpipe_bench::evaluate(X, y[0], model);
    const auto initial = mlpipe_bench::evaluate(X, y[0], model, /*at_zero=*/true);
    std::optional<double> accuracy;
    if (!args.x_test.empty()) accuracy = model.score(read_features(args.x_test, args), mlpipe::read_csv(args.y_test));

    std::string out = "{\"solver\": " + json_string(args.solver_name) + ", \"ok\": true";
    out += ", \"seconds\": " + json_number(seconds);
    out += ", \"n_iter\": " + std::to_string(model.n_iter());
    out += ", \"converged\": " + std::string(model.converged() ? "true" : "false");
    out += ", \"stop_reason\": " + json_string(mlpipe_bench::short_reason(model.stop_reason()));
    out += ", \"stop_reason_text\": " + json_string(mlpipe::optim::to_string(model.stop_reason()));
    out += ", \"objective\": " + json_number(value.objective);
    out += ", \"gradient_max\": " + json_number(value.gradient_max);
    out += ", \"initial_objective\": " + json_number(initial.objective);
    out += ", \"test_accuracy\": " + (accuracy ? json_number(*accuracy) : std::string("null"));
    out += ", \"rows\": " + std::to_string(X.rows());
    out += ", \"features\": " + std::to_string(model.feature_names_out().size());
    out += ", \"history\": [";
    bool first = true;
    for (const auto& report : model.history()) {
        out += (first ? "[" : ", [") + std::to_string(report.iteration) + ", " + json_number(report.seconds) + ", " +
               json_number(report.objective) + ", " + json_number(report.gradient_max) + "]";
        first = false;
    }
    out += "], \"classes\": [";
    first = true;
    for (const auto& label : model.classes()) {
        out += (first ? "" : ", ") + json_string(label.to_string());
        first = false;
    }
    out += "]";
    if (args.coef) {
        out += ", \"coef\": [";
        for (Eigen::Index r = 0; r < model.coef().rows(); ++r) {
            out += r ? ", [" : "[";
            for (Eigen::Index c = 0; c < model.coef().cols(); ++c)
                out += (c ? ", " : "") + json_number(model.coef()(r, c));
            out += "]";
        }
        out += "], \"intercept\": [";
        for (Eigen::Index r = 0; r < model.intercept().size(); ++r)
            out += (r ? ", " : "") + json_number(model.intercept()[r]);
        out += "]";
    }
    out += "}\n";
    std::fputs(out.c_str(), stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Arguments args;
    try {
        args = parse(argc, argv);
    } catch (const std::exception& e) {  // a number that does not parse (std::stod, std::stoi)
        usage(std::string("bad argument: ") + e.what());
    }
    try {
        return run(args);
    } catch (const std::exception& e) {
        std::printf("{\"solver\": %s, \"ok\": false, \"error\": %s}\n", json_string(args.solver_name).c_str(),
                    json_string(e.what()).c_str());
        return 1;
    }
}
