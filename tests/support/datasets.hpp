#pragma once
// Shared by the tests: the project's data folder and the scikit-learn reference sets.

#include <mlpipe/core.hpp>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mlpipe::test {

inline std::filesystem::path data_dir() { return MLPIPE_DATA_DIR; }

// One reference set: data/reference/<name>/{train,test}/ and reference.json, made with
// scikit-learn 1.2.1 (see data/reference/README.md).
struct ReferenceSet {
    std::string name;
    nlohmann::json ref;
    Frame X_train, y_train, X_test, y_test;
    std::vector<std::string> categorical, numeric;

    explicit ReferenceSet(std::string set_name) : name(std::move(set_name)) {
        const auto dir = data_dir() / "reference" / name;
        std::ifstream in(dir / "reference.json");
        ref = nlohmann::json::parse(in);
        X_train = read_csv(dir / "train" / "X_train.csv");
        y_train = read_csv(dir / "train" / "y_train.csv");
        X_test = read_csv(dir / "test" / "X_test.csv");
        y_test = read_csv(dir / "test" / "y_test.csv");
        categorical = ref["categorical_features"].get<std::vector<std::string>>();
        numeric = ref["numerical_features"].get<std::vector<std::string>>();
    }

    // The sklearn pipeline of the reference: scaler on the numeric columns, one-hot
    // (handle_unknown = ignore) on the categorical ones, then LogisticRegression.
    template <class Scalar = double>
    Pipeline<OneHotEncoder, StandardScaler, BasicLogisticRegression<Scalar>> pipeline(
        typename BasicLogisticRegression<Scalar>::Options options = {}) const {
        return Pipeline<OneHotEncoder, StandardScaler, BasicLogisticRegression<Scalar>>{
            OneHotEncoder{{.columns = categorical, .handle_unknown = HandleUnknown::ignore}},
            StandardScaler{{.columns = numeric}}, BasicLogisticRegression<Scalar>{options}};
    }
};

// The fit in data/reference/<set>/solvers.json (scikit-learn 1.2.1) with this solver,
// penalty and tol; throws when there is none.
inline nlohmann::json sklearn_fit(const std::string& set, const std::string& solver, double tol,
                                  const std::string& penalty = "l2") {
    std::ifstream in(data_dir() / "reference" / set / "solvers.json");
    const auto fits = nlohmann::json::parse(in)["fits"];
    for (const auto& fit : fits)
        if (fit["solver"] == solver && fit["penalty"] == penalty && fit["tol"].get<double>() == tol) return fit;
    throw std::runtime_error("no " + solver + " " + penalty + " fit at tol " + std::to_string(tol) + " in " + set +
                             "/solvers.json");
}

inline Eigen::MatrixXd to_matrix(const nlohmann::json& rows) {
    Eigen::MatrixXd out(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.at(0).size()));
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::size_t j = 0; j < rows[i].size(); ++j)
            out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j].get<double>();
    return out;
}

inline Eigen::VectorXd to_vector(const nlohmann::json& values) {
    Eigen::VectorXd out(static_cast<Eigen::Index>(values.size()));
    for (std::size_t i = 0; i < values.size(); ++i) out[static_cast<Eigen::Index>(i)] = values[i].get<double>();
    return out;
}

template <class A, class B>
double max_abs_diff(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
    return (a.template cast<double>() - b.template cast<double>()).cwiseAbs().maxCoeff();
}

// A small frame with a categorical, two numeric columns and a binary label, for unit tests.
inline Frame toy_X() {
    Frame X;
    X.add_categorical("color", {"red", "blue", "red", "green", "blue", "green", "red", "blue"});
    X.add_numeric("size", {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0});
    X.add_numeric("weight", {10.0, 8.0, 6.5, 7.0, 3.0, 2.5, 1.0, 0.5});
    return X;
}
inline Frame toy_y() {
    Frame y;
    y.add_categorical("label", std::vector<std::string>{"no", "no", "yes", "no", "yes", "yes", "yes", "no"});
    return y;
}

}  // namespace mlpipe::test
