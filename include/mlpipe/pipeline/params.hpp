#pragma once
// get_params / set_params: the options of a step, or of every step of a pipeline, read and
// set by name, as scikit-learn's. A pipeline names its steps as make_pipeline does (the
// lower-case class name; "-1", "-2" ... when a class occurs more than once) and its
// parameters "<step>__<option>": "logisticregression__C", "simpleimputer-2__strategy".
//
//   mlpipe::set_params(model, {{"logisticregression__C", 0.1}, {"onehotencoder__drop", "first"}});
//   mlpipe::Params all = mlpipe::get_params(model);
//
// As in scikit-learn, a new value takes effect at the next fit (a fitted step keeps what it
// learned). A name or type that does not fit is a parameter_error naming it and what would
// fit, and then nothing changes. Enumerations are their names as strings ("lbfgs", "ignore");
// an unset option (l1_ratio, class_weight) is `mlpipe::unset` (Python's None).

#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/linear_model/logistic_regression.hpp>
#include <mlpipe/pipeline/pipeline.hpp>
#include <mlpipe/preprocessing/one_hot_encoder.hpp>
#include <mlpipe/preprocessing/simple_imputer.hpp>
#include <mlpipe/preprocessing/standard_scaler.hpp>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <map>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace mlpipe {

// The encoder's explicit categories, one list per encoded column (scikit-learn's list of arrays).
using CategoryLists = std::vector<CategoryList>;

// One option's value: unset (None), a flag, a whole number, a number, a name, a list of
// names, or the encoder's category lists.
using ParamValue =
    std::variant<std::monostate, bool, std::int64_t, double, std::string, std::vector<std::string>, CategoryLists>;
// Options by name, sorted (as scikit-learn's get_params).
using Params = std::map<std::string, ParamValue>;

inline constexpr std::monostate unset{};

inline std::string to_string(const ParamValue& value) {
    struct Text {
        std::string operator()(std::monostate) const { return "None"; }
        std::string operator()(bool b) const { return b ? "true" : "false"; }
        std::string operator()(std::int64_t i) const { return std::to_string(i); }
        std::string operator()(double d) const { return detail::number_to_text(d); }
        std::string operator()(const std::string& s) const { return s; }
        std::string operator()(const std::vector<std::string>& names) const {
            std::string out = "[";
            for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
            return out + "]";
        }
        // "[island: [Biscoe, Dream, nan], ...]": each encoded column and its categories in order.
        std::string operator()(const CategoryLists& lists) const {
            std::string out = "[";
            for (std::size_t i = 0; i < lists.size(); ++i) {
                const CategoryList& list = lists[i];
                out += (i ? ", " : "") + list.column + ": [";
                std::size_t n = 0;
                for (const auto& text : list.text) out += (n++ ? ", " : "") + text.value_or("nan");
                for (const double number : list.numbers) out += (n++ ? ", " : "") + detail::number_to_text(number);
                out += "]";
            }
            return out + "]";
        }
    };
    return std::visit(Text{}, value);
}

namespace detail {

inline const char* param_type_name(const ParamValue& value) {
    constexpr const char* names[] = {"unset",    "a flag",          "a whole number", "a number",
                                     "a string", "a list of names", "category lists"};
    static_assert(std::size(names) == std::variant_size_v<ParamValue>);
    return names[value.index()];
}

// Reads the entries of one step's Params, each at most once; finish() refuses any left.
class ParamReader {
public:
    ParamReader(const Params& params, std::string who, std::vector<std::string> known)
        : params_(params), who_(std::move(who)), known_(std::move(known)) {
        for (const auto& [name, value] : params_) {
            bool found = false;
            for (const auto& k : known_) found = found || k == name;
            if (!found)
                throw parameter_error(who_ + ": no parameter named '" + name + "'; its parameters are " +
                                      quoted_list(known_));
        }
    }

    void read(const char* name, double& target) const {
        if (const ParamValue* v = find(name)) {
            if (const auto* d = std::get_if<double>(v)) target = *d;
            else if (const auto* i = std::get_if<std::int64_t>(v)) target = static_cast<double>(*i);
            else wrong(name, *v, "a number");
        }
    }
    void read(const char* name, std::optional<double>& target) const {
        if (const ParamValue* v = find(name)) {
            if (std::holds_alternative<std::monostate>(*v)) {
                target.reset();
            } else {
                double d = 0;
                read(name, d);
                target = d;
            }
        }
    }
    template <class Int>
        requires std::is_integral_v<Int> && (!std::is_same_v<Int, bool>)
    void read(const char* name, Int& target) const {
        if (const ParamValue* v = find(name)) {
            double d = 0;
            if (const auto* i = std::get_if<std::int64_t>(v)) d = static_cast<double>(*i);
            else if (const auto* f = std::get_if<double>(v)) d = *f;
            else wrong(name, *v, "a whole number");
            // max() + 1 is a power of two, exact in a double; max() itself may round up to it.
            if (d != std::floor(d) || d < static_cast<double>(std::numeric_limits<Int>::min()) ||
                d >= 2.0 * static_cast<double>(std::numeric_limits<Int>::max() / 2 + 1))
                throw parameter_error(who_ + ": parameter '" + name + "' must be a whole number in range, not " +
                                      to_string(*v));
            target = static_cast<Int>(d);
        }
    }
    void read(const char* name, bool& target) const {
        if (const ParamValue* v = find(name)) {
            if (const auto* b = std::get_if<bool>(v)) target = *b;
            else wrong(name, *v, "a flag (true or false)");
        }
    }
    void read(const char* name, std::string& target) const {
        if (const ParamValue* v = find(name)) {
            if (const auto* s = std::get_if<std::string>(v)) target = *s;
            else wrong(name, *v, "a string");
        }
    }
    void read(const char* name, std::vector<std::string>& target) const {
        if (const ParamValue* v = find(name)) {
            if (const auto* names = std::get_if<std::vector<std::string>>(v)) target = *names;
            else wrong(name, *v, "a list of names");
        }
    }
    // An enumeration given by name (unset reads as "none").
    template <class Enum, std::size_t N>
    void read_choice(const char* name, Enum& target, const std::array<std::pair<Enum, const char*>, N>& table) const {
        std::vector<std::string> choices;
        for (const auto& entry : table) choices.emplace_back(entry.second);
        if (const ParamValue* v = find(name)) {
            std::string text;
            if (std::holds_alternative<std::monostate>(*v)) text = "none";
            else if (const auto* s = std::get_if<std::string>(v)) text = *s;
            else wrong(name, *v, "one of " + quoted_list(choices));
            std::optional<Enum> parsed;
            for (const auto& [value, value_name] : table)
                if (text == value_name) parsed = value;
            if (!parsed)
                throw parameter_error(who_ + ": parameter '" + name + "' is '" + text + "', not one of " +
                                      quoted_list(choices));
            target = *parsed;
        }
    }

private:
    const ParamValue* find(const char* name) const {
        auto it = params_.find(name);
        return it == params_.end() ? nullptr : &it->second;
    }
    [[noreturn]] void wrong(const char* name, const ParamValue& value, const std::string& wanted) const {
        throw parameter_error(who_ + ": parameter '" + name + "' takes " + wanted + ", not " + param_type_name(value) +
                              " (" + to_string(value) + ")");
    }

    const Params& params_;
    std::string who_;
    std::vector<std::string> known_;
};

// An enumeration's values and their names (scikit-learn's strings).
template <class Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, const char*>, N>;

template <class Enum, std::size_t N>
std::string name_of(const NameTable<Enum, N>& table, Enum value) {
    for (const auto& [e, name] : table)
        if (e == value) return name;
    return "unknown";
}
template <class Enum, std::size_t N>
std::optional<Enum> value_of(const NameTable<Enum, N>& table, const std::string& text) {
    for (const auto& [e, name] : table)
        if (text == name) return e;
    return std::nullopt;
}
template <class Enum, std::size_t N>
std::vector<std::string> names_of(const NameTable<Enum, N>& table) {
    std::vector<std::string> names;
    for (const auto& entry : table) names.emplace_back(entry.second);
    return names;
}

inline constexpr NameTable<HandleUnknown, 3> handle_unknown_names{{{HandleUnknown::error, "error"},
                                                                  {HandleUnknown::ignore, "ignore"},
                                                                  {HandleUnknown::infrequent_if_exist,
                                                                   "infrequent_if_exist"}}};
inline constexpr NameTable<Drop, 3> drop_names{{{Drop::none, "none"}, {Drop::first, "first"}, {Drop::if_binary, "if_binary"}}};
inline constexpr NameTable<ClassWeight, 2> class_weight_names{{{ClassWeight::none, "none"}, {ClassWeight::balanced, "balanced"}}};
inline constexpr NameTable<ImputeStrategy, 4> strategy_names{{{ImputeStrategy::mean, "mean"},
                                                              {ImputeStrategy::median, "median"},
                                                              {ImputeStrategy::most_frequent, "most_frequent"},
                                                              {ImputeStrategy::constant, "constant"}}};
inline constexpr NameTable<SklearnVersion, 2> sklearn_version_names{
    {{SklearnVersion::latest, "latest"}, {SklearnVersion::v1_2, "1.2"}}};
inline constexpr NameTable<Solver, 5> solver_names{{{Solver::lbfgs, "lbfgs"},
                                                    {Solver::newton_cg, "newton-cg"},
                                                    {Solver::newton_cholesky, "newton-cholesky"},
                                                    {Solver::sag, "sag"},
                                                    {Solver::saga, "saga"}}};
inline constexpr NameTable<Backend, 4> backend_names{{{Backend::cpu, "cpu"},
                                                      {Backend::blas, "blas"},
                                                      {Backend::cuda, "cuda"},
                                                      {Backend::automatic, "automatic"}}};
inline constexpr NameTable<Penalty, 4> penalty_names{
    {{Penalty::l2, "l2"}, {Penalty::none, "none"}, {Penalty::l1, "l1"}, {Penalty::elasticnet, "elasticnet"}}};

// scikit-learn's name for a step: its class name in lower case ("logisticregression").
inline std::string step_name_of(std::string type_name) {
    type_name = type_name.substr(0, type_name.find('<'));
    for (char& c : type_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return type_name;
}

}  // namespace detail

// ---- the steps ---------------------------------------------------------------------------

inline Params get_params(const StandardScaler& step) {
    const auto& o = step.options();
    return {{"columns", o.columns}, {"with_mean", o.with_mean}, {"with_std", o.with_std}};
}
inline void set_params(StandardScaler& step, const Params& params) {
    detail::ParamReader in(params, "StandardScaler.set_params", {"columns", "with_mean", "with_std"});
    auto o = step.options();
    in.read("columns", o.columns);
    in.read("with_mean", o.with_mean);
    in.read("with_std", o.with_std);
    step.set_options(std::move(o));
}

inline Params get_params(const SimpleImputer& step) {
    const auto& o = step.options();
    return {{"columns", o.columns},
            {"strategy", detail::name_of(detail::strategy_names, o.strategy)},
            {"fill_value", o.fill_value},
            {"add_indicator", o.add_indicator}};
}
inline void set_params(SimpleImputer& step, const Params& params) {
    detail::ParamReader in(params, "SimpleImputer.set_params", {"columns", "strategy", "fill_value", "add_indicator"});
    auto o = step.options();
    in.read("columns", o.columns);
    in.read_choice("strategy", o.strategy, detail::strategy_names);
    in.read("fill_value", o.fill_value);
    in.read("add_indicator", o.add_indicator);
    step.set_options(std::move(o));
}

// min_frequency as scikit-learn takes it: a whole number is a count of rows, a number a
// fraction of them, unset none. categories: "auto" (found by fit) or CategoryLists, one per
// encoded column, as Options::categories.
inline Params get_params(const OneHotEncoder& step) {
    const auto& o = step.options();
    ParamValue min_frequency{};
    if (o.min_frequency)
        min_frequency = o.min_frequency->kind == MinFrequency::Kind::count ? ParamValue{o.min_frequency->rows}
                                                                           : ParamValue{o.min_frequency->share};
    return {{"columns", o.columns},
            {"categories", o.categories.empty() ? ParamValue{std::string("auto")} : ParamValue{o.categories}},
            {"handle_unknown", detail::name_of(detail::handle_unknown_names, o.handle_unknown)},
            {"drop", detail::name_of(detail::drop_names, o.drop)},
            {"min_frequency", min_frequency},
            {"max_categories", o.max_categories ? ParamValue{*o.max_categories} : ParamValue{}}};
}
inline void set_params(OneHotEncoder& step, const Params& params) {
    detail::ParamReader in(params, "OneHotEncoder.set_params",
                           {"categories", "columns", "drop", "handle_unknown", "max_categories", "min_frequency"});
    auto o = step.options();
    in.read("columns", o.columns);
    if (auto it = params.find("categories"); it != params.end()) {
        if (const auto* lists = std::get_if<CategoryLists>(&it->second)) o.categories = *lists;
        else if (const auto* text = std::get_if<std::string>(&it->second); text && *text == "auto") o.categories.clear();
        else
            throw parameter_error("OneHotEncoder.set_params: parameter 'categories' takes \"auto\" or CategoryLists "
                                  "(one list per encoded column), not " +
                                  std::string(detail::param_type_name(it->second)) + " (" + to_string(it->second) +
                                  ")");
    }
    in.read_choice("handle_unknown", o.handle_unknown, detail::handle_unknown_names);
    in.read_choice("drop", o.drop, detail::drop_names);
    if (auto it = params.find("min_frequency"); it != params.end()) {
        if (std::holds_alternative<std::monostate>(it->second)) o.min_frequency.reset();
        else if (const auto* rows = std::get_if<std::int64_t>(&it->second)) o.min_frequency = MinFrequency::count(*rows);
        else if (const auto* share = std::get_if<double>(&it->second)) o.min_frequency = MinFrequency::fraction(*share);
        else
            throw parameter_error("OneHotEncoder.set_params: parameter 'min_frequency' takes a whole number (rows), "
                                  "a number (a fraction of the rows) or unset, not " +
                                  to_string(it->second));
    }
    if (auto it = params.find("max_categories"); it != params.end()) {
        if (std::holds_alternative<std::monostate>(it->second)) {
            o.max_categories.reset();
        } else {
            std::int64_t count = 0;
            in.read("max_categories", count);
            o.max_categories = count;
        }
    }
    step.set_options(std::move(o));  // checks the values (min_frequency > 0, max_categories >= 1, ...)
}

template <class Scalar>
Params get_params(const BasicLogisticRegression<Scalar>& step) {
    const auto& o = step.options();
    return {{"C", o.C},
            {"backend", detail::name_of(detail::backend_names, o.backend)},
            {"class_weight", o.class_weight == ClassWeight::none ? ParamValue{} : ParamValue{std::string("balanced")}},
            {"fit_intercept", o.fit_intercept},
            {"l1_ratio", o.l1_ratio ? ParamValue{*o.l1_ratio} : ParamValue{}},
            {"match_sklearn", detail::name_of(detail::sklearn_version_names, o.match_sklearn)},
            {"max_iter", std::int64_t{o.max_iter}},
            {"n_jobs", std::int64_t{o.n_jobs}},
            {"penalty", detail::name_of(detail::penalty_names, o.penalty)},
            {"random_state", static_cast<std::int64_t>(o.random_state)},
            {"solver", detail::name_of(detail::solver_names, o.solver)},
            {"tol", o.tol}};
}
template <class Scalar>
void set_params(BasicLogisticRegression<Scalar>& step, const Params& params) {
    detail::ParamReader in(params, "LogisticRegression.set_params",
                           {"C", "backend", "class_weight", "fit_intercept", "l1_ratio", "match_sklearn", "max_iter",
                            "n_jobs", "penalty", "random_state", "solver", "tol"});
    auto o = step.options();
    in.read("C", o.C);
    in.read_choice("backend", o.backend, detail::backend_names);
    in.read_choice("class_weight", o.class_weight, detail::class_weight_names);
    in.read("fit_intercept", o.fit_intercept);
    in.read("l1_ratio", o.l1_ratio);
    in.read_choice("match_sklearn", o.match_sklearn, detail::sklearn_version_names);
    in.read("max_iter", o.max_iter);
    in.read("n_jobs", o.n_jobs);
    in.read_choice("penalty", o.penalty, detail::penalty_names);
    in.read("random_state", o.random_state);
    in.read_choice("solver", o.solver, detail::solver_names);
    in.read("tol", o.tol);
    step.set_options(o);  // checks the options together (penalty l1 needs solver saga, ...)
}

// ---- pipelines ---------------------------------------------------------------------------

// The names of a pipeline's steps, as make_pipeline gives them.
template <class... Steps>
std::vector<std::string> step_names(const Pipeline<Steps...>&) {
    std::vector<std::string> names{detail::step_name_of(Steps::type_name())...};
    std::map<std::string, int> count, seen;
    for (const auto& n : names) ++count[n];
    for (auto& n : names)
        if (count[n] > 1) n += "-" + std::to_string(++seen[n]);
    return names;
}

template <class... Steps>
Params get_params(const Pipeline<Steps...>& pipeline) {
    const std::vector<std::string> names = step_names(pipeline);
    Params out;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                for (auto& [name, value] : get_params(pipeline.template step<I>()))
                    out.emplace(names[I] + "__" + name, std::move(value));
            }(),
            ...);
    }(std::index_sequence_for<Steps...>{});
    return out;
}

// Sets the named parameters; on any error nothing changes.
template <class... Steps>
void set_params(Pipeline<Steps...>& pipeline, const Params& params) {
    const std::vector<std::string> names = step_names(pipeline);
    std::vector<Params> by_step(names.size());
    for (const auto& [name, value] : params) {
        const auto split = name.find("__");
        const std::string step = split == std::string::npos ? name : name.substr(0, split);
        std::size_t index = names.size();
        for (std::size_t i = 0; i < names.size(); ++i)
            if (names[i] == step) index = i;
        if (split == std::string::npos || index == names.size())
            throw parameter_error("Pipeline.set_params: '" + name + "' names no step's parameter; parameters are " +
                                  "<step>__<name> with the steps " + detail::quoted_list(names));
        by_step[index].emplace(name.substr(split + 2), value);
    }
    Pipeline<Steps...> changed = pipeline;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((by_step[I].empty() ? void() : set_params(changed.template step<I>(), by_step[I])), ...);
    }(std::index_sequence_for<Steps...>{});
    pipeline = std::move(changed);
}

}  // namespace mlpipe
