#pragma once
// What mlpipe::precompiled compiles once, so that a translation unit that reads, fits, saves
// and loads a pipeline compiles in a fraction of the time:
//   - LogisticRegression's fit and prediction (every solver), in double and float
//     (src/precompiled.cpp; BasicLogisticRegression<long double> is not among them);
//   - the non-template code of the CSV reader, Column, Frame, Schema, Label and the
//     preprocessing steps (src/csv.cpp, src/frame.cpp, src/preprocessing.cpp);
//   - the stock pipelines below: their fit, predictions and score, and their archive code
//     (src/precompiled.cpp);
//   - Boost's archive implementation behind the readers of model files, whatever the
//     pipeline (src/archives.cpp; io/bounded_archive_impl.hpp).
//
// Link the CMake target mlpipe::precompiled (it defines MLPIPE_PRECOMPILED for you): then the
// headers only declare those functions (MLPIPE_INLINE, detail/compiled.hpp; the *_impl.hpp
// headers that define them, and the solvers' and the CSV reader's headers behind them, are
// left out) and declare these instantiations extern, and the compiler takes them from the
// library. Any other pipeline type still works as usual: its own template code is compiled
// in the user's translation unit, on top of the library's.
//
// Three rules follow. Every translation unit of a program that links mlpipe::precompiled is
// compiled with MLPIPE_PRECOMPILED (CMake does it for whatever links the target): one without
// it would define the same functions inline, which the language does not allow. Code that
// uses the library's internals (Design, LinearLoss, the solvers, the CSV reader's classes,
// ThreadPool) includes their headers itself: the public headers no longer bring them in. And
// a file that saves or loads a model other than the pipelines below includes
// <mlpipe/io/model_archive.hpp> (Boost's archives and mlpipe's serialize functions), as a
// static_assert in model_file.hpp says.
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
    MLPIPE_INSTANTIATE void mlpipe::detail::model_file::deserialise_payload<MODEL>(std::string_view, mlpipe::ArchiveFormat, MODEL&); \
    template <>                                                                                              \
    inline constexpr bool mlpipe::detail::model_file::archive_code_visible<MODEL> = true;

MLPIPE_INSTANTIATE_ARCHIVES(mlpipe::StockPipeline)
MLPIPE_INSTANTIATE_ARCHIVES(mlpipe::StockPipelineFloat)
MLPIPE_INSTANTIATE_ARCHIVES(mlpipe::StockImputingPipeline)
MLPIPE_INSTANTIATE_ARCHIVES(mlpipe::StockSingleImputerPipeline)

// The pipelines' own members (pipeline.hpp defines them out of the class, so not inline).
#define MLPIPE_INSTANTIATE_PIPELINE(MODEL)                                                                   \
    MLPIPE_INSTANTIATE MODEL& MODEL::fit(const mlpipe::Frame&, const mlpipe::Frame&, std::span<const double>); \
    MLPIPE_INSTANTIATE MODEL& MODEL::fit(const mlpipe::Frame&, const mlpipe::Frame&, std::span<const double>, \
                                         const mlpipe::Communicator&);                                         \
    MLPIPE_INSTANTIATE MODEL& MODEL::fit(const mlpipe::Frame&, const mlpipe::Column&, std::span<const double>); \
    MLPIPE_INSTANTIATE mlpipe::Labels MODEL::predict(const mlpipe::Frame&) const;                              \
    MLPIPE_INSTANTIATE MODEL::Final::Matrix MODEL::predict_proba(const mlpipe::Frame&) const;                  \
    MLPIPE_INSTANTIATE MODEL::Final::Matrix MODEL::predict_log_proba(const mlpipe::Frame&) const;              \
    MLPIPE_INSTANTIATE MODEL::Final::Matrix MODEL::decision_function(const mlpipe::Frame&) const;              \
    MLPIPE_INSTANTIATE double MODEL::score(const mlpipe::Frame&, const mlpipe::Frame&) const;                  \
    MLPIPE_INSTANTIATE mlpipe::Frame MODEL::transform_features(const mlpipe::Frame&) const;

MLPIPE_INSTANTIATE_PIPELINE(mlpipe::StockPipeline)
MLPIPE_INSTANTIATE_PIPELINE(mlpipe::StockPipelineFloat)
MLPIPE_INSTANTIATE_PIPELINE(mlpipe::StockImputingPipeline)
MLPIPE_INSTANTIATE_PIPELINE(mlpipe::StockSingleImputerPipeline)

#undef MLPIPE_INSTANTIATE_ARCHIVES
#undef MLPIPE_INSTANTIATE_PIPELINE
#ifdef MLPIPE_INSTANTIATE_DEFINED_HERE
#undef MLPIPE_INSTANTIATE
#undef MLPIPE_INSTANTIATE_DEFINED_HERE
#endif
