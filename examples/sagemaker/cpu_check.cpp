// Refuses, with a message, to start on a CPU that lacks the instruction set the program
// was built for (MLPIPE_MARCH, e.g. x86-64-v3 in the container): without this check the
// first AVX2 instruction would end the process with SIGILL and no word of why.
//
// This file is compiled for plain x86-64 (CMakeLists.txt) and runs as a constructor of the
// highest priority, before the C++ static initialisers of the program, which may already
// use the wider instructions.

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

#ifdef MLPIPE_REQUIRED_MARCH
// Whether this CPU runs code built with -march=`march`. Only the x86-64 levels are known;
// another value (a CPU name, "native") is not checked. Each level is asked for by its
// features, not by name: clang before 18 refuses "x86-64-v3" in __builtin_cpu_supports. The
// features below are those both compilers name; the rest of a level (f16c, lzcnt, movbe for
// v3) comes with them on every CPU made.
bool cpu_runs(const char* march) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    const bool v2 = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt") &&
                    __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1");
    const bool v3 = v2 && __builtin_cpu_supports("avx") && __builtin_cpu_supports("avx2") &&
                    __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
    const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                    __builtin_cpu_supports("avx512vl");
    if (std::strcmp(march, "x86-64-v2") == 0) return v2;
    if (std::strcmp(march, "x86-64-v3") == 0) return v3;
    if (std::strcmp(march, "x86-64-v4") == 0) return v4;
#endif
    (void)march;
    return true;
}

__attribute__((constructor(101))) void check_instruction_set() {
    const char* march = MLPIPE_REQUIRED_MARCH;
    if (march[0] == '\0' || cpu_runs(march)) return;
    std::fprintf(stderr,
                 "mlpipe-sagemaker: this program was built for %s (MLPIPE_MARCH), which this CPU does not "
                 "support; rebuild it for any x86-64 (docker build --build-arg MLPIPE_MARCH= ..., or "
                 "MLPIPE_MARCH= examples/sagemaker/build.sh)\n",
                 march);
    std::_Exit(1);
}
#endif

}  // namespace
