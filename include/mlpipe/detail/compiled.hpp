#pragma once
// MLPIPE_INLINE marks a function that mlpipe::precompiled compiles once (src/*.cpp). In a
// header-only build it is `inline`, defined in the header every user includes; with
// MLPIPE_PRECOMPILED (defined by linking mlpipe::precompiled) it is an ordinary function:
// the public header only declares it, and its definition, with the implementation headers
// behind it, is left out of the user's translation unit.

#ifdef MLPIPE_PRECOMPILED
#define MLPIPE_INLINE
#else
#define MLPIPE_INLINE inline
#endif
