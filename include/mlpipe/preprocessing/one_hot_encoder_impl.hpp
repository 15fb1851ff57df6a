#pragma once
// The definitions of OneHotEncoder's member functions (one_hot_encoder.hpp). one_hot_encoder.hpp
// includes this file in a header-only build; with MLPIPE_PRECOMPILED, mlpipe::precompiled compiles
// it once (src/preprocessing.cpp) and users' translation units see only the declarations.

#include <mlpipe/preprocessing/one_hot_encoder.hpp>

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/parallel/collectives.hpp>
#include <mlpipe/parallel/communicator.hpp>
#include <mlpipe/parallel/thread_pool.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <numeric>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mlpipe {

MLPIPE_INLINE OneHotEncoder& OneHotEncoder::fit(const Frame& X) {
    validate(options_);
    if (X.rows() == 0) throw data_error("OneHotEncoder.fit: X has no rows");
    const auto names = columns_to_encode(X);
    check_category_lists(X, names);
    std::vector<Feature> features;
    for (const auto& name : names) features.push_back(learn(X.column(name)));
    features_ = std::move(features);
    is_fitted_ = true;
    return *this;
}

MLPIPE_INLINE OneHotEncoder& OneHotEncoder::fit(const Frame& X, const Communicator& communicator) {
    if (communicator.size() == 1) return fit(X);
    std::vector<Feature> features;
    std::vector<std::vector<std::int64_t>> counts;
    std::vector<std::string> described;  // "name (kind)" per feature
    collective::on_every_rank(communicator, [&] {
        validate(options_);
        if (X.rows() == 0) throw data_error("OneHotEncoder.fit: X has no rows");
        const auto names = columns_to_encode(X);
        check_category_lists(X, names);
        for (const auto& name : names) {
            const Column& column = X.column(name);
            Feature feature = start_feature(column);
            counts.push_back(count_rows(feature, column, find_list(name) != nullptr));
            described.push_back(name + " (" + to_string(column.kind()) + ")");
            features.push_back(std::move(feature));
        }
    });
    collective::check_same_everywhere(communicator, described, "OneHotEncoder.fit", "the columns to encode");
    // This rank's rows, then per feature: its categories, the place of the missing one,
    // and the rows of each (feature.size() counts, in the full list's order).
    std::vector<std::string> mine{std::to_string(X.rows())};
    for (std::size_t f = 0; f < features.size(); ++f) {
        mine.push_back(std::to_string(features[f].categories.size()));
        mine.insert(mine.end(), features[f].categories.begin(), features[f].categories.end());
        mine.push_back(std::to_string(features[f].missing_at));
        for (const std::int64_t n : counts[f]) mine.push_back(std::to_string(n));
    }
    const auto all = collective::gather_texts(communicator, mine);
    std::size_t rows = 0;
    std::vector<std::size_t> at(all.size(), 1);
    for (std::size_t r = 0; r < all.size(); ++r) rows += static_cast<std::size_t>(received_count(all[r], 0));
    for (std::size_t f = 0; f < features.size(); ++f) {
        Feature& feature = features[f];
        const bool listed = find_list(feature.name) != nullptr;
        std::vector<std::int64_t> total(listed ? feature.size() : 0, 0);
        std::map<std::string, std::int64_t> by_text;  // automatic categories of a categorical column
        std::map<double, std::int64_t> by_number;     // of a numeric one
        std::int64_t missing = 0;
        for (std::size_t r = 0; r < all.size(); ++r) {
            const auto& fields = all[r];
            std::size_t& i = at[r];
            const auto n = static_cast<std::size_t>(received_count(fields, i++));
            if (fields.size() < i + n + 1) throw error("OneHotEncoder.fit: a rank sent its categories cut short");
            const std::vector<std::string> categories(fields.begin() + static_cast<std::ptrdiff_t>(i),
                                                      fields.begin() + static_cast<std::ptrdiff_t>(i + n));
            i += n;
            const auto missing_at = received_count(fields, i++);
            for (std::size_t c = 0; c < n + (missing_at >= 0 ? 1 : 0); ++c) {
                const std::int64_t rows_here = received_count(fields, i++);
                if (listed) {
                    total.at(c) += rows_here;
                    continue;
                }
                const bool is_missing = missing_at >= 0 && static_cast<std::int64_t>(c) == missing_at;
                if (is_missing) {
                    missing += rows_here;
                    continue;
                }
                const bool after_missing = missing_at >= 0 && static_cast<std::int64_t>(c) > missing_at;
                const std::string& category = categories[c - (after_missing ? 1 : 0)];
                if (feature.input_kind == ColumnKind::categorical) {
                    by_text[category] += rows_here;
                } else {
                    double value = 0;
                    const auto parsed = std::from_chars(category.data(), category.data() + category.size(), value);
                    if (parsed.ec != std::errc() || parsed.ptr != category.data() + category.size())
                        throw error("OneHotEncoder.fit: a rank sent the category '" + category + "', not a number");
                    by_number[value] += rows_here;
                }
            }
        }
        if (!listed) {
            feature.categories.clear();
            for (const auto& [text, n] : by_text) {
                feature.categories.push_back(text);
                total.push_back(n);
            }
            for (const auto& [value, n] : by_number) {
                feature.categories.push_back(number_text(value));
                total.push_back(n);
            }
            feature.missing_at = -1;
            if (missing > 0) {
                feature.missing_at = static_cast<std::int32_t>(feature.categories.size());
                total.push_back(missing);
            }
        }
        finish_feature(feature, total, rows);
    }
    features_ = std::move(features);
    is_fitted_ = true;
    return *this;
}

MLPIPE_INLINE Frame OneHotEncoder::transform(Frame X) const {
    check_fitted();
    // The columns are checked in order up to the first that is missing or of another kind;
    // those before it are encoded, each by a task of its own (long columns only: a pool wakes
    // in microseconds), and the pool rethrows the first one's error. So the error reported
    // is the one that encoding the columns one after another would meet first.
    std::vector<std::size_t> indices;
    indices.reserve(features_.size());
    std::string failure;
    for (const auto& feature : features_) {
        auto index = X.find(feature.name);
        if (!index) {
            failure = "OneHotEncoder.transform: column '" + feature.name + "' seen at fit is missing";
            break;
        }
        const Column& column = X[*index];
        if (column.kind() != feature.input_kind) {
            failure = "OneHotEncoder.transform: column '" + feature.name + "' was " + to_string(feature.input_kind) +
                      " at fit but is " + to_string(column.kind()) + " now";
            break;
        }
        indices.push_back(*index);
    }
    std::vector<Column> encoded(indices.size());
    ThreadPool::shared().run(
        indices.size(), [&](std::size_t k) { encoded[k] = encode(features_[k], X[indices[k]]); },
        X.rows() < 65536 ? 1 : 0);
    if (!failure.empty()) throw data_error(failure);
    for (std::size_t k = 0; k < indices.size(); ++k) X.replace(indices[k], std::move(encoded[k]));
    return X;
}

MLPIPE_INLINE std::vector<std::string> OneHotEncoder::columns() const {
    check_fitted();
    std::vector<std::string> out;
    for (const auto& f : features_) out.push_back(f.name);
    return out;
}

MLPIPE_INLINE std::vector<std::vector<std::string>> OneHotEncoder::categories() const {
    check_fitted();
    std::vector<std::vector<std::string>> out;
    for (const auto& f : features_) out.push_back(f.all_categories());
    return out;
}

MLPIPE_INLINE std::vector<std::vector<std::string>> OneHotEncoder::infrequent_categories() const {
    check_fitted();
    std::vector<std::vector<std::string>> out;
    for (const auto& f : features_) {
        const auto all = f.all_categories();
        out.emplace_back();
        for (auto i : f.infrequent) out.back().push_back(all[static_cast<std::size_t>(i)]);
    }
    return out;
}

MLPIPE_INLINE std::vector<int> OneHotEncoder::drop_idx() const {
    check_fitted();
    std::vector<int> out;
    for (const auto& f : features_) out.push_back(f.dropped);
    return out;
}

MLPIPE_INLINE std::vector<std::string> OneHotEncoder::feature_names_out() const {
    check_fitted();
    std::vector<std::string> out;
    for (const auto& f : features_)
        for (const auto& c : f.output) out.push_back(f.name + "_" + c);
    return out;
}

MLPIPE_INLINE std::int64_t OneHotEncoder::received_count(const std::vector<std::string>& fields, std::size_t i) {
    std::int64_t value = 0;
    const std::string* field = i < fields.size() ? &fields[i] : nullptr;
    if (field == nullptr ||
        std::from_chars(field->data(), field->data() + field->size(), value).ptr != field->data() + field->size() ||
        field->empty())
        throw error("OneHotEncoder.fit: a rank sent a malformed list of categories");
    return value;
}

MLPIPE_INLINE void OneHotEncoder::Feature::prepare() {
    const auto n = size();
    if (missing_at < -1 || missing_at > static_cast<std::int64_t>(categories.size()))
        throw model_file_error("OneHotEncoder: column '" + name + "' places its missing category at " +
                               std::to_string(missing_at) + " of " + std::to_string(n));
    for (std::size_t k = 0; k < infrequent.size(); ++k)
        if (infrequent[k] < 0 || static_cast<std::size_t>(infrequent[k]) >= n ||
            (k > 0 && infrequent[k] <= infrequent[k - 1]))
            throw model_file_error("OneHotEncoder: column '" + name +
                                   "' has infrequent categories out of order or out of range");
    lookup.clear();
    for (std::size_t c = 0; c < categories.size(); ++c) {
        const auto full =
            static_cast<std::int32_t>(c) + (missing_at >= 0 && static_cast<std::int32_t>(c) >= missing_at ? 1 : 0);
        if (!lookup.emplace(categories[c], full).second)
            throw model_file_error("OneHotEncoder: column '" + name + "' has category '" + categories[c] + "' twice");
    }
    // Frequent categories keep their order, the infrequent ones share the last column.
    const auto all = all_categories();
    std::vector<std::int32_t> grouped(n);
    std::vector<std::string> names;
    std::size_t next_infrequent = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (next_infrequent < infrequent.size() && static_cast<std::size_t>(infrequent[next_infrequent]) == i) {
            ++next_infrequent;
            grouped[i] = -2;  // resolved below
        } else {
            grouped[i] = static_cast<std::int32_t>(names.size());
            names.push_back(all[i]);
        }
    }
    std::int32_t infrequent_column = -1;
    if (!infrequent.empty()) {
        infrequent_column = static_cast<std::int32_t>(names.size());
        names.push_back(infrequent_name);
        for (auto& g : grouped)
            if (g == -2) g = infrequent_column;
    }
    if (dropped < -1 || dropped >= static_cast<int>(names.size()))
        throw model_file_error("OneHotEncoder: column '" + name + "' drops category " + std::to_string(dropped) +
                               " of " + std::to_string(names.size()));
    auto after_drop = [&](std::int32_t code) -> std::int32_t {
        if (dropped < 0 || code < 0) return code;
        if (code == dropped) return -1;
        return code > dropped ? code - 1 : code;
    };
    to_output.assign(n, -1);
    for (std::size_t i = 0; i < n; ++i) to_output[i] = after_drop(grouped[i]);
    infrequent_output = after_drop(infrequent_column);
    output = std::move(names);
    if (dropped >= 0) output.erase(output.begin() + dropped);
}

MLPIPE_INLINE void OneHotEncoder::validate(const Options& o) {
    const auto bad = [](const std::string& what) { return parameter_error("OneHotEncoder: " + what); };
    if (static_cast<std::uint8_t>(o.handle_unknown) > static_cast<std::uint8_t>(HandleUnknown::infrequent_if_exist))
        throw bad("handle_unknown " + std::to_string(static_cast<unsigned>(o.handle_unknown)) +
                  " is not one of error, ignore, infrequent_if_exist");
    if (static_cast<std::uint8_t>(o.drop) > static_cast<std::uint8_t>(Drop::if_binary))
        throw bad("drop " + std::to_string(static_cast<unsigned>(o.drop)) + " is not one of none, first, if_binary");
    if (o.min_frequency) {
        const auto& m = *o.min_frequency;
        if (m.kind == MinFrequency::Kind::count && m.rows < 1)
            throw bad("min_frequency must be a count of rows >= 1 or a fraction of the rows in (0, 1), got the count " +
                      std::to_string(m.rows));
        if (m.kind == MinFrequency::Kind::fraction && !(m.share > 0.0 && m.share < 1.0))
            throw bad(
                "min_frequency must be a count of rows >= 1 or a fraction of the rows in (0, 1), got the "
                "fraction " +
                number_text(m.share));
        if (m.kind != MinFrequency::Kind::count && m.kind != MinFrequency::Kind::fraction)
            throw bad("min_frequency has kind " + std::to_string(static_cast<unsigned>(m.kind)) +
                      ", not count or fraction");
    }
    if (o.max_categories && *o.max_categories < 1)
        throw bad("max_categories must be >= 1, got " + std::to_string(*o.max_categories));
    for (std::size_t i = 0; i < o.categories.size(); ++i) {
        const auto& list = o.categories[i];
        const std::string where = "categories for column '" + list.column + "'";
        for (std::size_t j = 0; j < i; ++j)
            if (o.categories[j].column == list.column) throw bad("categories lists column '" + list.column + "' twice");
        if (!o.columns.empty() && std::find(o.columns.begin(), o.columns.end(), list.column) == o.columns.end())
            throw bad(where + " given, but the column is not in columns");
        if (list.text.empty() == list.numbers.empty())
            throw bad(where + (list.text.empty() ? " are empty" : " hold both text and numbers") +
                      ": give text for a categorical column or numbers for a numeric one");
        std::unordered_set<std::string> seen;
        bool missing_seen = false;
        for (const auto& value : list.text) {
            if (value ? !seen.insert(*value).second : std::exchange(missing_seen, true))
                throw bad(where + " list " + (value ? "'" + *value + "'" : "the missing value") + " twice");
        }
        for (std::size_t a = 1; a < list.numbers.size(); ++a) {
            const double before = list.numbers[a - 1], value = list.numbers[a];
            if (std::isnan(before) || (!std::isnan(value) && !(before < value)))
                throw bad(where +
                          " must be numbers in increasing order with NaN (the missing value) only last, "
                          "as sklearn requires of numeric categories; got " +
                          number_text(before) + " before " + number_text(value));
        }
    }
    if (!o.categories.empty())
        for (const auto& name : o.columns)
            if (std::none_of(o.categories.begin(), o.categories.end(),
                             [&](const CategoryList& l) { return l.column == name; }))
                throw bad("categories has no list for column '" + name +
                          "': give one for every encoded column, or none for all");
}

MLPIPE_INLINE std::vector<std::string> OneHotEncoder::columns_to_encode(const Frame& X) const {
    if (!options_.columns.empty()) {
        for (const auto& name : options_.columns) {
            if (!X.contains(name))
                throw data_error("OneHotEncoder.fit: column '" + name + "' listed in columns is not in X");
        }
        return options_.columns;
    }
    std::vector<std::string> names;
    for (const auto& c : X)
        if (c.is_categorical()) names.push_back(c.name());
    return names;
}

MLPIPE_INLINE void OneHotEncoder::check_category_lists(const Frame& X, const std::vector<std::string>& names) const {
    if (options_.categories.empty()) return;
    for (const auto& list : options_.categories) {
        if (std::find(names.begin(), names.end(), list.column) == names.end())
            throw parameter_error("OneHotEncoder: categories for column '" + list.column +
                                  "' given, but the column is not encoded");
        const Column& column = X.column(list.column);
        if (column.is_numeric() != !list.numbers.empty())
            throw parameter_error("OneHotEncoder: categories for column '" + list.column + "' are " +
                                  (list.numbers.empty() ? "text" : "numbers") + " but the column is " +
                                  to_string(column.kind()));
    }
    for (const auto& name : names)
        if (find_list(name) == nullptr)
            throw parameter_error("OneHotEncoder: categories has no list for column '" + name +
                                  "': give one for every encoded column, or none for all");
}

MLPIPE_INLINE OneHotEncoder::Feature OneHotEncoder::learn(const Column& column) const {
    Feature feature = start_feature(column);
    const auto counts = count_rows(feature, column, find_list(feature.name) != nullptr);
    finish_feature(feature, counts, column.size());
    return feature;
}

MLPIPE_INLINE OneHotEncoder::Feature OneHotEncoder::start_feature(const Column& column) const {
    Feature feature;
    feature.name = column.name();
    feature.input_kind = column.kind();
    if (column.is_one_hot())
        throw data_error("OneHotEncoder.fit: column '" + feature.name + "' is already one-hot encoded");
    const CategoryList* list = find_list(feature.name);
    if (list != nullptr) {
        for (const auto& value : list->text) {
            if (value)
                feature.categories.push_back(*value);
            else
                feature.missing_at = static_cast<std::int32_t>(feature.categories.size());
        }
        for (double value : list->numbers) {
            if (std::isnan(value))
                feature.missing_at = static_cast<std::int32_t>(feature.categories.size());
            else
                feature.categories.push_back(number_text(value));
        }
    }
    return feature;
}

MLPIPE_INLINE void OneHotEncoder::finish_feature(Feature& feature, const std::vector<std::int64_t>& counts,
                                                 std::size_t rows) const {
    if (infrequent_enabled()) feature.infrequent = infrequent_indices(counts, rows);
    // drop_idx_ counts the output columns after grouping (sklearn 1.2.1).
    const std::size_t n_out = feature.size() - (feature.infrequent.empty() ? 0 : feature.infrequent.size() - 1);
    if (options_.drop == Drop::first || (options_.drop == Drop::if_binary && n_out == 2)) feature.dropped = 0;
    feature.prepare();
}

MLPIPE_INLINE std::vector<std::int64_t> OneHotEncoder::count_rows(Feature& feature, const Column& column,
                                                                  bool listed) const {
    auto not_listed = [&](std::size_t row, const std::string& text) {
        if (options_.handle_unknown != HandleUnknown::error) return;
        throw data_error("OneHotEncoder.fit: column '" + feature.name + "' holds " + text + " (row " +
                         std::to_string(row) +
                         "), which its categories do not list; with handle_unknown = "
                         "ignore or infrequent_if_exist such values are left out at fit");
    };
    if (!listed) {
        // Counted by value first, so the categories can be sorted.
        std::int64_t missing = 0;
        if (column.is_categorical()) {
            std::vector<std::int64_t> per_code(column.dictionary().size(), 0);
            for (auto code : column.codes()) {
                if (code < 0)
                    ++missing;
                else
                    ++per_code[static_cast<std::size_t>(code)];
            }
            std::vector<std::pair<std::string, std::int64_t>> seen;
            for (std::size_t c = 0; c < per_code.size(); ++c)
                if (per_code[c] > 0) seen.emplace_back(column.dictionary()[c], per_code[c]);
            std::sort(seen.begin(), seen.end());
            std::vector<std::int64_t> counts;
            for (auto& [text, n] : seen) {
                feature.categories.push_back(text);
                counts.push_back(n);
            }
            if (missing > 0) {
                feature.missing_at = static_cast<std::int32_t>(feature.categories.size());
                counts.push_back(missing);
            }
            return counts;
        }
        std::vector<double> values;
        column.visit_values([&](auto stored) {
            for (const auto v : stored) {
                if (std::isnan(v))
                    ++missing;
                else
                    values.push_back(static_cast<double>(v));
            }
        });
        std::sort(values.begin(), values.end());
        std::vector<std::int64_t> counts;
        for (std::size_t i = 0; i < values.size();) {
            std::size_t j = i;
            while (j < values.size() && values[j] == values[i]) ++j;  // -0 == 0: one category
            feature.categories.push_back(number_text(values[i]));
            counts.push_back(static_cast<std::int64_t>(j - i));
            i = j;
        }
        if (missing > 0) {
            feature.missing_at = static_cast<std::int32_t>(feature.categories.size());
            counts.push_back(missing);
        }
        return counts;
    }

    std::unordered_map<std::string, std::int32_t> index;
    for (std::size_t c = 0; c < feature.categories.size(); ++c)
        index.emplace(feature.categories[c],
                      static_cast<std::int32_t>(c) +
                          (feature.missing_at >= 0 && static_cast<std::int32_t>(c) >= feature.missing_at ? 1 : 0));
    std::vector<std::int64_t> counts(feature.size(), 0);
    auto count_missing = [&](std::size_t row) {
        if (feature.missing_at >= 0)
            ++counts[static_cast<std::size_t>(feature.missing_at)];
        else
            not_listed(row, "a missing value");
    };
    if (column.is_categorical()) {
        const auto& dictionary = column.dictionary();
        std::vector<std::int32_t> mapped(dictionary.size(), -1);
        for (std::size_t d = 0; d < dictionary.size(); ++d) {
            auto it = index.find(dictionary[d]);
            if (it != index.end()) mapped[d] = it->second;
        }
        auto codes = column.codes();
        for (std::size_t row = 0; row < codes.size(); ++row) {
            if (codes[row] < 0)
                count_missing(row);
            else if (mapped[static_cast<std::size_t>(codes[row])] >= 0)
                ++counts[static_cast<std::size_t>(mapped[static_cast<std::size_t>(codes[row])])];
            else
                not_listed(row, "'" + dictionary[static_cast<std::size_t>(codes[row])] + "'");
        }
    } else {
        for (std::size_t row = 0; row < column.size(); ++row) {
            const double v = column.value(row);
            if (std::isnan(v)) {
                count_missing(row);
                continue;
            }
            const auto text = number_text(v);
            auto it = index.find(text);
            if (it != index.end())
                ++counts[static_cast<std::size_t>(it->second)];
            else
                not_listed(row, "'" + text + "'");
        }
    }
    return counts;
}

MLPIPE_INLINE std::vector<std::int32_t> OneHotEncoder::infrequent_indices(const std::vector<std::int64_t>& counts,
                                                                          std::size_t rows) const {
    const std::size_t n = counts.size();
    std::vector<bool> infrequent(n, false);
    if (options_.min_frequency) {
        const auto& m = *options_.min_frequency;
        for (std::size_t i = 0; i < n; ++i)
            infrequent[i] = m.kind == MinFrequency::Kind::count
                                ? counts[i] < m.rows
                                : static_cast<double>(counts[i]) < static_cast<double>(rows) * m.share;
    }
    const auto n_infrequent = static_cast<std::int64_t>(std::count(infrequent.begin(), infrequent.end(), true));
    const std::int64_t n_current = static_cast<std::int64_t>(n) - n_infrequent + 1;
    if (options_.max_categories && *options_.max_categories<n_current&& * options_.max_categories> 1) {
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return counts[a] < counts[b]; });
        const auto smallest = n - static_cast<std::size_t>(*options_.max_categories - 1);
        for (std::size_t k = 0; k < smallest; ++k) infrequent[order[k]] = true;
    }
    std::vector<std::int32_t> out;
    for (std::size_t i = 0; i < n; ++i)
        if (infrequent[i]) out.push_back(static_cast<std::int32_t>(i));
    return out;
}

MLPIPE_INLINE Column OneHotEncoder::encode(const Feature& f, const Column& column) const {
    return with_code_type(narrowest_code_type(f.output.size()), [&]<class Code>() {
        return Column::one_hot(f.name, encode_as<Code>(f, column), f.output);
    });
}

template <class Code>
std::vector<Code> OneHotEncoder::encode_as(const Feature& f, const Column& column) const {
    const auto& index = f.lookup;
    constexpr std::int32_t unknown = -2;
    const std::int32_t missing_full = f.missing_at >= 0 ? f.missing_at : unknown;

    auto unknown_value = [&](std::size_t row, const std::string& text) -> std::int32_t {
        if (options_.handle_unknown == HandleUnknown::ignore) return -1;
        if (options_.handle_unknown == HandleUnknown::infrequent_if_exist) return f.infrequent_output;
        std::string known = detail::quoted_list(f.categories);
        if (f.missing_at >= 0) known += known.empty() ? "missing" : ", missing";
        throw data_error("OneHotEncoder.transform: unknown category " + text + " in column '" + f.name + "' (row " +
                         std::to_string(row) + "); categories seen at fit: " + known +
                         ". Use handle_unknown = ignore to encode unknown values as all zeros");
    };
    // Fits Code: every output index is at most Code's largest value (narrowest_code_type).
    auto output = [&](std::int32_t full) { return static_cast<Code>(f.to_output[static_cast<std::size_t>(full)]); };

    std::vector<Code> codes(column.size());
    if (column.is_categorical()) {
        // Map the column's dictionary once, then each row is a lookup.
        const auto& dictionary = column.dictionary();
        std::vector<std::int32_t> mapped(dictionary.size());
        for (std::size_t d = 0; d < dictionary.size(); ++d) {
            auto it = index.find(dictionary[d]);
            mapped[d] = it == index.end() ? unknown : it->second;
        }
        // Each stored code (-1 first, for a missing value) to its output code (-1 for a dropped
        // category), or to `unknown` where it has none (not seen at fit, or missing without a
        // category for it); the rows are then one lookup each, read in their stored type.
        std::vector<std::int32_t> table(dictionary.size() + 1);
        table[0] = missing_full >= 0 ? static_cast<std::int32_t>(output(missing_full)) : unknown;
        for (std::size_t d = 0; d < dictionary.size(); ++d)
            table[d + 1] = mapped[d] >= 0 ? static_cast<std::int32_t>(output(mapped[d])) : unknown;
        column.codes().visit([&](auto input) {
            for (std::size_t i = 0; i < input.size(); ++i) {
                const std::int32_t out = table[static_cast<std::size_t>(input[i] + 1)];
                if (out != unknown)
                    codes[i] = static_cast<Code>(out);
                else
                    codes[i] = static_cast<Code>(
                        unknown_value(i, input[i] < 0 ? std::string("(missing value)")
                                                      : "'" + dictionary[static_cast<std::size_t>(input[i])] + "'"));
            }
        });
    } else {
        const Column doubles = column.to_float64();  // categories are named from double values
        auto values = doubles.values();
        for (std::size_t i = 0; i < values.size(); ++i) {
            std::int32_t full = missing_full;
            std::string text = "(missing value)";
            if (!std::isnan(values[i])) {
                text = number_text(values[i]);
                auto it = index.find(text);
                full = it == index.end() ? unknown : it->second;
                text = "'" + text + "'";
            }
            codes[i] = full >= 0 ? output(full) : static_cast<Code>(unknown_value(i, text));
        }
    }
    return codes;
}

}  // namespace mlpipe
