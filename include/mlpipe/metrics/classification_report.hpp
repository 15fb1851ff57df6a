#pragma once
// scikit-learn 1.2.1's classification_report as text: precision, recall, F1 and support per
// label, then the accuracy, macro and weighted average lines, in its layout to the character.

#include <mlpipe/error.hpp>
#include <mlpipe/metrics/labels_view.hpp>
#include <mlpipe/metrics/precision_recall.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe {

struct ClassificationReportOptions {
    int digits = 2;  // decimals of the scores
    ZeroDivision zero_division = ZeroDivision::warn;
};

namespace detail {

// Python's len() of UTF-8 text: code points, not bytes, so "Adélie" pads as six wide.
inline std::size_t code_points(std::string_view text) noexcept {
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

inline std::string right_aligned(std::string_view text, std::size_t width) {
    const std::size_t length = code_points(text);
    return std::string(width > length ? width - length : 0, ' ') + std::string(text);
}

// Python's "{:>9.{digits}f}": printf rounds the exact binary value as Python does.
inline std::string fixed9(double value, int digits) {
    char buffer[400];
    std::snprintf(buffer, sizeof buffer, "%9.*f", digits, value);
    return buffer;
}

inline std::string count9(std::int64_t value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%9lld", static_cast<long long>(value));
    return buffer;
}

}  // namespace detail

// Labels print as Label::to_string does (1, not numpy's 1.0 for float labels).
inline std::string classification_report(LabelsView y_true, LabelsView y_pred,
                                         const ClassificationReportOptions& options = {}) {
    // Larger digits only widen the columns past 400 characters of printf's buffer.
    if (options.digits < 0 || options.digits > 300)
        throw parameter_error("classification_report: digits " + std::to_string(options.digits) +
                              " is not in [0, 300]");
    const auto per_class =
        precision_recall_fscore_support(y_true, y_pred, {.labels = {}, .zero_division = options.zero_division});
    std::vector<std::string> names;
    std::size_t width = std::string_view("weighted avg").size();
    width = std::max(width, static_cast<std::size_t>(options.digits));
    for (const Label& label : per_class.labels) {
        names.push_back(label.to_string());
        width = std::max(width, detail::code_points(names.back()));
    }
    std::int64_t total = 0;
    for (std::int64_t s : per_class.support) total += s;

    std::string report = std::string(width, ' ') + " ";
    for (const char* header : {"precision", "recall", "f1-score", "support"})
        report += " " + detail::right_aligned(header, 9);
    report += "\n\n";
    auto row = [&](std::string_view name, double p, double r, double f, std::int64_t support) {
        report += detail::right_aligned(name, width) + " " + " " + detail::fixed9(p, options.digits) + " " +
                  detail::fixed9(r, options.digits) + " " + detail::fixed9(f, options.digits) + " " +
                  detail::count9(support) + "\n";
    };
    for (std::size_t c = 0; c < names.size(); ++c)
        row(names[c], per_class.precision[c], per_class.recall[c], per_class.f1[c], per_class.support[c]);
    report += "\n";

    auto averaged = [&](Average average) {
        PrecisionRecallOptions averaging;
        averaging.average = average;
        averaging.zero_division = options.zero_division;
        return detail::averaged_scores(y_true, y_pred, averaging, "classification_report");
    };
    // Without labels given, sklearn's micro average of a binary or multiclass target is the
    // accuracy, printed with its F1 alone.
    const auto micro = averaged(Average::micro);
    report += detail::right_aligned("accuracy", width) + " " + " " + std::string(9, ' ') + " " + std::string(9, ' ') +
              " " + detail::fixed9(micro.f1, options.digits) + " " + detail::count9(total) + "\n";
    const auto macro = averaged(Average::macro);
    row("macro avg", macro.precision, macro.recall, macro.f1, total);
    const auto weighted = averaged(Average::weighted);
    row("weighted avg", weighted.precision, weighted.recall, weighted.f1, total);
    return report;
}

}  // namespace mlpipe
