// mlpipe-sagemaker prepare: the data preparation of the project's notebook, for local runs.
// Reads a CSV file, drops the listed columns, the rows with a missing value and repeated
// rows (keeping the first), shuffles as scikit-learn's train_test_split does and splits into
// DIR/train/{X_train,y_train}.csv and DIR/test/{X_test,y_test}.csv: the train and test
// channels of a training job.

#include "../common/command_line.hpp"
#include "../common/commands.hpp"
#include "../common/frame_rows.hpp"
#include "../common/message_limits.hpp"
#include "../common/text.hpp"

#include <mlpipe/core.hpp>
#include <mlpipe/io/csv_writer.hpp>
#include <mlpipe/model_selection/train_test_split.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace mlpipe::sagemaker {
namespace {

constexpr int exit_error = 1;
constexpr int exit_usage = 2;

void print_usage(std::ostream& out) {
    out << "usage: mlpipe-sagemaker prepare --input FILE --target COLUMN --out DIR\n"
           "                                [--test-size 0.2] [--seed 42] [--drop COLUMN,...]\n"
           "Drops the --drop columns, then rows with a missing value, then repeated rows (keeping the\n"
           "first), shuffles the rest with --seed and puts ceil(test-size * rows) of them into the test\n"
           "set. Writes DIR/train/X_train.csv, DIR/train/y_train.csv, DIR/test/X_test.csv and\n"
           "DIR/test/y_test.csv (X: every column but the target; y: the target).\n";
}

struct PrepareArguments {
    std::filesystem::path input;
    std::string target;
    std::filesystem::path out;
    double test_size = 0.2;
    std::uint32_t seed = 42;  // numpy's legacy seeds are 32-bit
    std::vector<std::string> drop;
    bool help = false;
};

PrepareArguments parse_prepare_arguments(const std::vector<std::string>& args) {
    const CommandLine command_line = parse_command_line(args);
    PrepareArguments parsed;
    parsed.help = command_line.help;
    const std::vector<std::string> known = {"input", "target", "out", "test-size", "seed", "drop"};
    for (const auto& [key, value] : command_line.options) {
        if (key == "input") {
            parsed.input = value;
        } else if (key == "target") {
            parsed.target = value;
        } else if (key == "out") {
            parsed.out = value;
        } else if (key == "test-size") {
            if (!parse_double(trim(value), parsed.test_size) || !(parsed.test_size > 0 && parsed.test_size < 1))
                throw usage_error("--test-size must be a number between 0 and 1 (exclusive), got " +
                                  quoted_excerpt(value));
        } else if (key == "seed") {
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed.seed);
            if (ec != std::errc() || end != value.data() + value.size())
                throw usage_error("--seed must be a whole number from 0 to 4294967295, got " + quoted_excerpt(value));
        } else if (key == "drop") {
            parsed.drop = split_list(value);
        } else {
            throw usage_error("unknown option --" + bounded(key, max_quoted_bytes) + bounded_did_you_mean(key, known) +
                              "; options: --" +
                              join(known, ", --"));
        }
    }
    if (parsed.help) return parsed;
    std::vector<std::string> missing;
    if (parsed.input.empty()) missing.push_back("--input");
    if (parsed.target.empty()) missing.push_back("--target");
    if (parsed.out.empty()) missing.push_back("--out");
    if (!missing.empty()) throw usage_error("missing " + join(missing));
    return parsed;
}

void write_split(const Frame& rows, const std::string& target, const std::filesystem::path& dir,
                 const std::string& suffix) {
    std::vector<std::string> features;
    for (const auto& name : rows.names())
        if (name != target) features.push_back(name);
    std::filesystem::create_directories(dir);
    write_csv(select_columns(rows, features), dir / ("X_" + suffix + ".csv"));
    write_csv(select_columns(rows, {target}), dir / ("y_" + suffix + ".csv"));
    std::cout << "prepare: wrote " << (dir / ("X_" + suffix + ".csv")).string() << " and "
              << (dir / ("y_" + suffix + ".csv")).string() << " (" << rows.rows() << " rows)\n";
}

void prepare(const PrepareArguments& arguments) {
    std::error_code ignored;
    if (std::filesystem::is_directory(arguments.input, ignored))
        throw error(arguments.input.string() + " is a directory, expected a file");
    const Frame raw = read_csv(arguments.input);
    std::cout << "prepare: rows read: " << raw.rows() << " (" << raw.cols() << " columns, " << arguments.input.string()
              << ")\n";
    if (!raw.contains(arguments.target))
        throw data_error("--target " + quoted_excerpt(arguments.target) + " is not a column of " +
                         arguments.input.string() + bounded_did_you_mean(arguments.target, raw.names()) +
                         "; columns: " + quoted_names(raw.names()));
    for (const auto& name : arguments.drop) {
        if (!raw.contains(name))
            throw data_error("--drop " + quoted_excerpt(name) + " is not a column of " + arguments.input.string() +
                             bounded_did_you_mean(name, raw.names()) + "; columns: " + quoted_names(raw.names()));
        if (name == arguments.target) throw data_error("--drop lists the target column " + quoted_excerpt(name));
    }
    std::vector<std::string> kept;
    for (const auto& name : raw.names())
        if (std::find(arguments.drop.begin(), arguments.drop.end(), name) == arguments.drop.end()) kept.push_back(name);
    if (!arguments.drop.empty())
        std::cout << bounded("prepare: dropped the columns " + join_at_most(arguments.drop), max_log_line_bytes)
                  << "\n";

    const Frame selected = select_columns(raw, kept);
    const Frame complete = take_rows(selected, complete_rows(selected));
    std::cout << "prepare: rows after dropping rows with a missing value: " << complete.rows() << "\n";
    const Frame distinct = take_rows(complete, first_of_duplicate_rows(complete));
    std::cout << "prepare: rows after dropping duplicate rows: " << distinct.rows() << "\n";

    // scikit-learn's train_test_split(test_size, random_state=seed), row for row: the library's
    // has the same sizes (ceil for the test set) and numpy's permutation.
    const std::size_t n = distinct.rows();
    SplitRows rows;
    try {
        rows = train_test_split_rows(n, {.test_size = arguments.test_size, .random_state = arguments.seed});
    } catch (const parameter_error& e) {
        throw data_error("cannot split " + std::to_string(n) + " rows with --test-size " +
                         std::to_string(arguments.test_size) + " (" + e.what() + ")");
    }
    const Frame test = take_rows(distinct, rows.test);
    const Frame train = take_rows(distinct, rows.train);
    std::cout << "prepare: train rows: " << train.rows() << ", test rows: " << test.rows() << " (test-size "
              << arguments.test_size << ", seed " << arguments.seed << ")\n";
    write_split(train, arguments.target, arguments.out / "train", "train");
    write_split(test, arguments.target, arguments.out / "test", "test");
}

}  // namespace

int prepare_main(const std::vector<std::string>& args) {
    PrepareArguments arguments;
    try {
        arguments = parse_prepare_arguments(args);
    } catch (const usage_error& e) {
        std::cerr << valid_utf8(bounded(std::string("mlpipe-sagemaker prepare: ") + e.what(), max_failure_bytes))
                  << "\n";
        print_usage(std::cerr);
        return exit_usage;
    }
    if (arguments.help) {
        print_usage(std::cout);
        return 0;
    }
    try {
        prepare(arguments);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << valid_utf8(bounded(std::string("mlpipe-sagemaker prepare: ") + e.what(), max_failure_bytes))
                  << "\n";
        return exit_error;
    }
}

}  // namespace mlpipe::sagemaker
