#pragma once
// Frame from an xtensor array: one numeric column per array column. A separate header so
// that only code that uses xtensor pays for including it.

#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>

#include <xtensor/xexpression.hpp>

#include <string>
#include <vector>

namespace mlpipe {

// `array` must be two-dimensional (rows x columns) with one name per column.
template <class E>
Frame frame_from_xtensor(const xt::xexpression<E>& expression, const std::vector<std::string>& names) {
    const auto& array = expression.derived_cast();
    if (array.dimension() != 2)
        throw data_error("frame_from_xtensor: expected a 2-D array (rows x columns), got " +
                         std::to_string(array.dimension()) + " dimensions");
    const std::size_t rows = array.shape()[0];
    const std::size_t cols = array.shape()[1];
    if (names.size() != cols)
        throw data_error("frame_from_xtensor: " + std::to_string(cols) + " array columns but " +
                         std::to_string(names.size()) + " names");
    Frame frame;
    for (std::size_t j = 0; j < cols; ++j) {
        std::vector<double> values(rows);
        for (std::size_t i = 0; i < rows; ++i) values[i] = static_cast<double>(array(i, j));
        frame.add(Column::numeric(names[j], std::move(values)));
    }
    return frame;
}

}  // namespace mlpipe
