#pragma once
// Pipeline<Steps...>: steps applied in order, as sklearn's Pipeline. fit calls
// fit_transform on every step but the last and fit on the last; predict and friends
// transform through every step but the last, then ask the last.
//
// Checked at compile time: every step but the last must be a Transformer, the last one
// a Transformer or an Estimator. A Pipeline is itself a Transformer or an Estimator, so
// pipelines nest. The input columns seen at fit are checked by name at predict time.

#include <mlpipe/error.hpp>
#include <mlpipe/frame/feature_scaling.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/frame/schema.hpp>
#include <mlpipe/parallel/collectives.hpp>
#include <mlpipe/parallel/communicator.hpp>
#include <mlpipe/pipeline/concepts.hpp>

#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace boost::serialization {
class access;
}

namespace mlpipe {

namespace detail {
template <class... Steps>
struct last_of {
    using type = std::tuple_element_t<sizeof...(Steps) - 1, std::tuple<Steps...>>;
};

template <std::size_t... I, class... Steps>
constexpr bool leading_steps_transform(std::index_sequence<I...>, std::tuple<Steps...>*) {
    return (Transformer<std::tuple_element_t<I, std::tuple<Steps...>>> && ...);
}

template <class T, class... Ts>
constexpr std::size_t count_of = (std::size_t{std::is_same_v<T, Ts>} + ... + 0);

template <class... Steps>
using last_step_t = typename last_of<Steps...>::type;

// What the final step's predictions return; void where it has no such member (a call then
// fails inside Pipeline's member, as it would with a deduced type). Spelled out so that
// Pipeline's members can be defined out of the class, and so compiled once for the stock
// pipelines (precompiled.hpp).
template <class F>
struct predict_result {
    using type = void;
};
template <class F>
    requires requires(const F& f, const Frame& X) { f.predict(X); }
struct predict_result<F> {
    using type = decltype(std::declval<const F&>().predict(std::declval<const Frame&>()));
};
template <class F>
struct predict_proba_result {
    using type = void;
};
template <class F>
    requires requires(const F& f, const Frame& X) { f.predict_proba(X); }
struct predict_proba_result<F> {
    using type = decltype(std::declval<const F&>().predict_proba(std::declval<const Frame&>()));
};
template <class F>
struct predict_log_proba_result {
    using type = void;
};
template <class F>
    requires requires(const F& f, const Frame& X) { f.predict_log_proba(X); }
struct predict_log_proba_result<F> {
    using type = decltype(std::declval<const F&>().predict_log_proba(std::declval<const Frame&>()));
};
template <class F>
struct decision_function_result {
    using type = void;
};
template <class F>
    requires requires(const F& f, const Frame& X) { f.decision_function(X); }
struct decision_function_result<F> {
    using type = decltype(std::declval<const F&>().decision_function(std::declval<const Frame&>()));
};
}  // namespace detail

// The constraints of Pipeline's members, on the step types alone: an out-of-class definition
// repeats them, and clang before 16 cannot name the class's own aliases there.
template <class... Steps>
concept EstimatorPipeline = Estimator<detail::last_step_t<Steps...>>;
template <class... Steps>
concept ClassifierPipeline = Classifier<detail::last_step_t<Steps...>>;
template <class... Steps>
concept TransformerPipeline = Transformer<detail::last_step_t<Steps...>>;

template <class... Steps>
class Pipeline {
    static_assert(sizeof...(Steps) >= 1, "mlpipe::Pipeline needs at least one step");

public:
    using Final = typename detail::last_of<Steps...>::type;
    static constexpr std::size_t size = sizeof...(Steps);

    static constexpr bool leading_steps_ok =
        detail::leading_steps_transform(std::make_index_sequence<sizeof...(Steps) - 1>{},
                                        static_cast<std::tuple<Steps...>*>(nullptr));
    static constexpr bool final_step_ok = Transformer<Final> || Estimator<Final>;

    // The step before the last is a StandardScaler (an affine map of numeric columns, as its
    // feature_scalings() tells) and the last can apply that map itself: fit and predict then
    // hand the map to the last step instead of a scaled copy of the data. Same model, less
    // memory and one pass fewer. transform_features still returns the scaled frame.
    static constexpr bool folds_scaling = [] {
        if constexpr (sizeof...(Steps) < 2) {
            return false;
        } else {
            using Before = std::tuple_element_t<sizeof...(Steps) - 2, std::tuple<Steps...>>;
            return requires(const Before& before, Final& last, const Frame& X, const Frame& y,
                            std::span<const double> w) {
                { before.feature_scalings() } -> std::same_as<FeatureScalings>;
                last.fit(X, y, w, before.feature_scalings());
                last.predict(X, before.feature_scalings());
            };
        }
    }();

    static_assert(leading_steps_ok,
                  "mlpipe::Pipeline: every step but the last must be a Transformer "
                  "(fit(const Frame&) and transform(const Frame&) const -> Frame)");
    static_assert(final_step_ok,
                  "mlpipe::Pipeline: the last step must be able to fit "
                  "(an Estimator with fit(const Frame& X, const Frame& y), or a Transformer)");

    Pipeline() = default;
    explicit Pipeline(Steps... steps) : steps_(std::move(steps)...) {}

    static std::string type_name() {
        std::string name = "Pipeline<";
        ((name += Steps::type_name() + ","), ...);
        name.back() = '>';
        return name;
    }

    // Access to the steps, by position or by type (the type must occur once).
    template <std::size_t I>
    auto& step() noexcept { return std::get<I>(steps_); }
    template <std::size_t I>
    const auto& step() const noexcept { return std::get<I>(steps_); }
    template <class Step>
    Step& step() noexcept {
        static_assert(detail::count_of<Step, Steps...> == 1, "mlpipe::Pipeline::step<Type>: the type must be one step");
        return std::get<Step>(steps_);
    }
    template <class Step>
    const Step& step() const noexcept {
        static_assert(detail::count_of<Step, Steps...> == 1, "mlpipe::Pipeline::step<Type>: the type must be one step");
        return std::get<Step>(steps_);
    }
    const Final& final_step() const noexcept { return std::get<size - 1>(steps_); }
    Final& final_step() noexcept { return std::get<size - 1>(steps_); }

    // Supervised fit; sample_weight (one per row, or empty) goes to the final step.
    Pipeline& fit(const Frame& X, const Frame& y, std::span<const double> sample_weight = {})
        requires EstimatorPipeline<Steps...>;

    // A distributed fit (parallel/communicator.hpp, docs/distributed.md): X, y and
    // sample_weight are this rank's rows; every rank calls this with the same pipeline, and
    // every rank ends with the same fitted pipeline, that of all the ranks' rows. Each step
    // needs a distributed fit (fit(X, communicator); the final step's fit takes the
    // communicator last): SimpleImputer, OneHotEncoder, StandardScaler and LogisticRegression
    // have one; a step without one is refused. One rank: fit(X, y, sample_weight).
    Pipeline& fit(const Frame& X, const Frame& y, std::span<const double> sample_weight,
                  const Communicator& communicator)
        requires EstimatorPipeline<Steps...>;

    // y given as a column rather than a one-column Frame.
    Pipeline& fit(const Frame& X, const Column& y, std::span<const double> sample_weight = {})
        requires EstimatorPipeline<Steps...>;

    // Unsupervised fit, when every step is a Transformer.
    Pipeline& fit(const Frame& X)
        requires TransformerPipeline<Steps...>;

    Frame transform(const Frame& X) const
        requires TransformerPipeline<Steps...>;

    Frame fit_transform(const Frame& X)
        requires TransformerPipeline<Steps...>;

    typename detail::predict_result<Final>::type predict(const Frame& X) const
        requires ClassifierPipeline<Steps...>;
    typename detail::predict_proba_result<Final>::type predict_proba(const Frame& X) const
        requires ClassifierPipeline<Steps...>;
    typename detail::predict_log_proba_result<Final>::type predict_log_proba(const Frame& X) const
        requires ClassifierPipeline<Steps...>;
    typename detail::decision_function_result<Final>::type decision_function(const Frame& X) const
        requires ClassifierPipeline<Steps...>;
    double score(const Frame& X, const Frame& y) const
        requires ClassifierPipeline<Steps...>;
    decltype(auto) classes() const
        requires Classifier<Final>
    {
        return final_step().classes();
    }

    // Names of the features the final step computes on (or, for a transformer pipeline,
    // of its output features), as sklearn's get_feature_names_out.
    decltype(auto) feature_names_out() const
        requires requires(const Final& f) { f.feature_names_out(); }
    {
        check_fitted();
        return final_step().feature_names_out();
    }

    // Everything but the final step applied to X: the features the final step sees.
    Frame transform_features(const Frame& X) const;

    bool is_fitted() const noexcept { return is_fitted_; }
    // The input columns (names and kinds) seen at fit.
    const Schema& schema() const {
        check_fitted();
        return schema_;
    }

    template <class Archive>
    void serialize(Archive& archive, unsigned version);

private:
    friend class boost::serialization::access;

    // Fits steps [0, End) and returns their output (End: every step but the last by default).
    // With a communicator, a distributed fit of each step (this rank's rows in X).
    template <std::size_t End = size - 1>
    Frame fit_leading(const Frame& X, const Communicator* communicator = nullptr) {
        is_fitted_ = false;
        if (communicator == nullptr) {
            if (X.rows() == 0) throw data_error("Pipeline.fit: X has no rows");
        } else {
            collective::on_every_rank(*communicator, [&] {
                if (X.rows() == 0) throw data_error("Pipeline.fit: X has no rows");
            });
            collective::check_same_everywhere(*communicator, Schema::of(X).names(), "Pipeline.fit", "the columns of X");
        }
        schema_ = Schema::of(X);
        return fit_leading_from<0, End>(X, communicator);
    }

    // Intermediate frames are moved from step to step (and a Frame's copy shares its columns).
    template <std::size_t I, std::size_t End>
    Frame fit_leading_from(Frame X, const Communicator* communicator) {
        if constexpr (I >= End) {
            return X;
        } else {
            auto& step = std::get<I>(steps_);
            if (communicator == nullptr) {
                step.fit(X);
                return fit_leading_from<I + 1, End>(step.transform(std::move(X)), communicator);
            }
            fit_step(step, X, *communicator);
            Frame out;
            collective::on_every_rank(*communicator, [&] { out = step.transform(std::move(X)); });
            return fit_leading_from<I + 1, End>(std::move(out), communicator);
        }
    }

    // One step's distributed fit, or parameter_error (on every rank alike) when it has none.
    template <class Step>
    static void fit_step(Step& step, const Frame& X, const Communicator& communicator) {
        if constexpr (requires { step.fit(X, communicator); })
            step.fit(X, communicator);
        else
            throw parameter_error("Pipeline.fit: the step " + step_name<Step>() +
                                  " has no distributed fit (docs/distributed.md lists the steps that have one)");
    }

    template <class Step>
    static std::string step_name() {
        if constexpr (requires { Step::type_name(); })
            return Step::type_name();
        else
            return typeid(Step).name();
    }

    template <std::size_t End = size - 1>
    Frame transform_leading(const Frame& X, const char* who) const {
        check_fitted();
        schema_.check(X, who);
        return transform_leading_from<0, End>(X);
    }

    template <std::size_t I, std::size_t End>
    Frame transform_leading_from(Frame X) const {
        if constexpr (I >= End) {
            return X;
        } else {
            return transform_leading_from<I + 1, End>(std::get<I>(steps_).transform(std::move(X)));
        }
    }

    // The StandardScaler's map, for a final step that applies it itself (folds_scaling).
    FeatureScalings scaling_before_last() const { return std::get<size - 2>(steps_).feature_scalings(); }

    void check_fitted() const {
        if (!is_fitted_) throw not_fitted_error("Pipeline");
    }

    std::tuple<Steps...> steps_;
    Schema schema_;
    bool is_fitted_ = false;
};

// The members below are defined out of the class, so not inline: a program that links
// mlpipe::precompiled takes the stock pipelines' from the library (precompiled.hpp declares
// them extern) instead of compiling them in each of its files.

template <class... Steps>
Pipeline<Steps...>& Pipeline<Steps...>::fit(const Frame& X, const Frame& y, std::span<const double> sample_weight)
    requires EstimatorPipeline<Steps...>
{
    if constexpr (folds_scaling) {
        Frame Xt = fit_leading<size - 2>(X);
        auto& before = std::get<size - 2>(steps_);
        before.fit(Xt);
        final_step().fit(Xt, y, sample_weight, before.feature_scalings());
        is_fitted_ = true;
        return *this;
    }
    Frame Xt = fit_leading(X);
    if constexpr (requires(Final& f) { f.fit(Xt, y, sample_weight); }) {
        final_step().fit(Xt, y, sample_weight);
    } else {
        if (!sample_weight.empty())
            throw parameter_error("Pipeline.fit: the final step " + std::string(typeid(Final).name()) +
                                  " takes no sample weights");
        final_step().fit(Xt, y);
    }
    is_fitted_ = true;
    return *this;
}

template <class... Steps>
Pipeline<Steps...>& Pipeline<Steps...>::fit(const Frame& X, const Frame& y, std::span<const double> sample_weight,
                                             const Communicator& communicator)
    requires EstimatorPipeline<Steps...>
{
    if (communicator.size() == 1) return fit(X, y, sample_weight);
    constexpr bool final_distributed =
        requires(Final& f, const Frame& Xt) { f.fit(Xt, y, sample_weight, FeatureScalings{}, communicator); };
    if constexpr (!final_distributed) {
        throw parameter_error("Pipeline.fit: the final step " + step_name<Final>() + " has no distributed fit");
    } else if constexpr (folds_scaling) {
        Frame Xt = fit_leading<size - 2>(X, &communicator);
        auto& before = std::get<size - 2>(steps_);
        fit_step(before, Xt, communicator);
        final_step().fit(Xt, y, sample_weight, before.feature_scalings(), communicator);
    } else {
        Frame Xt = fit_leading(X, &communicator);
        final_step().fit(Xt, y, sample_weight, FeatureScalings{}, communicator);
    }
    is_fitted_ = true;
    return *this;
}

template <class... Steps>
Pipeline<Steps...>& Pipeline<Steps...>::fit(const Frame& X, const Column& y, std::span<const double> sample_weight)
    requires EstimatorPipeline<Steps...>
{
    Frame labels;
    labels.add(y);
    return fit(X, labels, sample_weight);
}

template <class... Steps>
Pipeline<Steps...>& Pipeline<Steps...>::fit(const Frame& X)
    requires TransformerPipeline<Steps...>
{
    Frame Xt = fit_leading(X);
    final_step().fit(Xt);
    is_fitted_ = true;
    return *this;
}

template <class... Steps>
Frame Pipeline<Steps...>::transform(const Frame& X) const
    requires TransformerPipeline<Steps...>
{
    return final_step().transform(transform_leading(X, "Pipeline.transform"));
}

template <class... Steps>
Frame Pipeline<Steps...>::fit_transform(const Frame& X)
    requires TransformerPipeline<Steps...>
{
    return fit(X).transform(X);
}

template <class... Steps>
typename detail::predict_result<detail::last_step_t<Steps...>>::type Pipeline<Steps...>::predict(
    const Frame& X) const
    requires ClassifierPipeline<Steps...>
{
    if constexpr (folds_scaling)
        return final_step().predict(transform_leading<size - 2>(X, "Pipeline.predict"), scaling_before_last());
    else
        return final_step().predict(transform_leading(X, "Pipeline.predict"));
}

template <class... Steps>
typename detail::predict_proba_result<detail::last_step_t<Steps...>>::type Pipeline<Steps...>::predict_proba(
    const Frame& X) const
    requires ClassifierPipeline<Steps...>
{
    if constexpr (folds_scaling)
        return final_step().predict_proba(transform_leading<size - 2>(X, "Pipeline.predict_proba"),
                                         scaling_before_last());
    else
        return final_step().predict_proba(transform_leading(X, "Pipeline.predict_proba"));
}

template <class... Steps>
typename detail::predict_log_proba_result<detail::last_step_t<Steps...>>::type
Pipeline<Steps...>::predict_log_proba(const Frame& X) const
    requires ClassifierPipeline<Steps...>
{
    if constexpr (folds_scaling)
        return final_step().predict_log_proba(transform_leading<size - 2>(X, "Pipeline.predict_log_proba"),
                                             scaling_before_last());
    else
        return final_step().predict_log_proba(transform_leading(X, "Pipeline.predict_log_proba"));
}

template <class... Steps>
typename detail::decision_function_result<detail::last_step_t<Steps...>>::type
Pipeline<Steps...>::decision_function(const Frame& X) const
    requires ClassifierPipeline<Steps...>
{
    if constexpr (folds_scaling)
        return final_step().decision_function(transform_leading<size - 2>(X, "Pipeline.decision_function"),
                                             scaling_before_last());
    else
        return final_step().decision_function(transform_leading(X, "Pipeline.decision_function"));
}

template <class... Steps>
double Pipeline<Steps...>::score(const Frame& X, const Frame& y) const
    requires ClassifierPipeline<Steps...>
{
    if constexpr (folds_scaling)
        return final_step().score(transform_leading<size - 2>(X, "Pipeline.score"), y, {},
                                  scaling_before_last());
    else
        return final_step().score(transform_leading(X, "Pipeline.score"), y);
}

template <class... Steps>
Frame Pipeline<Steps...>::transform_features(const Frame& X) const {
    return transform_leading(X, "Pipeline.transform_features");
}

}  // namespace mlpipe
