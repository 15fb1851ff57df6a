// expect: the type must be one step
// step<Type>() names a step by its type, which must occur exactly once in the pipeline.
// (With distinct types, as in ok_pipeline.cpp, step<OneHotEncoder>() compiles.)
#include <mlpipe/core.hpp>

int main() {
    mlpipe::Pipeline<mlpipe::StandardScaler, mlpipe::StandardScaler, mlpipe::LogisticRegression> pipeline;
    auto& scaler = pipeline.step<mlpipe::StandardScaler>();
    (void)scaler;
    return 0;
}
