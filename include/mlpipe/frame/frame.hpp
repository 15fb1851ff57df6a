#pragma once
// Frame: a table of named, typed columns (the input of every pipeline step).
// Built from CSV (read_csv), from an Eigen matrix plus names, or column by column.
//
// Eigen is not included here (code that only reads and writes tables does not pay for it):
// from_matrix takes any Eigen matrix its caller has, and to_dense needs
// <mlpipe/frame/eigen.hpp>, which <mlpipe/core.hpp> includes.

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Eigen {
template <typename Derived>
class MatrixBase;  // as Eigen declares it
}  // namespace Eigen

namespace mlpipe {

namespace detail {
template <class Scalar>
struct DenseMatrix;  // Eigen's dynamic matrix of Scalar; defined in frame/eigen.hpp
}  // namespace detail

class Frame {
public:
    Frame() = default;

    // The same checks as add() column by column, with the same first error, but duplicate
    // names found by one sort: add()'s scan per column is quadratic in the count, hours for a
    // CSV header of a million names.
    explicit Frame(std::vector<Column> columns);

    // One numeric column per matrix column, named by `names` (one name per column).
    template <class Derived>
    static Frame from_matrix(const Eigen::MatrixBase<Derived>& matrix, const std::vector<std::string>& names) {
        const auto cols = static_cast<std::ptrdiff_t>(matrix.cols());
        const auto rows = static_cast<std::ptrdiff_t>(matrix.rows());
        if (static_cast<std::ptrdiff_t>(names.size()) != cols)
            throw data_error("Frame::from_matrix: " + std::to_string(cols) + " matrix columns but " +
                             std::to_string(names.size()) + " names");
        Frame frame;
        for (std::ptrdiff_t j = 0; j < cols; ++j) {
            std::vector<double> values(static_cast<std::size_t>(rows));
            for (std::ptrdiff_t i = 0; i < rows; ++i) values[static_cast<std::size_t>(i)] = static_cast<double>(matrix(i, j));
            frame.add(Column::numeric(names[static_cast<std::size_t>(j)], std::move(values)));
        }
        return frame;
    }

    // Appends a column; its length must match the frame's and its name must be new.
    Frame& add(Column column);

    Frame& add_numeric(std::string name, std::vector<double> values) {
        return add(Column::numeric(std::move(name), std::move(values)));
    }
    Frame& add_categorical(std::string name, const std::vector<std::string>& values) {
        return add(Column::categorical(std::move(name), values));
    }
    Frame& add_categorical(std::string name, const std::vector<std::optional<std::string>>& values) {
        return add(Column::categorical(std::move(name), values));
    }
    // So that add_categorical("c", {"a", "b"}) picks the plain strings.
    Frame& add_categorical(std::string name, std::initializer_list<std::string> values) {
        return add(Column::categorical(std::move(name), std::vector<std::string>(values)));
    }

    std::size_t rows() const noexcept { return columns_.empty() ? 0 : columns_.front().size(); }
    std::size_t cols() const noexcept { return columns_.size(); }
    bool empty() const noexcept { return rows() == 0 || cols() == 0; }

    const Column& operator[](std::size_t i) const { return columns_[checked(i)]; }
    const Column& column(std::string_view name) const { return columns_[index_of(name)]; }

    std::optional<std::size_t> find(std::string_view name) const noexcept {
        for (std::size_t i = 0; i < columns_.size(); ++i)
            if (columns_[i].name() == name) return i;
        return std::nullopt;
    }
    bool contains(std::string_view name) const noexcept { return find(name).has_value(); }

    std::size_t index_of(std::string_view name) const;

    // Replaces column i (same length), keeping its position.
    void replace(std::size_t i, Column column);

    std::vector<std::string> names() const;

    // Names of the model features in frame order: a numeric column gives its name, a
    // one-hot column gives name_category for each output category.
    std::vector<std::string> feature_names() const;

    // The explicit dense matrix (rows x features, frame order; Eigen::MatrixXd by default),
    // for users who want it; pipeline steps never build it. Categorical columns must be
    // encoded first. Needs <mlpipe/frame/eigen.hpp> (a template, so that this header does
    // not need Eigen).
    template <class Scalar = double>
    typename detail::DenseMatrix<Scalar>::type to_dense() const {
        using Matrix = typename detail::DenseMatrix<Scalar>::type;
        std::ptrdiff_t width = 0;
        for (const auto& c : columns_) {
            if (c.is_categorical())
                throw data_error("Frame::to_dense: column '" + c.name() +
                                 "' is categorical; encode it (OneHotEncoder) first");
            width += static_cast<std::ptrdiff_t>(c.width());
        }
        Matrix out = Matrix::Zero(static_cast<std::ptrdiff_t>(rows()), width);
        std::ptrdiff_t j = 0;
        for (const auto& c : columns_) {
            if (c.is_numeric()) {
                c.visit_values([&](auto v) {
                    for (std::size_t i = 0; i < v.size(); ++i)
                        out(static_cast<std::ptrdiff_t>(i), j) = static_cast<Scalar>(v[i]);
                });
                ++j;
            } else {
                auto codes = c.codes();
                for (std::size_t i = 0; i < codes.size(); ++i)
                    if (codes[i] >= 0) out(static_cast<std::ptrdiff_t>(i), j + codes[i]) = Scalar(1);
                j += static_cast<std::ptrdiff_t>(c.width());
            }
        }
        return out;
    }

    auto begin() const noexcept { return columns_.begin(); }
    auto end() const noexcept { return columns_.end(); }

private:
    std::size_t checked(std::size_t i) const {
        if (i >= columns_.size())
            throw data_error("Frame: column index " + std::to_string(i) + " is out of range (the frame has " +
                             std::to_string(columns_.size()) + " columns)");
        return i;
    }

    std::vector<Column> columns_;
};

}  // namespace mlpipe

// The definitions of the functions declared above: compiled here in a header-only build, taken
// from mlpipe::precompiled (src/frame.cpp) when it is linked.
#ifndef MLPIPE_PRECOMPILED
#include <mlpipe/frame/frame_impl.hpp>
#endif
