#pragma once
// Writing a file so that a crash or a full disk never leaves half of it behind: write a
// temporary file in the target's folder, fsync it, then rename it over the target. Readers
// see the old file or the complete new one. Used for model files, CSV output and the
// training programs' metadata.
//
// The definitions are in atomic_file_impl.hpp: included below in a header-only build,
// compiled once in mlpipe::precompiled (src/model_file.cpp), so that a file that saves a
// model does not compile <random> and the POSIX headers for it.

#include <mlpipe/detail/compiled.hpp>

#include <filesystem>
#include <string_view>

namespace mlpipe {

// The temporary files below are named <target>.tmp-<pid>-<random>: a program that was killed
// while writing may leave one behind, and this marker lets it find and remove them later.
inline constexpr std::string_view temporary_file_marker = ".tmp-";

// Writes `bytes` to a new temporary file beside `target` (<target>.tmp-<pid>-<random>),
// fsyncs and closes it, and returns its path: for callers that rename several files as
// one unit (the rename, and removing the file, are theirs). Throws mlpipe::error naming the
// target and the reason; the temporary file is removed then.
MLPIPE_INLINE std::filesystem::path write_temporary_file(const std::filesystem::path& target, std::string_view bytes);

// Writes to a temporary file in the target's folder, fsyncs it, then renames it over the target:
// readers see the old file or the complete new one, never a half-written one.
// Throws mlpipe::error naming the target and the reason; the temporary file is removed.
MLPIPE_INLINE void write_file_atomically(const std::filesystem::path& target, std::string_view bytes);

namespace detail::atomic_file {
// Makes the rename itself durable; some file systems refuse fsync on directories, so best effort.
MLPIPE_INLINE void sync_directory_best_effort(const std::filesystem::path& directory);
}  // namespace detail::atomic_file

}  // namespace mlpipe

#ifndef MLPIPE_PRECOMPILED
#include <mlpipe/io/atomic_file_impl.hpp>
#endif
