#pragma once
// The area under the ROC curve as scikit-learn 1.2.1's roc_auc_score: binary from the score
// of the positive class, multiclass one-vs-rest with the macro average (multi_class="ovr",
// average="macro").

#include <mlpipe/error.hpp>
#include <mlpipe/frame/label.hpp>
#include <mlpipe/metrics/labels_view.hpp>
#include <mlpipe/metrics/log_loss.hpp>  // detail::true_columns, detail::check_probabilities
#include <mlpipe/metrics/pairwise_sum.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <vector>

namespace mlpipe {
namespace detail {

// The probability that a random positive scores above a random negative, a tie counting one
// half: the Mann–Whitney statistic from average ranks. It is the area under sklearn's
// trapezoids exactly, and every partial sum here is a half-integer, so the one rounding is
// the final division. `positive(i)` says whether row i is a positive.
template <class IsPositive>
double binary_roc_auc(std::span<const double> score, IsPositive positive) {
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
            if (positive(order[k])) {
                positive_rank_sum += average_rank;
                ++positives;
            }
        start = end;
    }
    const auto n_pos = static_cast<double>(positives);
    const auto n_neg = static_cast<double>(score.size() - positives);
    return (positive_rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg);
}

}  // namespace detail

// Binary: `y_score` ranks the greater of the two labels of y_true (sklearn's positive class:
// 1 of 0/1, "male" of female/male), as a probability or a decision function does.
inline double roc_auc_score(LabelsView y_true, std::span<const double> y_score) {
    detail::check_sizes(y_true.size(), y_score.size(), "roc_auc_score", "y_score");
    const EncodedLabels truth = detail::encode_one(y_true, "roc_auc_score", "y_true");
    if (truth.classes.size() != 2)
        throw data_error("roc_auc_score: y_true has " + std::to_string(truth.classes.size()) + " labels " +
                         detail::label_list(truth.classes) +
                         "; a score per row needs exactly two (for more, pass the probabilities and classes)");
    for (std::size_t i = 0; i < y_score.size(); ++i)
        if (!std::isfinite(y_score[i]))
            throw data_error("roc_auc_score: the score in row " + std::to_string(i) + " is not finite");
    return detail::binary_roc_auc(y_score, [&](std::size_t i) { return truth.index[i] == 1; });
}

inline double roc_auc_score(LabelsView y_true, const Eigen::VectorXd& y_score) {
    return roc_auc_score(y_true, std::span<const double>(y_score.data(), static_cast<std::size_t>(y_score.size())));
}

// From the probabilities that predict_proba gives, one column per class of `classes`. Two
// classes: the AUC of classes[1]'s column. More: the mean over the classes of each one's AUC
// against the rest, which needs every class in y_true and rows that sum to 1 (as sklearn).
inline double roc_auc_score(LabelsView y_true, const Eigen::MatrixXd& proba, const std::vector<Label>& classes) {
    constexpr std::string_view metric = "roc_auc_score";
    if (y_true.size() == 0) throw data_error("roc_auc_score: y_true is empty");
    if (classes.size() < 2)
        throw data_error("roc_auc_score: the classes need at least two labels, got " + detail::label_list(classes));
    detail::check_probabilities(proba, y_true.size(), classes.size(), false, metric);
    const std::vector<Eigen::Index> truth = detail::true_columns(y_true, classes, metric);
    std::vector<std::size_t> occurs(classes.size(), 0);
    for (Eigen::Index t : truth) ++occurs[static_cast<std::size_t>(t)];
    for (std::size_t c = 0; c < classes.size(); ++c)
        if (occurs[c] == 0 || occurs[c] == truth.size())
            throw data_error("roc_auc_score: " +
                             std::string(occurs[c] == 0
                                             ? "the class " + detail::label_text(classes[c]) + " never occurs in y_true"
                                             : "y_true holds only the class " + detail::label_text(classes[c])) +
                             ", so the AUC is not defined");
    std::vector<double> column(truth.size());
    auto auc_of = [&](std::size_t c) {
        for (std::size_t i = 0; i < truth.size(); ++i)
            column[i] = proba(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c));
        return detail::binary_roc_auc(column, [&](std::size_t i) { return truth[i] == static_cast<Eigen::Index>(c); });
    };
    if (classes.size() == 2) return auc_of(1);
    for (Eigen::Index i = 0; i < proba.rows(); ++i) {  // np.allclose(1, row sum)
        const double sum = proba.row(i).sum();
        if (!(std::abs(1 - sum) <= 1e-8 + 1e-5 * std::abs(sum)))
            throw data_error("roc_auc_score: the probabilities in row " + std::to_string(i) + " sum to " +
                             detail::number_to_text(sum) + ", not 1 (one-vs-rest AUC needs probabilities)");
    }
    std::vector<double> per_class(classes.size());
    for (std::size_t c = 0; c < classes.size(); ++c) per_class[c] = auc_of(c);
    return detail::mean(per_class);
}

}  // namespace mlpipe
