// The evaluation metrics of the train command, against values computed by hand.

#include "../../train/metrics.hpp"

#include <mlpipe/metrics/accuracy.hpp>
#include <mlpipe/metrics/confusion_matrix.hpp>
#include <mlpipe/metrics/precision_recall.hpp>
#include <mlpipe/metrics/roc_auc.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

using namespace mlpipe::sagemaker;

TEST_CASE("roc_auc counts a tie between a positive and a negative as one half", "[metrics]") {
    // Positives score 0.35, 0.8, 0.4; negatives 0.1, 0.4, 0.4. Of the 9 (positive, negative)
    // pairs the positive wins 0.35>0.1, 0.8>all three, 0.4>0.1 (5 pairs) and ties
    // 0.4=0.4 twice (2 x 1/2): AUC = 6/9.
    const std::vector<bool> positive = {false, false, true, true, false, true};
    const std::vector<double> score = {0.1, 0.4, 0.35, 0.8, 0.4, 0.4};
    CHECK(roc_auc(positive, score) == Approx(6.0 / 9.0).epsilon(1e-15));

    CHECK(roc_auc({true, false, true, false}, std::vector<double>{0.5, 0.5, 0.5, 0.5}) == Approx(0.5));
    CHECK(roc_auc({true, false, true, false}, std::vector<double>{0.9, 0.1, 0.8, 0.2}) == Approx(1.0));
    CHECK(roc_auc({true, false, true, false}, std::vector<double>{0.1, 0.9, 0.2, 0.8}) == Approx(0.0));
}

TEST_CASE("binary metrics are those of the positive class, classes[1]", "[metrics]") {
    const std::vector<std::int32_t> truth = {0, 0, 1, 1, 1};
    const std::vector<std::int32_t> predicted = {0, 1, 1, 1, 0};
    Eigen::MatrixXd proba(5, 2);
    proba << 0.9, 0.1, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.6, 0.4;
    const auto m = classification_metrics(truth, predicted, proba, {"no", "yes"});

    CHECK(m.rows == 5);
    CHECK(m.accuracy == Approx(3.0 / 5.0));
    // Class "yes": 2 true positives, 1 false positive (row 1), 1 false negative (row 4).
    CHECK(m.precision == Approx(2.0 / 3.0));
    CHECK(m.recall == Approx(2.0 / 3.0));
    CHECK(m.f1 == Approx(2.0 / 3.0));
    CHECK(m.average == "binary");
    const double expected_loss = -(std::log(0.9) + std::log(0.4) + std::log(0.7) + std::log(0.8) + std::log(0.4)) / 5;
    CHECK(m.log_loss == Approx(expected_loss));
    CHECK(m.confusion == std::vector<std::vector<std::size_t>>{{1, 1}, {1, 2}});
    // Positive scores 0.7, 0.8, 0.4 against negative 0.1, 0.6: wins 0.7>0.1, 0.7>0.6,
    // 0.8>both, 0.4>0.1 = 5 of 6 pairs.
    REQUIRE(m.roc_auc.has_value());
    CHECK(*m.roc_auc == Approx(5.0 / 6.0));
}

TEST_CASE("binary metrics from the second class's probabilities alone are those from both", "[metrics]") {
    // Probabilities as predict_proba makes them (the first column 1 - p), some rows certain.
    const std::size_t rows = 5000;
    std::vector<std::int32_t> truth(rows), predicted(rows);
    Eigen::MatrixXd both(static_cast<Eigen::Index>(rows), 2);
    for (std::size_t i = 0; i < rows; ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        const double p = i % 97 == 0 ? 1.0 : i % 89 == 0 ? 0.0 : std::fmod(0.618034 * static_cast<double>(i), 1.0);
        both(r, 1) = p;
        both(r, 0) = 1.0 - p;
        truth[i] = (i * 7919) % 3 == 0 ? 1 : 0;
        predicted[i] = p > 0.5 ? 1 : 0;
    }
    const Eigen::MatrixXd positive = both.col(1);
    const auto from_both = classification_metrics(truth, predicted, both, {"no", "yes"});
    const auto from_positive = classification_metrics(truth, predicted, positive, {"no", "yes"});
    CHECK(from_positive.log_loss == from_both.log_loss);
    REQUIRE(from_positive.roc_auc.has_value());
    CHECK(*from_positive.roc_auc == *from_both.roc_auc);
    CHECK(from_positive.accuracy == from_both.accuracy);
    CHECK(from_positive.confusion == from_both.confusion);
    CHECK(from_positive.f1 == from_both.f1);
}

TEST_CASE("classification_metrics names shapes that do not fit together", "[metrics]") {
    const std::vector<std::int32_t> truth = {0, 1, 2};
    const Eigen::MatrixXd one_column = Eigen::MatrixXd::Constant(3, 1, 0.5);
    CHECK_THROWS_WITH(classification_metrics(truth, truth, one_column, {"a", "b", "c"}),
                      Catch::Contains("3 true labels, 3 predicted and 3 x 1 probabilities for 3 classes"));
    const Eigen::MatrixXd two_rows = Eigen::MatrixXd::Constant(2, 2, 0.5);
    CHECK_THROWS_WITH(classification_metrics(std::vector<std::int32_t>{0, 1, 1}, std::vector<std::int32_t>{0, 1, 0},
                                             two_rows, {"a", "b"}),
                      Catch::Contains("3 true labels, 3 predicted and 2 x 2 probabilities for 2 classes"));
    const Eigen::MatrixXd fits = Eigen::MatrixXd::Constant(3, 2, 0.5);
    CHECK_THROWS_WITH(classification_metrics(std::vector<std::int32_t>{0, 1, 1}, std::vector<std::int32_t>{0, 1},
                                             fits, {"a", "b"}),
                      Catch::Contains("3 true labels, 2 predicted"));
}

TEST_CASE("a certain wrong prediction costs a large but finite log loss", "[metrics]") {
    Eigen::MatrixXd proba(1, 2);
    proba << 0.0, 1.0;
    const auto m =
        classification_metrics(std::vector<std::int32_t>{0}, std::vector<std::int32_t>{1}, proba, {"a", "b"});
    CHECK(std::isfinite(m.log_loss));
    CHECK(m.log_loss == Approx(-std::log(1e-15)));
    CHECK_FALSE(m.roc_auc.has_value());  // only one class in the truth
}

TEST_CASE("multiclass metrics are macro averages over the classes that occur", "[metrics]") {
    const std::vector<std::int32_t> truth = {0, 1, 2, 2};
    const std::vector<std::int32_t> predicted = {0, 2, 2, 1};
    Eigen::MatrixXd proba = Eigen::MatrixXd::Constant(4, 4, 0.25);
    // Class "d" never occurs: as in scikit-learn, it does not enter the averages.
    const auto m = classification_metrics(truth, predicted, proba, {"a", "b", "c", "d"});
    // Per class (precision, recall, f1): a (1, 1, 1), b (0, 0, 0), c (1/2, 1/2, 1/2).
    CHECK(m.average == "macro");
    CHECK(m.precision == Approx(0.5));
    CHECK(m.recall == Approx(0.5));
    CHECK(m.f1 == Approx(0.5));
    CHECK(m.accuracy == Approx(0.5));
    CHECK(m.log_loss == Approx(std::log(4.0)));
    CHECK_FALSE(m.roc_auc.has_value());
    CHECK(m.confusion[2] == std::vector<std::size_t>{0, 1, 1, 0});
}

TEST_CASE("metric lines are what SageMaker's metric regexes read", "[metrics]") {
    CHECK(metric_line("validation", "accuracy", 0.8805970149253731) == "validation:accuracy=0.8806;");
    CHECK(metric_line("train", "log_loss", 0.2) == "train:log_loss=0.2000;");
}

TEST_CASE("the job's metrics are the library's, to the bit, on many rows", "[metrics]") {
    // classification_metrics counts one confusion matrix; the library's functions, each on
    // its own, must give the same numbers: 2 to 5 classes, 12,000 rows (two classes: about
    // 6,000 each, past the ROC AUC's radix sort threshold); with 4 classes one is absent from
    // the truth but predicted, with 5 one is absent from both (left out of the macro average).
    for (const std::size_t k : {2u, 3u, 4u, 5u}) {
        const std::size_t n = 12000;
        std::vector<std::int32_t> truth(n), predicted(n);
        Eigen::MatrixXd proba(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(k));
        std::uint64_t state = 99 + k;
        auto next = [&] { return (state = state * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
        const std::size_t classes_in_truth = k >= 4 ? 3 : k, classes_predicted = k == 5 ? 4 : k;
        for (std::size_t i = 0; i < n; ++i) {
            truth[i] = static_cast<std::int32_t>(next() % classes_in_truth);
            predicted[i] = next() % 4 == 0 ? static_cast<std::int32_t>(next() % classes_predicted) : truth[i];
            double sum = 0;
            for (std::size_t c = 0; c < k; ++c) sum += proba(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) =
                                                    1.0 + static_cast<double>(next() % 64);
            proba.row(static_cast<Eigen::Index>(i)) /= sum;
        }
        std::vector<std::string> names;
        std::vector<mlpipe::Label> codes;
        for (std::size_t c = 0; c < k; ++c) {
            names.push_back("class" + std::to_string(c));
            codes.emplace_back(static_cast<double>(c));
        }
        const auto m = classification_metrics(truth, predicted, proba, names);
        const mlpipe::Labels y_true(codes, {truth.begin(), truth.end()}), y_pred(codes, {predicted.begin(), predicted.end()});
        CHECK(m.accuracy == mlpipe::accuracy_score(y_true, y_pred));
        const auto confusion = mlpipe::confusion_matrix(y_true, y_pred, codes);
        const auto scores = mlpipe::precision_recall_fscore_support(y_true, y_pred, {.labels = codes});
        for (std::size_t t = 0; t < k; ++t) {
            CHECK(m.per_class[t].precision == scores.precision[t]);
            CHECK(m.per_class[t].recall == scores.recall[t]);
            CHECK(m.per_class[t].f1 == scores.f1[t]);
            CHECK(m.per_class[t].support == static_cast<std::size_t>(scores.support[t]));
            for (std::size_t p = 0; p < k; ++p)
                CHECK(m.confusion[t][p] ==
                      static_cast<std::size_t>(confusion.counts(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(p))));
        }
        if (k == 2) {
            const mlpipe::PrecisionRecallOptions positive{.average = mlpipe::Average::binary, .pos_label = codes[1]};
            CHECK(m.precision == mlpipe::precision_score(y_true, y_pred, positive));
            CHECK(m.recall == mlpipe::recall_score(y_true, y_pred, positive));
            CHECK(m.f1 == mlpipe::f1_score(y_true, y_pred, positive));
            std::vector<double> score(n);
            for (std::size_t i = 0; i < n; ++i) score[i] = proba(static_cast<Eigen::Index>(i), 1);
            REQUIRE(m.roc_auc.has_value());
            CHECK(*m.roc_auc == mlpipe::roc_auc_score(y_true, score));
        } else {
            CHECK_FALSE(m.roc_auc.has_value());
            // The macro average over the classes in the truth or the predictions.
            const mlpipe::PrecisionRecallOptions macro{.average = mlpipe::Average::macro};
            CHECK(m.precision == mlpipe::precision_score(y_true, y_pred, macro));
            CHECK(m.recall == mlpipe::recall_score(y_true, y_pred, macro));
            CHECK(m.f1 == mlpipe::f1_score(y_true, y_pred, macro));
        }
    }
}
