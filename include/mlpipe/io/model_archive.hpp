#pragma once
// What a file needs to save and load any model type: Boost's archives around the payload
// (io/archive_payload.hpp) and the serialize functions of mlpipe's own types
// (serialization/*.hpp). The serialize functions of your own steps are yours to include.
//
// A header-only build gets all of it from <mlpipe/mlpipe.hpp>. With mlpipe::precompiled,
// <mlpipe/mlpipe.hpp> includes no Boost archive, as the stock pipelines' archive code comes
// compiled from the library (precompiled.hpp); a file that saves or loads any other model
// type includes this header, as model_file.hpp's static_assert says.

#include "mlpipe/io/archive_payload.hpp"
#include "mlpipe/io/model_file.hpp"
#include "mlpipe/serialization/eigen.hpp"
#include "mlpipe/serialization/frame.hpp"
#include "mlpipe/serialization/linear_model.hpp"
#include "mlpipe/serialization/pipeline.hpp"
#include "mlpipe/serialization/preprocessing.hpp"

// The stock pipelines' archive code stays the library's: their extern declarations, for a
// file that includes this header without <mlpipe/mlpipe.hpp>.
#ifdef MLPIPE_PRECOMPILED
#include "mlpipe/precompiled.hpp"
#endif
