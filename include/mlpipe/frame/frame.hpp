#pragma once
// Frame: a table of named, typed columns (the input of every pipeline step).
// Built from CSV (read_csv), from an Eigen matrix plus names, or column by column.
//
// Eigen is not included here (code that only reads and writes tables does not pay for it):
// from_matrix takes any Eigen matrix its caller has, and to_dense needs
// <mlpipe/frame/eigen.hpp>, which <mlpipe/core.hpp> includes.

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
    explicit Frame(std::vector<Column> columns) {
        const std::size_t none = columns.size();
        std::size_t first_bad = none;
        for (std::size_t i = 0; i < columns.size() && first_bad == none; ++i)
            if (columns[i].name().empty() || (i > 0 && columns[i].size() != columns[0].size())) first_bad = i;
        std::vector<std::size_t> order(columns.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            const int by_name = columns[a].name().compare(columns[b].name());
            return by_name != 0 ? by_name < 0 : a < b;
        });
        for (std::size_t k = 1; k < order.size(); ++k)
            if (columns[order[k]].name() == columns[order[k - 1]].name() && !columns[order[k]].name().empty())
                first_bad = std::min(first_bad, order[k]);  // a repeat: its group's earlier index came first
        // Up to the first bad column, add() would succeed; it then throws add()'s own message.
        columns_.reserve(columns.size());
        for (std::size_t i = 0; i < first_bad; ++i) columns_.push_back(std::move(columns[i]));
        if (first_bad != none) add(std::move(columns[first_bad]));
    }

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
    Frame& add(Column column) {
        if (column.name().empty()) throw data_error("Frame: a column needs a non-empty name");
        if (find(column.name()))
            throw data_error("Frame: a column named '" + column.name() + "' is already present");
        if (!columns_.empty() && column.size() != rows())
            throw data_error("Frame: column '" + column.name() + "' has " + std::to_string(column.size()) +
                             " rows but the frame has " + std::to_string(rows()));
        columns_.push_back(std::move(column));
        return *this;
    }

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

    std::size_t index_of(std::string_view name) const {
        if (auto i = find(name)) return *i;
        const auto known = names();
        throw data_error("no column named '" + std::string(name) + "' (columns: " +
                         (known.empty() ? std::string("none") : detail::quoted_list(known)) + ")");
    }

    // Replaces column i (same length), keeping its position.
    void replace(std::size_t i, Column column) {
        if (column.size() != rows())
            throw data_error("Frame: replacement for column '" + columns_[checked(i)].name() + "' has " +
                             std::to_string(column.size()) + " rows, expected " + std::to_string(rows()));
        columns_[checked(i)] = std::move(column);
    }

    std::vector<std::string> names() const {
        std::vector<std::string> out;
        out.reserve(columns_.size());
        for (const auto& c : columns_) out.push_back(c.name());
        return out;
    }

    // Names of the model features in frame order: a numeric column gives its name, a
    // one-hot column gives name_category for each output category.
    std::vector<std::string> feature_names() const {
        std::vector<std::string> out;
        for (const auto& c : columns_) {
            if (c.is_numeric()) out.push_back(c.name());
            else if (c.is_one_hot())
                for (const auto& cat : c.dictionary()) out.push_back(c.name() + "_" + cat);
        }
        return out;
    }

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
