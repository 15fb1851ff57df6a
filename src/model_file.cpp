// mlpipe::precompiled: the model file's envelope (checksum, parsing, assembling, reading the
// file) and the atomic file write, which save and load use whatever the model type. Compiled
// once; their users compile with MLPIPE_PRECOMPILED, so their translation units only declare
// them and leave out <random>, Boost's CRC and the POSIX headers behind them.

#include <mlpipe/io/atomic_file_impl.hpp>
#include <mlpipe/io/model_file_impl.hpp>
