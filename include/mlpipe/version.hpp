#pragma once
// The library's version, also written into model files and training metadata.

#define MLPIPE_VERSION_MAJOR 0
#define MLPIPE_VERSION_MINOR 3
#define MLPIPE_VERSION_PATCH 0

namespace mlpipe {
inline constexpr const char* version_string = "0.3.0";
}  // namespace mlpipe
