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
    LogisticRegression::Matrix probabilities;  // records x classes; empty unless asked for
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

}  // namespace mlpipe::sagemaker
