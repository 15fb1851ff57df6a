// expect: needs its archive code: #include <mlpipe/io/model_archive.hpp>
// With mlpipe::precompiled, <mlpipe/mlpipe.hpp> brings the archive code of the stock pipelines
// only (Boost's archives stay out of the translation unit): saving another model type says
// which header to include (precompiled_save_with_archive_code.cpp is the same, with it).
#include <mlpipe/mlpipe.hpp>

int main() {
    mlpipe::Pipeline<mlpipe::OneHotEncoder, mlpipe::LogisticRegression> model;
    return static_cast<int>(mlpipe::save_to_string(model).size() % 2);
}
