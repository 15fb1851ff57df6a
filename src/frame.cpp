// mlpipe::precompiled: the non-template functions of Column, Frame, Schema and Label that are
// more than accessors (checks, conversions, lookups with error messages), and the collectives
// of a distributed fit (parallel/collectives.hpp), compiled once.
// Their users compile with MLPIPE_PRECOMPILED, so their translation units only declare them.

#include <mlpipe/frame/column_impl.hpp>
#include <mlpipe/frame/frame_impl.hpp>
#include <mlpipe/frame/label_impl.hpp>
#include <mlpipe/frame/schema_impl.hpp>
#include <mlpipe/parallel/collectives_impl.hpp>
