#pragma once
// StandardScaler: scikit-learn's StandardScaler for the numeric columns of a Frame.
//
// mean_ and var_ (population variance, ddof = 0) are accumulated batch by batch with the
// update of Chan, Golub and LeVeque, as sklearn's partial_fit does, so a streamed or
// distributed fit gives the fit of the whole data. Missing values (NaN) are ignored in
// fit and pass through transform. A constant column gets scale 1, not a division by 0.

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/feature_scaling.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/parallel/communicator.hpp>

#include <Eigen/Core>

#include <cmath>
#include <span>
#include <string>
#include <vector>

namespace boost::serialization {
class access;
}

namespace mlpipe {

class StandardScaler {
public:
    struct Options {
        std::vector<std::string> columns{};  // columns to scale; empty: every numeric column
        bool with_mean = true;
        bool with_std = true;
        friend bool operator==(const Options&, const Options&) = default;
    };

    StandardScaler() = default;
    explicit StandardScaler(Options options) : options_(std::move(options)) {}

    static std::string type_name() { return "StandardScaler"; }
    const Options& options() const noexcept { return options_; }
    // New options, used from the next fit on (with_mean and with_std at once, as scikit-learn's
    // set_params); the fitted statistics stay.
    void set_options(Options options) { options_ = std::move(options); }

    // sample_weight: empty (all ones) or one non-negative weight per row.
    StandardScaler& fit(const Frame& X, std::span<const double> sample_weight = {}) {
        is_fitted_ = false;
        names_.clear();
        return partial_fit(X, sample_weight);
    }

    // Adds the rows of X to the statistics (the first call decides the columns).
    StandardScaler& partial_fit(const Frame& X, std::span<const double> sample_weight = {});

    // A distributed fit (parallel/communicator.hpp): X and sample_weight are this rank's rows.
    // Each rank sums its rows' statistics per column; every rank then merges all ranks'
    // statistics in rank order, as partial_fit merges batches, so all end with the same scaler,
    // that of the union of the rows (to rounding). One rank: fit(X, sample_weight).
    StandardScaler& fit(const Frame& X, const Communicator& communicator, std::span<const double> sample_weight = {});

    // Taken by value: a pipeline moves its intermediate frames through without copies.
    Frame transform(Frame X) const;

    // The map transform applies, by column: (x - mean) / scale, as with_mean and with_std say.
    // Pipeline hands it to a final step that applies it on the fly (no scaled copy).
    FeatureScalings feature_scalings() const;

    // Undoes transform on the scaled columns.
    Frame inverse_transform(Frame X) const;

    Frame fit_transform(const Frame& X) { return fit(X).transform(X); }

    bool is_fitted() const noexcept { return is_fitted_; }
    const std::vector<std::string>& columns() const { return check_fitted(), names_; }
    const Eigen::VectorXd& mean() const { return check_fitted(), mean_; }
    const Eigen::VectorXd& var() const { return check_fitted(), var_; }
    const Eigen::VectorXd& scale() const { return check_fitted(), scale_; }
    // Weighted count of non-missing values seen per column.
    const Eigen::VectorXd& n_samples_seen() const { return check_fitted(), count_; }

    template <class Archive>
    void serialize(Archive& archive, unsigned version);

private:
    friend class boost::serialization::access;

    std::vector<std::string> columns_to_scale(const Frame& X) const;

    static const Column& numeric_column(const Frame& X, const std::string& name, const char* who);

    // One batch of a column: the weighted count, sum and sum of squared deviations from its
    // own mean (with sklearn's correction term). Sums in double whatever the column stores.
    struct Batch {
        double count = 0, sum = 0, unnormalized = 0;
    };

    template <class T>
    static Batch batch_statistics(std::span<const T> values, std::span<const double> weights) {
        Batch batch;
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (std::isnan(values[i])) continue;
            const double w = weights.empty() ? 1.0 : weights[i];
            batch.count += w;
            batch.sum += w * static_cast<double>(values[i]);
        }
        if (batch.count == 0) return batch;
        const double batch_mean = batch.sum / batch.count;
        double correction = 0, squares = 0;
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (std::isnan(values[i])) continue;
            const double w = weights.empty() ? 1.0 : weights[i];
            const double d = static_cast<double>(values[i]) - batch_mean;
            correction += w * d;
            squares += w * d * d;
        }
        batch.unnormalized = squares - correction * correction / batch.count;
        return batch;
    }

    // Chan et al. merge of a batch into (count, mean, var) of column j.
    void merge(const Batch& batch, Eigen::Index j);

    void update_scale();

    void check_fitted() const {
        if (!is_fitted_) throw not_fitted_error("StandardScaler");
    }

    Options options_{};
    std::vector<std::string> names_;
    Eigen::VectorXd count_, mean_, var_, scale_;
    bool is_fitted_ = false;
};

}  // namespace mlpipe

// The definitions: compiled here in a header-only build, taken from mlpipe::precompiled
// (src/preprocessing.cpp) when it is linked.
#ifndef MLPIPE_PRECOMPILED
#include <mlpipe/preprocessing/standard_scaler_impl.hpp>
#endif
