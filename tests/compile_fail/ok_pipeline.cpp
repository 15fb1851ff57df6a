// The control for the compile-failure tests: this file MUST compile. If it does not, the
// harness itself is broken (include path, flags, a header that no longer compiles) and the
// compile_fail tests' passes would mean nothing.
#include <mlpipe/core.hpp>

#include <iostream>
#include <string>
#include <vector>

int main() {
    using Model = mlpipe::Pipeline<mlpipe::OneHotEncoder, mlpipe::StandardScaler, mlpipe::LogisticRegression>;
    Model model{mlpipe::OneHotEncoder{{.columns = {"island"}}}, mlpipe::StandardScaler{{.columns = {"mass"}}},
                mlpipe::LogisticRegression{{.C = 1.0, .max_iter = 100}}};

    // Access by type (each type occurs once) and by position.
    mlpipe::OneHotEncoder& encoder = model.step<mlpipe::OneHotEncoder>();
    const auto& scaler = model.step<1>();
    (void)encoder;
    (void)scaler;

    mlpipe::Frame X;
    X.add_categorical("island", std::vector<std::string>{"a", "b", "a", "b"});
    X.add_numeric("mass", {1.0, 2.0, 1.5, 2.5});
    mlpipe::Frame y;
    y.add_categorical("label", std::vector<std::string>{"x", "y", "x", "y"});

    model.fit(X, y);
    std::cout << model.predict(X).size() << ' ' << model.predict_proba(X).rows() << ' ' << model.score(X, y) << '\n';
    return 0;
}
