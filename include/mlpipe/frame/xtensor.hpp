#pragma once
// Frames from xtensor arrays, and model outputs into them. A separate header so that only
// code that uses xtensor pays for including it.
//
// A column-major array of double or float handed over as an rvalue (or in a shared_ptr) is
// read in place: each Frame column is a view of one array column, and the Frame keeps the
// array alive; float arrays give float32 columns. Any other array or expression (row-major,
// a view, another value type, an lvalue) is copied into float64 columns.

#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>

#include <Eigen/Core>
#include <xtensor/xarray.hpp>
#include <xtensor/xexpression.hpp>
#include <xtensor/xtensor.hpp>

#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace mlpipe {

namespace detail::xtensor {

inline void check_shape(std::size_t dimension, std::size_t cols, const std::vector<std::string>& names) {
    if (dimension != 2)
        throw data_error("frame_from_xtensor: expected a 2-D array (rows x columns), got " + std::to_string(dimension) +
                         " dimensions");
    if (names.size() != cols)
        throw data_error("frame_from_xtensor: " + std::to_string(cols) + " array columns but " +
                         std::to_string(names.size()) + " names");
}

// The Frame over a column-major array held by `owner`: column j is rows values from data + j * rows.
template <class T>
Frame view_columns(const std::shared_ptr<const void>& owner, const T* data, std::size_t rows,
                   const std::vector<std::string>& names) {
    Frame frame;
    for (std::size_t j = 0; j < names.size(); ++j) {
        const std::span<const T> column(data + j * rows, rows);
        if constexpr (std::is_same_v<T, float>)
            frame.add(Column::numeric_f32_view(names[j], column, owner));
        else
            frame.add(Column::numeric_view(names[j], column, owner));
    }
    return frame;
}

template <class Array>
Frame view_of(std::shared_ptr<const Array> array, const std::vector<std::string>& names) {
    if (!array) throw data_error("frame_from_xtensor: the array is null");
    check_shape(array->dimension(), array->dimension() == 2 ? array->shape()[1] : 0, names);
    return view_columns(std::shared_ptr<const void>(array), array->data(), array->shape()[0], names);
}

}  // namespace detail::xtensor

// Copies: `array` must be two-dimensional (rows x columns) with one name per column.
template <class E>
Frame frame_from_xtensor(const xt::xexpression<E>& expression, const std::vector<std::string>& names) {
    const auto& array = expression.derived_cast();
    detail::xtensor::check_shape(array.dimension(), array.dimension() == 2 ? array.shape()[1] : 0, names);
    const std::size_t rows = array.shape()[0];
    Frame frame;
    for (std::size_t j = 0; j < names.size(); ++j) {
        std::vector<double> values(rows);
        for (std::size_t i = 0; i < rows; ++i) values[i] = static_cast<double>(array(i, j));
        frame.add(Column::numeric(names[j], std::move(values)));
    }
    return frame;
}

// Without a copy: the array is moved into the Frame (its buffer moves, nothing is copied).
template <class T>
    requires(std::is_same_v<T, double> || std::is_same_v<T, float>)
Frame frame_from_xtensor(xt::xtensor<T, 2, xt::layout_type::column_major>&& array,
                         const std::vector<std::string>& names) {
    return detail::xtensor::view_of(
        std::make_shared<const xt::xtensor<T, 2, xt::layout_type::column_major>>(std::move(array)), names);
}
template <class T>
    requires(std::is_same_v<T, double> || std::is_same_v<T, float>)
Frame frame_from_xtensor(xt::xarray<T, xt::layout_type::column_major>&& array, const std::vector<std::string>& names) {
    return detail::xtensor::view_of(std::make_shared<const xt::xarray<T, xt::layout_type::column_major>>(std::move(array)),
                                    names);
}

// Without a copy, the array shared: the Frame holds `array` (keep it unchanged while the Frame lives).
template <class T>
    requires(std::is_same_v<T, double> || std::is_same_v<T, float>)
Frame frame_from_xtensor(std::shared_ptr<const xt::xtensor<T, 2, xt::layout_type::column_major>> array,
                         const std::vector<std::string>& names) {
    return detail::xtensor::view_of(std::move(array), names);
}

// A model's output (predict_proba, decision_function: an Eigen matrix) as an xtensor array,
// rows x columns in xtensor's default row-major layout.
template <class Derived>
xt::xtensor<typename Derived::Scalar, 2> to_xtensor(const Eigen::MatrixBase<Derived>& matrix) {
    xt::xtensor<typename Derived::Scalar, 2> out(
        {static_cast<std::size_t>(matrix.rows()), static_cast<std::size_t>(matrix.cols())});
    for (Eigen::Index i = 0; i < matrix.rows(); ++i)
        for (Eigen::Index j = 0; j < matrix.cols(); ++j)
            out(static_cast<std::size_t>(i), static_cast<std::size_t>(j)) = matrix(i, j);
    return out;
}

}  // namespace mlpipe
