#pragma once
// The definitions of standard_scaler.hpp's functions. standard_scaler.hpp includes this file in
// a header-only build; with MLPIPE_PRECOMPILED, mlpipe::precompiled compiles it once
// (src/preprocessing.cpp) and users' translation units see only the declarations.

#include <mlpipe/preprocessing/standard_scaler.hpp>

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/feature_scaling.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/parallel/collectives.hpp>
#include <mlpipe/parallel/communicator.hpp>
#include <mlpipe/parallel/thread_pool.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe {

MLPIPE_INLINE StandardScaler& StandardScaler::partial_fit(const Frame& X, std::span<const double> sample_weight) {
    if (X.rows() == 0) throw data_error("StandardScaler.fit: X has no rows");
    if (!sample_weight.empty() && sample_weight.size() != X.rows())
        throw data_error("StandardScaler.fit: sample_weight has " + std::to_string(sample_weight.size()) +
                         " entries but X has " + std::to_string(X.rows()) + " rows");
    for (std::size_t i = 0; i < sample_weight.size(); ++i)
        if (!std::isfinite(sample_weight[i]) || sample_weight[i] < 0)
            throw data_error("StandardScaler.fit: sample_weight[" + std::to_string(i) +
                             "] is not a finite non-negative number");
    // Every column is checked before any statistic changes, so a failed call leaves the
    // scaler as it was.
    const std::vector<std::string> names = is_fitted_ ? names_ : columns_to_scale(X);
    std::vector<const Column*> columns;
    for (const auto& name : names) columns.push_back(&numeric_column(X, name, "StandardScaler.fit"));
    // Each column checked and summed by a task of its own: a column's sums are the same bits
    // on any thread, and the pool rethrows the lowest-numbered column's error (a missing or
    // non-numeric column is reported before any infinite value). Short columns stay on the
    // caller (a pool wakes in microseconds).
    std::vector<Batch> batches(columns.size());
    ThreadPool::shared().run(
        columns.size(),
        [&](std::size_t j) {
            columns[j]->visit_values([&](auto values) {
                batches[j] = batch_statistics(values, sample_weight);
                // An infinite value leaves the sum infinite or NaN (NaN values are skipped), so
                // a finite sum spares the column a pass of its own looking for one.
                if (std::isfinite(batches[j].sum)) return;
                for (std::size_t i = 0; i < values.size(); ++i)
                    if (std::isinf(values[i]))
                        throw data_error("StandardScaler.fit: column '" + names[j] + "' has an infinite value in row " +
                                         std::to_string(i));
            });
        },
        X.rows() < 65536 ? 1 : 0);
    if (!is_fitted_) {
        names_ = names;
        const auto p = static_cast<Eigen::Index>(names_.size());
        count_ = Eigen::VectorXd::Zero(p);
        mean_ = Eigen::VectorXd::Zero(p);
        var_ = Eigen::VectorXd::Zero(p);
    }
    for (std::size_t j = 0; j < columns.size(); ++j) merge(batches[j], static_cast<Eigen::Index>(j));
    update_scale();
    is_fitted_ = true;
    return *this;
}

MLPIPE_INLINE StandardScaler& StandardScaler::fit(const Frame& X, const Communicator& communicator,
                                                  std::span<const double> sample_weight) {
    if (communicator.size() == 1) return fit(X, sample_weight);
    // The local fit checks the rows (on every rank, so that all fail together) and names
    // the columns; its statistics are not used, the batches below are.
    StandardScaler local(options_);
    collective::on_every_rank(communicator, [&] { local.fit(X, sample_weight); });
    collective::check_same_everywhere(communicator, local.names_, "StandardScaler.fit", "the columns to scale");
    const std::size_t p = local.names_.size();
    std::vector<double> mine;  // count, sum, unnormalized per column
    mine.reserve(3 * p);
    for (const auto& name : local.names_)
        X.column(name).visit_values([&](auto values) {
            const Batch batch = batch_statistics(values, sample_weight);
            mine.insert(mine.end(), {batch.count, batch.sum, batch.unnormalized});
        });
    const std::vector<std::vector<double>> all = collective::gather_numbers(communicator, mine);
    StandardScaler merged(options_);
    merged.names_ = local.names_;
    const auto columns = static_cast<Eigen::Index>(p);
    merged.count_ = Eigen::VectorXd::Zero(columns);
    merged.mean_ = Eigen::VectorXd::Zero(columns);
    merged.var_ = Eigen::VectorXd::Zero(columns);
    for (const auto& rank : all) {
        if (rank.size() != 3 * p) throw error("StandardScaler.fit: a rank sent statistics of another size");
        for (std::size_t j = 0; j < p; ++j)
            merged.merge(Batch{rank[3 * j], rank[3 * j + 1], rank[3 * j + 2]}, static_cast<Eigen::Index>(j));
    }
    merged.update_scale();
    merged.is_fitted_ = true;
    *this = std::move(merged);
    return *this;
}

MLPIPE_INLINE Frame StandardScaler::transform(Frame X) const {
    check_fitted();
    for (std::size_t j = 0; j < names_.size(); ++j) {
        const Column& column = numeric_column(X, names_[j], "StandardScaler.transform");
        const auto jj = static_cast<Eigen::Index>(j);
        const double mean = options_.with_mean ? mean_[jj] : 0.0;
        const double scale = options_.with_std ? scale_[jj] : 1.0;
        const Column input = column.to_float64();  // kept alive: it may own a converted copy
        std::vector<double> values(input.values().begin(), input.values().end());
        for (double& v : values) v = (v - mean) / scale;  // a true division, as sklearn
        X.replace(*X.find(names_[j]), Column::numeric(names_[j], std::move(values)));
    }
    return X;
}

MLPIPE_INLINE FeatureScalings StandardScaler::feature_scalings() const {
    check_fitted();
    FeatureScalings scalings;
    for (std::size_t j = 0; j < names_.size(); ++j) {
        const auto jj = static_cast<Eigen::Index>(j);
        scalings[names_[j]] = {options_.with_mean ? mean_[jj] : 0.0, options_.with_std ? scale_[jj] : 1.0};
    }
    return scalings;
}

MLPIPE_INLINE Frame StandardScaler::inverse_transform(Frame X) const {
    check_fitted();
    for (std::size_t j = 0; j < names_.size(); ++j) {
        const Column& column = numeric_column(X, names_[j], "StandardScaler.inverse_transform");
        const auto jj = static_cast<Eigen::Index>(j);
        const Column input = column.to_float64();  // kept alive: it may own a converted copy
        std::vector<double> values(input.values().begin(), input.values().end());
        for (double& v : values) {
            if (options_.with_std) v *= scale_[jj];
            if (options_.with_mean) v += mean_[jj];
        }
        X.replace(*X.find(names_[j]), Column::numeric(names_[j], std::move(values)));
    }
    return X;
}

MLPIPE_INLINE std::vector<std::string> StandardScaler::columns_to_scale(const Frame& X) const {
    if (!options_.columns.empty()) return options_.columns;
    std::vector<std::string> names;
    for (const auto& c : X)
        if (c.is_numeric()) names.push_back(c.name());
    return names;
}

MLPIPE_INLINE const Column& StandardScaler::numeric_column(const Frame& X, const std::string& name, const char* who) {
    auto index = X.find(name);
    if (!index) throw data_error(std::string(who) + ": column '" + name + "' is not in X");
    const Column& column = X[*index];
    if (!column.is_numeric())
        throw data_error(std::string(who) + ": column '" + name + "' is " + to_string(column.kind()) +
                         ", not numeric");
    return column;
}

MLPIPE_INLINE void StandardScaler::merge(const Batch& batch, Eigen::Index j) {
    if (batch.count == 0) return;
    const double last_count = count_[j];
    if (last_count == 0) {
        count_[j] = batch.count;
        mean_[j] = batch.sum / batch.count;
        var_[j] = batch.unnormalized / batch.count;
        return;
    }
    const double total = last_count + batch.count;
    const double last_sum = mean_[j] * last_count;
    const double last_over_new = last_count / batch.count;
    const double unnormalized = var_[j] * last_count + batch.unnormalized +
                                last_over_new / total * std::pow(last_sum / last_over_new - batch.sum, 2);
    count_[j] = total;
    mean_[j] = (last_sum + batch.sum) / total;
    var_[j] = unnormalized / total;
}

MLPIPE_INLINE void StandardScaler::update_scale() {
    constexpr double eps = std::numeric_limits<double>::epsilon();
    scale_.resize(var_.size());
    for (Eigen::Index j = 0; j < var_.size(); ++j) {
        const double n = count_[j];
        const double upper_bound = n * eps * var_[j] + (n * mean_[j] * eps) * (n * mean_[j] * eps);
        const bool constant = var_[j] <= upper_bound;
        const double scale = std::sqrt(var_[j]);
        scale_[j] = (constant || scale < 10 * eps) ? 1.0 : scale;
    }
}

}  // namespace mlpipe
