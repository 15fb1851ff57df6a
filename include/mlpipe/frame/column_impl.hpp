#pragma once
// The definitions of column.hpp's non-inline functions. column.hpp includes this file in a
// header-only build; with MLPIPE_PRECOMPILED, mlpipe::precompiled compiles it once
// (src/frame.cpp) and users' translation units see only the declarations.

#include <mlpipe/frame/column.hpp>

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe {

MLPIPE_INLINE const char* to_string(ColumnKind kind) noexcept {
    switch (kind) {
        case ColumnKind::numeric: return "numeric";
        case ColumnKind::categorical: return "categorical";
        case ColumnKind::one_hot: return "one-hot";
    }
    return "unknown";
}

MLPIPE_INLINE Column Column::numeric_view(std::string name, std::span<const double> values,
                                          std::shared_ptr<const void> owner) {
    Column c(std::move(name), ColumnKind::numeric);
    c.values_ = {require_owner(std::move(owner), c.name_), values};
    return c;
}
MLPIPE_INLINE Column Column::numeric_f32_view(std::string name, std::span<const float> values,
                                              std::shared_ptr<const void> owner) {
    Column c(std::move(name), ColumnKind::numeric);
    c.floats_ = {require_owner(std::move(owner), c.name_), values};
    return c;
}

MLPIPE_INLINE Column Column::categorical(std::string name, std::vector<std::int32_t> codes,
                                         std::vector<std::string> dictionary) {
    return with_codes(std::move(name), ColumnKind::categorical, std::move(codes), std::move(dictionary));
}

MLPIPE_INLINE Column Column::categorical(std::string name, const std::vector<std::string>& values) {
    Column c(std::move(name), ColumnKind::categorical);
    std::vector<std::string> dictionary;
    std::vector<std::int32_t> codes;
    DictionaryBuilder builder(dictionary);
    codes.reserve(values.size());
    for (const auto& v : values) codes.push_back(builder.code(v));
    c.set_codes(std::move(codes), dictionary.size());
    c.dictionary_ = share(std::move(dictionary));
    return c;
}

MLPIPE_INLINE Column Column::categorical(std::string name, const std::vector<std::optional<std::string>>& values) {
    Column c(std::move(name), ColumnKind::categorical);
    std::vector<std::string> dictionary;
    std::vector<std::int32_t> codes;
    DictionaryBuilder builder(dictionary);
    codes.reserve(values.size());
    for (const auto& v : values) codes.push_back(v ? builder.code(*v) : -1);
    c.set_codes(std::move(codes), dictionary.size());
    c.dictionary_ = share(std::move(dictionary));
    return c;
}

MLPIPE_INLINE Column Column::one_hot(std::string name, std::vector<std::int32_t> codes,
                                     std::vector<std::string> categories) {
    return with_codes(std::move(name), ColumnKind::one_hot, std::move(codes), std::move(categories));
}

MLPIPE_INLINE Column Column::to_float64() const {
    require(ColumnKind::numeric, "to_float64()");
    if (!floats_) return *this;
    Column widened = numeric(name_, std::vector<double>(floats_.data.begin(), floats_.data.end()));
    widened.values_.finite = floats_.finite;  // widening keeps every value
    return widened;
}

MLPIPE_INLINE std::size_t Column::count_missing() const noexcept {
    std::size_t n = 0;
    if (known_finite()) return 0;
    if (is_numeric()) {
        if (floats_)
            for (float v : floats_.data) n += std::isnan(v) ? 1 : 0;
        else
            for (double v : values_.data) n += std::isnan(v) ? 1 : 0;
    } else if (is_categorical()) {
        codes_.visit([&](auto codes) {
            for (auto c : codes) n += c < 0 ? 1 : 0;
        });
    }
    return n;
}

MLPIPE_INLINE void Column::bad_code(std::int64_t code, std::size_t row, std::size_t dictionary_size) const {
    throw data_error("column '" + name_ + "': code " + std::to_string(code) + " in row " + std::to_string(row) +
                     " is outside its dictionary of " + std::to_string(dictionary_size) + " entries");
}

MLPIPE_INLINE std::shared_ptr<const void> Column::require_owner(std::shared_ptr<const void> owner,
                                                                const std::string& name) {
    if (!owner) throw data_error("column '" + name + "': a view needs the owner of its values (got none)");
    return owner;
}

}  // namespace mlpipe
