// Runs before anything else in the program, as a constructor of the highest priority (before
// the C++ static initialisers, which may already use the wider instructions):
//
// 1. Refuses, with a message, to start on a CPU that lacks the instruction set the program
//    was built for (MLPIPE_MARCH, e.g. x86-64-v3 in the container): without this check the
//    first AVX2 instruction would end the process with SIGILL and no word of why.
// 2. Hands over to a build for a wider instruction set when one is installed beside this
//    one and the CPU runs it: PREFIX/libexec/mlpipe-sagemaker/LEVEL/mlpipe-sagemaker for
//    PREFIX/bin/mlpipe-sagemaker (examples/sagemaker/build.sh, MLPIPE_MARCH_WIDER). The
//    container ships an x86-64-v3 build, which runs on every SageMaker x86 instance, and an
//    x86-64-v4 one (AVX-512), which instance types from Skylake-SP and Zen 4 on run; there
//    the fit takes about a seventh less time. The widest such build the CPU runs is exec'd
//    with the same arguments and environment, plus MLPIPE_CPU_DISPATCHED_FROM (this build's
//    level), which stops it from handing over again; its main() takes that out of the
//    environment, for train's log and away from its children (common/instruction_set.hpp).
//    MLPIPE_CPU_DISPATCH=0 keeps the build that was started. Linux with glibc only (the
//    executable's path from /proc/self/exe; glibc passes argv to constructors).
//
// This file is compiled for plain x86-64 (CMakeLists.txt).

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__linux__) && defined(__GLIBC__)
#include <unistd.h>
#endif

namespace {

#if defined(__x86_64__) && defined(__GNUC__)
// The x86-64 levels, narrowest first; a level's rank is its index + 1.
constexpr const char* levels[] = {"x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"};

int level_rank(const char* march) {
    for (int i = 0; i < 4; ++i)
        if (std::strcmp(march, levels[i]) == 0) return i + 1;
    return 0;  // a CPU name, "native": not a level
}

// Whether this CPU runs code built with -march=`march`. Only the x86-64 levels are known;
// another value (a CPU name, "native") is not checked. Each level is asked for by its
// features, not by name: clang before 18 refuses "x86-64-v3" in __builtin_cpu_supports. The
// features below are those both compilers name; the rest of a level (f16c, lzcnt, movbe for
// v3) comes with them on every CPU made.
bool cpu_runs(const char* march) {
    __builtin_cpu_init();
    const bool v2 = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt") &&
                    __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1");
    const bool v3 = v2 && __builtin_cpu_supports("avx") && __builtin_cpu_supports("avx2") &&
                    __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
    const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                    __builtin_cpu_supports("avx512vl");
    switch (level_rank(march)) {
        case 2: return v2;
        case 3: return v3;
        case 4: return v4;
        default: return true;
    }
}

#ifdef MLPIPE_REQUIRED_MARCH
constexpr const char* built_for = MLPIPE_REQUIRED_MARCH;
#else
constexpr const char* built_for = "";
#endif

void check_instruction_set() {
    if (built_for[0] == '\0' || cpu_runs(built_for)) return;
    std::fprintf(stderr,
                 "mlpipe-sagemaker: this program was built for %s (MLPIPE_MARCH), which this CPU does not "
                 "support; rebuild it for any x86-64 (docker build --build-arg MLPIPE_MARCH= ..., or "
                 "MLPIPE_MARCH= examples/sagemaker/build.sh)\n",
                 built_for);
    std::_Exit(1);
}

#if defined(__linux__) && defined(__GLIBC__)
void run_widest_build(char** argv) {
    if (argv == nullptr) return;
    if (const char* from = std::getenv("MLPIPE_CPU_DISPATCHED_FROM"); from && from[0] != '\0') return;  // handed over to
    if (const char* dispatch = std::getenv("MLPIPE_CPU_DISPATCH"); dispatch && std::strcmp(dispatch, "0") == 0) return;
    const char* level = built_for[0] == '\0' ? "x86-64" : built_for;
    const int rank = level_rank(level);
    if (rank == 0) return;  // built for a named CPU: no level to compare with
    char self[PATH_MAX];
    const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) return;
    self[length] = '\0';
    std::string prefix(self);  // PREFIX/bin/mlpipe-sagemaker -> PREFIX
    for (int up = 0; up < 2; ++up) {
        const auto slash = prefix.rfind('/');
        if (slash == std::string::npos) return;
        prefix.erase(slash);
    }
    for (int wider = 4; wider > rank; --wider) {
        const char* candidate = levels[wider - 1];
        const std::string path = prefix + "/libexec/mlpipe-sagemaker/" + candidate + "/mlpipe-sagemaker";
        if (!cpu_runs(candidate) || access(path.c_str(), X_OK) != 0) continue;
        setenv("MLPIPE_CPU_DISPATCHED_FROM", level, 1);
        execv(path.c_str(), argv);
        const int failed = errno;  // still here: run this build
        unsetenv("MLPIPE_CPU_DISPATCHED_FROM");
        std::fprintf(stderr, "mlpipe-sagemaker: could not start the %s build (%s): %s; running the %s build\n",
                     candidate, path.c_str(), std::strerror(failed), level);
        return;
    }
}
#endif

#if defined(__linux__) && defined(__GLIBC__)
__attribute__((constructor(101))) void at_start(int /*argc*/, char** argv, char** /*envp*/) {
    check_instruction_set();
    run_widest_build(argv);
}
#else
__attribute__((constructor(101))) void at_start() { check_instruction_set(); }
#endif
#endif  // __x86_64__ && __GNUC__

}  // namespace
