#pragma once
// The front door: the whole library, persistence included (Boost archives).
// Code that only fits and predicts can include <mlpipe/core.hpp> and compile faster.

#include <mlpipe/core.hpp>
#include <mlpipe/io/csv_writer.hpp>
#include <mlpipe/io/model_file.hpp>
#include <mlpipe/serialization/eigen.hpp>
#include <mlpipe/serialization/frame.hpp>
#include <mlpipe/serialization/linear_model.hpp>
#include <mlpipe/serialization/pipeline.hpp>
#include <mlpipe/serialization/preprocessing.hpp>

#ifdef MLPIPE_PRECOMPILED  // set by the mlpipe::precompiled CMake target
#include <mlpipe/precompiled.hpp>
#endif
