#pragma once
// The confusion matrix as scikit-learn 1.2.1 counts it: rows are the true labels, columns
// the predicted ones, both in sorted label order unless labels are given.

#include <mlpipe/error.hpp>
#include <mlpipe/frame/label.hpp>
#include <mlpipe/metrics/labels_view.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mlpipe {

struct ConfusionMatrix {
    std::vector<Label> labels;                                           // of the rows and of the columns
    Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> counts;  // (true label, predicted label)
};

// `labels`: the rows and columns, in this order (a row whose true or predicted label is not
// among them is not counted); empty: the labels of y_true and y_pred, sorted.
inline ConfusionMatrix confusion_matrix(LabelsView y_true, LabelsView y_pred, const std::vector<Label>& labels = {}) {
    const detail::LabelPairs pairs = detail::encode_pair(y_true, y_pred, "confusion_matrix");
    ConfusionMatrix out;
    out.labels = labels.empty() ? pairs.classes : labels;
    // Each class of the data -> its row and column, or -1.
    std::vector<Eigen::Index> position(pairs.classes.size(), -1);
    for (std::size_t j = 0; j < out.labels.size(); ++j) {
        const std::int32_t c = detail::index_in_sorted(pairs.classes, out.labels[j]);
        if (c < 0) continue;
        if (position[static_cast<std::size_t>(c)] >= 0)
            throw parameter_error("confusion_matrix: labels lists " + detail::label_text(out.labels[j]) + " twice");
        position[static_cast<std::size_t>(c)] = static_cast<Eigen::Index>(j);
    }
    const auto k = static_cast<Eigen::Index>(out.labels.size());
    out.counts.setZero(k, k);
    bool any_true_label = false;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const Eigen::Index t = position[static_cast<std::size_t>(pairs.truth[i])];
        const Eigen::Index p = position[static_cast<std::size_t>(pairs.predicted[i])];
        any_true_label = any_true_label || t >= 0;
        if (t >= 0 && p >= 0) ++out.counts(t, p);
    }
    if (!any_true_label)
        throw parameter_error("confusion_matrix: labels " + detail::label_list(out.labels) +
                              ": at least one of them must occur in y_true");
    return out;
}

}  // namespace mlpipe
