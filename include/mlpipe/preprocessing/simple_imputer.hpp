#pragma once
// SimpleImputer: scikit-learn's SimpleImputer (missing_values = NaN) for the chosen columns
// of a Frame, numeric and categorical alike.
//
// A hole is NaN in a numeric column and the missing code (-1) in a categorical one. fit
// learns one fill value per column: the mean or median of the values present, the most
// frequent value (the smallest of those tied, as sklearn: numbers numerically, strings by
// bytes), or a constant. transform fills the holes and keeps each column's kind and storage
// (a float32 column stays float32). As in sklearn 1.2:
// - a column with no value at fit has no mean, median or mode, so transform drops it;
// - add_indicator appends one 0/1 numeric column "missingindicator_<name>" for each column
//   that had a hole at fit (sklearn's features = "missing-only"), after the other columns;
// - an empty fill_value means sklearn's default: 0 for numbers, "missing_value" for text.

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/parallel/communicator.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace boost::serialization {
class access;
}

namespace mlpipe {

enum class ImputeStrategy : std::uint8_t { mean = 0, median = 1, most_frequent = 2, constant = 3 };

MLPIPE_INLINE const char* to_string(ImputeStrategy strategy) noexcept;

class SimpleImputer {
public:
    struct Options {
        // Columns to impute; empty: every numeric column for mean and median, every numeric
        // and categorical column for most_frequent and constant.
        std::vector<std::string> columns{};
        ImputeStrategy strategy = ImputeStrategy::mean;
        // For constant: the fill value, read as a number for numeric columns; empty: 0 for
        // numeric columns and "missing_value" for categorical ones.
        std::string fill_value{};
        bool add_indicator = false;
        friend bool operator==(const Options&, const Options&) = default;
    };

    // What fit learned for one column (sklearn's statistics_, one entry per column).
    struct Statistic {
        std::string column;
        ColumnKind kind = ColumnKind::numeric;
        bool has_value = false;    // false: no value at fit to take a mean, median or mode of
        double number = 0;         // the fill value of a numeric column
        std::string category;      // the fill value of a categorical column
        bool had_missing = false;  // fit saw a hole: add_indicator gives the column an indicator
        friend bool operator==(const Statistic&, const Statistic&) = default;

        template <class Archive>
        void serialize(Archive& archive, unsigned version);
    };

    static constexpr const char* default_fill_category = "missing_value";
    static constexpr const char* indicator_prefix = "missingindicator_";

    SimpleImputer() = default;
    explicit SimpleImputer(Options options) : options_(std::move(options)) {}

    static std::string type_name() { return "SimpleImputer"; }
    const Options& options() const noexcept { return options_; }
    // New options, used from the next fit on; the fitted statistics stay (as scikit-learn's
    // set_params). add_indicator acts at once: turned on after a fit, it marks the columns that
    // had holes at that fit.
    void set_options(Options options) { options_ = std::move(options); }

    // Every option and column is checked before the fitted state changes, so a failed fit
    // leaves the imputer as it was.
    SimpleImputer& fit(const Frame& X);

    // A distributed fit (parallel/communicator.hpp): X is this rank's rows, and every rank
    // ends with the statistics of all the ranks' rows. mean: the ranks' sums and counts,
    // summed. median: found exactly without gathering the values: a radix selection over the
    // bits of the doubles (in numeric order), 8 rounds per order statistic, each summing 256
    // counts over the ranks. most_frequent: the ranks' counts per distinct value, summed (ties:
    // the smallest value, as fit). constant: nothing to merge. One rank: fit(X).
    SimpleImputer& fit(const Frame& X, const Communicator& communicator);

    // Taken by value: a pipeline moves its intermediate frames through without copies, and
    // a column without holes is passed on as it is (shared, not copied).
    Frame transform(Frame X) const;

    Frame fit_transform(const Frame& X) { return fit(X).transform(X); }

    bool is_fitted() const noexcept { return is_fitted_; }
    const std::vector<Statistic>& statistics() const { return check_fitted(), statistics_; }
    // The fill value learned for one column; throws data_error when it was not imputed.
    const Statistic& statistic(const std::string& column) const {
        check_fitted();
        if (const Statistic* s = find(column)) return *s;
        throw data_error("SimpleImputer: column '" + column + "' is not one it imputes");
    }

    template <class Archive>
    void serialize(Archive& archive, unsigned version);

private:
    friend class boost::serialization::access;

    bool numeric_only() const noexcept {
        return options_.strategy == ImputeStrategy::mean || options_.strategy == ImputeStrategy::median;
    }

    void check_options() const;

    std::vector<std::string> columns_to_impute(const Frame& X) const;

    const Statistic* find(const std::string& column) const noexcept {
        for (const auto& s : statistics_)
            if (s.column == column) return &s;
        return nullptr;
    }

    Statistic learn(const Column& column) const;

    double constant_number(const std::string& column) const;

    static double mean(const std::vector<double>& values) {
        double sum = 0;
        for (double v : values) sum += v;
        return sum / static_cast<double>(values.size());
    }

    // The middle value, or the mean of the two middle ones for an even count (numpy's median).
    static double median(std::vector<double>& values);

    // The most frequent value; the smallest of those tied.
    static double mode(std::vector<double>& values);

    static void learn_mode(const Column& column, Statistic& s);

    // A distributed fit: the statistic of column over every rank's rows.
    void merge(const Column& column, Statistic& s, const Communicator& communicator) const;

    // The most frequent key of `counts` (ordered), the smallest of those tied.
    template <class Key, class Count>
    static void pick_most_frequent(const std::map<Key, Count>& counts, Key& best, bool& found) {
        Count best_count = 0;
        found = false;
        for (const auto& [key, n] : counts)
            if (n > best_count) {
                best = key;
                best_count = n;
                found = true;
            }
    }

    // The k-th smallest (1-based) of the values of every rank, exactly: the doubles' bits,
    // mapped so that unsigned order is numeric order, are chosen 8 at a time from the top,
    // each round counting the values under the prefix found so far into 256 buckets and
    // summing the buckets over the ranks.
    static double kth_smallest(const std::vector<double>& values, std::uint64_t k, const Communicator& communicator);

    static Column filled(const Column& column, const Statistic& s);

    static Column indicator(const Column& column);

    void check_fitted() const {
        if (!is_fitted_) throw not_fitted_error("SimpleImputer");
    }

    Options options_{};
    std::vector<Statistic> statistics_;
    bool is_fitted_ = false;
};

}  // namespace mlpipe

// The definitions: compiled here in a header-only build, taken from mlpipe::precompiled
// (src/preprocessing.cpp) when it is linked.
#ifndef MLPIPE_PRECOMPILED
#include <mlpipe/preprocessing/simple_imputer_impl.hpp>
#endif
