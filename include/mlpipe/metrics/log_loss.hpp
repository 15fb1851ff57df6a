#pragma once
// Log loss (cross-entropy) as scikit-learn 1.2.1 computes it: probabilities clipped to
// [eps, 1 - eps], each row then divided by its sum, the mean of -log(p of the true class).

#include <mlpipe/error.hpp>
#include <mlpipe/frame/label.hpp>
#include <mlpipe/metrics/labels_view.hpp>
#include <mlpipe/metrics/pairwise_sum.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe {

struct LogLossOptions {
    // sklearn 1.2's default eps="auto": the machine epsilon of float64 (before 1.2: 1e-15).
    // Clipping keeps a certain mistake finite: it costs -log(eps).
    double eps = std::numeric_limits<double>::epsilon();
    bool normalize = true;  // the mean over the rows; false: their sum
};

namespace detail {

// Each row's column in `classes` (the columns of the probabilities, any order); a label of
// y_true that is not one of them is an error naming it.
inline std::vector<Eigen::Index> true_columns(LabelsView y_true, const std::vector<Label>& classes,
                                              std::string_view metric) {
    const EncodedLabels truth = encode_one(y_true, metric, "y_true");
    std::vector<Label> sorted = classes;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t c = 1; c < sorted.size(); ++c)
        if (sorted[c] == sorted[c - 1])
            throw data_error(std::string(metric) + ": classes list " + label_text(sorted[c]) + " twice");
    std::vector<Eigen::Index> column_of(truth.classes.size());
    for (std::size_t c = 0; c < truth.classes.size(); ++c) {
        const auto at = std::find(classes.begin(), classes.end(), truth.classes[c]);
        if (at == classes.end()) {
            std::size_t row = 0;
            while (truth.index[row] != static_cast<std::int32_t>(c)) ++row;
            throw data_error(std::string(metric) + ": y_true has the label " + label_text(truth.classes[c]) + " (row " +
                             std::to_string(row) + "), which is not one of the classes " + label_list(classes));
        }
        column_of[c] = static_cast<Eigen::Index>(at - classes.begin());
    }
    std::vector<Eigen::Index> out(truth.index.size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = column_of[static_cast<std::size_t>(truth.index[i])];
    return out;
}

inline void check_probabilities(const Eigen::MatrixXd& proba, std::size_t rows, std::size_t columns, bool one_column_ok,
                                std::string_view metric) {
    if (static_cast<std::size_t>(proba.rows()) != rows)
        throw data_error(std::string(metric) + ": y_true has " + std::to_string(rows) +
                         " labels but the probabilities have " + std::to_string(proba.rows()) + " rows");
    const auto cols = static_cast<std::size_t>(proba.cols());
    if (cols != columns && !(one_column_ok && cols == 1))
        throw data_error(std::string(metric) + ": " + std::to_string(columns) + " classes but the probabilities have " +
                         std::to_string(proba.cols()) + " columns");
    for (Eigen::Index j = 0; j < proba.cols(); ++j)
        for (Eigen::Index i = 0; i < proba.rows(); ++i)
            if (!std::isfinite(proba(i, j)))
                throw data_error(std::string(metric) + ": the probability in row " + std::to_string(i) + ", column " +
                                 std::to_string(j) + " is not finite");
}

}  // namespace detail

// `proba`: one row per label of y_true, one column per class (as predict_proba and
// classes() give them); with two classes a single column may hold the probability of
// classes[1].
inline double log_loss(LabelsView y_true, const Eigen::MatrixXd& proba, const std::vector<Label>& classes,
                       const LogLossOptions& options = {}) {
    constexpr std::string_view metric = "log_loss";
    if (!(options.eps >= 0 && options.eps < 0.5))
        throw parameter_error("log_loss: eps " + detail::number_to_text(options.eps) + " is not in [0, 0.5)");
    if (y_true.size() == 0) throw data_error("log_loss: y_true is empty");
    if (classes.size() < 2)
        throw data_error("log_loss: the classes need at least two labels, got " + detail::label_list(classes));
    detail::check_probabilities(proba, y_true.size(), classes.size(), classes.size() == 2, metric);
    const std::vector<Eigen::Index> truth = detail::true_columns(y_true, classes, metric);

    const double low = options.eps, high = 1 - options.eps;
    std::vector<double> losses(truth.size());
    std::vector<double> clipped(classes.size());
    for (std::size_t i = 0; i < truth.size(); ++i) {
        const auto row = static_cast<Eigen::Index>(i);
        if (proba.cols() == 1) {  // sklearn clips, then makes the column [1 - p, p]
            clipped[1] = std::clamp(proba(row, 0), low, high);
            clipped[0] = 1 - clipped[1];
        } else {
            for (std::size_t j = 0; j < clipped.size(); ++j)
                clipped[j] = std::clamp(proba(row, static_cast<Eigen::Index>(j)), low, high);
        }
        losses[i] = -std::log(clipped[static_cast<std::size_t>(truth[i])] / detail::pairwise_sum(clipped));
    }
    return options.normalize ? detail::mean(losses) : detail::pairwise_sum(losses);
}

}  // namespace mlpipe
