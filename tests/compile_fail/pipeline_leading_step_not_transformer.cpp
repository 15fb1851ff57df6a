// expect: every step but the last must be a Transformer
// A step before the last must transform: LogisticRegression only fits and predicts, so it
// cannot feed StandardScaler.
#include <mlpipe/core.hpp>

int main() {
    mlpipe::Pipeline<mlpipe::LogisticRegression, mlpipe::StandardScaler> pipeline;
    (void)pipeline;
    return 0;
}
