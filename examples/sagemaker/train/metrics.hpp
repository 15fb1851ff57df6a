#pragma once
// Classification metrics as scikit-learn defines them: accuracy, log loss, precision,
// recall, F1, ROC AUC and the confusion matrix.
//
// Binary problems report precision, recall and F1 of the positive class (classes[1], as
// sklearn's pos_label); more classes report macro averages (the unweighted mean over the
// classes that occur in the truth or the predictions, as sklearn's average="macro").
//
// The numbers are mlpipe's metrics (mlpipe/metrics.hpp) on the class codes (0, 1, ...: the
// model's class order), computed from one confusion matrix with the library's formulas, and
// its ROC AUC; except the log loss: the job has always reported it
// with 1e-15 clipping and no renormalisation of the rows, which scikit-learn 1.2.1's log_loss
// (eps = float64 epsilon, rows divided by their sum) does not match to the last bit.

#include "../common/text.hpp"

#include <mlpipe/frame/label.hpp>
#include <mlpipe/metrics/precision_recall.hpp>
#include <mlpipe/metrics/roc_auc.hpp>

#include <Eigen/Core>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe::sagemaker {

struct ClassScores {
    double precision = 0;
    double recall = 0;
    double f1 = 0;
    std::size_t support = 0;  // rows of this class in the truth
};

struct ClassificationMetrics {
    std::size_t rows = 0;
    std::vector<std::string> classes;
    double accuracy = 0;
    double log_loss = 0;
    double precision = 0;
    double recall = 0;
    double f1 = 0;
    std::string average;                              // "binary" or "macro"
    std::optional<double> roc_auc;                    // binary only, and only when both classes occur
    std::string roc_auc_missing_why;                  // why roc_auc is absent
    std::vector<std::vector<std::size_t>> confusion;  // [true class][predicted class], classes order
    std::vector<ClassScores> per_class;
};

// Area under the ROC curve of `score` for telling positives from negatives: the
// probability that a random positive scores above a random negative, ties counting one
// half (mlpipe's roc_auc_score, on labels 0 and 1).
inline double roc_auc(const std::vector<bool>& positive, std::span<const double> score) {
    std::vector<std::int32_t> codes(positive.size());
    for (std::size_t i = 0; i < positive.size(); ++i) codes[i] = positive[i] ? 1 : 0;
    return roc_auc_score(Labels({0.0, 1.0}, std::move(codes)), score);
}

// truth, predicted: class indices per row; proba: rows x classes probabilities, or for two
// classes the second's alone (rows x 1, as predict_for_metrics gives them), the first's being
// 1 - p, as LogisticRegression::predict_proba computes it in double.
inline ClassificationMetrics classification_metrics(std::span<const std::int32_t> truth,
                                                    std::span<const std::int32_t> predicted,
                                                    const Eigen::MatrixXd& proba, std::vector<std::string> classes) {
    ClassificationMetrics m;
    const std::size_t k = classes.size();
    const bool positive_only = k == 2 && proba.cols() == 1;
    if (proba.rows() != static_cast<Eigen::Index>(truth.size()) ||
        (proba.cols() != static_cast<Eigen::Index>(k) && !positive_only) || predicted.size() != truth.size())
        throw error("classification_metrics: " + std::to_string(truth.size()) + " true labels, " +
                    std::to_string(predicted.size()) + " predicted and " + std::to_string(proba.rows()) + " x " +
                    std::to_string(proba.cols()) + " probabilities for " + std::to_string(k) + " classes");
    const auto probability = [&](std::size_t i, std::int32_t c) {
        const auto row = static_cast<Eigen::Index>(i);
        if (positive_only) return c == 1 ? proba(row, 0) : 1.0 - proba(row, 0);
        return proba(row, static_cast<Eigen::Index>(c));
    };
    m.rows = truth.size();
    m.classes = std::move(classes);
    m.confusion.assign(k, std::vector<std::size_t>(k, 0));
    m.per_class.assign(k, ClassScores{});
    m.average = k == 2 ? "binary" : "macro";
    m.roc_auc_missing_why =
        k == 2 ? "only one class occurs in the truth" : "ROC AUC is reported for binary problems only";
    if (m.rows == 0) return m;  // nothing to score: every number stays 0

    // The confusion matrix in one pass over the codes; accuracy and the per-class scores
    // follow from it with scikit-learn's formulas (the library's divide(), as
    // precision_recall_fscore_support uses). Counting in the metrics' own functions took
    // three passes more, each encoding the labels again (a tenth of a second on 1M rows).
    std::vector<std::size_t> counts(k * k, 0);
    for (std::size_t i = 0; i < m.rows; ++i) {
        if (truth[i] < 0 || static_cast<std::size_t>(truth[i]) >= k || predicted[i] < 0 ||
            static_cast<std::size_t>(predicted[i]) >= k)
            throw error("classification_metrics: row " + std::to_string(i) + " has a class code outside 0.." +
                        std::to_string(k - 1));
        ++counts[static_cast<std::size_t>(truth[i]) * k + static_cast<std::size_t>(predicted[i])];
    }
    mlpipe::detail::ClassCounts tallies;
    std::size_t correct = 0;
    for (std::size_t t = 0; t < k; ++t) {
        tallies.labels.emplace_back(static_cast<double>(t));
        tallies.true_positive.push_back(static_cast<double>(counts[t * k + t]));
        tallies.predicted.push_back(0);
        tallies.actual.push_back(0);
        correct += counts[t * k + t];
        for (std::size_t p = 0; p < k; ++p) m.confusion[t][p] = counts[t * k + p];
    }
    for (std::size_t t = 0; t < k; ++t)
        for (std::size_t p = 0; p < k; ++p) {
            tallies.actual[t] += static_cast<double>(counts[t * k + p]);
            tallies.predicted[p] += static_cast<double>(counts[t * k + p]);
        }
    m.accuracy = static_cast<double>(correct) / static_cast<double>(m.rows);

    // The true classes' probabilities (their codes checked above), clipped to [1e-15, 1 - 1e-15]
    // (scikit-learn's eps before 1.2; see the top) so that a confident mistake costs a large
    // but finite loss; then a vectorised log and sum (libm's log a row at a time showed as
    // a fifth of the evaluation's CPU samples on 1M rows), a chunk of rows at a time into one
    // small buffer (an array of all the rows was new memory to fault in: 80 MB at 10M rows).
    constexpr double eps = 1e-15;
    constexpr std::size_t chunk = 4096;
    Eigen::ArrayXd p(static_cast<Eigen::Index>(std::min(chunk, m.rows)));
    double loss_sum = 0;
    for (std::size_t start = 0; start < m.rows; start += chunk) {
        const std::size_t size = std::min(chunk, m.rows - start);
        for (std::size_t i = start; i < start + size; ++i)
            p[static_cast<Eigen::Index>(i - start)] = probability(i, truth[i]);
        loss_sum += p.head(static_cast<Eigen::Index>(size)).max(eps).min(1 - eps).log().sum();
    }
    m.log_loss = -loss_sum / static_cast<double>(m.rows);

    // Per class; a ratio with a zero denominator is 0, as sklearn's zero_division default.
    const PrecisionRecallFscoreSupport scores =
        mlpipe::detail::divide(tallies, ZeroDivision::warn, "classification_metrics");
    for (std::size_t c = 0; c < k; ++c)
        m.per_class[c] = {scores.precision[c], scores.recall[c], scores.f1[c],
                          static_cast<std::size_t>(scores.support[c])};

    if (k == 2) {
        // average="binary" with pos_label = the second class: that class's own scores, as
        // scikit-learn computes them (three more passes over the labels would give the same).
        m.precision = m.per_class[1].precision;
        m.recall = m.per_class[1].recall;
        m.f1 = m.per_class[1].f1;
    } else {
        // The macro average over the classes in the truth or the predictions, summed in class
        // order as the job always has: precision_score's macro average sums in numpy's
        // pairwise order, which from 8 classes on can differ in the last bit.
        double present = 0;
        for (std::size_t c = 0; c < k; ++c) {
            if (m.per_class[c].support == 0 && tallies.predicted[c] == 0) continue;
            present += 1;
            m.precision += m.per_class[c].precision;
            m.recall += m.per_class[c].recall;
            m.f1 += m.per_class[c].f1;
        }
        m.precision /= present;
        m.recall /= present;
        m.f1 /= present;
    }
    if (k == 2 && m.per_class[0].support > 0 && m.per_class[1].support > 0) {
        const std::span<const double> score(proba.col(positive_only ? 0 : 1).data(), m.rows);
        for (std::size_t i = 0; i < m.rows; ++i)  // as roc_auc_score checks
            if (!std::isfinite(score[i]))
                throw data_error("roc_auc_score: the score in row " + std::to_string(i) + " is not finite");
        m.roc_auc = mlpipe::detail::binary_roc_auc(score, [&](std::size_t i) { return truth[i] == 1; });
        m.roc_auc_missing_why.clear();
    }
    return m;
}

// (name, value) of each metric, in the order the logs print them.
inline std::vector<std::pair<std::string, double>> metric_values(const ClassificationMetrics& m) {
    std::vector<std::pair<std::string, double>> values = {
        {"accuracy", m.accuracy},
        {"log_loss", m.log_loss},
        {"precision", m.precision},
        {"recall", m.recall},
        {"f1", m.f1},
    };
    if (m.roc_auc) values.emplace_back("roc_auc", *m.roc_auc);
    return values;
}

// `channel:name=value;` with four decimals: one line per metric, for SageMaker's metric
// regexes (MetricDefinitions), e.g. Regex "test:accuracy=([0-9.]+);".
inline std::string metric_line(const std::string& channel, const std::string& name, double value) {
    return channel + ":" + name + "=" + fixed(value, 4) + ";";
}

inline nlohmann::json to_json(const ClassificationMetrics& m) {
    nlohmann::json per_class = nlohmann::json::object();
    for (std::size_t c = 0; c < m.classes.size(); ++c)
        per_class[m.classes[c]] = {{"precision", m.per_class[c].precision},
                                   {"recall", m.per_class[c].recall},
                                   {"f1", m.per_class[c].f1},
                                   {"support", m.per_class[c].support}};
    nlohmann::json out = {
        {"rows", m.rows},
        {"accuracy", m.accuracy},
        {"log_loss", m.log_loss},
        {"precision", m.precision},
        {"recall", m.recall},
        {"f1", m.f1},
        {"average", m.average == "binary"
                        ? "binary: precision, recall and f1 of the positive class '" + m.classes.at(1) + "'"
                        : "macro: unweighted mean over the classes present in the truth or the predictions"},
        {"roc_auc", m.roc_auc ? nlohmann::json(*m.roc_auc) : nlohmann::json(nullptr)},
        {"confusion_matrix",
         {{"labels", m.classes}, {"rows", "true class"}, {"columns", "predicted class"}, {"counts", m.confusion}}},
        {"per_class", per_class},
    };
    if (!m.roc_auc) out["roc_auc_note"] = m.roc_auc_missing_why;
    return out;
}

}  // namespace mlpipe::sagemaker
