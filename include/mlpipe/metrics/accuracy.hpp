#pragma once
// Accuracy and balanced accuracy as scikit-learn 1.2.1 computes them.

#include <mlpipe/metrics/labels_view.hpp>
#include <mlpipe/metrics/pairwise_sum.hpp>

#include <cstddef>
#include <vector>

namespace mlpipe {

// The share of rows predicted right.
inline double accuracy_score(LabelsView y_true, LabelsView y_pred) {
    const detail::LabelPairs pairs = detail::encode_pair(y_true, y_pred, "accuracy_score");
    std::size_t correct = 0;
    for (std::size_t i = 0; i < pairs.size(); ++i) correct += pairs.truth[i] == pairs.predicted[i] ? 1 : 0;
    return static_cast<double>(correct) / static_cast<double>(pairs.size());
}

struct BalancedAccuracyOptions {
    // Rescale so that chance (1 / classes) scores 0 and a perfect prediction 1. With one
    // class in y_true that is 0 / 0: NaN, as sklearn.
    bool adjusted = false;
};

// The mean recall over the classes of y_true, so every class counts alike however rare. A
// label only predicted has no recall and is left out (sklearn warns and does the same).
inline double balanced_accuracy_score(LabelsView y_true, LabelsView y_pred,
                                      const BalancedAccuracyOptions& options = {}) {
    const detail::LabelPairs pairs = detail::encode_pair(y_true, y_pred, "balanced_accuracy_score");
    const std::size_t k = pairs.classes.size();
    std::vector<double> correct(k, 0.0), actual(k, 0.0);
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const auto t = static_cast<std::size_t>(pairs.truth[i]);
        actual[t] += 1;
        if (pairs.truth[i] == pairs.predicted[i]) correct[t] += 1;
    }
    std::vector<double> recall;
    for (std::size_t c = 0; c < k; ++c)
        if (actual[c] > 0) recall.push_back(correct[c] / actual[c]);
    double score = detail::mean(recall);
    if (options.adjusted) {
        const double chance = 1.0 / static_cast<double>(recall.size());
        score -= chance;
        score /= 1.0 - chance;
    }
    return score;
}

}  // namespace mlpipe
