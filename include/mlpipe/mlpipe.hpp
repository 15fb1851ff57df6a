#pragma once
// The front door: the whole library, persistence included (Boost archives).
// Code that only fits and predicts can include <mlpipe/core.hpp> and compile faster.
//
// With mlpipe::precompiled (MLPIPE_PRECOMPILED), the stock pipelines' archive code comes from
// the library and Boost's archives stay out: a program that saves or loads another model type
// also includes <mlpipe/io/model_archive.hpp>.

#include <mlpipe/core.hpp>
#include <mlpipe/io/csv_writer.hpp>
#include <mlpipe/io/model_file.hpp>

#ifdef MLPIPE_PRECOMPILED  // set by the mlpipe::precompiled CMake target
#include <mlpipe/precompiled.hpp>
#else
#include <mlpipe/io/model_archive.hpp>
#endif
