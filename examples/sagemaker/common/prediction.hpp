#pragma once
// Labels and, when wanted, class probabilities from one pass through the pipeline:
// Pipeline::predict and predict_proba would each run the encoder and scaler again.

#include "model_types.hpp"

#include <mlpipe/core.hpp>

#include <cstdint>
#include <variant>
#include <vector>

namespace mlpipe::sagemaker {

struct Predictions {
    std::vector<std::int32_t> class_codes;  // per record, an index into the model's classes
    // records x classes; empty unless asked for; from predict_for_metrics, a binary model's
    // second class's alone (records x 1)
    LogisticRegression::Matrix probabilities;
};

template <class FittedPipeline>
Predictions predict(const FittedPipeline& model, const Frame& records, bool with_probabilities) {
    const auto& classifier = model.final_step();
    // The pipeline's decision_function: the scaler is folded into the weights, so the scaled
    // copy of the numeric columns that transform_features would make is never built.
    LogisticRegression::Matrix scores = model.decision_function(records);
    Predictions out;
    out.class_codes = classifier.labels_from_scores(scores);
    if (with_probabilities) out.probabilities = classifier.proba_from_scores(std::move(scores));
    return out;
}

inline Predictions predict(const AnyModel& model, const Frame& records, bool with_probabilities) {
    return std::visit([&](const auto& m) { return predict(m, records, with_probabilities); }, model);
}

// As predict with probabilities, for the training job's metrics: a binary model's are its
// second class's alone (records x 1), computed in the scores' buffer. A records x 2 matrix
// would be new memory, which on our VMs costs more to fault in than to compute.
template <class FittedPipeline>
Predictions predict_for_metrics(const FittedPipeline& model, const Frame& records) {
    const auto& classifier = model.final_step();
    LogisticRegression::Matrix scores = model.decision_function(records);
    Predictions out;
    out.class_codes = classifier.labels_from_scores(scores);  // first: the scores are overwritten next
    if (scores.cols() == 1) {
        classifier.positive_proba_in_place(scores);
        out.probabilities = std::move(scores);
    } else {
        out.probabilities = classifier.proba_from_scores(std::move(scores));
    }
    return out;
}

inline Predictions predict_for_metrics(const AnyModel& model, const Frame& records) {
    return std::visit([&](const auto& m) { return predict_for_metrics(m, records); }, model);
}

}  // namespace mlpipe::sagemaker
