#pragma once
// DesignMatrix: what the loss and the solvers need of the data, the seam behind which a
// backend (the library's own kernels, BLAS, CUDA, a sum over MPI ranks) keeps its rows.
// Design<Scalar> (linear_model/design.hpp: a numeric block plus one-hot codes) is the
// first model of it.
//
//   rows(), n_features()
//   decision(W, b, Z)            Z = X W + 1 b'         (W: n_features x K, b: 1 x K)
//   transpose_times(R, G)        G = X' R               (R: rows x K)
//   weighted_gram(d, H)          H = X' diag(d) X       (second-order solvers)
//   for_each_nonzero(i, visit)   visit(feature, value) along row i (stochastic solvers)
//   max_row_squared_norm()       max_i ||x_i||^2        (their step size)

#include <Eigen/Core>

#include <concepts>

namespace mlpipe {

template <class D>
concept DesignMatrix = requires(const D& design, Eigen::Index row,
                                const Eigen::Matrix<typename D::scalar_type, Eigen::Dynamic, Eigen::Dynamic>& matrix,
                                Eigen::Matrix<typename D::scalar_type, Eigen::Dynamic, Eigen::Dynamic>& out,
                                Eigen::Map<Eigen::Matrix<typename D::scalar_type, Eigen::Dynamic, Eigen::Dynamic>>& out_map,
                                const Eigen::Matrix<typename D::scalar_type, 1, Eigen::Dynamic>& intercept,
                                const Eigen::Matrix<typename D::scalar_type, Eigen::Dynamic, 1>& vector) {
    typename D::scalar_type;
    { design.rows() } -> std::convertible_to<Eigen::Index>;
    { design.n_features() } -> std::convertible_to<Eigen::Index>;
    design.decision(matrix, intercept, out);
    design.transpose_times(matrix, out_map);
    design.weighted_gram(vector, out);
    design.for_each_nonzero(row, [](Eigen::Index, typename D::scalar_type) {});
    { design.max_row_squared_norm() } -> std::convertible_to<typename D::scalar_type>;
};

}  // namespace mlpipe
