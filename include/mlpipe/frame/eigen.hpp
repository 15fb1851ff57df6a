#pragma once
// What Frame::to_dense needs of Eigen, apart from frame.hpp so that code that only reads and
// writes tables does not compile Eigen. <mlpipe/core.hpp> includes it.

#include <mlpipe/frame/frame.hpp>

#include <Eigen/Core>

namespace mlpipe::detail {

template <class Scalar>
struct DenseMatrix {
    using type = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
};

}  // namespace mlpipe::detail
