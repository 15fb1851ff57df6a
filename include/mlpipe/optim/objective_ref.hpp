#pragma once
// ObjectiveRef: a non-owning, type-erased view of an objective. Solvers are templates on
// the objective type; handing them this view compiles each solver once per Scalar rather
// than once per loss (binomial, multinomial, and later backends), which keeps the
// compile time of a translation unit that fits a model in check. The cost is one indirect
// call per evaluation, against a pass over the data.

#include <mlpipe/error.hpp>
#include <mlpipe/optim/objective.hpp>

namespace mlpipe::optim {

template <class Scalar>
class ObjectiveRef {
public:
    using scalar_type = Scalar;
    using Vector = VectorOf<Scalar>;
    using Matrix = MatrixOf<Scalar>;

    // The objective must outlive the view.
    template <class F>
        requires(DifferentiableObjective<F, Scalar> && !std::same_as<F, ObjectiveRef>)
    explicit ObjectiveRef(const F& objective) : object_(&objective) {
        value_gradient_ = [](const void* o, const Vector& x, Vector& g) -> Scalar {
            return (*static_cast<const F*>(o))(x, g);
        };
        if constexpr (HessianProductObjective<F, Scalar>) {
            prepare_hessian_ = [](const void* o, const Vector& x, Vector& g) -> Scalar {
                return static_cast<const F*>(o)->prepare_hessian(x, g);
            };
            hessian_product_ = [](const void* o, const Vector& v, Vector& out) {
                static_cast<const F*>(o)->hessian_product(v, out);
            };
        }
        if constexpr (HessianObjective<F, Scalar>) {
            gradient_hessian_ = [](const void* o, const Vector& x, Vector& g, Matrix& H) -> Scalar {
                return static_cast<const F*>(o)->gradient_hessian(x, g, H);
            };
        }
    }

    Scalar operator()(const Vector& x, Vector& g) const { return value_gradient_(object_, x, g); }

    Scalar prepare_hessian(const Vector& x, Vector& g) const {
        if (!prepare_hessian_) throw error("this objective offers no Hessian-vector products");
        return prepare_hessian_(object_, x, g);
    }
    void hessian_product(const Vector& v, Vector& out) const {
        if (!hessian_product_) throw error("this objective offers no Hessian-vector products");
        hessian_product_(object_, v, out);
    }
    Scalar gradient_hessian(const Vector& x, Vector& g, Matrix& H) const {
        if (!gradient_hessian_) throw error("this objective offers no Hessian");
        return gradient_hessian_(object_, x, g, H);
    }

private:
    const void* object_;
    Scalar (*value_gradient_)(const void*, const Vector&, Vector&) = nullptr;
    Scalar (*prepare_hessian_)(const void*, const Vector&, Vector&) = nullptr;
    void (*hessian_product_)(const void*, const Vector&, Vector&) = nullptr;
    Scalar (*gradient_hessian_)(const void*, const Vector&, Vector&, Matrix&) = nullptr;
};

}  // namespace mlpipe::optim
