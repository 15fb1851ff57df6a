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
// 3. For the train command, on any CPU: asks glibc for malloc's heap in transparent huge
//    pages, GLIBC_TUNABLES=glibc.malloc.hugetlb=1, which glibc reads only as a program
//    starts. The job fills a few hundred MB of new memory once; in 4 KiB pages each costs a
//    page fault, 12 us on the Zen 5 VM we measured, and the 1M-row job ran a tenth faster
//    there with its heap in huge pages (docs/training-at-scale.md, "Memory"). The program is
//    exec'd again with the setting added (at once with step 2's hand-over when there is one),
//    and its children inherit it. Not when MLPIPE_HUGE_PAGES=0, when GLIBC_TUNABLES already
//    names glibc.malloc.hugetlb, where the kernel's transparent huge pages are off, for a
//    program started with raised privileges (glibc drops the tunables then: each start would
//    exec again), or in a sanitizer build (not glibc's malloc). Not for serve: a heap in huge
//    pages may wait on the kernel's compaction in a fault, which a request's latency should
//    not.
//
// On x86-64 this file is compiled for plain x86-64 (CMakeLists.txt); step 3 runs on every
// Linux with glibc.

#include "common/glibc_malloc.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#if defined(__linux__) && defined(__GLIBC__)
#include <sys/auxv.h>
#include <unistd.h>
#endif

namespace {

#if MLPIPE_SAGEMAKER_GLIBC_MALLOC
// Step 3: for the train command, adds glibc.malloc.hugetlb=1 to GLIBC_TUNABLES and returns
// the value it had (empty: none), for the caller to exec the program and to put back if that
// fails; nullopt when it changes nothing.
std::optional<std::optional<std::string>> ask_for_huge_page_heap(char** argv) {
    if (argv == nullptr || argv[0] == nullptr || argv[1] == nullptr || std::strcmp(argv[1], "train") != 0)
        return std::nullopt;
    if (getauxval(AT_SECURE) != 0) return std::nullopt;  // setuid or capabilities: glibc ignores the tunables
    if (const char* wanted = std::getenv("MLPIPE_HUGE_PAGES"); wanted && std::strcmp(wanted, "0") == 0)
        return std::nullopt;
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables && std::strstr(tunables, "glibc.malloc.hugetlb")) return std::nullopt;  // the user's, or ours
    // "always [madvise] never": off when "never" is the one chosen (or the file is missing).
    std::FILE* setting = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (setting == nullptr) return std::nullopt;
    char line[128] = {};
    const bool got_line = std::fgets(line, sizeof line, setting) != nullptr;
    std::fclose(setting);
    if (!got_line || std::strstr(line, "[never]") != nullptr) return std::nullopt;
    std::optional<std::string> previous;
    if (tunables) previous = tunables;
    const std::string value = (previous && !previous->empty() ? *previous + ":" : "") + "glibc.malloc.hugetlb=1";
    if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return std::nullopt;
    return previous;
}
#endif

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
// Step 2. Returns only when no wider build was started: false when there was none to start,
// true when one failed to start (with a warning).
bool run_widest_build(char** argv) {
    if (argv == nullptr) return false;
    if (const char* from = std::getenv("MLPIPE_CPU_DISPATCHED_FROM"); from && from[0] != '\0')
        return false;  // handed over to
    if (const char* dispatch = std::getenv("MLPIPE_CPU_DISPATCH"); dispatch && std::strcmp(dispatch, "0") == 0)
        return false;
    const char* level = built_for[0] == '\0' ? "x86-64" : built_for;
    const int rank = level_rank(level);
    if (rank == 0) return false;  // built for a named CPU: no level to compare with
    char self[PATH_MAX];
    const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) return false;
    self[length] = '\0';
    std::string prefix(self);  // PREFIX/bin/mlpipe-sagemaker -> PREFIX
    for (int up = 0; up < 2; ++up) {
        const auto slash = prefix.rfind('/');
        if (slash == std::string::npos) return false;
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
        return true;
    }
    return false;
}
#endif
#endif  // __x86_64__ && __GNUC__

#if defined(__linux__) && defined(__GLIBC__)
__attribute__((constructor(101))) void at_start(int /*argc*/, char** argv, char** /*envp*/) {
#if defined(__x86_64__) && defined(__GNUC__)
    check_instruction_set();
#endif
#if MLPIPE_SAGEMAKER_GLIBC_MALLOC
    const auto tunables_before = ask_for_huge_page_heap(argv);
#endif
#if defined(__x86_64__) && defined(__GNUC__)
    const bool wider_failed = run_widest_build(argv);  // with the new GLIBC_TUNABLES, when set
#else
    const bool wider_failed = false;
#endif
#if MLPIPE_SAGEMAKER_GLIBC_MALLOC
    if (!tunables_before) return;
    // This build again, for glibc to read the setting; not after a wider build failed to
    // start (this one would try it again, and warn twice).
    if (!wider_failed) execv("/proc/self/exe", argv);
    if (*tunables_before) setenv("GLIBC_TUNABLES", (*tunables_before)->c_str(), 1);  // still here: as it was
    else unsetenv("GLIBC_TUNABLES");
#else
    (void)wider_failed;
#endif
}
#elif defined(__x86_64__) && defined(__GNUC__)
__attribute__((constructor(101))) void at_start() { check_instruction_set(); }
#endif

}  // namespace
