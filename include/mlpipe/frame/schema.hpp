#pragma once
// The columns (names and kinds) a component was fitted on; checked by name at
// transform/predict time so that a missing, extra or re-typed column is a clear error.

#include <mlpipe/detail/compiled.hpp>
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

    static Schema of(const Frame& frame);

    const std::vector<ColumnSpec>& columns() const noexcept { return columns_; }
    std::size_t size() const noexcept { return columns_.size(); }
    std::vector<std::string> names() const;

    // Throws data_error naming the missing, extra or re-typed columns (`who` names the
    // component, e.g. "Pipeline.predict"). Column order does not matter: columns are
    // found by name.
    void check(const Frame& frame, std::string_view who) const;

    friend bool operator==(const Schema&, const Schema&) = default;

    template <class Archive>
    void serialize(Archive& archive, unsigned version);

private:
    static std::string describe_retyped(const Column& column, const ColumnSpec& spec);

    std::vector<ColumnSpec> columns_;
};

}  // namespace mlpipe

// The definitions of the functions declared above: compiled here in a header-only build, taken
// from mlpipe::precompiled (src/frame.cpp) when it is linked.
#ifndef MLPIPE_PRECOMPILED
#include <mlpipe/frame/schema_impl.hpp>
#endif
