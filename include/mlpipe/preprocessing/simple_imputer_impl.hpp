#pragma once
// The definitions of simple_imputer.hpp's functions. simple_imputer.hpp includes this file in a
// header-only build; with MLPIPE_PRECOMPILED, mlpipe::precompiled compiles it once
// (src/preprocessing.cpp) and users' translation units see only the declarations.

#include <mlpipe/preprocessing/simple_imputer.hpp>

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/parallel/collectives.hpp>
#include <mlpipe/parallel/communicator.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe {

MLPIPE_INLINE const char* to_string(ImputeStrategy strategy) noexcept {
    switch (strategy) {
        case ImputeStrategy::mean: return "mean";
        case ImputeStrategy::median: return "median";
        case ImputeStrategy::most_frequent: return "most_frequent";
        case ImputeStrategy::constant: return "constant";
    }
    return "unknown";
}

MLPIPE_INLINE SimpleImputer& SimpleImputer::fit(const Frame& X) {
    if (X.rows() == 0) throw data_error("SimpleImputer.fit: X has no rows");
    check_options();
    std::vector<Statistic> statistics;
    for (const auto& name : columns_to_impute(X)) {
        const auto index = X.find(name);
        if (!index) throw data_error("SimpleImputer.fit: column '" + name + "' is not in X");
        statistics.push_back(learn(X[*index]));
    }
    statistics_ = std::move(statistics);
    is_fitted_ = true;
    return *this;
}

MLPIPE_INLINE SimpleImputer& SimpleImputer::fit(const Frame& X, const Communicator& communicator) {
    if (communicator.size() == 1) return fit(X);
    std::vector<const Column*> columns;
    std::vector<Statistic> statistics;  // this rank's: learn checks the column
    std::vector<std::string> described;
    collective::on_every_rank(communicator, [&] {
        if (X.rows() == 0) throw data_error("SimpleImputer.fit: X has no rows");
        check_options();
        for (const auto& name : columns_to_impute(X)) {
            const auto index = X.find(name);
            if (!index) throw data_error("SimpleImputer.fit: column '" + name + "' is not in X");
            columns.push_back(&X[*index]);
            statistics.push_back(learn(X[*index]));
            described.push_back(name + " (" + to_string(X[*index].kind()) + ")");
        }
    });
    collective::check_same_everywhere(communicator, described, "SimpleImputer.fit", "the columns to impute");
    std::vector<double> missing;  // a hole on any rank gives the column its indicator
    for (const Column* column : columns) missing.push_back(static_cast<double>(column->count_missing()));
    communicator.sum(std::span<double>(missing));
    for (std::size_t j = 0; j < columns.size(); ++j) {
        statistics[j].had_missing = missing[j] > 0;
        if (options_.strategy != ImputeStrategy::constant) merge(*columns[j], statistics[j], communicator);
    }
    statistics_ = std::move(statistics);
    is_fitted_ = true;
    return *this;
}

MLPIPE_INLINE Frame SimpleImputer::transform(Frame X) const {
    check_fitted();
    for (const auto& statistic : statistics_) {
        const auto index = X.find(statistic.column);
        if (!index) throw data_error("SimpleImputer.transform: column '" + statistic.column + "' is not in X");
        if (X[*index].kind() != statistic.kind)
            throw data_error("SimpleImputer.transform: column '" + statistic.column + "' was " +
                             to_string(statistic.kind) + " at fit but is " + to_string(X[*index].kind()) +
                             " now");
    }
    std::vector<Column> indicators;
    if (options_.add_indicator)
        for (const auto& statistic : statistics_)
            if (statistic.had_missing) indicators.push_back(indicator(X.column(statistic.column)));

    Frame out;
    for (const auto& column : X) {
        const Statistic* statistic = find(column.name());
        if (statistic == nullptr) {
            out.add(column);
        } else if (statistic->has_value) {
            out.add(column.count_missing() == 0 ? column : filled(column, *statistic));
        }  // else dropped: no value to fill with (sklearn drops such columns too)
    }
    for (auto& column : indicators) out.add(std::move(column));
    return out;
}

MLPIPE_INLINE void SimpleImputer::check_options() const {
    if (static_cast<std::uint8_t>(options_.strategy) > static_cast<std::uint8_t>(ImputeStrategy::constant))
        throw parameter_error("SimpleImputer: strategy " +
                              std::to_string(static_cast<unsigned>(options_.strategy)) +
                              " is not one of mean, median, most_frequent, constant");
    for (std::size_t i = 0; i < options_.columns.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (options_.columns[i] == options_.columns[j])
                throw parameter_error("SimpleImputer: columns lists '" + options_.columns[i] + "' twice");
}

MLPIPE_INLINE std::vector<std::string> SimpleImputer::columns_to_impute(const Frame& X) const {
    if (!options_.columns.empty()) return options_.columns;
    std::vector<std::string> names;
    for (const auto& c : X)
        if (c.is_numeric() || (c.is_categorical() && !numeric_only())) names.push_back(c.name());
    return names;
}

MLPIPE_INLINE SimpleImputer::Statistic SimpleImputer::learn(const Column& column) const {
    Statistic s;
    s.column = column.name();
    s.kind = column.kind();
    if (column.is_one_hot())
        throw data_error("SimpleImputer.fit: column '" + s.column + "' is one-hot encoded; impute before encoding");
    if (column.is_categorical() && numeric_only())
        throw data_error("SimpleImputer.fit: strategy '" + std::string(to_string(options_.strategy)) +
                         "' needs numbers, but column '" + s.column + "' is categorical");
    s.had_missing = column.count_missing() > 0;
    if (options_.strategy == ImputeStrategy::constant) {
        s.has_value = true;
        if (column.is_numeric()) s.number = constant_number(s.column);
        else s.category = options_.fill_value.empty() ? default_fill_category : options_.fill_value;
        return s;
    }
    if (column.is_categorical()) {
        learn_mode(column, s);
        return s;
    }
    std::vector<double> present;  // the values that are there, as doubles whatever the storage
    present.reserve(column.size());
    column.visit_values([&](auto values) {
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (std::isnan(values[i])) continue;
            if (std::isinf(values[i]))  // as scikit-learn: a mean or mode of infinities is no fill value
                throw data_error("SimpleImputer.fit: column '" + s.column + "' has an infinite value in row " +
                                 std::to_string(i));
            present.push_back(static_cast<double>(values[i]));
        }
    });
    if (present.empty()) return s;
    s.has_value = true;
    switch (options_.strategy) {
        case ImputeStrategy::mean: s.number = mean(present); break;
        case ImputeStrategy::median: s.number = median(present); break;
        default: s.number = mode(present); break;
    }
    return s;
}

MLPIPE_INLINE double SimpleImputer::constant_number(const std::string& column) const {
    if (options_.fill_value.empty()) return 0.0;
    double value = 0;
    if (!detail::parse_double(detail::trim(options_.fill_value), value) || std::isnan(value))
        throw parameter_error("SimpleImputer: fill_value '" + options_.fill_value +
                              "' is not a number, but column '" + column + "' is numeric");
    return value;
}

MLPIPE_INLINE double SimpleImputer::median(std::vector<double>& values) {
    const std::size_t half = values.size() / 2;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(half), values.end());
    const double upper = values[half];
    if (values.size() % 2 == 1) return upper;
    const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(half));
    return (lower + upper) / 2;  // as numpy.ma.median computes it, bit for bit
}

MLPIPE_INLINE double SimpleImputer::mode(std::vector<double>& values) {
    std::sort(values.begin(), values.end());
    double best = values.front();
    std::size_t best_count = 0;
    for (std::size_t i = 0; i < values.size();) {
        std::size_t j = i;
        while (j < values.size() && values[j] == values[i]) ++j;
        if (j - i > best_count) {
            best_count = j - i;
            best = values[i];
        }
        i = j;
    }
    return best;
}

MLPIPE_INLINE void SimpleImputer::learn_mode(const Column& column, Statistic& s) {
    const auto& dictionary = column.dictionary();
    std::vector<std::size_t> counts(dictionary.size(), 0);
    for (auto code : column.codes())
        if (code >= 0) ++counts[static_cast<std::size_t>(code)];
    std::size_t best_count = 0;
    for (std::size_t k = 0; k < counts.size(); ++k) {
        if (counts[k] == 0) continue;
        if (counts[k] > best_count || (counts[k] == best_count && dictionary[k] < s.category)) {
            best_count = counts[k];
            s.category = dictionary[k];
        }
    }
    s.has_value = best_count > 0;
}

MLPIPE_INLINE void SimpleImputer::merge(const Column& column, Statistic& s, const Communicator& communicator) const {
    if (column.is_categorical()) {  // most_frequent
        std::vector<std::size_t> counts(column.dictionary().size(), 0);
        for (auto code : column.codes())
            if (code >= 0) ++counts[static_cast<std::size_t>(code)];
        std::vector<std::string> mine;  // text, count, text, count, ...
        for (std::size_t k = 0; k < counts.size(); ++k)
            if (counts[k] > 0) mine.insert(mine.end(), {column.dictionary()[k], std::to_string(counts[k])});
        std::map<std::string, std::size_t> total;
        for (const auto& rank : collective::gather_texts(communicator, mine))
            for (std::size_t i = 0; i + 1 < rank.size(); i += 2) total[rank[i]] += std::stoull(rank[i + 1]);
        pick_most_frequent(total, s.category, s.has_value);
        return;
    }
    std::vector<double> present;
    column.visit_values([&](auto values) {
        for (const auto v : values)
            if (!std::isnan(v)) present.push_back(static_cast<double>(v));
    });
    if (options_.strategy == ImputeStrategy::most_frequent) {
        std::sort(present.begin(), present.end());
        std::vector<double> mine;  // value, count, value, count, ...
        for (std::size_t i = 0; i < present.size();) {
            std::size_t j = i;
            while (j < present.size() && present[j] == present[i]) ++j;
            mine.insert(mine.end(), {present[i], static_cast<double>(j - i)});
            i = j;
        }
        std::map<double, double> total;
        for (const auto& rank : collective::gather_numbers(communicator, mine))
            for (std::size_t i = 0; i + 1 < rank.size(); i += 2) total[rank[i]] += rank[i + 1];
        pick_most_frequent(total, s.number, s.has_value);
        return;
    }
    double sum_count[2] = {0, static_cast<double>(present.size())};
    for (double v : present) sum_count[0] += v;
    communicator.sum(std::span<double>(sum_count));
    const double count = sum_count[1];
    s.has_value = count > 0;
    if (!s.has_value) return;
    if (options_.strategy == ImputeStrategy::mean) {
        s.number = sum_count[0] / count;
        return;
    }
    // median, as median() computes it: the middle value, or the mean of the two middle ones.
    const auto n = static_cast<std::uint64_t>(count);
    const double upper = kth_smallest(present, n / 2 + 1, communicator);
    s.number = n % 2 == 1 ? upper : (kth_smallest(present, n / 2, communicator) + upper) / 2;
}

MLPIPE_INLINE double SimpleImputer::kth_smallest(const std::vector<double>& values, std::uint64_t k,
                                                 const Communicator& communicator) {
    auto key = [](double v) {
        const auto bits = std::bit_cast<std::uint64_t>(v);
        return (bits >> 63) != 0 ? ~bits : bits | (std::uint64_t{1} << 63);
    };
    std::uint64_t prefix = 0, below = 0;  // below: values whose key is under the prefix's range
    for (int shift = 56; shift >= 0; shift -= 8) {
        std::vector<double> buckets(256, 0.0);
        for (double v : values) {
            const std::uint64_t kv = key(v);
            if (shift == 56 || (kv >> (shift + 8)) == (prefix >> (shift + 8))) buckets[(kv >> shift) & 255] += 1;
        }
        communicator.sum(std::span<double>(buckets));
        std::uint64_t digit = 0;
        for (; digit < 255; ++digit) {
            const auto in_bucket = static_cast<std::uint64_t>(buckets[digit]);
            if (below + in_bucket >= k) break;
            below += in_bucket;
        }
        prefix |= digit << shift;
    }
    const std::uint64_t bits = (prefix >> 63) != 0 ? prefix & ~(std::uint64_t{1} << 63) : ~prefix;
    return std::bit_cast<double>(bits);
}

MLPIPE_INLINE Column SimpleImputer::filled(const Column& column, const Statistic& s) {
    if (column.is_numeric()) {
        if (column.is_float32()) {
            std::vector<float> values(column.values_f32().begin(), column.values_f32().end());
            const auto fill = static_cast<float>(s.number);
            for (float& v : values)
                if (std::isnan(v)) v = fill;
            return Column::numeric_f32(column.name(), std::move(values));
        }
        std::vector<double> values(column.values().begin(), column.values().end());
        for (double& v : values)
            if (std::isnan(v)) v = s.number;
        return Column::numeric(column.name(), std::move(values));
    }
    std::vector<std::string> dictionary = column.dictionary();
    const auto at = std::find(dictionary.begin(), dictionary.end(), s.category);
    const auto fill = static_cast<std::int32_t>(at - dictionary.begin());
    if (at == dictionary.end()) dictionary.push_back(s.category);
    std::vector<std::int32_t> codes(column.codes().begin(), column.codes().end());
    for (auto& code : codes)
        if (code < 0) code = fill;
    return Column::categorical(column.name(), std::move(codes), std::move(dictionary));
}

MLPIPE_INLINE Column SimpleImputer::indicator(const Column& column) {
    std::vector<double> values(column.size());
    if (column.is_numeric()) {
        column.visit_values([&](auto present) {
            for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::isnan(present[i]) ? 1.0 : 0.0;
        });
    } else {
        const auto codes = column.codes();
        for (std::size_t i = 0; i < values.size(); ++i) values[i] = codes[i] < 0 ? 1.0 : 0.0;
    }
    return Column::numeric(indicator_prefix + column.name(), std::move(values));
}

}  // namespace mlpipe
