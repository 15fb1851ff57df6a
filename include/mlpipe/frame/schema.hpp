#pragma once
// The columns (names and kinds) a component was fitted on; checked by name at
// transform/predict time so that a missing, extra or re-typed column is a clear error.

#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace mlpipe {

struct ColumnSpec {
    std::string name;
    ColumnKind kind = ColumnKind::numeric;
    friend bool operator==(const ColumnSpec&, const ColumnSpec&) = default;
};

class Schema {
public:
    Schema() = default;
    explicit Schema(std::vector<ColumnSpec> columns) : columns_(std::move(columns)) {}

    static Schema of(const Frame& frame) {
        std::vector<ColumnSpec> columns;
        for (const auto& c : frame) columns.push_back({c.name(), c.kind()});
        return Schema(std::move(columns));
    }

    const std::vector<ColumnSpec>& columns() const noexcept { return columns_; }
    std::size_t size() const noexcept { return columns_.size(); }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& c : columns_) out.push_back(c.name);
        return out;
    }

    // Throws data_error naming the missing, extra or re-typed columns (`who` names the
    // component, e.g. "Pipeline.predict"). Column order does not matter: columns are
    // found by name.
    void check(const Frame& frame, std::string_view who) const {
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

    friend bool operator==(const Schema&, const Schema&) = default;

    template <class Archive>
    void serialize(Archive& archive, unsigned version);

private:
    static std::string describe_retyped(const Column& column, const ColumnSpec& spec) {
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

    std::vector<ColumnSpec> columns_;
};

}  // namespace mlpipe
