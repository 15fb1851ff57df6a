#pragma once
// A generated classification problem for the tests of the parallel passes and the backends.

#include <mlpipe/core.hpp>
#include <mlpipe/linear_model/design.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace mlpipe::test {

// Rows enough for many blocks of Design::block_rows; numeric columns on different scales
// and two categorical ones; a label drawn from a logistic model (binary) or the largest
// of three noisy scores (three classes).
struct Synthetic {
    Frame X;
    Frame y;
};

inline Synthetic synthetic(std::size_t rows, int classes, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    auto uniform = [&] { return static_cast<double>(random() >> 11) * 0x1.0p-53; };
    std::vector<double> a(rows), b(rows), c(rows);
    std::vector<std::string> color(rows), size(rows), label(rows);
    const char* colors[] = {"red", "green", "blue", "black"};
    const char* sizes[] = {"S", "M", "L"};
    for (std::size_t i = 0; i < rows; ++i) {
        a[i] = 100 + 20 * uniform();
        b[i] = uniform() - 0.5;
        c[i] = 5000 * uniform();
        const std::size_t ci = random() % 4, si = random() % 3;
        color[i] = colors[ci];
        size[i] = sizes[si];
        const double s0 = 0.1 * (a[i] - 110) + 3 * b[i] + (ci == 1 ? 0.8 : 0.0) + 2 * (uniform() - 0.5);
        const double s1 = 0.0004 * (c[i] - 2500) - (si == 2 ? 0.7 : 0.0) + 2 * (uniform() - 0.5);
        if (classes == 2)
            label[i] = s0 + s1 > 0 ? "yes" : "no";
        else
            label[i] = s0 > 0.3 ? "up" : s1 > 0 ? "right" : "down";
    }
    Synthetic out;
    out.X.add_numeric("a", std::move(a));
    out.X.add_numeric("b", std::move(b));
    out.X.add_numeric("c", std::move(c));
    out.X.add_categorical("color", color);
    out.X.add_categorical("size", size);
    out.y.add_categorical("label", label);
    return out;
}

// Its pipeline: the two categorical columns one-hot encoded, the three numeric ones scaled.
template <class Scalar>
auto synthetic_pipeline(typename BasicLogisticRegression<Scalar>::Options options) {
    return Pipeline<OneHotEncoder, StandardScaler, BasicLogisticRegression<Scalar>>{
        OneHotEncoder{{.columns = {"color", "size"}}}, StandardScaler{{.columns = {"a", "b", "c"}}},
        BasicLogisticRegression<Scalar>{options}};
}

// The problem as the solvers see it, for the tests of the passes: the cpu design of a
// synthetic pipeline fitted for `max_iter` iterations (its encoder and scaler fitted), and
// the targets as indices into the model's classes.
struct SyntheticDesign {
    Design<double> design;
    std::vector<std::int32_t> y;
};

inline SyntheticDesign synthetic_design(const Synthetic& data, int max_iter) {
    auto model = synthetic_pipeline<double>({.max_iter = max_iter});
    model.fit(data.X, data.y);
    const Frame encoded = model.template step<OneHotEncoder>().transform(data.X);
    const auto classes = model.classes();
    const auto labels = labels_of(data.y[0]);
    std::vector<std::int32_t> y(labels.size());
    for (std::size_t i = 0; i < y.size(); ++i)
        y[i] = static_cast<std::int32_t>(std::find(classes.begin(), classes.end(), labels[i]) - classes.begin());
    return {Design<double>::build(encoded, "test", model.template step<StandardScaler>().feature_scalings()),
            std::move(y)};
}

}  // namespace mlpipe::test
