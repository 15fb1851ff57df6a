// mlpipe::precompiled: read_csv and parse_csv (<mlpipe/io/csv.hpp>) and the CSV reader behind
// them, compiled once. Its users compile with MLPIPE_PRECOMPILED, so their translation units
// only declare these functions.

#include <mlpipe/io/csv_impl.hpp>
