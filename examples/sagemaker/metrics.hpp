#pragma once
// Classification metrics as scikit-learn defines them: accuracy, log loss, precision,
// recall, F1, ROC AUC and the confusion matrix.
//
// Binary problems report precision, recall and F1 of the positive class (classes[1], as
// sklearn's pos_label); more classes report macro averages (the unweighted mean over the
// classes that occur in the truth or the predictions, as sklearn's average="macro").

#include "text.hpp"

#include <Eigen/Core>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
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
// half (the Mann–Whitney statistic from average ranks; equal to sklearn's roc_auc_score).
inline double roc_auc(const std::vector<bool>& positive, std::span<const double> score) {
    std::vector<std::size_t> order(score.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return score[a] < score[b]; });
    double positive_rank_sum = 0;
    std::size_t positives = 0;
    for (std::size_t start = 0; start < order.size();) {
        std::size_t end = start;
        while (end < order.size() && score[order[end]] == score[order[start]]) ++end;
        const double average_rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2.0;
        for (std::size_t k = start; k < end; ++k)
            if (positive[order[k]]) {
                positive_rank_sum += average_rank;
                ++positives;
            }
        start = end;
    }
    const auto n_pos = static_cast<double>(positives);
    const auto n_neg = static_cast<double>(score.size() - positives);
    return (positive_rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg);
}

// truth, predicted: class indices per row; proba: rows x classes probabilities.
inline ClassificationMetrics classification_metrics(std::span<const std::int32_t> truth,
                                                    std::span<const std::int32_t> predicted,
                                                    const Eigen::MatrixXd& proba, std::vector<std::string> classes) {
    ClassificationMetrics m;
    const std::size_t k = classes.size();
    m.rows = truth.size();
    m.classes = std::move(classes);
    m.confusion.assign(k, std::vector<std::size_t>(k, 0));

    // sklearn 1.2 clips probabilities to [1e-15, 1 - 1e-15] so that a confident mistake
    // costs a large but finite loss.
    constexpr double eps = 1e-15;
    std::size_t correct = 0;
    double loss = 0;
    for (std::size_t i = 0; i < m.rows; ++i) {
        const auto t = static_cast<std::size_t>(truth[i]);
        const auto p = static_cast<std::size_t>(predicted[i]);
        ++m.confusion[t][p];
        correct += t == p ? 1 : 0;
        loss -= std::log(std::clamp(proba(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(t)), eps, 1 - eps));
    }
    m.accuracy = m.rows ? static_cast<double>(correct) / static_cast<double>(m.rows) : 0.0;
    m.log_loss = m.rows ? loss / static_cast<double>(m.rows) : 0.0;

    // Per class; a ratio with a zero denominator is 0, as sklearn's zero_division default.
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    std::vector<bool> occurs(k, false);
    for (std::size_t c = 0; c < k; ++c) {
        double true_positive = static_cast<double>(m.confusion[c][c]), predicted_count = 0, actual_count = 0;
        for (std::size_t other = 0; other < k; ++other) {
            predicted_count += static_cast<double>(m.confusion[other][c]);
            actual_count += static_cast<double>(m.confusion[c][other]);
        }
        ClassScores s;
        s.precision = ratio(true_positive, predicted_count);
        s.recall = ratio(true_positive, actual_count);
        s.f1 = ratio(2 * s.precision * s.recall, s.precision + s.recall);
        s.support = static_cast<std::size_t>(actual_count);
        occurs[c] = predicted_count > 0 || actual_count > 0;
        m.per_class.push_back(s);
    }

    if (k == 2) {
        m.average = "binary";
        m.precision = m.per_class[1].precision;
        m.recall = m.per_class[1].recall;
        m.f1 = m.per_class[1].f1;
        if (m.per_class[0].support == 0 || m.per_class[1].support == 0) {
            m.roc_auc_missing_why = "only one class occurs in the truth";
        } else {
            std::vector<bool> positive(m.rows);
            std::vector<double> score(m.rows);
            for (std::size_t i = 0; i < m.rows; ++i) {
                positive[i] = truth[i] == 1;
                score[i] = proba(static_cast<Eigen::Index>(i), 1);
            }
            m.roc_auc = roc_auc(positive, score);
        }
    } else {
        m.average = "macro";
        m.roc_auc_missing_why = "ROC AUC is reported for binary problems only";
        double present = 0;
        for (std::size_t c = 0; c < k; ++c) {
            if (!occurs[c]) continue;
            present += 1;
            m.precision += m.per_class[c].precision;
            m.recall += m.per_class[c].recall;
            m.f1 += m.per_class[c].f1;
        }
        m.precision = ratio(m.precision, present);
        m.recall = ratio(m.recall, present);
        m.f1 = ratio(m.f1, present);
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
