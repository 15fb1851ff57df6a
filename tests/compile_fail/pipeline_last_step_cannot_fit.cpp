// expect: the last step must be able to fit
// The last step has a transform but no fit, so it is neither a Transformer nor an Estimator.
#include <mlpipe/core.hpp>

#include <string>

struct TransformOnly {
    static std::string type_name() { return "TransformOnly"; }
    mlpipe::Frame transform(const mlpipe::Frame& X) const { return X; }
};

int main() {
    mlpipe::Pipeline<mlpipe::StandardScaler, TransformOnly> pipeline;
    (void)pipeline;
    return 0;
}
