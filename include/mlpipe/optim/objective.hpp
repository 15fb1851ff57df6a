#pragma once
// What a solver asks of the function it minimises. Each solver names the weakest concept
// it needs, so a new objective (another loss, a distributed sum over ranks) works with
// every solver whose concept it models.
//
//   DifferentiableObjective     f(x, g) -> value, gradient into g          (lbfgs)
//   HessianProductObjective     + prepare_hessian(x, g), hessian_product(v, Hv)  (newton-cg)
//   HessianObjective            + gradient_hessian(x, g, H), the full Hessian    (newton-cholesky)

#include <Eigen/Core>

#include <concepts>

namespace mlpipe::optim {

template <class Scalar>
using VectorOf = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
template <class Scalar>
using MatrixOf = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

template <class F, class Scalar>
concept DifferentiableObjective = requires(const F& f, const VectorOf<Scalar>& x, VectorOf<Scalar>& g) {
    { f(x, g) } -> std::convertible_to<Scalar>;
};

// prepare_hessian(x, g) returns f(x), writes the gradient, and fixes the point at which
// hessian_product(v, out) multiplies the Hessian by v.
template <class F, class Scalar>
concept HessianProductObjective =
    DifferentiableObjective<F, Scalar> &&
    requires(const F& f, const VectorOf<Scalar>& x, VectorOf<Scalar>& g, const VectorOf<Scalar>& v,
             VectorOf<Scalar>& out) {
        { f.prepare_hessian(x, g) } -> std::convertible_to<Scalar>;
        f.hessian_product(v, out);
    };

// gradient_hessian(x, g, H) returns f(x) and writes the gradient and the full Hessian.
template <class F, class Scalar>
concept HessianObjective =
    DifferentiableObjective<F, Scalar> &&
    requires(const F& f, const VectorOf<Scalar>& x, VectorOf<Scalar>& g, MatrixOf<Scalar>& H) {
        { f.gradient_hessian(x, g, H) } -> std::convertible_to<Scalar>;
    };

}  // namespace mlpipe::optim
