// `mlpipe-sagemaker train` as SageMaker runs it: the real binary against a temporary
// /opt/ml laid out from the project's penguins reference data (scikit-learn 1.2.1 results
// in data/reference/penguins/reference.json).

#include "../common/glibc_malloc.hpp"
#include "../common/instruction_set.hpp"
#include "../common/layout.hpp"
#include "../common/model_commit.hpp"
#include "../common/model_types.hpp"
#include "support.hpp"

#include <mlpipe/mlpipe.hpp>

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace mlpipe;
using namespace mlpipe::sagemaker;
using namespace mlpipe::sagemaker::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const fs::path penguins = fs::path(MLPIPE_DATA_DIR) / "reference" / "penguins";
const std::string categorical = "species,island";
const std::string numerical = "bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g";

const json& reference() {
    static const json r = json::parse(read_text(penguins / "reference.json"));
    return r;
}

std::string four_decimals(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", value);
    return text;
}

// The value of `channel:metric=VALUE;` in a log, or NaN when the line is absent.
double metric_in(const std::string& log, const std::string& channel, const std::string& metric) {
    std::smatch match;
    if (!std::regex_search(log, match, std::regex(channel + ":" + metric + "=([0-9.]+);"))) return std::nan("");
    return std::stod(match[1].str());
}

// The reference's test log loss, from scikit-learn's predict_proba on X_test.
double reference_test_log_loss() {
    const Frame y = read_csv(penguins / "test" / "y_test.csv");
    const auto labels = labels_of(y[0]);
    const auto& proba = reference()["test"]["predict_proba"];
    const auto& classes = reference()["classes_"];
    double loss = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const std::size_t k = labels[i].text() == classes[0].get<std::string>() ? 0 : 1;
        loss -= std::log(proba[i][k].get<double>());
    }
    return loss / static_cast<double>(labels.size());
}

// The penguins training rows as one table: X_train.csv with the sex column appended.
std::string joined_train_csv() {
    Frame table = read_csv(penguins / "train" / "X_train.csv");
    table.add(read_csv(penguins / "train" / "y_train.csv")[0]);
    std::ostringstream out;
    write_csv(table, out);
    return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

struct Outcome {
    int status;
    std::string out;
    std::string err;
};

// A temporary /opt/ml and the runs of `train` on it.
class Job {
public:
    const fs::path& root() const { return root_; }
    fs::path channel(const std::string& name) const { return root_ / "input" / "data" / name; }
    fs::path model_file() const { return root_ / "model" / model_file_name; }
    fs::path failure_file() const { return root_ / "output" / "failure"; }

    void write(const fs::path& relative, const std::string& text) const { write_text(root_ / relative, text); }
    void copy_to_channel(const std::string& name, const fs::path& file) const {
        fs::create_directories(channel(name));
        fs::copy_file(file, channel(name) / file.filename());
    }
    void hyperparameters(const json& values) const { write("input/config/hyperparameters.json", values.dump()); }

    // The reference split: train and test channels in the X/y layout.
    void penguins_channels() const {
        copy_to_channel("train", penguins / "train" / "X_train.csv");
        copy_to_channel("train", penguins / "train" / "y_train.csv");
        copy_to_channel("test", penguins / "test" / "X_test.csv");
        copy_to_channel("test", penguins / "test" / "y_test.csv");
    }

    // `extra_env`: variables set for this run only (the kill tests' MLPIPE_TEST_KILL_AT).
    std::unique_ptr<Process> start(std::vector<std::string> args = {},
                                   const std::map<std::string, std::string>& extra_env = {}) const {
        args.insert(args.begin(), {"train", "--root", root_.string()});
        Environment env = Environment::inherited()
                              .remove_prefixed("SM_")
                              .remove_prefixed("SAGEMAKER_")
                              .remove_prefixed("MLPIPE_TEST_")
                              .remove_prefixed("MLPIPE_HUGE_PAGES")
                              .remove_prefixed("GLIBC_TUNABLES")
                              .remove_prefixed("MALLOC_");
        for (const auto& [name, value] : extra_env) env.set(name, value);
        return std::make_unique<Process>(MLPIPE_SAGEMAKER_BIN, args, env, dir_.path() / "stdout.txt",
                                         dir_.path() / "stderr.txt");
    }

    Outcome train(std::vector<std::string> args = {}, const std::map<std::string, std::string>& extra_env = {}) const {
        auto process = start(std::move(args), extra_env);
        const auto status = process->wait_for(120s);
        INFO("stdout:\n" << process->stdout_text() << "\nstderr:\n" << process->stderr_text());
        REQUIRE(status.has_value());  // else it hung: the destructor kills it
        return {*status, process->stdout_text(), process->stderr_text()};
    }

    json metadata() const { return json::parse(read_text(root_ / "model" / metadata_file_name)); }
    json evaluation() const { return json::parse(read_text(root_ / "output" / "data" / "evaluation.json")); }
    std::string failure() const { return read_text(failure_file()); }

private:
    TempDir dir_{"mlpipe-train-test"};
    fs::path root_ = dir_.path() / "ml";
};

// Hyperparameters of the reference fit (scikit-learn 1.2.1's objective and stopping rule).
json reference_hyperparameters() {
    return {{"categorical-features", categorical}, {"numerical-features", numerical}, {"match-sklearn", "1.2"}};
}

void check_reference_model(const Job& job, const Outcome& run) {
    INFO(run.out << run.err);
    REQUIRE(run.status == 0);
    REQUIRE(fs::exists(job.model_file()));
    const json metadata = job.metadata();
    CHECK(metadata["classes"] == json::array({"female", "male"}));
    CHECK(metadata["training"]["n_iter"] == reference()["n_iter_"][0]);  // 29
    CHECK(metadata["training"]["converged"] == true);
    CHECK(metadata["training"]["rows"] == reference()["n_train"]);
    CHECK(run.out.find("test:accuracy=" + four_decimals(reference()["test_accuracy"].get<double>()) + ";") !=
          std::string::npos);
}

// Whether `dir` holds a temporary file (<name>.tmp-...) of an atomic write.
bool has_temporary_file(const fs::path& dir) {
    if (!fs::exists(dir)) return false;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().filename().string().find(".tmp-") != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("train: penguins reproduces scikit-learn 1.2 and writes model, metadata, evaluation and report", "[train]") {
    Job job;
    job.penguins_channels();
    json hyperparameters = reference_hyperparameters();
    hyperparameters["C"] = "1.0";
    hyperparameters["max-iter"] = "100";
    hyperparameters["tol"] = "0.0001";
    hyperparameters["target"] = "sex";
    hyperparameters["verbose"] = "True";
    job.hyperparameters(hyperparameters);
    job.write("output/failure", "a stale reason from an earlier run");

    const Outcome run = job.train();
    check_reference_model(job, run);
    CHECK(run.out.find("test:accuracy=0.8806;") != std::string::npos);
    CHECK(metric_in(run.out, "test", "log_loss") == Approx(reference_test_log_loss()).margin(1.5e-4));
    CHECK(metric_in(run.out, "train", "accuracy") ==
          Approx(reference()["train_accuracy"].get<double>()).margin(0.5e-4));
    for (const char* metric : {"precision", "recall", "f1", "roc_auc"})
        CHECK(std::isfinite(metric_in(run.out, "test", metric)));
    CHECK(run.out.find("iteration 29: loss=") != std::string::npos);  // verbose
    CHECK_FALSE(fs::exists(job.failure_file()));

    // The model file loads and predicts as the reference does.
    const Model model = load<Model>(job.model_file());
    const auto predicted = model.predict(read_csv(penguins / "test" / "X_test.csv")).to_strings();
    CHECK(json(predicted) == reference()["test"]["predictions"]);

    const json metadata = job.metadata();
    CHECK(metadata["library"]["version"] == version_string);
    CHECK(metadata["library"]["instruction_set"] == compiled_instruction_set());
    CHECK(metadata["hyperparameters"]["C"] == 1.0);
    CHECK(metadata["hyperparameters"]["match-sklearn"] == "1.2");
    CHECK(metadata["hyperparameters"]["categorical-features"] == json::array({"species", "island"}));
    CHECK(metadata["feature_names"].size() == reference()["feature_names_out"].size());
    CHECK(metadata["input_columns"].size() == 6);
    CHECK(metadata["target"]["name"] == "sex");
    REQUIRE(metadata["input_files"].size() == 4);
    const json& x_train = metadata["input_files"][0];
    CHECK(x_train["name"] == "X_train.csv");
    CHECK(x_train["channel"] == "train");
    CHECK(x_train["bytes"] == fs::file_size(penguins / "train" / "X_train.csv"));
    CHECK(x_train["crc32"] == "b5be3ec3");  // python3 -c "import zlib; print('%08x' % zlib.crc32(open(f,'rb').read()))"
    CHECK(metadata["checksum_algorithm"].get<std::string>().find("CRC-32") != std::string::npos);

    const json evaluation = json::parse(read_text(job.root() / "output" / "data" / "evaluation.json"));
    CHECK(evaluation["test"]["accuracy"].get<double>() ==
          Approx(reference()["test_accuracy"].get<double>()).epsilon(1e-12));
    const auto counts = evaluation["test"]["confusion_matrix"]["counts"].get<std::vector<std::vector<int>>>();
    REQUIRE(counts.size() == 2);
    CHECK(counts[0][0] + counts[0][1] + counts[1][0] + counts[1][1] == 67);
    CHECK(counts[0][0] + counts[1][1] == 59);  // 0.8806 * 67

    const std::string report = read_text(job.root() / "output" / "data" / "report.html");
    CHECK(report.find("<svg") != std::string::npos);
    CHECK(report.find("0.8806") != std::string::npos);
    CHECK(report.find("src=") == std::string::npos);  // self-contained: nothing to fetch
    CHECK(report.find("href=") == std::string::npos);
}

TEST_CASE("train: starts with malloc's heap in huge pages where the kernel has them, unless told not to", "[train]") {
    Job job;
    job.penguins_channels();
    job.hyperparameters(reference_hyperparameters());
    const auto memory_line = [&](const std::map<std::string, std::string>& env) {
        const Outcome run = job.train({}, env);
        REQUIRE(run.status == 0);
        const auto at = run.out.find("memory: ");
        REQUIRE(at != std::string::npos);
        return run.out.substr(at, run.out.find('\n', at) - at);
    };
#if !MLPIPE_SAGEMAKER_GLIBC_MALLOC
    CHECK(memory_line({}).find("malloc is not glibc's here") != std::string::npos);
#else
    const std::string huge = "memory: malloc's heap in transparent huge pages";
    const std::string small = "memory: malloc's heap in " + std::to_string(sysconf(_SC_PAGESIZE) / 1024) + " KiB pages";
    const std::string reused = ", freed blocks up to 32 MiB kept for reuse";
    const bool thp = transparent_huge_pages_on();
    // The setting is added to the user's own tunables.
    CHECK(memory_line({}) == (thp ? huge + " (GLIBC_TUNABLES=glibc.malloc.hugetlb=1)" : small) + reused);
    CHECK(memory_line({{"GLIBC_TUNABLES", "glibc.malloc.arena_max=8"}}) ==
          (thp ? huge + " (GLIBC_TUNABLES=glibc.malloc.arena_max=8:glibc.malloc.hugetlb=1)"
               : small + " (GLIBC_TUNABLES=glibc.malloc.arena_max=8)") +
              reused);
    // MLPIPE_HUGE_PAGES=0: no huge pages; thresholds of the user's own: no change to them.
    CHECK(memory_line({{"MLPIPE_HUGE_PAGES", "0"}}) == small + reused);
    CHECK(memory_line({{"GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0"}}) ==
          (thp ? huge + " (GLIBC_TUNABLES=glibc.malloc.trim_threshold=0:glibc.malloc.hugetlb=1)"
               : small + " (GLIBC_TUNABLES=glibc.malloc.trim_threshold=0)"));
    CHECK(memory_line({{"MLPIPE_HUGE_PAGES", "0"}, {"MALLOC_MMAP_THRESHOLD_", "65536"}}) == small);
#endif
}

TEST_CASE("train: hyperparameters as JSON-encoded strings or JSON values give the reference model", "[train]") {
    const auto [encoding, hyperparameters] = GENERATE(
        std::make_pair(
            std::string("JSON-encoded strings"),
            json{{"categorical-features", R"(["species","island"])"},
                 {"numerical-features", R"(["bill_length_mm","bill_depth_mm","flipper_length_mm","body_mass_g"])"},
                 {"match-sklearn", R"("1.2")"},
                 {"target", R"("sex")"},
                 {"C", "1.0"},
                 {"verbose", "false"},
                 {"handle-unknown", R"("ignore")"}}),
        std::make_pair(std::string("JSON values, underscores"),
                       json{{"categorical_features", json::array({"species", "island"})},
                            {"numerical_features",
                             json::array({"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"})},
                            {"match_sklearn", "1.2"},
                            {"C", 1},
                            {"max_iter", 100},
                            {"verbose", false}}));
    INFO(encoding);
    Job job;
    job.penguins_channels();
    job.hyperparameters(hyperparameters);
    check_reference_model(job, job.train());
}

TEST_CASE("train: command-line arguments override hyperparameters.json", "[train]") {
    Job job;
    job.penguins_channels();
    json hyperparameters = reference_hyperparameters();
    hyperparameters["max-iter"] = "3";
    hyperparameters["C"] = "abc";  // overridden, so never checked
    job.hyperparameters(hyperparameters);
    check_reference_model(job, job.train({"--max_iter", "100", "--C=1"}));
    const json metadata = job.metadata();
    CHECK(metadata["hyperparameters"]["max-iter"] == 100);
    CHECK(metadata["hyperparameters_given"]["command line"]["max_iter"] == "100");
    CHECK(metadata["hyperparameters_given"]["hyperparameters.json"]["max-iter"] == "3");
}

TEST_CASE("train: a channel of CSV files with a target column, features inferred from the kinds", "[train]") {
    Job job;
    job.write("input/data/train/penguins.csv", joined_train_csv());
    {
        Frame test = read_csv(penguins / "test" / "X_test.csv");
        test.add(read_csv(penguins / "test" / "y_test.csv")[0]);
        fs::create_directories(job.channel("test"));
        write_csv(test, job.channel("test") / "test.csv");
    }
    job.hyperparameters({{"target", "sex"}, {"match-sklearn", "1.2"}});
    const Outcome run = job.train();
    check_reference_model(job, run);
    const json metadata = job.metadata();
    CHECK(metadata["features_inferred"] == true);
    CHECK(metadata["hyperparameters"]["categorical-features"] == json::array({"species", "island"}));
    CHECK(metadata["hyperparameters"]["numerical-features"].size() == 4);
    CHECK(metadata["input_files"][0]["role"] == "features and target");
}

TEST_CASE("train: every file of a channel is read, in sub-folders and whatever its name, in path order", "[train]") {
    Job job;
    const auto lines = lines_of(joined_train_csv());
    const std::size_t rows = lines.size() - 1;
    const std::size_t cuts[] = {0, 100, 180, rows};
    // As a Spark or Glue job writes them under an S3 prefix: no extension, nested folders.
    const char* names[] = {"2024/01/part-00000", "2024/02/part-00001.csv", "2024/part-00002"};
    for (int part = 0; part < 3; ++part) {
        std::string text = lines[0] + "\n";
        for (std::size_t i = cuts[part]; i < cuts[part + 1]; ++i) text += lines[i + 1] + "\n";
        job.write(std::string("input/data/train/") + names[part], text);
    }
    job.write("input/data/train/2024/.part-00000.crc", "not data");
    job.write("input/data/train/.spark/metadata.csv", "not data");
    job.write("input/data/train/2024/_SUCCESS", "");
    fs::create_directories(job.root() / "input/data/train/empty-prefix");
    job.hyperparameters({{"target", "sex"}, {"match-sklearn", "1.2"}});

    const Outcome run = job.train();
    REQUIRE(run.status == 0);
    const json metadata = job.metadata();
    CHECK(metadata["training"]["rows"] == 266);
    CHECK(metadata["training"]["n_iter"] == 29);  // the same rows in the same order as the reference
    REQUIRE(metadata["input_files"].size() == 3);
    CHECK(metadata["input_files"][0]["name"] == "2024/01/part-00000");
    CHECK(metadata["input_files"][2]["name"] == "2024/part-00002");
    CHECK(metadata["input_files"][2]["rows"] == 86);
    CHECK(run.out.find("channel train: read 2024/02/part-00001.csv (features and target): 80 rows") != std::string::npos);
    CHECK(run.out.find("skipping 2024/.part-00000.crc: hidden file") != std::string::npos);
    CHECK(run.out.find("skipping .spark: hidden folder") != std::string::npos);
    CHECK(run.out.find("skipping 2024/_SUCCESS: empty (a marker file such as _SUCCESS)") != std::string::npos);
}

TEST_CASE("train: files of one channel with different headers are refused, naming both and the first difference",
          "[train]") {
    Job job;
    const auto lines = lines_of(joined_train_csv());
    std::string first = lines[0] + "\n", second;
    for (std::size_t i = 1; i < 100; ++i) first += lines[i] + "\n";
    // The second file swaps two columns of the header.
    auto header = lines[0];
    const auto comma = header.find(',');
    const std::string a = header.substr(0, comma);
    const auto next = header.find(',', comma + 1);
    const std::string b = header.substr(comma + 1, next - comma - 1);
    second = b + "," + a + header.substr(next) + "\n";
    for (std::size_t i = 100; i < lines.size(); ++i) second += lines[i] + "\n";
    job.write("input/data/train/part-00000.csv", first);
    job.write("input/data/train/part-00001.csv", second);
    job.hyperparameters({{"target", "sex"}});
    const Outcome run = job.train();
    CHECK(run.status == 1);
    const std::string failure = job.failure();
    CHECK(failure.find("part-00000.csv and ") != std::string::npos);
    CHECK(failure.find("part-00001.csv differ from column 1 on: '" + a + "' in the first, '" + b + "' in the second") !=
          std::string::npos);
}

TEST_CASE("train: without a train channel the job fails with the reason in the failure file", "[train]") {
    Job job;
    job.hyperparameters(reference_hyperparameters());
    const Outcome run = job.train();
    CHECK(run.status == 1);
    const std::string failure = job.failure();
    CHECK(failure.find("'train' channel") != std::string::npos);
    CHECK(failure.find((job.root() / "input" / "data" / "train").string()) != std::string::npos);
    CHECK(run.err.find("'train' channel") != std::string::npos);
    CHECK_FALSE(fs::exists(job.model_file()));
}

TEST_CASE("train: a bad hyperparameter fails the job naming the key", "[train]") {
    const auto [key, value, expected] = GENERATE(table<std::string, std::string, std::vector<std::string>>({
        {"C", "abc", {"'C' = 'abc'", "not a number"}},
        {"max-iter", "1.5", {"'max-iter' = '1.5'", "whole number"}},
        {"tol", "-1", {"'tol' = '-1'", ">= 0"}},
        {"solver", "liblinear", {"'solver' = 'liblinear'", "choices: lbfgs, newton-cg, newton-cholesky, sag, saga"}},
        {"penalty", "l1", {"do not go together", "penalty l1 needs solver saga"}},
        {"l1-ratio", "2", {"'l1-ratio' = '2'", "in [0, 1]"}},
        {"l1-ratio", "0.5", {"'l1-ratio' is used only with penalty elasticnet", "penalty is l2"}},
        {"random-state", "-3", {"'random-state' = '-3'", "whole number"}},
        {"n-jobs", "0", {"'n-jobs' = '0'", "-1 for every core"}},
        {"n-jobs", "1.5", {"'n-jobs' = '1.5'", "whole number"}},
        {"class-weight", "heavy", {"'class-weight' = 'heavy'", "none, balanced"}},
        {"handle-unknown", "infrequent", {"'handle-unknown' = 'infrequent'", "ignore, error, infrequent_if_exist"}},
        {"min-frequency", "0", {"'min-frequency' = '0'", "a whole number of rows >= 1, or a share of the rows"}},
        {"min-frequency", "1.5", {"'min-frequency' = '1.5'", "a whole number of rows >= 1, or a share of the rows"}},
        {"min-frequency", "many", {"'min-frequency' = 'many'", "not a number"}},
        {"max-categories", "2.5", {"'max-categories' = '2.5'", "none or a whole number >= 1"}},
        {"max_iters", "50", {"unknown hyperparameter 'max_iters'", "did you mean 'max-iter'?", "known: "}},
        {"numerical-features", "bill_length_mm,island", {"numerical-features lists 'island'", "holds text"}},
        {"categorical-features", "species,islnd", {"'islnd'", "did you mean 'island'?"}},
    }));
    INFO(key << " = " << value);
    Job job;
    job.penguins_channels();
    json hyperparameters = reference_hyperparameters();
    hyperparameters[key] = value;
    job.hyperparameters(hyperparameters);

    const Outcome run = job.train();
    CHECK(run.status == 1);
    const std::string failure = job.failure();
    for (const auto& text : expected) CHECK(failure.find(text) != std::string::npos);
    CHECK(failure.size() > 0);
    CHECK_FALSE(fs::exists(job.model_file()));
}

TEST_CASE("train: a ragged CSV row fails the job naming the file and the line", "[train]") {
    Job job;
    job.penguins_channels();
    auto lines = lines_of(read_text(penguins / "train" / "X_train.csv"));
    lines[4].erase(lines[4].rfind(','));  // line 5 loses its last field
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    job.write("input/data/train/X_train.csv", text);  // replaces the copy
    job.hyperparameters(reference_hyperparameters());

    const Outcome run = job.train();
    CHECK(run.status == 1);
    const std::string failure = job.failure();
    CHECK(failure.find((job.channel("train") / "X_train.csv").string() + ":5") != std::string::npos);
    CHECK(failure.find("line 5 has 5 fields, expected 6") != std::string::npos);
    CHECK(failure.find("'train' channel") != std::string::npos);
    CHECK(failure.size() < 1024);
}

TEST_CASE("train: SageMaker's own sagemaker_ hyperparameters are ignored", "[train]") {
    Job job;
    job.penguins_channels();
    json hyperparameters = reference_hyperparameters();
    hyperparameters["sagemaker_program"] = "\"train\"";
    hyperparameters["sagemaker_submit_directory"] = "\"s3://bucket/source.tar.gz\"";
    hyperparameters["sagemaker_container_log_level"] = "20";
    job.hyperparameters(hyperparameters);
    const Outcome run = job.train();
    check_reference_model(job, run);
    CHECK(run.out.find("ignoring SageMaker's own sagemaker_container_log_level") != std::string::npos);
    const json given = job.metadata()["hyperparameters_given"]["hyperparameters.json"];
    CHECK(given.contains("match-sklearn"));
    CHECK_FALSE(given.contains("sagemaker_program"));
    const json reserved = job.metadata()["hyperparameters_reserved"]["hyperparameters.json"];
    CHECK(reserved.value("sagemaker_program", "") == "\"train\"");
}

TEST_CASE("train: solver, penalty, l1-ratio and random-state hyperparameters", "[train][solvers]") {
    SECTION("newton-cholesky reproduces scikit-learn's iterations") {
        Job job;
        job.penguins_channels();
        json hyperparameters = reference_hyperparameters();
        hyperparameters["solver"] = "newton_cholesky";  // either spelling
        job.hyperparameters(hyperparameters);
        const Outcome run = job.train();
        INFO(run.out << run.err);
        REQUIRE(run.status == 0);
        const json metadata = job.metadata();
        CHECK(metadata["hyperparameters"]["solver"] == "newton-cholesky");
        CHECK(metadata["training"]["n_iter"] == 5);  // scikit-learn 1.2.1's newton-cholesky on these rows
        CHECK(run.out.find("fitting: LogisticRegression (newton-cholesky,") != std::string::npos);
        const std::string report = read_text(job.root() / "output" / "data" / "report.html");
        CHECK(report.find("newton-cholesky, penalty l2") != std::string::npos);
    }
    SECTION("saga with elasticnet records every setting") {
        Job job;
        job.penguins_channels();
        json hyperparameters = reference_hyperparameters();
        hyperparameters["solver"] = "saga";
        hyperparameters["penalty"] = "elasticnet";
        hyperparameters["l1-ratio"] = "0.5";
        hyperparameters["C"] = "0.5";
        hyperparameters["random-state"] = "18446744073709551615";
        hyperparameters["max-iter"] = "1000";
        job.hyperparameters(hyperparameters);
        const Outcome run = job.train();
        INFO(run.out << run.err);
        REQUIRE(run.status == 0);
        const json settings = job.metadata()["hyperparameters"];
        CHECK(settings["solver"] == "saga");
        CHECK(settings["penalty"] == "elasticnet");
        CHECK(settings["l1-ratio"] == 0.5);
        CHECK(settings["random-state"] == 18446744073709551615ULL);
        CHECK(run.out.find("l1-ratio=0.5, random-state=18446744073709551615") != std::string::npos);
        CHECK(read_text(job.root() / "output" / "data" / "report.html").find("saga, penalty elasticnet (l1-ratio 0.5)") !=
              std::string::npos);
    }
    SECTION("elasticnet without l1-ratio is refused before reading data") {
        Job job;
        job.penguins_channels();
        json hyperparameters = reference_hyperparameters();
        hyperparameters["solver"] = "saga";
        hyperparameters["penalty"] = "elasticnet";
        job.hyperparameters(hyperparameters);
        const Outcome run = job.train();
        CHECK(run.status == 1);
        CHECK(job.failure().find("elasticnet needs l1_ratio") != std::string::npos);
        CHECK_FALSE(fs::exists(job.model_file()));
    }
}

TEST_CASE("train: n-jobs sets the threads, and the model's coefficients do not depend on them", "[train][parallel]") {
    std::vector<Eigen::MatrixXd> coefficients;
    std::vector<Eigen::VectorXd> intercepts;
    for (const char* threads : {"1", "2", "-1"}) {
        INFO("n-jobs " << threads);
        Job job;
        job.penguins_channels();
        json hyperparameters = reference_hyperparameters();
        hyperparameters["n-jobs"] = threads;
        job.hyperparameters(hyperparameters);
        const Outcome run = job.train();
        INFO(run.out << run.err);
        REQUIRE(run.status == 0);
        CHECK(run.out.find("threads: ") != std::string::npos);
        CHECK(run.out.find("(the n-jobs hyperparameter)") != std::string::npos);
        const json metadata = job.metadata();
        CHECK(metadata["hyperparameters"]["n-jobs"] == std::stoi(threads));
        using Model = Pipeline<OneHotEncoder, StandardScaler, LogisticRegression>;
        const auto model = load<Model>(job.model_file());
        coefficients.push_back(model.final_step().coef());
        intercepts.push_back(model.final_step().intercept());
    }
    CHECK(coefficients[1] == coefficients[0]);
    CHECK(coefficients[2] == coefficients[0]);
    CHECK(intercepts[1] == intercepts[0]);
    CHECK(intercepts[2] == intercepts[0]);
}

TEST_CASE("train: backend defaults to automatic, logs what it chose and why, and cpu fits the same model",
          "[train][backend]") {
    using Model = Pipeline<OneHotEncoder, StandardScaler, LogisticRegression>;
    std::vector<Eigen::MatrixXd> coefficients;
    for (const char* backend : {"automatic", "cpu"}) {
        INFO("backend " << backend);
        Job job;
        job.penguins_channels();
        json hyperparameters = reference_hyperparameters();
        if (std::string(backend) != "automatic") hyperparameters["backend"] = backend;
        job.hyperparameters(hyperparameters);
        const Outcome run = job.train();
        INFO(run.out << run.err);
        REQUIRE(run.status == 0);
        const BackendChoice expected = choose_backend(Backend::automatic);
        if (std::string(backend) == "automatic") {
            CHECK(run.out.find("backend: " + std::string(to_string(expected.backend)) + " (automatic: ") !=
                  std::string::npos);
            CHECK(job.metadata()["hyperparameters"]["backend"] == "automatic");
        } else {
            CHECK(run.out.find("backend: cpu (asked for cpu)") != std::string::npos);
        }
        coefficients.push_back(load<Model>(job.model_file()).final_step().coef());
    }
    CHECK((coefficients[0] - coefficients[1]).cwiseAbs().maxCoeff() < 1e-8 * coefficients[1].cwiseAbs().maxCoeff());
}

TEST_CASE("train: dtype float32 stores the features as float32, keeps the labels exact, and fits nearly the same model",
          "[train][float32]") {
    using Model = Pipeline<OneHotEncoder, StandardScaler, LogisticRegression>;
    Job reference;
    reference.penguins_channels();
    reference.hyperparameters(reference_hyperparameters());
    REQUIRE(reference.train().status == 0);
    const Model expected = load<Model>(reference.model_file());

    Job job;
    job.penguins_channels();
    json hyperparameters = reference_hyperparameters();
    hyperparameters["dtype"] = "float32";
    job.hyperparameters(hyperparameters);
    const Outcome run = job.train();
    INFO(run.out << run.err);
    REQUIRE(run.status == 0);
    CHECK(run.out.find("numeric columns stored as float32") != std::string::npos);
    CHECK(job.metadata()["hyperparameters"]["dtype"] == "float32");
    CHECK(reference.metadata()["hyperparameters"]["dtype"] == "float64");
    const Model model = load<Model>(job.model_file());
    // The penguins' measurements have few digits, so rounding them to float moves the fit little.
    CHECK((model.final_step().coef() - expected.final_step().coef()).cwiseAbs().maxCoeff() < 1e-4);
    CHECK(job.evaluation()["test"]["accuracy"] == reference.evaluation()["test"]["accuracy"]);

    // A numeric target in the table: its labels are read as float64 whatever dtype says.
    Job table;
    std::string csv = joined_train_csv();
    for (const auto& [from, to] : {std::pair<std::string, std::string>{",female\n", ",0.1\n"}, {",male\n", ",0.2\n"}})
        for (std::size_t at = csv.find(from); at != std::string::npos; at = csv.find(from, at + to.size()))
            csv.replace(at, from.size(), to);
    table.write("input/data/train/penguins.csv", csv);
    table.hyperparameters({{"target", "sex"}, {"dtype", "float32"}});
    const Outcome table_run = table.train();
    INFO(table_run.out << table_run.err);
    REQUIRE(table_run.status == 0);
    CHECK(table.metadata()["classes"] == json::array({0.1, 0.2}));
    CHECK(load<Model>(table.model_file()).classes() == std::vector<Label>{0.1, 0.2});
}

TEST_CASE("train: a hyperparameter tuning job's _tuning_objective_metric is accepted and recorded", "[train]") {
    Job job;
    job.penguins_channels();
    json hyperparameters = reference_hyperparameters();
    // As a HyperparameterTuner writes it: the metric name, JSON-encoded, beside the tuned C.
    hyperparameters["_tuning_objective_metric"] = "\"test:accuracy\"";
    hyperparameters["C"] = "0.5";
    job.hyperparameters(hyperparameters);
    const Outcome run = job.train();
    REQUIRE(run.status == 0);
    CHECK(run.out.find("ignoring SageMaker's own _tuning_objective_metric") != std::string::npos);
    const json metadata = job.metadata();
    CHECK(metadata["hyperparameters"]["C"] == 0.5);
    CHECK(metadata["hyperparameters_reserved"]["hyperparameters.json"]["_tuning_objective_metric"] ==
          "\"test:accuracy\"");
    CHECK_FALSE(metadata["hyperparameters_given"]["hyperparameters.json"].contains("_tuning_objective_metric"));
}

TEST_CASE("train: job configurations it cannot run fail before reading data", "[train]") {
    const auto [file, contents, expected] = GENERATE(table<std::string, std::string, std::string>({
        {"inputdataconfig.json", R"({"train": {"ContentType": "text/csv", "TrainingInputMode": "Pipe"}})",
         "'Pipe' is not supported yet"},
        {"inputdataconfig.json", R"({"train": {"ContentType": "application/x-parquet"}})",
         "ContentType 'application/x-parquet' is not supported"},
        {"resourceconfig.json", R"({"current_host": "algo-9", "hosts": ["algo-1", "algo-2"]})",
         "current_host 'algo-9' is not one of the hosts ('algo-1', 'algo-2')"},
        {"resourceconfig.json", R"({"current_host": "algo-1", "hosts": ["algo-1", "algo-1"]})",
         "hosts names 'algo-1' twice"},
    }));
    Job job;
    job.penguins_channels();
    job.hyperparameters(reference_hyperparameters());
    job.write("input/config/" + file, contents);
    const Outcome run = job.train();
    CHECK(run.status == 1);
    CHECK(job.failure().find(expected) != std::string::npos);
}

// The launcher itself (SSH servers, mpirun across hosts) runs in sagemaker.multi_host; here,
// what it refuses before it starts anything, on one machine.
TEST_CASE("train: a multi-host job fails at once, naming what is missing, where it cannot start", "[train]") {
    Job job;
    job.penguins_channels();
    job.hyperparameters(reference_hyperparameters());
    job.write("input/config/resourceconfig.json", R"({"current_host": "algo-2", "hosts": ["algo-1", "algo-2"]})");
    const fs::path missing = job.root() / "no-ssh-here";
    const Outcome run = job.train({}, {{"MLPIPE_SSH_DIR", missing.string()}});
    CHECK(run.status == 1);
    const std::string failure = job.failure();
#if MLPIPE_WITH_MPI
    CHECK(failure.find("a multi-host job needs the SSH file " + (missing / "id_ed25519").string()) != std::string::npos);
    CHECK(run.out.find("multi-host: 2 hosts, this one algo-2 (runs a rank)") != std::string::npos);
#else
    CHECK(failure.find("built without MPI") != std::string::npos);
#endif
    CHECK_FALSE(fs::exists(job.model_file()));

    // A wait that is not a number of seconds.
    const Outcome bad_wait = job.train({}, {{"MLPIPE_HOST_WAIT_SECONDS", "soon"}});
    CHECK(bad_wait.status == 1);
    CHECK(job.failure().find("MLPIPE_HOST_WAIT_SECONDS is 'soon', not a number of seconds > 0") != std::string::npos);
}

TEST_CASE("train: a channel config with parameters and FastFile mode is accepted", "[train]") {
    Job job;
    job.penguins_channels();
    job.hyperparameters(reference_hyperparameters());
    job.write("input/config/inputdataconfig.json",
              R"({"train": {"ContentType": "text/csv; charset=utf-8", "TrainingInputMode": "FastFile",
                            "S3DistributionType": "FullyReplicated"},
                  "test": {"TrainingInputMode": "File"}})");
    job.write("input/config/resourceconfig.json", R"({"current_host": "algo-1", "hosts": ["algo-1"]})");
    check_reference_model(job, job.train());
}

TEST_CASE("train: a malformed command line exits with 2", "[train]") {
    Job job;
    job.penguins_channels();
    const Outcome run = job.train({"--C"});
    CHECK(run.status == 2);
    CHECK(run.err.find("--C needs a value") != std::string::npos);
    CHECK(job.failure().find("--C needs a value") != std::string::npos);
}

TEST_CASE("train: SIGTERM during the fit stops the job without writing a model", "[train][signal]") {
    // 300 000 rows with a categorical column of 5000 Zipf-distributed categories, fitted
    // without penalty: the rare categories' weights grow without bound, so L-BFGS runs to
    // max-iter (1000 iterations, several seconds).
    Job job;
    {
        std::mt19937_64 random(7);
        constexpr int categories = 5000;
        std::vector<double> weights(categories);
        for (int k = 0; k < categories; ++k) weights[static_cast<std::size_t>(k)] = 1.0 / (k + 1);
        std::discrete_distribution<int> category(weights.begin(), weights.end());
        std::normal_distribution<double> normal;
        std::uniform_real_distribution<double> uniform;
        std::vector<double> effect(categories);
        for (auto& e : effect) e = 2 * normal(random);
        std::string csv = "x1,group,label\n";
        char line[64];
        for (int i = 0; i < 300'000; ++i) {
            const double x1 = normal(random);
            const int c = category(random);
            const bool yes = uniform(random) < 1 / (1 + std::exp(-(x1 + effect[static_cast<std::size_t>(c)])));
            std::snprintf(line, sizeof line, "%.4f,g%d,%s\n", x1, c, yes ? "yes" : "no");
            csv += line;
        }
        job.write("input/data/train/train.csv", csv);
    }
    job.hyperparameters(
        {{"target", "label"}, {"max-iter", "1000"}, {"tol", "0"}, {"penalty", "none"}, {"verbose", "true"}});

    auto process = job.start();
    REQUIRE(eventually([&] { return process->stdout_text().find("iteration 1:") != std::string::npos; }, 60s));
    process->signal(SIGTERM);
    const auto status = process->wait_for(60s);
    INFO(process->stdout_text() << process->stderr_text());
    REQUIRE(status.has_value());
    CHECK(*status == 128 + SIGTERM);
    CHECK(process->stdout_text().find("fit: n_iter") == std::string::npos);  // it stopped inside the fit
    // The solver itself was ended by its callback, long before its 1000 iterations.
    const std::string out = process->stdout_text();
    const auto stopped_at = out.find("fit: stopped by SIGTERM after ");
    REQUIRE(stopped_at != std::string::npos);
    CHECK(out.find("(stopped: cancelled)", stopped_at) != std::string::npos);
    CHECK(std::stoi(out.substr(stopped_at + std::string("fit: stopped by SIGTERM after ").size())) < 1000);
    CHECK(job.failure().find("training stopped by SIGTERM before the model was written") != std::string::npos);
    CHECK_FALSE(fs::exists(job.model_file()));
    CHECK((!fs::exists(job.root() / "model") || fs::is_empty(job.root() / "model")));  // no temporary file either
}

TEST_CASE("train: class labels that are not UTF-8 are written with U+FFFD in the JSON outputs", "[train][utf8]") {
    Job job;
    job.penguins_channels();
    for (const auto& [channel, file] : {std::pair{"train", "y_train.csv"}, std::pair{"test", "y_test.csv"}}) {
        std::string text = read_text(job.channel(channel) / file);
        for (auto at = text.find("female"); at != std::string::npos; at = text.find("female", at + 1))
            text.replace(at, 6, "f\xE9male");
        job.write(fs::path("input/data") / channel / file, text);
    }
    job.hyperparameters(reference_hyperparameters());
    const Outcome run = job.train();
    INFO(run.out << run.err);
    REQUIRE(run.status == 0);
    CHECK_FALSE(fs::exists(job.failure_file()));
    const std::string label = "f\xEF\xBF\xBDmale";
    json metadata, evaluation;
    REQUIRE_NOTHROW(metadata = job.metadata());  // json::parse refuses invalid UTF-8
    REQUIRE_NOTHROW(evaluation = json::parse(read_text(job.root() / "output" / "data" / "evaluation.json")));
    CHECK(metadata["classes"] == json::array({label, "male"}));
    CHECK(evaluation["classes"] == json::array({label, "male"}));
    CHECK(evaluation["test"]["per_class"].contains(label));
    CHECK(run.out.find("classes: " + label) != std::string::npos);  // the log line too
    // The model keeps the labels' bytes.
    CHECK(load<Model>(job.model_file()).classes()[0].to_string() == "f\xE9male");
}

TEST_CASE("train: the model is written last, so a failure to write the rest leaves no model", "[train]") {
    Job job;
    job.penguins_channels();
    job.hyperparameters(reference_hyperparameters());
    // A folder where metadata.json goes: writing it fails.
    fs::create_directories(job.root() / "model" / metadata_file_name / "in-the-way");
    const Outcome run = job.train();
    CHECK(run.status == 1);
    CHECK_FALSE(fs::exists(job.model_file()));
    CHECK(job.failure().find("training failed while writing the model's metadata") != std::string::npos);
    CHECK(job.failure().find((job.root() / "model" / metadata_file_name).string() +
                             " is a directory, expected a file") != std::string::npos);
    CHECK_FALSE(has_temporary_file(job.root() / "model"));  // the model's temporary file is removed
}

// ---------------------------------------------------------------------------------------
// The model folder as one unit (model_commit.hpp): kills at every step of the commit
// ---------------------------------------------------------------------------------------

namespace {

std::string crc32_hex(const std::string& bytes) {
    char text[16];
    std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(mlpipe::detail::model_file::crc32_of(bytes)));
    return text;
}

// The pair in a model folder: its metadata's C and the model's CRC-32.
struct ModelPair {
    double C = 0;
    std::string model_crc32;
};

// Checks that `dir` holds exactly model.mlpipe and metadata.json (no temporary file, no
// commit record) and that metadata.json describes that model file; returns the pair.
ModelPair whole_pair_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    INFO("model folder " << dir.string());
    CHECK(names == std::vector<std::string>{metadata_file_name, model_file_name});
    REQUIRE(fs::exists(dir / model_file_name));
    REQUIRE(fs::exists(dir / metadata_file_name));
    const std::string model = read_text(dir / model_file_name);
    json metadata;
    REQUIRE_NOTHROW(metadata = json::parse(read_text(dir / metadata_file_name)));
    CHECK(metadata["model"]["crc32"] == crc32_hex(model));
    CHECK(metadata["model"]["bytes"] == model.size());
    return {metadata["hyperparameters"]["C"].get<double>(), crc32_hex(model)};
}

// A job whose model folder holds the pair of a first run with C=1.
struct TwoRunJob {
    Job job;
    ModelPair old_pair;

    double first_run_seconds = 0;

    TwoRunJob() {
        job.penguins_channels();
        json hyperparameters = reference_hyperparameters();
        hyperparameters["C"] = "1.0";
        job.hyperparameters(hyperparameters);
        const auto started = std::chrono::steady_clock::now();
        const Outcome first = job.train();
        first_run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        INFO(first.out << first.err);
        REQUIRE(first.status == 0);
        old_pair = whole_pair_in(job.root() / "model");
        REQUIRE(old_pair.C == 1.0);
        hyperparameters["C"] = "0.5";  // the second run's model differs
        job.hyperparameters(hyperparameters);
    }

    // After a killed second run: recovery in this process (recover_model_folder, as serve
    // calls it) on a copy of the folder, then the next start of `train` (failing on a bad
    // hyperparameter right after its recovery) on the folder itself. Both must show the
    // same whole pair, old or new; returns whether it is the new one.
    bool recovered_pair_is_new() {
        const fs::path model_dir = job.root() / "model";
        const fs::path copy = job.root() / "model-copy";
        fs::copy(model_dir, copy, fs::copy_options::recursive);
        REQUIRE_NOTHROW(recover_model_folder(copy));
        const ModelPair in_process = whole_pair_in(copy);

        json hyperparameters = reference_hyperparameters();
        hyperparameters["C"] = "not a number";
        job.hyperparameters(hyperparameters);
        const Outcome next = job.train();
        INFO(next.out << next.err);
        CHECK(next.status == 1);
        const ModelPair by_train = whole_pair_in(model_dir);
        CHECK(by_train.C == in_process.C);
        CHECK(by_train.model_crc32 == in_process.model_crc32);
        CHECK_FALSE(has_temporary_file(job.root() / "output"));
        CHECK_FALSE(has_temporary_file(job.root() / "output" / "data"));

        const bool is_new = by_train.C == 0.5;
        if (!is_new) CHECK(by_train.model_crc32 == old_pair.model_crc32);  // the old pair, unchanged
        if (is_new) CHECK(by_train.model_crc32 != old_pair.model_crc32);
        CHECK((by_train.C == 0.5 || by_train.C == 1.0));
        return is_new;
    }
};

}  // namespace

TEST_CASE("train: metadata.json records the model file's CRC-32 and size", "[train][commit]") {
    Job job;
    job.penguins_channels();
    job.hyperparameters(reference_hyperparameters());
    const Outcome run = job.train();
    INFO(run.out << run.err);
    REQUIRE(run.status == 0);
    const ModelPair pair = whole_pair_in(job.root() / "model");
    CHECK(pair.model_crc32.size() == 8);
    CHECK(run.out.find("CRC-32 " + pair.model_crc32) != std::string::npos);
}

TEST_CASE("train: a SIGKILL at each step of the model commit leaves the old or the new pair", "[train][commit]") {
    // Steps (model_commit.hpp): 1, 2 after each temporary file; 3 after the record's temporary
    // file; 4 after the record is in place (the commit point); 5, 6 after each rename; 7 after
    // the folder's fsync; 8 after the record's removal.
    for (int step = 1; step <= commit_kill_points; ++step) {
        INFO("MLPIPE_TEST_KILL_AT=" << step);
        TwoRunJob two;
        const Outcome killed = two.job.train({}, {{"MLPIPE_TEST_KILL_AT", std::to_string(step)}});
        INFO(killed.out << killed.err);
        REQUIRE(killed.status == 128 + SIGKILL);
        if (step <= 3) CHECK(has_temporary_file(two.job.root() / "model"));  // a killed run leaves some behind
        if (step >= 4 && step <= 7) CHECK(fs::exists(two.job.root() / "model" / commit_record_name));
        const bool is_new = two.recovered_pair_is_new();
        CHECK(is_new == (step >= 4));  // the commit point is the record's rename
    }
}

TEST_CASE("train: SIGKILLs at random times leave the old or the new pair", "[train][commit]") {
    std::mt19937 random(20261201);
    constexpr int random_kills = 12;
    int old_pairs = 0, new_pairs = 0;
    for (int attempt = 0; attempt < random_kills; ++attempt) {
        TwoRunJob two;
        // Killed somewhere in the second half of a run as long as the first, or just after.
        const double seconds = two.first_run_seconds;
        const double kill_after = std::uniform_real_distribution<double>(0.5, 1.1)(random) * seconds;
        INFO("attempt " << attempt << ": run of " << seconds << " s, killed after " << kill_after << " s");
        auto process = two.job.start();
        std::this_thread::sleep_for(std::chrono::duration<double>(kill_after));
        process->signal(SIGKILL);
        REQUIRE(process->wait_for(60s).has_value());
        (two.recovered_pair_is_new() ? new_pairs : old_pairs) += 1;
    }
    INFO("old pairs " << old_pairs << ", new pairs " << new_pairs);
    CHECK(old_pairs + new_pairs == random_kills);
}

TEST_CASE("train: recovery completes an interrupted commit and removes stale temporary files", "[train][commit]") {
    TempDir dir("mlpipe-commit-test");
    const fs::path model_dir = dir.path() / "model";
    write_text(model_dir / model_file_name, "old model");
    write_text(model_dir / metadata_file_name, "old metadata");
    SECTION("a record in place is rolled forward") {
        write_text(model_dir / (std::string(model_file_name) + ".tmp-1-00"), "new model");
        write_text(model_dir / (std::string(metadata_file_name) + ".tmp-1-00"), "new metadata");
        write_text(model_dir / commit_record_name,
                   json{{"format", "mlpipe model commit 1"},
                        {"renames", {{{"from", std::string(model_file_name) + ".tmp-1-00"}, {"to", model_file_name}},
                                     {{"from", std::string(metadata_file_name) + ".tmp-1-00"},
                                      {"to", metadata_file_name}}}}}
                       .dump());
        write_text(model_dir / (std::string(model_file_name) + ".tmp-2-11"), "a stale one");
        const ModelFolderRecovery recovery = recover_model_folder(model_dir);
        CHECK(recovery.completed_commit);
        CHECK(recovery.removed == std::vector<std::string>{std::string(model_file_name) + ".tmp-2-11"});
        CHECK(read_text(model_dir / model_file_name) == "new model");
        CHECK(read_text(model_dir / metadata_file_name) == "new metadata");
    }
    SECTION("a damaged record and half-written files are removed, the old pair stays") {
        write_text(model_dir / commit_record_name, "{\"format\": \"mlpipe model co");
        write_text(model_dir / (std::string(commit_record_name) + ".tmp-1-00"), "{\"format\"");
        write_text(model_dir / (std::string(metadata_file_name) + ".tmp-1-00"), "half");
        write_text(model_dir / "notes.txt.tmp-1-00", "not ours");
        const ModelFolderRecovery recovery = recover_model_folder(model_dir);
        CHECK_FALSE(recovery.completed_commit);
        CHECK(recovery.discarded_record);
        CHECK(recovery.removed.size() == 2);
        CHECK(read_text(model_dir / model_file_name) == "old model");
        CHECK(fs::exists(model_dir / "notes.txt.tmp-1-00"));  // only the model folder's own names
        CHECK_FALSE(fs::exists(model_dir / commit_record_name));
    }
    SECTION("nothing to do changes nothing") {
        CHECK_FALSE(recover_model_folder(model_dir).changed_anything());
        CHECK_FALSE(recover_model_folder(dir.path() / "absent").changed_anything());
        CHECK_FALSE(fs::exists(dir.path() / "absent"));
    }
}

// ---------------------------------------------------------------------------------------
// Bounded messages and log lines
// ---------------------------------------------------------------------------------------

TEST_CASE("train: a 10 MB unknown hyperparameter key gives a short failure file and no suggestion search",
          "[train][limits]") {
    Job job;
    job.penguins_channels();
    json hyperparameters = reference_hyperparameters();
    hyperparameters["max-iter" + std::string(10'000'000, 'x')] = "1";
    hyperparameters["C"] = std::string(10'000'000, '9') + "abc";  // a 10 MB bad value too
    job.hyperparameters(hyperparameters);
    const auto started = std::chrono::steady_clock::now();
    const Outcome run = job.train();
    CHECK(std::chrono::steady_clock::now() - started < 30s);  // an edit distance on 10 MB would take ages
    CHECK(run.status == 1);
    const std::string failure = job.failure();
    CHECK(failure.size() < 5000);
    CHECK(run.err.size() < 5000);
    CHECK(run.out.size() < 20'000);
    CHECK(failure.find("unknown hyperparameter 'max-iterxxx") != std::string::npos);
    CHECK(failure.find("(10000008 bytes)") != std::string::npos);
    CHECK(failure.find("did you mean") == std::string::npos);
}

TEST_CASE("train: a long key near a known name gets no suggestion, a short one does", "[train][limits]") {
    const auto [key, suggested] = GENERATE(table<std::string, bool>({
        {"max_iters", true},
        {"max-iter" + std::string(70, 's'), false},
    }));
    Job job;
    job.penguins_channels();
    json hyperparameters = reference_hyperparameters();
    hyperparameters[key] = "5";
    job.hyperparameters(hyperparameters);
    const Outcome run = job.train();
    CHECK(run.status == 1);
    CHECK((job.failure().find("did you mean 'max-iter'?") != std::string::npos) == suggested);
}

TEST_CASE("train: a 10 MB target name is quoted in part in the failure and the log", "[train][limits]") {
    Job job;
    job.penguins_channels();
    json hyperparameters = reference_hyperparameters();
    hyperparameters["target"] = std::string(10'000'000, 't');
    job.hyperparameters(hyperparameters);
    const Outcome run = job.train();
    CHECK(run.status == 1);
    CHECK(job.failure().size() < 5000);
    CHECK(job.failure().find("label file") != std::string::npos);
    for (const auto& line : lines_of(run.out)) CHECK(line.size() < 5000);  // "hyperparameters given: ..." is cut
    CHECK(run.out.find("hyperparameters given: ") != std::string::npos);
}

TEST_CASE("train: the classes log line lists 20 classes, then how many more", "[train][limits]") {
    Job job;
    std::string csv = "x,label\n";
    for (int k = 0; k < 200; ++k)
        for (int row = 0; row < 2; ++row) csv += std::to_string(k + 0.1 * row) + ",class-" + std::to_string(k) + "\n";
    job.write("input/data/train/train.csv", csv);
    job.write("input/data/test/test.csv", csv);
    job.hyperparameters({{"target", "label"}, {"max-iter", "3"}});
    const Outcome run = job.train();
    INFO(run.out << run.err);
    REQUIRE(run.status == 0);
    std::string classes_line;
    for (const auto& line : lines_of(run.out))
        if (line.find(" INFO classes: ") != std::string::npos) classes_line = line;
    CHECK(classes_line.find("and 180 more") != std::string::npos);
    CHECK(classes_line.size() < 1000);
    CHECK(run.out.find("test: confusion matrix of 200 classes: in evaluation.json") != std::string::npos);
    CHECK(job.metadata()["classes"].size() == 200);  // the metadata keeps them all
}

TEST_CASE("train: a directory where a file is expected is named as such", "[train][limits]") {
    const auto [relative, expected_phase] = GENERATE(table<std::string, std::string>({
        {"input/config/hyperparameters.json", "reading the hyperparameters"},
        {"input/config/inputdataconfig.json", "reading the job configuration"},
        {"input/config/resourceconfig.json", "reading the job configuration"},
    }));
    INFO(relative);
    Job job;
    job.penguins_channels();
    if (relative != "input/config/hyperparameters.json") job.hyperparameters(reference_hyperparameters());
    fs::create_directories(job.root() / relative);
    const Outcome run = job.train();
    CHECK(run.status == 1);
    const std::string failure = job.failure();
    CHECK(failure.find((job.root() / relative).string() + " is a directory, expected a file") != std::string::npos);
    CHECK(failure.find("training failed while " + expected_phase) != std::string::npos);
    CHECK(failure.find("is empty") == std::string::npos);
}

// ---------------------------------------------------------------------------------------
// text/csv;label_size=1: the layout of SageMaker's built-in algorithms (XGBoost, Linear Learner)
// ---------------------------------------------------------------------------------------

namespace {

// The penguins rows of a split as data prepared for XGBoost: no header, the label first, then
// the features in X's column order (species, island, then the four measurements). `coded`:
// species, island and sex as numbers in alphabetical order (Adelie 0, Chinstrap 1, Gentoo 2;
// Biscoe 0, Dream 1, Torgersen 2; female 0, male 1), as XGBoost needs them. Rows [first, last).
std::string label_first_csv(const std::string& split, bool coded = false, std::size_t first = 0,
                            std::size_t last = SIZE_MAX) {
    const auto X = lines_of(read_text(penguins / split / ("X_" + split + ".csv")));
    const auto y = lines_of(read_text(penguins / split / ("y_" + split + ".csv")));
    const std::map<std::string, std::string> codes = {{"Adelie", "0"}, {"Chinstrap", "1"}, {"Gentoo", "2"},
                                                      {"Biscoe", "0"}, {"Dream", "1"},     {"Torgersen", "2"},
                                                      {"female", "0"}, {"male", "1"}};
    std::string text;
    for (std::size_t i = first + 1; i < X.size() && i - 1 < last; ++i) {
        std::string row = y[i] + "," + X[i];
        if (coded) {
            std::string recoded;
            std::istringstream fields(row);
            for (std::string field; std::getline(fields, field, ',');) {
                const auto code = codes.find(field);
                recoded += (recoded.empty() ? "" : ",") + (code == codes.end() ? field : code->second);
            }
            row = recoded;
        }
        text += row + "\n";
    }
    return text;
}

// The answer of `serve`, started on the job's model folder, to a CSV request (features only, no
// header), one label per line.
// The CSV answer's lines; custom_attributes, when given, goes in X-Amzn-SageMaker-Custom-Attributes.
std::vector<std::string> served_predictions(const Job& job, const std::string& body,
                                            const std::string& custom_attributes = "") {
    TempDir logs("mlpipe-train-serve");
    Environment env = Environment::inherited().remove_prefixed("SAGEMAKER_").remove_prefixed("SM_");
    Process serve(MLPIPE_SAGEMAKER_BIN,
                  {"serve", "--root", job.root().string(), "--host", "127.0.0.1", "--port", "0"}, env,
                  logs.path() / "stdout.txt", logs.path() / "stderr.txt");
    const std::string marker = "listening on port ";
    int port = -1;
    REQUIRE(eventually(
        [&] {
            const std::string out = serve.stdout_text();
            const auto at = out.find(marker);
            if (at == std::string::npos || out.find('\n', at) == std::string::npos) return false;
            port = std::stoi(out.substr(at + marker.size()));
            return true;
        },
        30s));
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(30s);
    httplib::Headers headers = {{"Accept", "text/csv"}};
    if (!custom_attributes.empty()) headers.emplace("X-Amzn-SageMaker-Custom-Attributes", custom_attributes);
    const auto res = client.Post("/invocations", headers, body, "text/csv");
    serve.signal(SIGTERM);
    serve.wait_for(10s);
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
    return lines_of(res->body);
}

const char* const label_first_config = R"({"train": {"ContentType": "text/csv;label_size=1"},
                                           "test": {"ContentType": "Text/CSV; charset=utf-8; label_size=1"}})";

}  // namespace

TEST_CASE("train: label_size=1 channels (no header, the label first) train, name the features x0..x5, "
          "and the model serves headerless requests",
          "[train][label_size]") {
    Job job;
    // Two files, as a Spark job writes them; the test channel in one.
    job.write("input/data/train/part-00000", label_first_csv("train", false, 0, 100));
    job.write("input/data/train/part-00001", label_first_csv("train", false, 100));
    job.write("input/data/test/test.csv", label_first_csv("test"));
    job.write("input/config/inputdataconfig.json", label_first_config);
    job.hyperparameters({{"match-sklearn", "1.2"}});  // the features inferred from the kinds

    const Outcome run = job.train();
    INFO(run.out << run.err);
    REQUIRE(run.status == 0);
    const json metadata = job.metadata();
    // The reference fit: the same columns in the same order, named by position.
    CHECK(metadata["training"]["rows"] == reference()["n_train"]);
    CHECK(metadata["training"]["n_iter"] == reference()["n_iter_"][0]);
    CHECK(run.out.find("test:accuracy=" + four_decimals(reference()["test_accuracy"].get<double>()) + ";") !=
          std::string::npos);
    std::vector<std::string> names;
    for (const auto& column : metadata["input_columns"]) names.push_back(column["name"].get<std::string>());
    CHECK(names == std::vector<std::string>{"x0", "x1", "x2", "x3", "x4", "x5"});
    CHECK(metadata["hyperparameters"]["categorical-features"] == json::array({"x0", "x1"}));
    CHECK(metadata["hyperparameters"]["numerical-features"] == json::array({"x2", "x3", "x4", "x5"}));
    CHECK(metadata["target"]["name"] == "label");
    CHECK(metadata["hyperparameters"]["target"] == "label");
    CHECK(metadata["classes"] == json::array({"female", "male"}));
    CHECK(std::find(metadata["feature_names"].begin(), metadata["feature_names"].end(), "x0_Adelie") !=
          metadata["feature_names"].end());
    const std::string report = read_text(job.root() / "output" / "data" / "report.html");
    CHECK(report.find("x0, x1") != std::string::npos);
    CHECK(report.find("x2, x3, x4, x5") != std::string::npos);
    CHECK(run.out.find("(no header row; the label first, the features x0, x1, ...)") != std::string::npos);

    // The model takes the features only, in the same order: the test rows without their label.
    std::string body;
    for (const auto& line : lines_of(read_text(penguins / "test" / "X_test.csv"))) body += line + "\n";
    body.erase(0, body.find('\n') + 1);  // the header
    CHECK(served_predictions(job, body) == reference()["test"]["predictions"].get<std::vector<std::string>>());
}

TEST_CASE("train: label_size=1 with numbers for categories: categorical-features names x-columns",
          "[train][label_size]") {
    Job job;
    job.write("input/data/train/train.csv", label_first_csv("train", true));
    job.write("input/data/test/test.csv", label_first_csv("test", true));
    job.write("input/config/inputdataconfig.json", label_first_config);
    const bool named = GENERATE(false, true);
    json hyperparameters = {{"categorical-features", "x0,x1"}, {"numerical-features", "x2,x3,x4,x5"},
                            {"match-sklearn", "1.2"}};
    if (named) hyperparameters["target"] = "sex";
    job.hyperparameters(hyperparameters);

    const Outcome run = job.train();
    INFO(run.out << run.err);
    REQUIRE(run.status == 0);
    const json metadata = job.metadata();
    // One-hot codes in the same order as the names: the reference fit again.
    CHECK(metadata["training"]["n_iter"] == reference()["n_iter_"][0]);
    CHECK(run.out.find("test:accuracy=" + four_decimals(reference()["test_accuracy"].get<double>()) + ";") !=
          std::string::npos);
    CHECK(metadata["features_inferred"] == false);
    CHECK(metadata["input_columns"][0] == json({{"name", "x0"}, {"kind", "numeric"}, {"role", "categorical feature"}}));
    CHECK(std::find(metadata["feature_names"].begin(), metadata["feature_names"].end(), "x0_0") !=
          metadata["feature_names"].end());
    CHECK(metadata["classes"] == json::array({0, 1}));
    CHECK(metadata["target"]["name"] == (named ? "sex" : "label"));  // the 'target' hyperparameter names the label
}

TEST_CASE("train: label_size=1 errors name the channel, the files and the line", "[train][label_size]") {
    Job job;
    job.write("input/data/train/part-00000", label_first_csv("train", false, 0, 100));
    job.write("input/data/train/part-00001", label_first_csv("train", false, 100));
    job.write("input/data/test/test.csv", label_first_csv("test"));
    job.write("input/config/inputdataconfig.json", label_first_config);
    json hyperparameters = {{"max-iter", "5"}};
    std::vector<std::string> expected;

    SECTION("label_size other than 1") {
        job.write("input/config/inputdataconfig.json",
                  R"({"train": {"ContentType": "text/csv; label_size=2"}, "test": {"ContentType": "text/csv"}})");
        expected = {"channel 'train'", "label_size '2', which is not supported", "text/csv;label_size=1"};
    }
    SECTION("a channel with a header next to one without") {
        job.write("input/config/inputdataconfig.json",
                  R"({"train": {"ContentType": "text/csv;label_size=1"}, "test": {"ContentType": "text/csv"}})");
        expected = {"the channels 'train' and 'test' disagree",
                    "'train' has ContentType 'text/csv;label_size=1' (no header row, the label first)",
                    "'test' has ContentType 'text/csv' (a header row)"};
    }
    SECTION("a channel folder that inputdataconfig.json does not describe reads with a header") {
        job.write("input/config/inputdataconfig.json", R"({"train": {"ContentType": "text/csv;label_size=1"}})");
        expected = {"the channels 'train' and 'test' disagree", "'test' has no entry in inputdataconfig.json"};
    }
    SECTION("a row with another field count") {
        auto lines = lines_of(label_first_csv("train", false, 100));
        lines[4] += ",7";  // line 5 gains a field
        std::string text;
        for (const auto& line : lines) text += line + "\n";
        job.write("input/data/train/part-00001", text);
        expected = {(job.channel("train") / "part-00001").string() + ":5", "line 5 has 8 fields, expected 7"};
    }
    SECTION("files with different field counts") {
        std::string text;
        for (const auto& line : lines_of(label_first_csv("train", false, 100))) text += line + ",1\n";
        job.write("input/data/train/part-00001", text);
        expected = {(job.channel("train") / "part-00000").string() + " and " +
                        (job.channel("train") / "part-00001").string(),
                    "have 7 and 8 fields per row"};
    }
    SECTION("an evaluation channel with another field count") {
        std::string text;
        for (const auto& line : lines_of(label_first_csv("test"))) text += line.substr(0, line.rfind(',')) + "\n";
        job.write("input/data/test/test.csv", text);
        expected = {"the 'test' channel's rows have 6 fields, the 'train' channel's 7"};
    }
    SECTION("a target named like a feature") {
        hyperparameters["target"] = "x2";
        expected = {"the target 'x2' is the name of a feature"};
    }
    SECTION("categorical-features naming a column that is not there") {
        hyperparameters["categorical-features"] = "species";
        expected = {"categorical-features lists 'species', which is not a column", "'x0', 'x1'"};
    }
    job.hyperparameters(hyperparameters);
    const Outcome run = job.train();
    CHECK(run.status == 1);
    const std::string failure = job.failure();
    INFO(failure);
    for (const auto& text : expected) CHECK(failure.find(text) != std::string::npos);
    CHECK_FALSE(fs::exists(job.model_file()));
}

TEST_CASE("train: text/csv without label_size still reads a header row", "[train][label_size]") {
    Job job;
    job.penguins_channels();
    job.hyperparameters(reference_hyperparameters());
    job.write("input/config/inputdataconfig.json",
              R"({"train": {"ContentType": "text/csv;charset=utf-8"}, "test": {"ContentType": "TEXT/CSV"}})");
    check_reference_model(job, job.train());
    CHECK(job.metadata()["input_columns"][0]["name"] == "species");
}

namespace {

const fs::path penguins_impute = fs::path(MLPIPE_DATA_DIR) / "reference" / "penguins_impute";

// The penguins split with holes (data/reference/penguins_impute), in the X/y layout: the test
// rows are the reference split's, so its y_test.csv goes with them.
void impute_channels(const Job& job) {
    job.copy_to_channel("train", penguins_impute / "train" / "X_train.csv");
    job.copy_to_channel("train", penguins_impute / "train" / "y_train.csv");
    job.copy_to_channel("test", penguins_impute / "test" / "X_test.csv");
    job.copy_to_channel("test", penguins / "test" / "y_test.csv");
}

// scikit-learn 1.2.1's fit with these imputation strategies (impute.json).
json impute_reference(const std::string& numeric_strategy) {
    std::ifstream in(penguins_impute / "impute.json");
    const json document = json::parse(in);
    for (const auto& fit : document["fits"])
        if (fit["numeric_strategy"] == numeric_strategy) return fit;
    FAIL("no fit with numeric strategy " << numeric_strategy);
    return {};
}

// The test rows as a CSV request: no header, holes as empty fields.
std::string impute_test_body() {
    const auto lines = lines_of(read_text(penguins_impute / "test" / "X_test.csv"));
    std::string body;
    for (std::size_t i = 1; i < lines.size(); ++i) body += lines[i] + "\n";
    return body;
}

}  // namespace

TEST_CASE("train: impute-numerical and impute-categorical fill holes as scikit-learn's SimpleImputer, and serve too",
          "[train][impute]") {
    for (const auto& [numeric, categorical_strategy] :
         std::vector<std::pair<std::string, std::string>>{{"mean", "most_frequent"}, {"median", "constant:missing"}}) {
        INFO("impute-numerical " << numeric << ", impute-categorical " << categorical_strategy);
        const json expected = impute_reference(numeric);
        Job job;
        impute_channels(job);
        json hyperparameters = reference_hyperparameters();
        hyperparameters["impute-numerical"] = numeric;
        hyperparameters["impute-categorical"] = categorical_strategy;
        job.hyperparameters(hyperparameters);
        const Outcome run = job.train();
        INFO(run.out << run.err);
        REQUIRE(run.status == 0);
        const json metadata = job.metadata();
        CHECK(metadata["model"]["type"] == TwoImputerModel::type_name());
        CHECK(metadata["training"]["n_iter"] == expected["n_iter"]);
        const json& fills = metadata["imputation"]["fill_values"];
        const auto numerical_names = split_list(numerical);
        for (std::size_t j = 0; j < numerical_names.size(); ++j)
            CHECK(fills[numerical_names[j]].get<double>() ==
                  Approx(expected["numeric_statistics"][j].get<double>()).epsilon(1e-12));
        CHECK(fills["species"] == expected["categorical_statistics"][0]);
        CHECK(metadata["hyperparameters"]["impute-numerical"] == numeric);
        CHECK(run.out.find("imputation: numerical features " + numeric) != std::string::npos);
        // The endpoint fills the test rows' holes the same way: scikit-learn's predictions.
        CHECK(served_predictions(job, impute_test_body()) ==
              expected["test_predictions"].get<std::vector<std::string>>());
    }
}

TEST_CASE("train: one kind imputed gives one imputer, and none leaves holes an error naming the column", "[train][impute]") {
    SECTION("impute-numerical alone: missing categories stay a category of their own") {
        Job job;
        impute_channels(job);
        json hyperparameters = reference_hyperparameters();
        hyperparameters["impute-numerical"] = "constant:0";
        job.hyperparameters(hyperparameters);
        const Outcome run = job.train();
        INFO(run.out << run.err);
        REQUIRE(run.status == 0);
        const json metadata = job.metadata();
        CHECK(metadata["model"]["type"] == ImputingModel::type_name());
        CHECK(metadata["imputation"]["categorical"] == "none");
        CHECK(metadata["imputation"]["fill_values"]["body_mass_g"] == 0.0);
        // species has holes, so the encoder learned a "nan" category.
        const auto names = metadata["feature_names"].get<std::vector<std::string>>();
        CHECK(std::find(names.begin(), names.end(), "species_nan") != names.end());
        CHECK(served_predictions(job, impute_test_body()).size() == 67);
    }
    SECTION("no imputation: the notebook's model type, and a hole in a numerical feature fails the job") {
        Job job;
        impute_channels(job);
        job.hyperparameters(reference_hyperparameters());
        const Outcome run = job.train();
        CHECK(run.status != 0);
        CHECK_THAT(job.failure(), Catch::Contains("bill_length_mm") && Catch::Contains("impute-numerical"));
        Job complete;
        complete.penguins_channels();
        json hyperparameters = reference_hyperparameters();
        hyperparameters["impute-categorical"] = "most_frequent";  // no holes: still the notebook's values
        complete.hyperparameters(hyperparameters);
        check_reference_model(complete, complete.train());
        CHECK(complete.metadata()["model"]["type"] == ImputingModel::type_name());
    }
    SECTION("bad values name the hyperparameter and the choices") {
        for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
                 {"impute-numerical", "most_frequent"},
                 {"impute-numerical", "constant:abc"},
                 {"impute-numerical", "constant:"},
                 {"impute-categorical", "mean"}}) {
            INFO(key << "=" << value);
            Job job;
            job.penguins_channels();
            json hyperparameters = reference_hyperparameters();
            hyperparameters[key] = value;
            job.hyperparameters(hyperparameters);
            const Outcome run = job.train();
            CHECK(run.status != 0);
            CHECK_THAT(job.failure(), Catch::Contains(key) && Catch::Contains(value));
        }
    }
}

TEST_CASE("train: log lines carry a UTC time and a level, and SAGEMAKER_CONTAINER_LOG_LEVEL sets how much is logged",
          "[train][logging]") {
    const std::regex line_format(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) .+)");
    auto count_level = [](const std::string& out, const std::string& level) {
        std::size_t n = 0;
        for (const auto& line : lines_of(out)) n += line.find("Z " + level + " ") != std::string::npos ? 1 : 0;
        return n;
    };
    Job job;
    job.penguins_channels();
    job.hyperparameters(reference_hyperparameters());
    const Outcome info = job.train();
    REQUIRE(info.status == 0);
    for (const auto& line : lines_of(info.out)) CHECK(std::regex_match(line, line_format));
    CHECK(count_level(info.out, "INFO") > 10);
    CHECK(count_level(info.out, "DEBUG") == 0);

    const Outcome debug = job.train({}, {{"SAGEMAKER_CONTAINER_LOG_LEVEL", "10"}});
    REQUIRE(debug.status == 0);
    CHECK(count_level(debug.out, "DEBUG") == 29);  // one line per L-BFGS iteration
    CHECK(debug.out.find("DEBUG iteration 1: loss=") != std::string::npos);

    // At WARNING only the metric lines (which SageMaker's metric definitions read) are left.
    const Outcome quiet = job.train({}, {{"SAGEMAKER_CONTAINER_LOG_LEVEL", "warning"}});
    REQUIRE(quiet.status == 0);
    const std::regex metric_line(R"(.* INFO (train|test):[a-z_0-9]+=[-0-9.e+]+;$)");
    for (const auto& line : lines_of(quiet.out)) CHECK(std::regex_match(line, metric_line));
    CHECK(quiet.out.find("test:accuracy=" + four_decimals(reference()["test_accuracy"].get<double>()) + ";") !=
          std::string::npos);

    const Outcome bad = job.train({}, {{"SAGEMAKER_CONTAINER_LOG_LEVEL", "loud"}});
    CHECK(bad.status != 0);
    CHECK_THAT(job.failure(), Catch::Contains("SAGEMAKER_CONTAINER_LOG_LEVEL") && Catch::Contains("loud"));
    CHECK(std::regex_search(bad.err, std::regex(R"(Z ERROR training failed)")));
}

TEST_CASE("train: min-frequency and max-categories group rare categories, as scikit-learn's OneHotEncoder",
          "[train][encoder]") {
    // The training rows hold 50 Chinstrap penguins of 266 and 33 from Torgersen: the rarest
    // species and island. scikit-learn 1.2.1 names the grouped columns <feature>_infrequent_sklearn
    // and puts them after the frequent ones (checked by data/reference/make_encoder.py's runs).
    const std::vector<std::string> categorical_names = {"species_Adelie", "species_Gentoo", "species_infrequent_sklearn",
                                                        "island_Biscoe",  "island_Dream",   "island_infrequent_sklearn"};
    SECTION("a count, a share and a bound give scikit-learn's columns") {
        const auto [key, value, names, recorded] = GENERATE_COPY(
            std::make_tuple(std::string("min-frequency"), std::string("60"), categorical_names, json(60)),
            std::make_tuple(std::string("min_frequency"), std::string("0.2"), categorical_names, json(0.2)),
            std::make_tuple(std::string("max-categories"), std::string("2"),
                            std::vector<std::string>{"species_Adelie", "species_infrequent_sklearn", "island_Biscoe",
                                                     "island_infrequent_sklearn"},
                            json(2)));
        Job job;
        job.penguins_channels();
        json hyperparameters = reference_hyperparameters();
        hyperparameters[key] = value;
        job.hyperparameters(hyperparameters);
        const Outcome run = job.train();
        INFO(key << " = " << value << "\n" << run.out << run.err);
        REQUIRE(run.status == 0);
        const json metadata = job.metadata();
        const auto features = metadata["feature_names"].get<std::vector<std::string>>();
        REQUIRE(features.size() == names.size() + 4);
        // The scaled numeric features first, then the encoder's columns.
        CHECK(std::vector<std::string>(features.end() - static_cast<long>(names.size()), features.end()) == names);
        CHECK(metadata["hyperparameters"][key == "max-categories" ? "max-categories" : "min-frequency"] == recorded);
    }
    SECTION("infrequent_if_exist: an unseen category is served as the infrequent one") {
        Job job;
        job.penguins_channels();
        json hyperparameters = reference_hyperparameters();
        hyperparameters["min-frequency"] = "60";
        hyperparameters["handle-unknown"] = "infrequent-if-exist";  // either spelling
        job.hyperparameters(hyperparameters);
        const Outcome run = job.train();
        INFO(run.out << run.err);
        REQUIRE(run.status == 0);
        CHECK(job.metadata()["hyperparameters"]["handle-unknown"] == "infrequent_if_exist");
        // Three rows that differ only in the island: Torgersen (infrequent), Atlantis
        // (unseen, so infrequent too) and Biscoe; the first two must get the same probabilities.
        const std::string measurements = ",39.1,18.7,181.0,3750.0\n";
        const auto served = served_predictions(
            job, "Adelie,Torgersen" + measurements + "Adelie,Atlantis" + measurements + "Adelie,Biscoe" + measurements,
            "output=probabilities");
        REQUIRE(served.size() == 3);
        CHECK(served[0] == served[1]);
        CHECK(served[0] != served[2]);
    }
}
