#pragma once
// Precision, recall and F1 as scikit-learn 1.2.1 computes them: per class from the counts of
// true positives, predictions and true labels, then one of its averages. A ratio with a zero
// denominator is what zero_division says (the default "warn" gives 0; no warning is printed).

#include <mlpipe/error.hpp>
#include <mlpipe/frame/label.hpp>
#include <mlpipe/metrics/labels_view.hpp>
#include <mlpipe/metrics/pairwise_sum.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe {

// sklearn's average=None (one score per class) is precision_recall_fscore_support.
enum class Average : std::uint8_t {
    binary,    // the positive class (pos_label) alone; two labels at most
    micro,     // from the counts summed over the classes
    macro,     // unweighted mean over the classes
    weighted,  // mean weighted by each class's support (rows of it in y_true)
};

// What a score with a zero denominator is: "warn" and 0 give 0, 1 gives 1.
enum class ZeroDivision : std::uint8_t { warn, zero, one };

inline const char* to_string(Average average) noexcept {
    switch (average) {
        case Average::binary:
            return "binary";
        case Average::micro:
            return "micro";
        case Average::macro:
            return "macro";
        case Average::weighted:
            return "weighted";
    }
    return "unknown";
}

inline const char* to_string(ZeroDivision zero_division) noexcept {
    switch (zero_division) {
        case ZeroDivision::warn:
            return "warn";
        case ZeroDivision::zero:
            return "0";
        case ZeroDivision::one:
            return "1";
    }
    return "unknown";
}

// scikit-learn's spelling, as a command line or a config file gives it.
inline Average average_from_string(std::string_view name) {
    for (Average a : {Average::binary, Average::micro, Average::macro, Average::weighted})
        if (name == to_string(a)) return a;
    if (name == "None" || name == "none")
        throw parameter_error("average 'None' gives one score per class: call precision_recall_fscore_support");
    throw parameter_error("average '" + std::string(name) + "' is not one of 'binary', 'micro', 'macro', 'weighted'");
}

inline ZeroDivision zero_division_from_string(std::string_view name) {
    for (ZeroDivision z : {ZeroDivision::warn, ZeroDivision::zero, ZeroDivision::one})
        if (name == to_string(z)) return z;
    throw parameter_error("zero_division '" + std::string(name) + "' is not one of 'warn', '0', '1'");
}

struct PrecisionRecallOptions {
    Average average = Average::binary;
    // The positive class of average = binary. sklearn's default, 1: with text labels name
    // the positive class ("male"); with labels 1 and 2 the default is 1, the smaller.
    Label pos_label = 1.0;
    // The classes to score and average over, in this order; empty: those of y_true and
    // y_pred, sorted. Ignored by average = binary (as sklearn).
    std::vector<Label> labels{};
    ZeroDivision zero_division = ZeroDivision::warn;
};

struct PerClassOptions {
    std::vector<Label> labels{};  // as PrecisionRecallOptions::labels
    ZeroDivision zero_division = ZeroDivision::warn;
};

// One entry per label (sklearn's average=None).
struct PrecisionRecallFscoreSupport {
    std::vector<Label> labels{};
    std::vector<double> precision;
    std::vector<double> recall;
    std::vector<double> f1;
    std::vector<std::int64_t> support;  // rows of the label in y_true
};

namespace detail {

// Per label: true positives, predictions of it, rows of it in y_true.
struct ClassCounts {
    std::vector<Label> labels{};
    std::vector<double> true_positive, predicted, actual;
};

// For `labels` (empty: all classes of `pairs`); a label absent from both counts zero.
inline ClassCounts class_counts(const LabelPairs& pairs, const std::vector<Label>& labels) {
    const std::size_t k = pairs.classes.size();
    std::vector<double> tp(k, 0.0), predicted(k, 0.0), actual(k, 0.0);
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const auto t = static_cast<std::size_t>(pairs.truth[i]);
        const auto p = static_cast<std::size_t>(pairs.predicted[i]);
        actual[t] += 1;
        predicted[p] += 1;
        if (t == p) tp[t] += 1;
    }
    if (labels.empty()) return {pairs.classes, std::move(tp), std::move(predicted), std::move(actual)};
    ClassCounts out;
    out.labels = labels;
    for (const Label& label : labels) {
        const std::int32_t c = index_in_sorted(pairs.classes, label);
        const auto at = static_cast<std::size_t>(c);
        out.true_positive.push_back(c < 0 ? 0.0 : tp[at]);
        out.predicted.push_back(c < 0 ? 0.0 : predicted[at]);
        out.actual.push_back(c < 0 ? 0.0 : actual[at]);
    }
    return out;
}

inline double zero_division_value(ZeroDivision zero_division, std::string_view metric) {
    switch (zero_division) {
        case ZeroDivision::warn:
        case ZeroDivision::zero:
            return 0.0;
        case ZeroDivision::one:
            return 1.0;
    }
    throw parameter_error(std::string(metric) + ": zero_division " + std::to_string(static_cast<int>(zero_division)) +
                          " is not warn, 0 or 1");
}

// sklearn's _prf_divide, then F1 as (1 + beta^2) p r / (beta^2 p + r) with beta = 1 and a
// zero denominator made 1 (so F1 is 0 where precision and recall are both 0).
inline PrecisionRecallFscoreSupport divide(const ClassCounts& counts, ZeroDivision zero_division,
                                           std::string_view metric) {
    const double when_zero = zero_division_value(zero_division, metric);
    PrecisionRecallFscoreSupport out;
    out.labels = counts.labels;
    for (std::size_t c = 0; c < counts.labels.size(); ++c) {
        const double p = counts.predicted[c] == 0 ? when_zero : counts.true_positive[c] / counts.predicted[c];
        const double r = counts.actual[c] == 0 ? when_zero : counts.true_positive[c] / counts.actual[c];
        const double denominator = p + r;
        out.precision.push_back(p);
        out.recall.push_back(r);
        out.f1.push_back(2.0 * p * r / (denominator == 0 ? 1.0 : denominator));
        out.support.push_back(static_cast<std::int64_t>(counts.actual[c]));
    }
    return out;
}

struct AveragedScores {
    double precision = 0, recall = 0, f1 = 0;
};

inline AveragedScores averaged_scores(LabelsView y_true, LabelsView y_pred, const PrecisionRecallOptions& options,
                                      std::string_view metric) {
    const double when_zero = zero_division_value(options.zero_division, metric);
    const LabelPairs pairs = encode_pair(y_true, y_pred, metric);
    std::vector<Label> labels = options.labels;
    switch (options.average) {
        case Average::binary:
            // sklearn's _check_set_wise_labels: a binary target and a pos_label among its labels
            // (or fewer than two labels, where pos_label scores 0/0).
            if (pairs.classes.size() > 2)
                throw parameter_error(std::string(metric) + ": average is 'binary' but the target is multiclass " +
                                      label_list(pairs.classes) + "; choose micro, macro or weighted");
            if (index_in_sorted(pairs.classes, options.pos_label) < 0 && pairs.classes.size() == 2)
                throw parameter_error(std::string(metric) + ": pos_label=" + label_text(options.pos_label) +
                                      " is not a valid label: it should be one of " + label_list(pairs.classes));
            labels = {options.pos_label};
            break;
        case Average::micro:
        case Average::macro:
        case Average::weighted:
            break;
        default:
            throw parameter_error(std::string(metric) + ": average " +
                                  std::to_string(static_cast<int>(options.average)) +
                                  " is not binary, micro, macro or weighted");
    }
    ClassCounts counts = class_counts(pairs, labels);
    if (options.average == Average::micro) {
        counts = {{counts.labels.front()},
                  {pairwise_sum(counts.true_positive)},
                  {pairwise_sum(counts.predicted)},
                  {pairwise_sum(counts.actual)}};
    }
    const PrecisionRecallFscoreSupport scores = divide(counts, options.zero_division, metric);
    if (options.average == Average::weighted) {
        const double total = pairwise_sum(counts.actual);
        // No label of `labels` occurs in y_true: sklearn 1.2.1 returns these, not 0/0.
        if (total == 0) {
            if (pairwise_sum(counts.predicted) == 0) return {when_zero, when_zero, when_zero};
            return {0.0, when_zero, 0.0};
        }
        auto weighted = [&](const std::vector<double>& values) {
            std::vector<double> products(values.size());
            for (std::size_t c = 0; c < values.size(); ++c) products[c] = values[c] * counts.actual[c];
            return pairwise_sum(products) / total;
        };
        return {weighted(scores.precision), weighted(scores.recall), weighted(scores.f1)};
    }
    return {mean(scores.precision), mean(scores.recall), mean(scores.f1)};
}

}  // namespace detail

// Per label (sklearn's precision_recall_fscore_support with average=None).
inline PrecisionRecallFscoreSupport precision_recall_fscore_support(LabelsView y_true, LabelsView y_pred,
                                                                    const PerClassOptions& options = {}) {
    constexpr std::string_view metric = "precision_recall_fscore_support";
    const detail::LabelPairs pairs = detail::encode_pair(y_true, y_pred, metric);
    return detail::divide(detail::class_counts(pairs, options.labels), options.zero_division, metric);
}

// tp / (tp + fp): of the rows predicted as a class, the share that are.
inline double precision_score(LabelsView y_true, LabelsView y_pred, const PrecisionRecallOptions& options = {}) {
    return detail::averaged_scores(y_true, y_pred, options, "precision_score").precision;
}

// tp / (tp + fn): of the rows of a class, the share predicted as it.
inline double recall_score(LabelsView y_true, LabelsView y_pred, const PrecisionRecallOptions& options = {}) {
    return detail::averaged_scores(y_true, y_pred, options, "recall_score").recall;
}

// The harmonic mean of precision and recall, per class, then averaged (not the harmonic mean
// of the averages).
inline double f1_score(LabelsView y_true, LabelsView y_pred, const PrecisionRecallOptions& options = {}) {
    return detail::averaged_scores(y_true, y_pred, options, "f1_score").f1;
}

}  // namespace mlpipe
