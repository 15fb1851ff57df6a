#pragma once
// The stock pipelines whose fit and archive code mlpipe::precompiled compiles once, so that
// a translation unit that fits, saves and loads one compiles in a fraction of the time.
//
// Link the CMake target mlpipe::precompiled (it defines MLPIPE_PRECOMPILED for you): then
// <mlpipe/mlpipe.hpp> declares these instantiations extern, and the compiler takes them from
// the library instead of compiling them again. Any other pipeline type still works as usual
// (compiled in the user's translation unit). src/precompiled.cpp holds the definitions.
//
// The library is compiled with mlpipe's own flags: code linking it must not change Eigen's
// data layout (EIGEN_* defines, or -march flags that change EIGEN_MAX_ALIGN_BYTES such as
// AVX-512 against a library built without it). Build mlpipe::precompiled with the same
// flags as its users, or use the header-only targets.

#include <mlpipe/core.hpp>
#include <mlpipe/io/model_file.hpp>

namespace mlpipe {

using StockPipeline = Pipeline<OneHotEncoder, StandardScaler, BasicLogisticRegression<double>>;
using StockPipelineFloat = Pipeline<OneHotEncoder, StandardScaler, BasicLogisticRegression<float>>;
// Numeric and categorical imputers (two SimpleImputer steps), and one imputer for either kind.
using StockImputingPipeline =
    Pipeline<SimpleImputer, SimpleImputer, OneHotEncoder, StandardScaler, BasicLogisticRegression<double>>;
using StockSingleImputerPipeline =
    Pipeline<SimpleImputer, OneHotEncoder, StandardScaler, BasicLogisticRegression<double>>;

}  // namespace mlpipe

// MLPIPE_INSTANTIATE is `template` in src/precompiled.cpp (definitions) and `extern template`
// for users (declarations).
#ifndef MLPIPE_INSTANTIATE
#define MLPIPE_INSTANTIATE extern template
#define MLPIPE_INSTANTIATE_DEFINED_HERE
#endif

#define MLPIPE_INSTANTIATE_ARCHIVES(MODEL)                                                                   \
    MLPIPE_INSTANTIATE std::string mlpipe::detail::model_file::serialise_payload<MODEL>(const MODEL&, mlpipe::ArchiveFormat); \
    MLPIPE_INSTANTIATE void mlpipe::detail::model_file::deserialise_payload<MODEL>(std::string_view, mlpipe::ArchiveFormat, MODEL&);

MLPIPE_INSTANTIATE_ARCHIVES(mlpipe::StockPipeline)
MLPIPE_INSTANTIATE_ARCHIVES(mlpipe::StockPipelineFloat)
MLPIPE_INSTANTIATE_ARCHIVES(mlpipe::StockImputingPipeline)
MLPIPE_INSTANTIATE_ARCHIVES(mlpipe::StockSingleImputerPipeline)

#undef MLPIPE_INSTANTIATE_ARCHIVES
#ifdef MLPIPE_INSTANTIATE_DEFINED_HERE
#undef MLPIPE_INSTANTIATE
#undef MLPIPE_INSTANTIATE_DEFINED_HERE
#endif
