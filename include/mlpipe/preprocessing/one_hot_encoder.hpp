#pragma once
// OneHotEncoder: scikit-learn 1.2.1's OneHotEncoder for the chosen columns of a Frame.
//
// Categories are the sorted unique values of each column (strings by bytes, which is
// Python's order for UTF-8; numbers numerically), or the lists given in `categories` (text
// in the order given; numbers sorted, as sklearn requires); a missing value is a category of
// its own, last unless a list places it, named "nan". With `min_frequency` / `max_categories`
// the rare categories of a column share one output column, "infrequent_sklearn", placed last,
// chosen as sklearn chooses them (ties by a stable sort on the counts). The output replaces
// each encoded column by a one_hot column in the same place: one code per row, never a dense
// 0/1 matrix (see Column). Other columns pass through unchanged.

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/parallel/communicator.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace boost::serialization {
class access;
}

namespace mlpipe {

// infrequent_if_exist: an unknown value goes to the column's infrequent output column, or
// gives an all-zero row when the column has none.
enum class HandleUnknown : std::uint8_t { error = 0, ignore = 1, infrequent_if_exist = 2 };
enum class Drop : std::uint8_t { none = 0, first = 1, if_binary = 2 };

// sklearn's min_frequency, whose Python type carries its meaning: an int is a count of rows
// (>= 1), a float a fraction of the rows seen at fit (in (0, 1)). A category seen in fewer
// rows than that is infrequent.
struct MinFrequency {
    enum class Kind : std::uint8_t { count = 0, fraction = 1 };
    Kind kind = Kind::count;
    std::int64_t rows = 1;  // Kind::count
    double share = 0.0;     // Kind::fraction

    static MinFrequency count(std::int64_t rows) { return {Kind::count, rows, 0.0}; }
    static MinFrequency fraction(double share) { return {Kind::fraction, 0, share}; }
    friend bool operator==(const MinFrequency&, const MinFrequency&) = default;
};

// sklearn's categories[i] for one encoded column: `text` for a categorical column (the output
// order is the order given; std::nullopt is the missing value), `numbers` for a numeric one
// (increasing, NaN, the missing value, last only).
struct CategoryList {
    std::string column{};
    std::vector<std::optional<std::string>> text{};
    std::vector<double> numbers{};

    friend bool operator==(const CategoryList& a, const CategoryList& b) {
        return a.column == b.column && a.text == b.text &&
               std::equal(a.numbers.begin(), a.numbers.end(), b.numbers.begin(), b.numbers.end(),
                          [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); });
    }

    template <class Archive>
    void serialize(Archive& archive, unsigned version);
};

class OneHotEncoder {
public:
    struct Options {
        std::vector<std::string> columns{};  // columns to encode; empty: every categorical column
        HandleUnknown handle_unknown = HandleUnknown::error;
        Drop drop = Drop::none;
        std::vector<CategoryList> categories{};        // empty: sklearn's "auto"; else one per encoded column
        std::optional<MinFrequency> min_frequency{};   // none: no minimum
        std::optional<std::int64_t> max_categories{};  // output columns per input column, the infrequent one included
        friend bool operator==(const Options&, const Options&) = default;
    };

    OneHotEncoder() = default;
    explicit OneHotEncoder(Options options) : options_(std::move(options)) { validate(options_); }

    static std::string type_name() { return "OneHotEncoder"; }
    const Options& options() const noexcept { return options_; }
    // New options (checked), used from the next fit on (handle_unknown at once, as
    // scikit-learn's set_params); the fitted categories stay.
    void set_options(Options options) {
        validate(options);
        options_ = std::move(options);
    }

    OneHotEncoder& fit(const Frame& X);

    // A distributed fit (parallel/communicator.hpp): X is this rank's rows. Each rank counts
    // the rows of each category it sees; the counts are summed over the ranks, and every rank
    // builds the same features from them: the union of the categories, sorted as fit sorts
    // them (text by bytes, numbers by value, the missing category last), or the given lists,
    // and the infrequent categories from the counts of all the rows. One rank: fit(X).
    OneHotEncoder& fit(const Frame& X, const Communicator& communicator);

    // Taken by value: a pipeline moves its intermediate frames through without copies.
    Frame transform(Frame X) const;

    Frame fit_transform(const Frame& X) { return fit(X).transform(X); }

    bool is_fitted() const noexcept { return is_fitted_; }

    // The encoded columns, in the order they were listed (or found).
    std::vector<std::string> columns() const;

    // Per encoded column, its categories in category order ("nan" for the missing value), the
    // infrequent ones included: sklearn's categories_.
    std::vector<std::vector<std::string>> categories() const;

    // Per encoded column, its infrequent categories in category order: sklearn's
    // infrequent_categories_, with an empty list where sklearn has None (and for every column
    // when neither min_frequency nor max_categories is set, where sklearn has no attribute).
    std::vector<std::vector<std::string>> infrequent_categories() const;

    // Index of the dropped category per column (-1: none dropped), as sklearn's drop_idx_;
    // with infrequent categories it counts the output columns before the drop.
    std::vector<int> drop_idx() const;

    // column_category for every output column, in order (column_infrequent_sklearn for the
    // infrequent categories).
    std::vector<std::string> feature_names_out() const;

    template <class Archive>
    void serialize(Archive& archive, unsigned version);

private:
    friend class boost::serialization::access;

    static std::string number_text(double v) { return detail::number_to_text(v); }

    // A count another rank sent (distributed fit), as text.
    static std::int64_t received_count(const std::vector<std::string>& fields, std::size_t i);
    static constexpr const char* missing_name = "nan";
    static constexpr const char* infrequent_name = "infrequent_sklearn";

    // One encoded column's fitted state. Its own class version: 0 (mlpipe 0.1, 0.2) held
    // has_missing (missing last) instead of missing_at, and no infrequent categories.
    struct Feature {
        std::string name;
        ColumnKind input_kind = ColumnKind::categorical;
        std::vector<std::string> categories;   // category order, without the missing category
        std::int32_t missing_at = -1;          // place of the missing category in the full list, -1: none
        std::vector<std::int32_t> infrequent;  // indices into the full list, increasing
        int dropped = -1;                      // index of the dropped output column (before the drop), -1 for none

        // Derived from the above at fit and at load, for transform.
        std::unordered_map<std::string, std::int32_t> lookup;  // category -> index in the full list
        std::vector<std::int32_t> to_output;                   // full index -> output code, -1: all zeros
        std::int32_t infrequent_output = -1;                   // output code of the infrequent column
        std::vector<std::string> output;                       // output categories, after the drop

        std::size_t size() const noexcept { return categories.size() + (missing_at >= 0 ? 1 : 0); }

        std::vector<std::string> all_categories() const {
            std::vector<std::string> all = categories;
            if (missing_at >= 0) all.insert(all.begin() + missing_at, missing_name);
            return all;
        }

        void prepare();

        template <class Archive>
        void serialize(Archive& archive, unsigned version);
    };

    // sklearn's _parameter_constraints and categories checks: everything that the options
    // alone decide, so a bad value fails at construction (and again at fit and load).
    static void validate(const Options& o);

    bool infrequent_enabled() const noexcept { return options_.min_frequency || options_.max_categories; }

    std::vector<std::string> columns_to_encode(const Frame& X) const;

    // With columns found in X (columns empty), the lists can only be matched to them now.
    void check_category_lists(const Frame& X, const std::vector<std::string>& names) const;

    const CategoryList* find_list(const std::string& name) const {
        for (const auto& list : options_.categories)
            if (list.column == name) return &list;
        return nullptr;
    }

    Feature learn(const Column& column) const;

    // The name, the kind and the listed categories of the column's feature.
    Feature start_feature(const Column& column) const;

    // The rest, from the rows per category of the full list (count_rows: values outside a
    // given list are refused or, as in sklearn, left out of the counts) out of `rows` rows.
    void finish_feature(Feature& feature, const std::vector<std::int64_t>& counts, std::size_t rows) const;

    // For automatic categories, also fills feature.categories (sorted) and missing_at (last).
    std::vector<std::int64_t> count_rows(Feature& feature, const Column& column, bool listed) const;

    // sklearn 1.2.1's _identify_infrequent: below min_frequency, then, when more than
    // max_categories output columns would remain, the smallest counts by a stable sort
    // (ties: the earlier category is infrequent first). Its slice [: -max_categories + 1]
    // takes nothing for max_categories = 1, so 1 groups nothing by itself.
    std::vector<std::int32_t> infrequent_indices(const std::vector<std::int64_t>& counts, std::size_t rows) const;

    // The one-hot column of `column`: per row the output category, -1 for an all-zero row, in
    // the narrowest code type that holds the output categories.
    Column encode(const Feature& f, const Column& column) const;
    template <class Code>
    std::vector<Code> encode_as(const Feature& f, const Column& column) const;

    void check_fitted() const {
        if (!is_fitted_) throw not_fitted_error("OneHotEncoder");
    }

    Options options_{};
    std::vector<Feature> features_;
    bool is_fitted_ = false;
};

}  // namespace mlpipe

// The definitions: compiled here header-only, taken from mlpipe::precompiled (src/preprocessing.cpp) if linked.
#ifndef MLPIPE_PRECOMPILED
#include <mlpipe/preprocessing/one_hot_encoder_impl.hpp>
#endif
