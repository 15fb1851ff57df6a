#pragma once
// The definitions of schema.hpp's non-inline functions. schema.hpp includes this file in a
// header-only build; with MLPIPE_PRECOMPILED, mlpipe::precompiled compiles it once
// (src/frame.cpp) and users' translation units see only the declarations.

#include <mlpipe/frame/schema.hpp>

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>
#include <mlpipe/frame/frame.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlpipe {

MLPIPE_INLINE Schema Schema::of(const Frame& frame) {
    std::vector<ColumnSpec> columns;
    for (const auto& c : frame) columns.push_back({c.name(), c.kind()});
    return Schema(std::move(columns));
}

MLPIPE_INLINE std::vector<std::string> Schema::names() const {
    std::vector<std::string> out;
    for (const auto& c : columns_) out.push_back(c.name);
    return out;
}

MLPIPE_INLINE void Schema::check(const Frame& frame, std::string_view who) const {
    std::string missing, retyped;
    for (const auto& spec : columns_) {
        auto i = frame.find(spec.name);
        if (!i) {
            missing += (missing.empty() ? "'" : ", '") + spec.name + "'";
        } else if (frame[*i].kind() != spec.kind) {
            retyped += (retyped.empty() ? "" : "; ") + describe_retyped(frame[*i], spec);
        }
    }
    std::string extra;
    for (const auto& c : frame) {
        bool known = false;
        for (const auto& spec : columns_) known = known || spec.name == c.name();
        if (!known) extra += (extra.empty() ? "'" : ", '") + c.name() + "'";
    }
    if (missing.empty() && retyped.empty() && extra.empty()) return;
    std::string message = std::string(who) + ": the input does not match the columns seen at fit";
    if (!missing.empty()) message += "; missing column(s) " + missing;
    if (!extra.empty()) message += "; unexpected column(s) " + extra;
    if (!retyped.empty()) message += "; " + retyped;
    throw data_error(message);
}

MLPIPE_INLINE std::string Schema::describe_retyped(const Column& column, const ColumnSpec& spec) {
    std::string text = "column '" + spec.name + "' was " + to_string(spec.kind) + " at fit but is " +
                       to_string(column.kind()) + " now";
    // The usual cause: text in a numeric column made the reader infer "categorical".
    if (spec.kind == ColumnKind::numeric && column.is_categorical()) {
        auto codes = column.codes();
        for (std::size_t i = 0; i < codes.size(); ++i) {
            if (codes[i] < 0) continue;
            const std::string& value = column.dictionary()[static_cast<std::size_t>(codes[i])];
            double ignored = 0;
            if (!detail::parse_double(detail::trim(value), ignored)) {
                text += " (non-numeric value '" + value + "' in row " + std::to_string(i) + ")";
                break;
            }
        }
    }
    return text;
}

}  // namespace mlpipe
