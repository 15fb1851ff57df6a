#pragma once
// The run-time choices of a linear model's fit: which solver, which penalty, and which
// scikit-learn's conventions to follow; their names, and which combinations exist.
// Adding a solver: its header in optim/, a value here (appended to Solver and all_solvers,
// named in to_string, and in solver_supports if it takes other penalties), and a case in
// linear_model/solve.hpp. Model files, the SageMaker hyperparameter and the tests that
// loop over every solver take the lists from here.

#include <mlpipe/error.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mlpipe {

// Which scikit-learn's stopping rule to reproduce (docs/solvers.md, "Which scikit-learn").
// Values are stored in model files: append, never renumber.
enum class SklearnVersion : std::uint8_t {
    latest = 0,  // >= 1.4: loss averaged over the sample weights, ftol 64 eps, 50 line-search steps
    v1_2 = 1,    // 1.2: loss summed, ftol 2.2e-9 (scipy's default), 20 line-search steps
};

enum class Solver : std::uint8_t { lbfgs = 0, newton_cg = 1, newton_cholesky = 2, sag = 3, saga = 4 };
enum class Penalty : std::uint8_t { l2 = 0, none = 1, l1 = 2, elasticnet = 3 };

// In enum order, the last one the largest: model files refuse a number above it.
inline constexpr std::array<Solver, 5> all_solvers{Solver::lbfgs, Solver::newton_cg, Solver::newton_cholesky,
                                                   Solver::sag, Solver::saga};
inline constexpr std::array<Penalty, 4> all_penalties{Penalty::l2, Penalty::none, Penalty::l1, Penalty::elasticnet};

// scikit-learn's spelling (newton-cg), which the programs' hyperparameters use too.
inline const char* to_string(Solver solver) noexcept {
    switch (solver) {
        case Solver::lbfgs: return "lbfgs";
        case Solver::newton_cg: return "newton-cg";
        case Solver::newton_cholesky: return "newton-cholesky";
        case Solver::sag: return "sag";
        case Solver::saga: return "saga";
    }
    return "unknown";
}

inline const char* to_string(Penalty penalty) noexcept {
    switch (penalty) {
        case Penalty::l2: return "l2";
        case Penalty::none: return "none";
        case Penalty::l1: return "l1";
        case Penalty::elasticnet: return "elasticnet";
    }
    return "unknown";
}

inline const char* to_string(SklearnVersion version) noexcept {
    return version == SklearnVersion::v1_2 ? "1.2" : "latest";
}

// Accepts scikit-learn's spelling and the enumerator's (newton-cg, newton_cg).
inline std::optional<Solver> solver_from_string(std::string_view name) noexcept {
    for (Solver s : all_solvers) {
        std::string spelled = to_string(s);
        if (name == spelled) return s;
        for (char& c : spelled)
            if (c == '-') c = '_';
        if (name == spelled) return s;
    }
    return std::nullopt;
}

inline std::optional<Penalty> penalty_from_string(std::string_view name) noexcept {
    for (Penalty p : all_penalties)
        if (name == to_string(p)) return p;
    return std::nullopt;
}

// As scikit-learn: l2 and none with every solver; l1 and elasticnet need saga (the only
// solver here with a proximal step; scikit-learn's liblinear also does l1).
constexpr bool solver_supports(Solver solver, Penalty penalty) noexcept {
    if (penalty == Penalty::l2 || penalty == Penalty::none) return true;
    return solver == Solver::saga;
}

// Throws parameter_error for a combination scikit-learn refuses, naming the solvers that
// support the penalty.
inline void check_solver_penalty(Solver solver, Penalty penalty, std::optional<double> l1_ratio,
                                 const std::string& who) {
    if (!solver_supports(solver, penalty)) {
        std::string supporting;
        for (Solver s : all_solvers)
            if (solver_supports(s, penalty)) supporting += (supporting.empty() ? "" : ", ") + std::string(to_string(s));
        throw parameter_error(who + ": penalty " + to_string(penalty) + " needs solver " + supporting + " (solver " +
                              to_string(solver) + " supports l2 and none)");
    }
    if (penalty == Penalty::elasticnet) {
        if (!l1_ratio)
            throw parameter_error(who + ": penalty elasticnet needs l1_ratio, a number in [0, 1] (1 = pure l1)");
        if (!(*l1_ratio >= 0 && *l1_ratio <= 1))
            throw parameter_error(who + ": l1_ratio must be in [0, 1], got " + std::to_string(*l1_ratio));
    }
}

}  // namespace mlpipe
