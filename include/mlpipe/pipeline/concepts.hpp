#pragma once
// What a pipeline step must offer, as C++20 concepts.

#include <mlpipe/frame/frame.hpp>

#include <concepts>

namespace mlpipe {

// Learns from X alone and maps a Frame to a Frame (OneHotEncoder, StandardScaler).
template <class T>
concept Transformer = std::movable<T> && requires(T step, const T& fitted, const Frame& X) {
    step.fit(X);
    { fitted.transform(X) } -> std::same_as<Frame>;
};

// Learns from X and the labels y (LogisticRegression).
template <class T>
concept Estimator = std::movable<T> && requires(T step, const Frame& X, const Frame& y) {
    step.fit(X, y);
};

// An Estimator that predicts labels and class probabilities.
template <class T>
concept Classifier = Estimator<T> && requires(const T& fitted, const Frame& X) {
    fitted.predict(X);
    fitted.predict_proba(X);
    fitted.classes();
};

}  // namespace mlpipe
