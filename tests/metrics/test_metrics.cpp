// The classification metrics against scikit-learn 1.2.1: every value in
// data/reference/metrics.json (made by make_metrics.py) within 1e-12, the classification
// report to the character, and the errors for inputs that cannot be scored.

#include "../support/datasets.hpp"

#include <mlpipe/metrics.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

using namespace mlpipe;
using nlohmann::json;

namespace {

constexpr double tolerance = 1e-12;

const json& reference() {
    static const json cases = [] {
        std::ifstream in(test::data_dir() / "reference" / "metrics.json");
        return json::parse(in)["cases"];
    }();
    return cases;
}

const json& reference_case(const std::string& name) {
    for (const auto& c : reference())
        if (c["name"] == name) return c;
    throw std::runtime_error("no case " + name + " in metrics.json");
}

Label to_label(const json& value) {
    return value.is_string() ? Label(value.get<std::string>()) : Label(value.get<double>());
}

std::vector<Label> to_labels(const json& values) {
    std::vector<Label> out;
    for (const auto& v : values) out.push_back(to_label(v));
    return out;
}

ZeroDivision to_zero_division(const json& value) {
    if (value.is_string()) return zero_division_from_string(value.get<std::string>());
    return value.get<int>() == 0 ? ZeroDivision::zero : ZeroDivision::one;
}

// `expected` null stands for NaN (JSON has none).
void check_close(double actual, const json& expected, const std::string& what) {
    INFO(what << ": mlpipe " << actual << ", sklearn " << expected.dump());
    if (expected.is_null()) {
        CHECK(std::isnan(actual));
    } else {
        CHECK(std::abs(actual - expected.get<double>()) <= tolerance);
    }
}

void check_all_close(const std::vector<double>& actual, const json& expected, const std::string& what) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i)
        check_close(actual[i], expected[i], what + "[" + std::to_string(i) + "]");
}

// Predicted labels as predict returns them: codes into the sorted classes.
Labels as_predicted(const std::vector<Label>& labels, std::vector<Label> classes) {
    std::sort(classes.begin(), classes.end());
    std::vector<std::int32_t> codes;
    for (const Label& label : labels)
        codes.push_back(static_cast<std::int32_t>(std::find(classes.begin(), classes.end(), label) - classes.begin()));
    return Labels(classes, codes);
}

// Every label-based metric of one case, with y_true and y_pred in whatever form the caller
// holds them.
void check_label_metrics(const json& c, LabelsView y_true, LabelsView y_pred) {
    const std::string name = c["name"];
    check_close(accuracy_score(y_true, y_pred), c["accuracy"], name + " accuracy");
    check_close(balanced_accuracy_score(y_true, y_pred), c["balanced_accuracy"], name + " balanced_accuracy");
    check_close(balanced_accuracy_score(y_true, y_pred, {.adjusted = true}), c["balanced_accuracy_adjusted"],
                name + " balanced_accuracy adjusted");

    for (const auto& cm : c["confusion_matrix"]) {
        const auto given = cm["labels_given"].is_null() ? std::vector<Label>{} : to_labels(cm["labels_given"]);
        const ConfusionMatrix m = confusion_matrix(y_true, y_pred, given);
        INFO(name << " confusion_matrix labels " << cm["labels"].dump());
        CHECK(m.labels == to_labels(cm["labels"]));
        const auto& counts = cm["counts"];
        REQUIRE(static_cast<std::size_t>(m.counts.rows()) == counts.size());
        for (std::size_t i = 0; i < counts.size(); ++i) {
            REQUIRE(static_cast<std::size_t>(m.counts.cols()) == counts[i].size());
            for (std::size_t j = 0; j < counts[i].size(); ++j)
                CHECK(m.counts(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) ==
                      counts[i][j].get<std::int64_t>());
        }
    }

    for (const auto& s : c["scores"]) {
        PrecisionRecallOptions options;
        options.average = average_from_string(s["average"].get<std::string>());
        options.pos_label = to_label(s["pos_label"]);
        if (!s["labels"].is_null()) options.labels = to_labels(s["labels"]);
        options.zero_division = to_zero_division(s["zero_division"]);
        const std::string what = name + " average=" + s["average"].get<std::string>() +
                                 " pos_label=" + s["pos_label"].dump() + " labels=" + s["labels"].dump() +
                                 " zero_division=" + s["zero_division"].dump();
        check_close(precision_score(y_true, y_pred, options), s["precision"], what + " precision");
        check_close(recall_score(y_true, y_pred, options), s["recall"], what + " recall");
        check_close(f1_score(y_true, y_pred, options), s["f1"], what + " f1");
    }

    for (const auto& p : c["per_class"]) {
        PerClassOptions options;
        if (!p["labels_given"].is_null()) options.labels = to_labels(p["labels_given"]);
        options.zero_division = to_zero_division(p["zero_division"]);
        const std::string what =
            name + " per class, labels=" + p["labels_given"].dump() + " zero_division=" + p["zero_division"].dump();
        const auto scores = precision_recall_fscore_support(y_true, y_pred, options);
        INFO(what);
        CHECK(scores.labels == to_labels(p["labels"]));
        check_all_close(scores.precision, p["precision"], what + " precision");
        check_all_close(scores.recall, p["recall"], what + " recall");
        check_all_close(scores.f1, p["f1"], what + " f1");
        CHECK(scores.support == p["support"].get<std::vector<std::int64_t>>());
    }
}

void check_probability_metrics(const json& c, LabelsView y_true) {
    if (!c.contains("proba")) return;
    const std::string name = c["name"];
    const Eigen::MatrixXd proba = test::to_matrix(c["proba"]);
    const std::vector<Label> classes = to_labels(c["classes"]);
    for (const auto& entry : c["log_loss"]) {
        LogLossOptions options;
        if (entry["eps"] != "auto") options.eps = entry["eps"].get<double>();
        options.normalize = entry["normalize"].get<bool>();
        check_close(log_loss(y_true, proba, classes, options), entry["value"],
                    name + " log_loss eps=" + entry["eps"].dump() + " normalize=" + entry["normalize"].dump());
    }
    if (c.contains("log_loss_positive_column"))
        check_close(log_loss(y_true, Eigen::MatrixXd(proba.col(1)), classes), c["log_loss_positive_column"],
                    name + " log_loss of the positive column");
    if (c.contains("roc_auc")) {
        check_close(roc_auc_score(y_true, proba, classes), c["roc_auc"], name + " roc_auc");
    } else {
        INFO(name << ": sklearn says " << c["roc_auc_error"].dump());
        REQUIRE(c.contains("roc_auc_error"));
        CHECK_THROWS_AS(roc_auc_score(y_true, proba, classes), data_error);
    }
}

void check_report(const json& c, LabelsView y_true, LabelsView y_pred) {
    for (const auto& r : c["classification_report"]) {
        const std::string report = classification_report(
            y_true, y_pred, {.digits = r["digits"].get<int>(), .zero_division = to_zero_division(r["zero_division"])});
        INFO(c["name"].get<std::string>() << " digits=" << r["digits"] << " zero_division=" << r["zero_division"]);
        CHECK(report == r["text"].get<std::string>());
    }
}

}  // namespace

TEST_CASE("metrics equal scikit-learn 1.2.1 on the reference sets' test rows", "[metrics]") {
    for (const char* name : {"penguins", "iris", "penguins_species"}) {
        DYNAMIC_SECTION(name) {
            const json& c = reference_case(name);
            // y_true as the target column read from CSV, y_pred as predict returns it.
            const Frame y_test = read_csv(test::data_dir() / "reference" / c["y_test_file"].get<std::string>());
            const Labels predicted = as_predicted(to_labels(c["y_pred"]), to_labels(c["classes"]));
            REQUIRE(labels_of(y_test[0]) == to_labels(c["y_true"]));
            check_label_metrics(c, y_test[0], predicted);
            check_probability_metrics(c, y_test[0]);
            check_report(c, y_test, predicted);
            if (c.contains("roc_auc_of_score")) {
                const Eigen::VectorXd decision = test::to_vector(c["score"]);
                check_close(roc_auc_score(y_test, decision), c["roc_auc_of_score"], std::string(name) + " decision");
            }
        }
    }
}

TEST_CASE("metrics equal scikit-learn 1.2.1 on the hand-made edge cases", "[metrics]") {
    std::size_t cases = 0;
    for (const auto& c : reference()) {
        if (c.contains("y_test_file")) continue;
        ++cases;
        DYNAMIC_SECTION(c["name"].get<std::string>()) {
            const std::vector<Label> y_true = to_labels(c["y_true"]);
            const std::vector<Label> y_pred = to_labels(c["y_pred"]);
            check_label_metrics(c, y_true, y_pred);
            check_probability_metrics(c, y_true);
            check_report(c, y_true, y_pred);
            if (c.contains("roc_auc_of_score"))
                check_close(roc_auc_score(y_true, c["score"].get<std::vector<double>>()), c["roc_auc_of_score"],
                            c["name"].get<std::string>() + " roc_auc of the score");
        }
    }
    CHECK(cases >= 12);
}

TEST_CASE("a Column, a one-column Frame, Labels and a span of Label are the same labels", "[metrics]") {
    Frame y;
    y.add_categorical("sex", std::vector<std::string>{"male", "female", "female", "male", "female"});
    const std::vector<Label> truth{"male", "female", "female", "male", "female"};
    // Classes in no order, one never used: what occurs counts, not what the Labels lists.
    const Labels predicted({"male", "unused", "female"}, {0, 0, 2, 0, 2});
    const std::vector<Label> predicted_span{"male", "male", "female", "male", "female"};

    const double expected = 0.8;
    CHECK(accuracy_score(y.column("sex"), predicted) == expected);
    CHECK(accuracy_score(y, predicted) == expected);
    CHECK(accuracy_score(truth, predicted_span) == expected);
    CHECK(accuracy_score(std::span<const Label>(truth), predicted) == expected);
    // "unused" does not become a class of the macro average: precision (1 + 2/3) / 2 and
    // recall (2/3 + 1) / 2 over female and male, not over three classes.
    CHECK(precision_score(y, predicted, {.average = Average::macro}) == Approx(5.0 / 6.0));
    CHECK(recall_score(truth, predicted, {.average = Average::macro}) == Approx(5.0 / 6.0));
    CHECK(confusion_matrix(y, predicted).labels == std::vector<Label>{"female", "male"});

    Frame numbers;
    numbers.add_numeric("y", {1.0, 2.0, 2.0, 3.0});
    CHECK(accuracy_score(numbers, std::vector<Label>{1.0, 2.0, 3.0, 3.0}) == 0.75);
}

TEST_CASE("binary scores default to pos_label 1, as scikit-learn", "[metrics]") {
    // Labels 1 and 2: the positive class is 1 (the smaller), not classes[1].
    const std::vector<Label> y_true{1.0, 2.0, 2.0, 1.0};
    const std::vector<Label> y_pred{1.0, 1.0, 2.0, 2.0};
    const std::vector<Label> y_only_ones{1.0, 2.0, 1.0, 1.0};  // recall of 1: 1, of 2: 1/2
    CHECK(recall_score(y_true, y_only_ones) == 1.0);
    CHECK(recall_score(y_true, y_only_ones, {.pos_label = 2.0}) == 0.5);
    CHECK(precision_score(y_true, y_pred) == 0.5);
    // Text labels need the positive class named.
    const std::vector<Label> truth{"female", "male"};
    CHECK_THROWS_WITH(precision_score(truth, truth),
                      "precision_score: pos_label=1 is not a valid label: it should be one of ['female', 'male']");
    CHECK(precision_score(truth, truth, {.pos_label = "male"}) == 1.0);
}

TEST_CASE("metrics refuse inputs that cannot be scored, naming what is wrong", "[metrics]") {
    const std::vector<Label> three{"a", "b", "a"};
    const std::vector<Label> two{"a", "b"};
    const std::vector<Label> none;

    SECTION("lengths and emptiness") {
        CHECK_THROWS_WITH(accuracy_score(three, two), "accuracy_score: y_true has 3 labels but y_pred has 2");
        CHECK_THROWS_AS(f1_score(three, two), data_error);
        CHECK_THROWS_AS(confusion_matrix(two, three), data_error);
        CHECK_THROWS_WITH(accuracy_score(none, none), "accuracy_score: y_true and y_pred are empty");
        CHECK_THROWS_AS(classification_report(none, none), data_error);
        CHECK_THROWS_WITH(roc_auc_score(three, std::vector<double>{0.1, 0.2}),
                          "roc_auc_score: y_true has 3 labels but y_score has 2");
    }
    SECTION("numbers and strings mixed") {
        CHECK_THROWS_WITH(accuracy_score(two, std::vector<Label>{1.0, "b"}),
                          "accuracy_score: y_pred mixes numbers and strings as labels (1 and 'b')");
        CHECK_THROWS_WITH(accuracy_score(two, std::vector<Label>{1.0, 2.0}),
                          "accuracy_score: y_true and y_pred mix numbers and strings as labels (1 and 'b')");
    }
    SECTION("a frame of two columns, a Labels code out of range, a missing label") {
        Frame y;
        y.add_categorical("a", std::vector<std::string>{"x", "y"});
        y.add_categorical("b", std::vector<std::string>{"x", "y"});
        CHECK_THROWS_AS(accuracy_score(y, two), data_error);
        CHECK_THROWS_WITH(accuracy_score(two, Labels({"a", "b"}, {0, 2})),
                          "y_pred has code 2 at position 1, but only 2 classes");
        CHECK_THROWS_AS(accuracy_score(std::vector<Label>{1.0, std::nan("")}, std::vector<Label>{1.0, 1.0}),
                        data_error);
    }
    SECTION("probabilities of the wrong shape, or labels absent from the classes") {
        Eigen::MatrixXd proba(3, 2);
        proba << 0.9, 0.1, 0.2, 0.8, 0.6, 0.4;
        CHECK_THROWS_WITH(log_loss(three, proba, {"a", "b", "c"}),
                          "log_loss: 3 classes but the probabilities have 2 columns");
        CHECK_THROWS_WITH(log_loss(two, proba, {"a", "b"}),
                          "log_loss: y_true has 2 labels but the probabilities have 3 rows");
        CHECK_THROWS_WITH(
            log_loss(std::vector<Label>{"a", "Emperor", "b"}, proba, {"a", "b"}),
            "log_loss: y_true has the label 'Emperor' (row 1), which is not one of the classes ['a', 'b']");
        CHECK_THROWS_WITH(log_loss(three, proba.leftCols(1), {"a"}),
                          "log_loss: the classes need at least two labels, got ['a']");
        CHECK_THROWS_AS(roc_auc_score(std::vector<Label>{"a", "Emperor", "b"}, proba, {"a", "b"}), data_error);
        CHECK_THROWS_WITH(roc_auc_score(std::vector<Label>{"a", "a", "a"}, proba, {"a", "b"}),
                          "roc_auc_score: y_true holds only the class 'a', so the AUC is not defined");
        CHECK_THROWS_WITH(roc_auc_score(std::vector<Label>{"a", "a", "a"}, std::vector<double>{0.1, 0.2, 0.3}),
                          Catch::Contains("y_true has 1 labels ['a']"));
        Eigen::MatrixXd not_finite = proba;
        not_finite(1, 0) = std::nan("");
        CHECK_THROWS_WITH(log_loss(three, not_finite, {"a", "b"}),
                          "log_loss: the probability in row 1, column 0 is not finite");
        Eigen::MatrixXd not_summing(3, 3);
        not_summing << 0.5, 0.3, 0.1, 0.2, 0.4, 0.4, 0.1, 0.1, 0.8;
        CHECK_THROWS_WITH(roc_auc_score(std::vector<Label>{"a", "b", "c"}, not_summing, {"a", "b", "c"}),
                          Catch::StartsWith("roc_auc_score: the probabilities in row 0 sum to 0.9"));
    }
    SECTION("bad options") {
        CHECK_THROWS_WITH(average_from_string("samples"),
                          "average 'samples' is not one of 'binary', 'micro', 'macro', 'weighted'");
        CHECK_THROWS_AS(average_from_string("None"), parameter_error);
        CHECK_THROWS_WITH(zero_division_from_string("nan"), "zero_division 'nan' is not one of 'warn', '0', '1'");
        CHECK_THROWS_WITH(f1_score(std::vector<Label>{"a", "b", "c"}, three),
                          "f1_score: average is 'binary' but the target is multiclass ['a', 'b', 'c']; choose micro, "
                          "macro or weighted");
        CHECK_THROWS_AS(recall_score(two, two, {.average = static_cast<Average>(9)}), parameter_error);
        CHECK_THROWS_AS(
            precision_score(two, two, {.average = Average::macro, .zero_division = static_cast<ZeroDivision>(7)}),
            parameter_error);
        CHECK_THROWS_WITH(classification_report(two, two, {.digits = -1}),
                          "classification_report: digits -1 is not in [0, 300]");
        Eigen::MatrixXd proba(2, 2);
        proba << 0.9, 0.1, 0.2, 0.8;
        CHECK_THROWS_WITH(log_loss(two, proba, {"a", "b"}, {.eps = 0.5}), "log_loss: eps 0.5 is not in [0, 0.5)");
        CHECK_THROWS_WITH(confusion_matrix(two, two, {"c", "d"}),
                          "confusion_matrix: labels ['c', 'd']: at least one of them must occur in y_true");
        CHECK_THROWS_WITH(confusion_matrix(two, two, {"a", "a"}), "confusion_matrix: labels lists 'a' twice");
    }
}

TEST_CASE("roc_auc counts a tie between a positive and a negative as one half", "[metrics]") {
    // Positives score 0.35, 0.8, 0.4; negatives 0.1, 0.4, 0.4: of the 9 pairs the positive
    // wins 5 and ties 2, so 6/9.
    const std::vector<Label> y{0.0, 0.0, 1.0, 1.0, 0.0, 1.0};
    CHECK(roc_auc_score(y, std::vector<double>{0.1, 0.4, 0.35, 0.8, 0.4, 0.4}) == 6.0 / 9.0);
    CHECK(roc_auc_score(y, std::vector<double>{0.5, 0.5, 0.5, 0.5, 0.5, 0.5}) == 0.5);
}

TEST_CASE("roc_auc on many rows (the radix sort) equals the count over every pair", "[metrics]") {
    // 15,000 rows (about 5,000 positives and 10,000 negatives, each past the size where the
    // scores are radix-sorted): scores of both signs and of very different sizes, with many
    // ties (a positive and a negative, 0.0 and -0.0), against the definition counted pair by
    // pair: a win 1, a tie one half.
    std::vector<Label> y;
    std::vector<double> score;
    std::uint64_t state = 12345;
    auto next = [&] { return (state = state * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
    for (int i = 0; i < 15000; ++i) {
        const bool positive = next() % 3 == 0;
        y.emplace_back(positive ? 1.0 : 0.0);
        const auto r = static_cast<double>(next() % 2000);
        double s = (r - 1000.0) / 64.0 + (positive ? 0.5 : 0.0);  // steps of 1/64: many exact ties
        if (next() % 50 == 0) s = next() % 2 ? 0.0 : -0.0;
        if (next() % 70 == 0) s = 1e300 * (positive ? 1 : -1);
        if (next() % 40 == 0) s = 1e-300 * static_cast<double>(next() % 5);  // differs in the high bits only
        score.push_back(s);
    }
    std::uint64_t twice_u = 0, pos = 0, neg = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        if (y[i].number() != 1.0) continue;
        ++pos;
        for (std::size_t j = 0; j < y.size(); ++j)
            if (y[j].number() == 0.0) twice_u += score[i] > score[j] ? 2 : score[i] == score[j] ? 1 : 0;
    }
    for (const auto& label : y) neg += label.number() == 0.0 ? 1 : 0;
    const double expected = static_cast<double>(twice_u) / 2.0 / (static_cast<double>(pos) * static_cast<double>(neg));
    CHECK(roc_auc_score(y, score) == expected);
    // Reversing the scores' order turns the AUC to 1 - AUC (ties stay ties).
    std::vector<double> negated;
    for (double s : score) negated.push_back(-s);
    CHECK(roc_auc_score(y, negated) == Approx(1.0 - expected).epsilon(1e-15));
}

TEST_CASE("roc_auc on many rows whose scores differ in three radix digits only equals the pair count",
          "[metrics]") {
    // Scores 0.5 + j / 2^21 (j < 2^20): sign, exponent and low mantissa bits the same in every
    // row, so the radix sort runs three of its six passes and its result ends in the scratch
    // buffer, for the positives and the negatives alike (the other test's scores take every
    // pass). Positives lean higher; equal j's are ties.
    std::vector<Label> y;
    std::vector<double> score;
    std::uint64_t state = 777;
    auto next = [&] { return (state = state * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
    for (int i = 0; i < 12000; ++i) {
        const bool positive = i % 2 == 0;
        y.emplace_back(positive ? 1.0 : 0.0);
        const std::uint64_t j = (next() % (std::uint64_t{1} << 20)) | (positive && next() % 2 ? std::uint64_t{1} << 19 : 0);
        score.push_back(0.5 + static_cast<double>(j % 4096 == 0 ? 0 : j) / static_cast<double>(std::uint64_t{1} << 21));
    }
    std::uint64_t twice_u = 0;
    for (std::size_t i = 0; i < y.size(); i += 2)
        for (std::size_t k = 1; k < y.size(); k += 2) twice_u += score[i] > score[k] ? 2 : score[i] == score[k] ? 1 : 0;
    const double expected = static_cast<double>(twice_u) / 2.0 / (6000.0 * 6000.0);
    CHECK(expected > 0.55);
    CHECK(roc_auc_score(y, score) == expected);
}
