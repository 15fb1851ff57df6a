#pragma once
// The area under the ROC curve as scikit-learn 1.2.1's roc_auc_score: binary from the score
// of the positive class, multiclass one-vs-rest with the macro average (multi_class="ovr",
// average="macro").

#include <mlpipe/detail/huge_page_allocator.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/label.hpp>
#include <mlpipe/metrics/labels_view.hpp>
#include <mlpipe/metrics/log_loss.hpp>  // detail::true_columns, detail::check_probabilities
#include <mlpipe/metrics/pairwise_sum.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe {
namespace detail {

// A double as an unsigned key in the same order (-0.0 taken as 0.0, so that equal scores
// have equal keys): the sign bit set for positives, every bit flipped for negatives.
inline std::uint64_t order_key(double x) noexcept {
    const auto bits = std::bit_cast<std::uint64_t>(x == 0 ? 0.0 : x);
    return bits >> 63 ? ~bits : bits | (std::uint64_t{1} << 63);
}

// Sorts keys[0, n) ascending, least significant digit first, 11 bits a pass, a pass skipped
// where every key has the same digit (the high digits of probabilities mostly do); scratch
// holds n keys too. Returns where the sorted keys are: keys or scratch, as the passes
// alternate between them. A sort of the scores themselves, not of row numbers by their
// scores: an indirect std::sort of a million rows spent most of its time waiting on memory.
inline const std::uint64_t* radix_sort(std::uint64_t* keys, std::uint64_t* scratch, std::size_t n) {
    constexpr int bits = 11, passes = 6;  // 6 x 11 >= 64
    constexpr std::size_t buckets = std::size_t{1} << bits;
    if (n < 4096) {  // the histograms would cost more than they save
        std::sort(keys, keys + n);
        return keys;
    }
    std::vector<std::size_t> count(passes * buckets, 0);
    for (std::size_t i = 0; i < n; ++i)
        for (int d = 0; d < passes; ++d) ++count[d * buckets + ((keys[i] >> (d * bits)) & (buckets - 1))];
    for (int d = 0; d < passes; ++d) {
        std::size_t* c = count.data() + d * buckets;
        if (*std::max_element(c, c + buckets) == n) continue;
        std::size_t offset = 0;
        for (std::size_t b = 0; b < buckets; ++b) offset += std::exchange(c[b], offset);
        for (std::size_t i = 0; i < n; ++i) scratch[c[(keys[i] >> (d * bits)) & (buckets - 1)]++] = keys[i];
        std::swap(keys, scratch);
    }
    return keys;
}

// Room for n keys, left uninitialised (each is written before it is read): a zero-filled
// vector cost a pass over memory the sort then writes anyway.
inline std::unique_ptr<std::uint64_t[]> key_buffer(std::size_t n) {
    std::unique_ptr<std::uint64_t[]> keys(new std::uint64_t[std::max<std::size_t>(n, 1)]);
    advise_huge_pages(keys.get(), n * sizeof(std::uint64_t));  // new memory, filled once
    return keys;
}

// The probability that a random positive scores above a random negative, a tie counting one
// half: the Mann–Whitney statistic U / (positives x negatives). It is the area under sklearn's
// trapezoids exactly. The positives' and the negatives' scores are sorted apart and merged;
// 2U is counted in integers, so the one rounding is the final division. `positive(i)` says
// whether row i is a positive.
template <class IsPositive>
double binary_roc_auc(std::span<const double> score, IsPositive positive) {
    const std::size_t n = score.size();
    std::size_t positives = 0;
    for (std::size_t i = 0; i < n; ++i) positives += positive(i) ? 1 : 0;
    // One buffer: the positives' keys from the front, the negatives' after them; one scratch
    // for the two sorts.
    const auto keys = key_buffer(n);
    const auto scratch = key_buffer(std::max(positives, n - positives));
    std::size_t next_pos = 0, next_neg = positives;
    for (std::size_t i = 0; i < n; ++i) keys[positive(i) ? next_pos++ : next_neg++] = order_key(score[i]);
    const std::span<const std::uint64_t> pos(radix_sort(keys.get(), scratch.get(), positives), positives);
    // The positives, when they ended in the scratch, move back before it is reused.
    if (pos.data() == scratch.get()) std::copy(pos.begin(), pos.end(), keys.get());
    const std::span<const std::uint64_t> sorted_pos(keys.get(), positives);
    const std::span<const std::uint64_t> neg(radix_sort(keys.get() + positives, scratch.get(), n - positives),
                                             n - positives);
    // For each run of equal positive scores: 2 x (negatives below it) + (negatives equal to it).
    std::uint64_t twice_u = 0;
    std::size_t below = 0;
    for (std::size_t i = 0; i < sorted_pos.size();) {
        const std::uint64_t key = sorted_pos[i];
        std::size_t run = i;
        while (run < sorted_pos.size() && sorted_pos[run] == key) ++run;
        while (below < neg.size() && neg[below] < key) ++below;
        std::size_t equal = below;
        while (equal < neg.size() && neg[equal] == key) ++equal;
        twice_u += static_cast<std::uint64_t>(run - i) * (2 * below + (equal - below));
        i = run;
    }
    const auto n_pos = static_cast<double>(positives);
    const auto n_neg = static_cast<double>(n - positives);
    return static_cast<double>(twice_u) / 2.0 / (n_pos * n_neg);
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
