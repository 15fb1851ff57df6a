// mlpipe_make_training_data: the synthetic training job of bench/compare_sklearn.
//
//   mlpipe_make_training_data ROWS TEST_ROWS OUT_DIR [SEED]
//
// writes OUT_DIR/train/train.csv (ROWS rows) and OUT_DIR/test/test.csv (TEST_ROWS rows), the
// layout of SageMaker's channels under /opt/ml/input/data: one table per channel, with a
// header, 20 numeric columns x00..x19, 5 categorical columns cat0..cat4 whose levels are
// c0..c9, and the binary target y (0/1). One million rows make about 204 MB of CSV.
//
// The rows (bench/README.md, "Training at scale"):
//   - numeric: z_j = sqrt(0.7) g_j + sqrt(0.3) f with g_j, f standard normal (pairwise
//     correlation 0.3), written as x_j = mean_j + scale_j z_j with scales from 0.01 to 100
//     (so that the StandardScaler matters), 6 significant digits;
//   - categorical: level l of column k with probability proportional to r_k^l,
//     r_k = 1, 0.85, 0.7, 0.6, 0.5 (cat0 uniform; cat4's c0 in half the rows, its c9 in
//     about 1 row of 1,000);
//   - target: y = 1 with probability sigmoid(b + sum_j w_j z_j + sum_k e_k[level_k]), the
//     weights fixed below (independent of the seed), some of them zero. The true model's
//     own accuracy (predicting its more likely label) is 0.835; P(y = 1) is 0.417.
//
// The random numbers come from std::mt19937_64 (its output is fixed by the standard) mapped
// to uniforms and normals (Box-Muller) here, not by <random>'s distributions, whose results
// differ between standard libraries. Train rows come first in the stream, then the test
// rows, so a seed and a row count give the same files everywhere (up to the last digit of
// log/cos in a libm, far below the 6 printed digits). Standard library only.

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

constexpr int numeric_columns = 20;
constexpr int categorical_columns = 5;
constexpr int levels = 10;
constexpr double correlation = 0.3;

struct Model {
    std::array<double, numeric_columns> mean{}, scale{}, weight{};
    std::array<std::array<double, levels>, categorical_columns> cumulative{};  // level probabilities, summed
    std::array<std::array<double, levels>, categorical_columns> effect{};
    double intercept = -0.4;

    Model() {
        const std::array<double, 5> scales{0.01, 0.1, 1.0, 10.0, 100.0};
        for (int j = 0; j < numeric_columns; ++j) {
            scale[j] = scales[static_cast<std::size_t>(j % 5)];
            mean[j] = scale[j] * (0.5 * (j % 7) - 1.5);
            // Every fourth column carries no signal; the others between about -1 and 1.
            weight[j] = j % 4 == 3 ? 0.0 : 1.1 * std::sin(1.7 * j + 0.5);
        }
        const std::array<double, categorical_columns> ratio{1.0, 0.85, 0.7, 0.6, 0.5};
        for (int k = 0; k < categorical_columns; ++k) {
            double total = 0;
            for (int l = 0; l < levels; ++l) total += std::pow(ratio[k], l);
            double sum = 0;
            for (int l = 0; l < levels; ++l) {
                sum += std::pow(ratio[k], l) / total;
                cumulative[k][l] = sum;
                effect[k][l] = 0.8 * std::cos(2.3 * l + 1.1 * k);
            }
            cumulative[k][levels - 1] = 1.0;
        }
    }
};

class Random {
public:
    explicit Random(std::uint64_t seed) : engine_(seed) {}

    // In (0, 1): the top 53 bits, centred in their interval (never 0, so log is finite).
    double uniform() { return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53; }

    double normal() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double radius = std::sqrt(-2.0 * std::log(uniform()));
        const double angle = 2.0 * std::numbers::pi * uniform();
        spare_ = radius * std::sin(angle);
        has_spare_ = true;
        return radius * std::cos(angle);
    }

private:
    std::mt19937_64 engine_;
    double spare_ = 0;
    bool has_spare_ = false;
};

// Buffered writing of one CSV file.
class Output {
public:
    explicit Output(const std::filesystem::path& path) : path_(path), file_(std::fopen(path.c_str(), "wb")) {
        if (!file_) throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(errno));
        buffer_.resize(1 << 20);
    }
    Output(const Output&) = delete;
    Output& operator=(const Output&) = delete;
    ~Output() {
        if (file_) std::fclose(file_);
    }

    void text(std::string_view s) {
        room(s.size());
        std::memcpy(buffer_.data() + used_, s.data(), s.size());
        used_ += s.size();
    }
    void character(char c) {
        room(1);
        buffer_[used_++] = c;
    }
    void number(double value) {  // 6 significant digits, shortest form ("12.3457", "-0.00123457", "1.5e-05")
        room(32);
        auto [end, ec] = std::to_chars(buffer_.data() + used_, buffer_.data() + used_ + 32, value,
                                       std::chars_format::general, 6);
        if (ec != std::errc()) throw std::runtime_error("number formatting failed");
        used_ = static_cast<std::size_t>(end - buffer_.data());
    }

    void close() {
        flush();
        if (std::fclose(file_) != 0) {
            file_ = nullptr;
            throw std::runtime_error("writing " + path_.string() + " failed");
        }
        file_ = nullptr;
    }

private:
    void room(std::size_t n) {
        if (used_ + n > buffer_.size()) flush();
    }
    void flush() {
        if (used_ && std::fwrite(buffer_.data(), 1, used_, file_) != used_)
            throw std::runtime_error("writing " + path_.string() + " failed: " + std::strerror(errno));
        used_ = 0;
    }

    std::filesystem::path path_;
    std::FILE* file_;
    std::vector<char> buffer_;
    std::size_t used_ = 0;
};

void write_table(const std::filesystem::path& path, std::uint64_t rows, const Model& model, Random& random) {
    Output out(path);
    for (int j = 0; j < numeric_columns; ++j) out.text((j < 10 ? "x0" : "x") + std::to_string(j) + ",");
    for (int k = 0; k < categorical_columns; ++k) out.text("cat" + std::to_string(k) + ",");
    out.text("y\n");
    const double own = std::sqrt(1.0 - correlation), shared = std::sqrt(correlation);
    for (std::uint64_t i = 0; i < rows; ++i) {
        const double factor = random.normal();
        double logit = model.intercept;
        for (int j = 0; j < numeric_columns; ++j) {
            const double z = own * random.normal() + shared * factor;
            logit += model.weight[j] * z;
            out.number(model.mean[j] + model.scale[j] * z);
            out.character(',');
        }
        for (int k = 0; k < categorical_columns; ++k) {
            const double u = random.uniform();
            const auto& cumulative = model.cumulative[k];
            const int level = static_cast<int>(std::upper_bound(cumulative.begin(), cumulative.end() - 1, u) -
                                               cumulative.begin());
            logit += model.effect[k][level];
            const char cell[4] = {'c', static_cast<char>('0' + level), ',', 0};
            out.text(cell);
        }
        const double p = 1.0 / (1.0 + std::exp(-logit));
        out.text(random.uniform() < p ? "1\n" : "0\n");
    }
    out.close();
}

std::uint64_t parse_count(const char* text, const char* what) {
    // Accepts 100000, 100k, 1M, 1e6.
    char* end = nullptr;
    const double value = std::strtod(text, &end);
    double multiplier = 1;
    if (end && (*end == 'k' || *end == 'K')) multiplier = 1e3, ++end;
    else if (end && (*end == 'm' || *end == 'M')) multiplier = 1e6, ++end;
    if (!end || end == text || *end != '\0' || !(value >= 0) || value * multiplier > 1e12)
        throw std::runtime_error(std::string("bad ") + what + " '" + text + "'");
    return static_cast<std::uint64_t>(std::llround(value * multiplier));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4 || argc > 5 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        std::cerr << "usage: mlpipe_make_training_data ROWS TEST_ROWS OUT_DIR [SEED]\n"
                     "writes OUT_DIR/train/train.csv and OUT_DIR/test/test.csv: 20 numeric columns (x00..x19),\n"
                     "5 categorical columns of 10 levels (cat0..cat4: c0..c9) and a binary target y drawn\n"
                     "from a logistic model; SEED defaults to 20261201. ROWS may be written 100k, 1M, 1e7.\n";
        return argc == 2 ? 0 : 2;
    }
    try {
        const std::uint64_t rows = parse_count(argv[1], "ROWS");
        const std::uint64_t test_rows = parse_count(argv[2], "TEST_ROWS");
        const std::filesystem::path out = argv[3];
        const std::uint64_t seed = argc == 5 ? parse_count(argv[4], "SEED") : 20261201;
        std::filesystem::create_directories(out / "train");
        std::filesystem::create_directories(out / "test");
        const Model model;
        Random random(seed);
        write_table(out / "train" / "train.csv", rows, model, random);
        write_table(out / "test" / "test.csv", test_rows, model, random);
        std::cout << "wrote " << (out / "train" / "train.csv").string() << " (" << rows << " rows, "
                  << std::filesystem::file_size(out / "train" / "train.csv") << " bytes) and "
                  << (out / "test" / "test.csv").string() << " (" << test_rows << " rows, "
                  << std::filesystem::file_size(out / "test" / "test.csv") << " bytes), seed " << seed << "\n";
    } catch (const std::exception& e) {
        std::cerr << "mlpipe_make_training_data: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
