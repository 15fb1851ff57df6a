// `mlpipe-sagemaker prepare`: the notebook's data preparation, run as the real binary.

#include "../common/layout.hpp"
#include "support.hpp"

#include <mlpipe/core.hpp>
#include <mlpipe/io/csv_writer.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace mlpipe;
using namespace mlpipe::sagemaker;
using namespace mlpipe::sagemaker::test;
using namespace std::chrono_literals;

namespace {

const fs::path penguins_csv = fs::path(MLPIPE_DATA_DIR) / "penguins.csv";

struct Outcome {
    int status;
    std::string out;
    std::string err;
};

Outcome run_binary(const TempDir& logs, const std::vector<std::string>& args) {
    Process process(MLPIPE_SAGEMAKER_BIN, args, Environment::inherited(), logs.path() / "stdout.txt",
                    logs.path() / "stderr.txt");
    const auto status = process.wait_for(60s);
    INFO("stdout:\n" << process.stdout_text() << "\nstderr:\n" << process.stderr_text());
    REQUIRE(status.has_value());
    return {*status, process.stdout_text(), process.stderr_text()};
}

Outcome prepare(const TempDir& dir, const fs::path& out, std::vector<std::string> args) {
    args.insert(args.begin(), {"prepare", "--out", out.string()});
    return run_binary(dir, args);
}

// Each row of the frame as one CSV line (no header).
std::vector<std::string> row_texts(const Frame& frame) {
    std::ostringstream out;
    write_csv(frame, out, /*header=*/false);
    std::vector<std::string> rows;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) rows.push_back(line);
    return rows;
}

// X and y of a split, side by side.
Frame split_rows(const fs::path& dir, const std::string& suffix) {
    Frame rows = read_csv(dir / ("X_" + suffix + ".csv"));
    rows.add(read_csv(dir / ("y_" + suffix + ".csv"))[0]);
    return rows;
}

}  // namespace

TEST_CASE("prepare: penguins gives 333 complete distinct rows split 266/67", "[prepare]") {
    TempDir dir("mlpipe-prepare-test");
    const fs::path out = dir.path() / "data";
    const Outcome run = prepare(dir, out, {"--input", penguins_csv.string(), "--target", "sex", "--drop", "year"});
    INFO(run.out << run.err);
    REQUIRE(run.status == 0);
    CHECK(run.out.find("rows read: 344") != std::string::npos);
    CHECK(run.out.find("rows after dropping rows with a missing value: 333") != std::string::npos);
    CHECK(run.out.find("rows after dropping duplicate rows: 333") != std::string::npos);
    CHECK(run.out.find("train rows: 266, test rows: 67") != std::string::npos);

    const Frame X_train = read_csv(out / "train" / "X_train.csv");
    const Frame y_train = read_csv(out / "train" / "y_train.csv");
    CHECK(X_train.names() == std::vector<std::string>{"species", "island", "bill_length_mm", "bill_depth_mm",
                                                      "flipper_length_mm", "body_mass_g"});
    CHECK(y_train.names() == std::vector<std::string>{"sex"});
    CHECK(X_train.rows() == 266);
    CHECK(y_train.rows() == 266);
    CHECK(read_csv(out / "test" / "X_test.csv").rows() == 67);
    CHECK(read_csv(out / "test" / "y_test.csv").rows() == 67);

    // Together the two sets are the 333 rows, each once.
    std::set<std::string> rows;
    for (const auto& row : row_texts(split_rows(out / "train", "train"))) rows.insert(row);
    for (const auto& row : row_texts(split_rows(out / "test", "test"))) rows.insert(row);
    CHECK(rows.size() == 333);

    // Row for row the split of scikit-learn's train_test_split(test_size=0.2, random_state=42),
    // as the reference data were made (written there with pandas, e.g. 212.0 for 212).
    const fs::path reference = fs::path(MLPIPE_DATA_DIR) / "reference" / "penguins";
    for (const char* split : {"train", "test"}) {
        INFO(split);
        CHECK(row_texts(split_rows(out / split, split)) == row_texts(split_rows(reference / split, split)));
    }
}

TEST_CASE("prepare: the split depends on the seed only", "[prepare]") {
    TempDir dir("mlpipe-prepare-test");
    const std::vector<std::string> args = {"--input", penguins_csv.string(), "--target", "sex", "--drop", "year"};
    auto with_seed = [&](const std::string& name, const std::string& seed) {
        std::vector<std::string> seeded = args;
        seeded.insert(seeded.end(), {"--seed", seed});
        REQUIRE(prepare(dir, dir.path() / name, seeded).status == 0);
        return read_text(dir.path() / name / "train" / "X_train.csv");
    };
    const std::string first = with_seed("a", "42");
    CHECK(with_seed("b", "42") == first);
    CHECK(with_seed("c", "7") != first);
}

TEST_CASE("prepare: incomplete rows, then repeated rows are dropped, keeping the first", "[prepare]") {
    TempDir dir("mlpipe-prepare-test");
    write_text(dir.path() / "small.csv",
               "a,b,t\n"
               "1,x,p\n"
               "1,x,p\n"   // repeats the row above
               "2,,q\n"    // missing b
               "NA,y,q\n"  // missing a
               "3,y,q\n"
               "-0,z,p\n"
               "0,z,p\n"  // repeats the row above: -0 == 0
               "4,w,q\n"
               "5,v,p\n");
    const fs::path out = dir.path() / "data";
    const Outcome run = prepare(dir, out, {"--input", (dir.path() / "small.csv").string(), "--target", "t"});
    REQUIRE(run.status == 0);
    CHECK(run.out.find("rows read: 9") != std::string::npos);
    CHECK(run.out.find("missing value: 7") != std::string::npos);
    CHECK(run.out.find("duplicate rows: 5") != std::string::npos);
    CHECK(run.out.find("train rows: 4, test rows: 1") != std::string::npos);  // ceil(0.2 * 5) = 1
    std::set<std::string> rows;
    for (const auto& row : row_texts(split_rows(out / "train", "train"))) rows.insert(row);
    for (const auto& row : row_texts(split_rows(out / "test", "test"))) rows.insert(row);
    CHECK(rows == std::set<std::string>{"1,x,p", "3,y,q", "-0,z,p", "4,w,q", "5,v,p"});
}

TEST_CASE("prepare: bad arguments are refused with the reason", "[prepare]") {
    TempDir dir("mlpipe-prepare-test");
    const fs::path out = dir.path() / "data";
    const std::string input = penguins_csv.string();

    const Outcome no_target = run_binary(dir, {"prepare", "--input", input, "--out", out.string()});
    CHECK(no_target.status == 2);
    CHECK(no_target.err.find("missing --target") != std::string::npos);

    const Outcome bad_size = prepare(dir, out, {"--input", input, "--target", "sex", "--test-size", "1.5"});
    CHECK(bad_size.status == 2);
    CHECK(bad_size.err.find("--test-size") != std::string::npos);

    const Outcome unknown_target = prepare(dir, out, {"--input", input, "--target", "gender"});
    CHECK(unknown_target.status == 1);
    CHECK(unknown_target.err.find("'gender' is not a column") != std::string::npos);

    const Outcome unknown_drop = prepare(dir, out, {"--input", input, "--target", "sex", "--drop", "yaer"});
    CHECK(unknown_drop.status == 1);
    CHECK(unknown_drop.err.find("did you mean 'year'?") != std::string::npos);
    CHECK_FALSE(fs::exists(out));
}

TEST_CASE("prepare: a directory as input, and a huge unknown option, give short messages", "[prepare]") {
    TempDir dir("mlpipe-prepare-test");
    const fs::path out = dir.path() / "data";
    fs::create_directories(dir.path() / "input.csv");
    const Outcome directory = prepare(dir, out, {"--input", (dir.path() / "input.csv").string(), "--target", "sex"});
    CHECK(directory.status == 1);
    CHECK(directory.err.find((dir.path() / "input.csv").string() + " is a directory, expected a file") !=
          std::string::npos);

    // One argument of 100 kB (Linux allows 128 kB): named in part, with no "did you mean" search.
    const Outcome huge = prepare(dir, out, {"--input", penguins_csv.string(), "--target", "sex",
                                            "--seed" + std::string(100'000, 'd'), "1"});
    CHECK(huge.status == 2);
    CHECK(huge.err.find("unknown option --seeddd") != std::string::npos);
    CHECK(huge.err.find("did you mean") == std::string::npos);
    CHECK(huge.err.size() < 5000);
    CHECK_FALSE(fs::exists(out));
}

TEST_CASE("prepare: its folders are the train and test channels of a training job", "[prepare][train]") {
    TempDir dir("mlpipe-prepare-test");
    const fs::path root = dir.path() / "ml";
    REQUIRE(
        prepare(dir, root / "input" / "data", {"--input", penguins_csv.string(), "--target", "sex", "--drop", "year"})
            .status == 0);
    const Outcome run = run_binary(dir, {"train", "--root", root.string()});
    INFO(run.out << run.err);
    REQUIRE(run.status == 0);
    CHECK(run.out.find("test:accuracy=") != std::string::npos);
    CHECK(fs::exists(root / "model" / model_file_name));
}
