#pragma once
// What the metrics take as y_true and y_pred: a view of labels the caller already holds (a
// target column read from CSV, a one-column Frame, the Labels that predict returns, or a span
// of Label), and the pair of them encoded as codes into their sorted labels (scikit-learn's
// unique_labels), which every metric counts with.

#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/frame/label.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mlpipe {

// Like std::string_view: it refers to labels held elsewhere, so make it where you call a
// metric and do not keep it. The constructors are implicit so that a metric accepts any of
// these as they are: accuracy_score(y_test, model.predict(X_test)).
class LabelsView {
public:
    LabelsView(std::span<const Label> labels) noexcept : source_(labels) {}  // NOLINT(google-explicit-constructor)
    LabelsView(const std::vector<Label>& labels) noexcept                    // NOLINT(google-explicit-constructor)
        : source_(std::span<const Label>(labels)) {}
    LabelsView(const Labels& labels) noexcept : source_(&labels) {}  // NOLINT(google-explicit-constructor)
    LabelsView(const Column& column) noexcept : source_(&column) {}  // NOLINT(google-explicit-constructor)
    // A target frame, as read from y_test.csv: it must hold exactly one column.
    LabelsView(const Frame& frame) : source_(&only_column(frame)) {}  // NOLINT(google-explicit-constructor)

    std::size_t size() const noexcept {
        if (const auto* labels = std::get_if<std::span<const Label>>(&source_)) return labels->size();
        if (const auto* labels = std::get_if<const Labels*>(&source_)) return (*labels)->size();
        return std::get<const Column*>(source_)->size();
    }

    // The sorted distinct labels and each row's index into them. `role` (y_true, y_pred)
    // names the sequence in error messages.
    EncodedLabels encode(std::string_view role) const {
        if (const auto* labels = std::get_if<std::span<const Label>>(&source_)) return encode_span(*labels, role);
        if (const auto* labels = std::get_if<const Labels*>(&source_)) return encode_labels_of(**labels, role);
        return encode_labels(*std::get<const Column*>(source_));
    }

private:
    static const Column& only_column(const Frame& frame) {
        if (frame.cols() != 1)
            throw data_error("labels from a frame need exactly one column, but it has " + std::to_string(frame.cols()) +
                             "; pass the target column, e.g. y.column(\"name\")");
        return frame[0];
    }

    static EncodedLabels encode_span(std::span<const Label> labels, std::string_view role) {
        EncodedLabels out;
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (labels[i].is_number() && std::isnan(labels[i].number()))
                throw data_error(std::string(role) + " has a missing (NaN) label at position " + std::to_string(i));
            // Few distinct labels: a sorted set grown by binary search costs n log k.
            auto at = std::lower_bound(out.classes.begin(), out.classes.end(), labels[i]);
            if (at == out.classes.end() || !(*at == labels[i])) out.classes.insert(at, labels[i]);
        }
        out.index.reserve(labels.size());
        for (const Label& label : labels)
            out.index.push_back(static_cast<std::int32_t>(
                std::lower_bound(out.classes.begin(), out.classes.end(), label) - out.classes.begin()));
        return out;
    }

    // Only the classes that occur: predict's Labels carry every class of the model, and
    // sklearn's unique_labels sees only the values. One built by hand may have unsorted
    // classes, so sort and renumber, and refuse codes that point nowhere.
    static EncodedLabels encode_labels_of(const Labels& labels, std::string_view role) {
        const auto& classes = labels.classes();
        const auto codes = labels.codes();
        std::vector<bool> used(classes.size(), false);
        for (std::size_t i = 0; i < codes.size(); ++i) {
            if (codes[i] < 0 || static_cast<std::size_t>(codes[i]) >= classes.size())
                throw data_error(std::string(role) + " has code " + std::to_string(codes[i]) + " at position " +
                                 std::to_string(i) + ", but only " + std::to_string(classes.size()) + " classes");
            used[static_cast<std::size_t>(codes[i])] = true;
        }
        std::vector<std::int32_t> order;
        for (std::size_t c = 0; c < classes.size(); ++c)
            if (used[c]) order.push_back(static_cast<std::int32_t>(c));
        std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
            return classes[static_cast<std::size_t>(a)] < classes[static_cast<std::size_t>(b)];
        });
        EncodedLabels out;
        std::vector<std::int32_t> renumbered(classes.size());
        for (std::int32_t c : order) {
            const Label& label = classes[static_cast<std::size_t>(c)];
            if (label.is_number() && std::isnan(label.number()))
                throw data_error(std::string(role) + " has a missing (NaN) class");
            if (out.classes.empty() || !(out.classes.back() == label)) out.classes.push_back(label);
            renumbered[static_cast<std::size_t>(c)] = static_cast<std::int32_t>(out.classes.size() - 1);
        }
        out.index.resize(codes.size());
        for (std::size_t i = 0; i < codes.size(); ++i) out.index[i] = renumbered[static_cast<std::size_t>(codes[i])];
        return out;
    }

    std::variant<std::span<const Label>, const Labels*, const Column*> source_;
};

namespace detail {

// A label as error messages write it: 'male' for text, 1 for a number (Python's repr).
inline std::string label_text(const Label& label) {
    return label.is_string() ? "'" + label.text() + "'" : label.to_string();
}

// [1, 2] or ['female', 'male'], at most `limit` of them.
inline std::string label_list(std::span<const Label> labels, std::size_t limit = 20) {
    std::string out = "[";
    for (std::size_t i = 0; i < labels.size() && i < limit; ++i) out += (i ? ", " : "") + label_text(labels[i]);
    if (labels.size() > limit) out += ", ... " + std::to_string(labels.size() - limit) + " more";
    return out + "]";
}

// Where `label` is in `sorted` (sorted, distinct), or -1.
inline std::int32_t index_in_sorted(const std::vector<Label>& sorted, const Label& label) {
    auto at = std::lower_bound(sorted.begin(), sorted.end(), label);
    return at != sorted.end() && *at == label ? static_cast<std::int32_t>(at - sorted.begin()) : -1;
}

// y_true and y_pred as codes into `classes`, the sorted labels of both (unique_labels).
struct LabelPairs {
    std::vector<Label> classes;
    std::vector<std::int32_t> truth;
    std::vector<std::int32_t> predicted;
    std::size_t size() const noexcept { return truth.size(); }
};

// The labels of one sequence, refusing a mix of numbers and strings (as unique_labels does).
inline EncodedLabels encode_one(LabelsView labels, std::string_view metric, std::string_view role) {
    EncodedLabels encoded = labels.encode(role);
    if (!encoded.classes.empty() && encoded.classes.front().is_number() != encoded.classes.back().is_number())
        throw data_error(std::string(metric) + ": " + std::string(role) + " mixes numbers and strings as labels (" +
                         label_text(encoded.classes.front()) + " and " + label_text(encoded.classes.back()) + ")");
    return encoded;
}

inline void check_sizes(std::size_t n_true, std::size_t n_other, std::string_view metric, std::string_view other) {
    if (n_true != n_other)
        throw data_error(std::string(metric) + ": y_true has " + std::to_string(n_true) + " labels but " +
                         std::string(other) + " has " + std::to_string(n_other));
    if (n_true == 0) throw data_error(std::string(metric) + ": y_true and " + std::string(other) + " are empty");
}

inline LabelPairs encode_pair(LabelsView y_true, LabelsView y_pred, std::string_view metric) {
    check_sizes(y_true.size(), y_pred.size(), metric, "y_pred");
    EncodedLabels truth = encode_one(y_true, metric, "y_true");
    EncodedLabels predicted = encode_one(y_pred, metric, "y_pred");
    LabelPairs out;
    std::set_union(truth.classes.begin(), truth.classes.end(), predicted.classes.begin(), predicted.classes.end(),
                   std::back_inserter(out.classes));
    if (out.classes.front().is_number() != out.classes.back().is_number())
        throw data_error(std::string(metric) + ": y_true and y_pred mix numbers and strings as labels (" +
                         label_text(out.classes.front()) + " and " + label_text(out.classes.back()) + ")");
    auto renumber = [&](const EncodedLabels& one, std::vector<std::int32_t>& codes) {
        std::vector<std::int32_t> to_union(one.classes.size());
        for (std::size_t c = 0; c < one.classes.size(); ++c) to_union[c] = index_in_sorted(out.classes, one.classes[c]);
        codes.resize(one.index.size());
        for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = to_union[static_cast<std::size_t>(one.index[i])];
    };
    renumber(truth, out.truth);
    renumber(predicted, out.predicted);
    return out;
}

}  // namespace detail
}  // namespace mlpipe
