// A control for precompiled_save_needs_archive_code.cpp: with <mlpipe/io/model_archive.hpp>, a
// program that links mlpipe::precompiled saves and loads any model type; and the stock pipeline
// needs no more than <mlpipe/mlpipe.hpp>.
#include <mlpipe/io/model_archive.hpp>
#include <mlpipe/mlpipe.hpp>

int main() {
    using Other = mlpipe::Pipeline<mlpipe::OneHotEncoder, mlpipe::LogisticRegression>;
    const Other other;
    const mlpipe::StockPipeline stock;
    try {
        (void)mlpipe::load_from_string<Other>(mlpipe::save_to_string(other));
        (void)mlpipe::load_from_string<mlpipe::StockPipeline>(mlpipe::save_to_string(stock));
    } catch (const mlpipe::error&) {
        return 1;
    }
    return 0;
}
