// mlpipe::precompiled: the stock instantiations <mlpipe/precompiled.hpp> lists, compiled once.
// Built as a static library by CMake (target mlpipe::precompiled); its users compile with
// MLPIPE_PRECOMPILED defined, which turns these into extern declarations for them.

#define MLPIPE_INSTANTIATE template
#include <mlpipe/linear_model/logistic_regression_impl.hpp>
#include <mlpipe/io/model_archive.hpp>
#include <mlpipe/mlpipe.hpp>
#include <mlpipe/precompiled.hpp>

// The fits (every solver) in double and float; the headers declare them extern, and only
// this file sees their definitions (logistic_regression_impl.hpp).
template class mlpipe::BasicLogisticRegression<double>;
template class mlpipe::BasicLogisticRegression<float>;
