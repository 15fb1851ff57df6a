// The program hands over, as it starts, to the widest build installed beside it that the
// CPU runs (cpu_check.cpp): PREFIX/libexec/mlpipe-sagemaker/LEVEL/mlpipe-sagemaker. The
// builds beside a copy of the program here are scripts that say which level ran and with
// what, so any machine can check the choice without a second compilation.

#include "../common/glibc_malloc.hpp"
#include "../common/instruction_set.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

using namespace mlpipe::sagemaker::test;

namespace {

#ifndef MLPIPE_SAGEMAKER_MARCH
#define MLPIPE_SAGEMAKER_MARCH ""
#endif

const std::vector<std::string> levels{"x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"};

// 1 .. 4 for x86-64 .. x86-64-v4, 0 for anything else.
int rank_of(const std::string& level) {
    for (std::size_t i = 0; i < levels.size(); ++i)
        if (levels[i] == level) return static_cast<int>(i) + 1;
    return 0;
}

// The widest level this CPU runs (the features cpu_check.cpp asks for).
int cpu_rank() {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    const bool v2 = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt") &&
                    __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1");
    const bool v3 = v2 && __builtin_cpu_supports("avx") && __builtin_cpu_supports("avx2") &&
                    __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
    const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                    __builtin_cpu_supports("avx512vl");
    return v4 ? 4 : v3 ? 3 : v2 ? 2 : 1;
#else
    return 0;
#endif
}

// The program's level, as CMake gave it (empty: the compiler's default, plain x86-64).
std::string program_level() {
    const std::string march = MLPIPE_SAGEMAKER_MARCH;
    return march.empty() ? "x86-64" : march;
}

// A copy of the program in PREFIX/bin, and for each level a script in PREFIX/libexec that
// prints "LEVEL ARGS from=MLPIPE_CPU_DISPATCHED_FROM".
struct Installation {
    TempDir prefix{"mlpipe-dispatch"};
    fs::path program = prefix.path() / "bin" / "mlpipe-sagemaker";

    Installation() {
        fs::create_directories(program.parent_path());
        fs::copy_file(MLPIPE_SAGEMAKER_BIN, program);
        for (const auto& level : levels) {
            const fs::path script = prefix.path() / "libexec" / "mlpipe-sagemaker" / level / "mlpipe-sagemaker";
            write_text(script, "#!/bin/sh\necho \"" + level + " $* from=$MLPIPE_CPU_DISPATCHED_FROM\"\n" +
                                   "if [ -n \"$GLIBC_TUNABLES\" ]; then echo \"tunables=$GLIBC_TUNABLES\"; fi\n");
            fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
        }
    }

    struct Run {
        int status;
        std::string out, err;
    };

    Run run(const std::vector<std::string>& args, const Environment& env) const {
        Process process(program, args, env, prefix.path() / "out.txt", prefix.path() / "err.txt");
        const auto status = process.wait_for(std::chrono::seconds(30));
        REQUIRE(status.has_value());
        return {*status, process.stdout_text(), process.stderr_text()};
    }
};

Environment clean_environment() {
    Environment env = Environment::inherited();
    env.remove_prefixed("MLPIPE_CPU_").remove_prefixed("MLPIPE_HUGE_PAGES").remove_prefixed("GLIBC_TUNABLES");
    return env;
}

// Whether this machine can show a hand-over: a build of a known level on a CPU that runs a
// wider one. (The CI's build is for plain x86-64, and every CPU it runs on has x86-64-v2.)
bool can_hand_over() {
#if !(defined(__linux__) && defined(__GLIBC__))
    WARN("the program hands over on Linux with glibc only");
    return false;
#endif
    if (rank_of(program_level()) == 0 || cpu_rank() <= rank_of(program_level())) {
        WARN("this build (" << program_level() << ") is the widest this CPU runs: nothing to hand over to");
        return false;
    }
    return true;
}

}  // namespace

TEST_CASE("cpu dispatch: the program starts the widest build beside it that the CPU runs, with its arguments",
          "[sagemaker][cpu_dispatch]") {
    if (!can_hand_over()) return;
    const Installation installation;
    const auto result = installation.run({"version", "two words", "x"}, clean_environment());
    CHECK(result.status == 0);
    const std::string widest = levels[static_cast<std::size_t>(cpu_rank()) - 1];
    CHECK(result.out == widest + " version two words x from=" + program_level() + "\n");
    CHECK(result.err.empty());
}

TEST_CASE("cpu dispatch: train is handed over with malloc's heap in huge pages asked of glibc, other commands not",
          "[sagemaker][cpu_dispatch]") {
    if (!can_hand_over()) return;
    const Installation installation;
    const std::string widest = levels[static_cast<std::size_t>(cpu_rank()) - 1];
    const std::string handed = widest + " train --help from=" + program_level() + "\n";
    const bool asks = MLPIPE_SAGEMAKER_GLIBC_MALLOC && transparent_huge_pages_on();
    const std::string tunables = asks ? "tunables=glibc.malloc.hugetlb=1\n" : "";
    CHECK(installation.run({"train", "--help"}, clean_environment()).out == handed + tunables);
    CHECK(installation.run({"serve", "--help"}, clean_environment()).out ==
          widest + " serve --help from=" + program_level() + "\n");

    Environment own = clean_environment();
    own.set("GLIBC_TUNABLES", "glibc.malloc.arena_max=8");
    CHECK(installation.run({"train", "--help"}, own).out ==
          handed + "tunables=glibc.malloc.arena_max=8" + (asks ? ":glibc.malloc.hugetlb=1" : "") + "\n");
    Environment off = clean_environment();
    off.set("MLPIPE_HUGE_PAGES", "0");
    CHECK(installation.run({"train", "--help"}, off).out == handed);
}

TEST_CASE("cpu dispatch: MLPIPE_CPU_DISPATCH=0 and a program already handed over to keep the build started",
          "[sagemaker][cpu_dispatch]") {
    if (!can_hand_over()) return;
    const Installation installation;
    for (const auto& [name, value] : {std::pair<std::string, std::string>{"MLPIPE_CPU_DISPATCH", "0"},
                                      {"MLPIPE_CPU_DISPATCHED_FROM", "x86-64"}}) {
        INFO(name << "=" << value);
        Environment env = clean_environment();
        env.set(name, value);
        const auto result = installation.run({"version"}, env);
        CHECK(result.status == 0);
        CHECK(result.out.rfind("mlpipe ", 0) == 0);
    }
}

TEST_CASE("cpu dispatch: a wider build that cannot start leaves this one running, with a warning",
          "[sagemaker][cpu_dispatch]") {
    if (!can_hand_over()) return;
    const Installation installation;
    // Executable, but neither a program nor a script: execv fails with ENOEXEC.
    const std::string widest = levels[static_cast<std::size_t>(cpu_rank()) - 1];
    const fs::path broken = installation.prefix.path() / "libexec" / "mlpipe-sagemaker" / widest / "mlpipe-sagemaker";
    write_text(broken, std::string("\x7f" "ELF not really", 15));
    fs::permissions(broken, fs::perms::owner_all);
    const auto result = installation.run({"version"}, clean_environment());
    CHECK(result.status == 0);
    CHECK(result.out.rfind("mlpipe ", 0) == 0);
    CHECK(result.err.find("could not start the " + widest + " build") != std::string::npos);
    CHECK(result.err.find("running the " + program_level() + " build") != std::string::npos);

    // train too, which would also exec this build again for the heap's setting: it does not,
    // so the warning comes once.
    const auto train = installation.run({"train", "--help"}, clean_environment());
    CHECK(train.status == 0);
    CHECK(train.out.find("train") != std::string::npos);  // the usage
    const auto first = train.err.find("could not start the " + widest + " build");
    CHECK(first != std::string::npos);
    CHECK(train.err.find("could not start", first + 1) == std::string::npos);
}

TEST_CASE("cpu dispatch: builds the CPU cannot run, or no wider than this one, are never started",
          "[sagemaker][cpu_dispatch]") {
    const int program = rank_of(program_level());
    if (program == 0) {
        WARN("this build is for " << program_level() << ", not an x86-64 level: it never hands over");
        return;
    }
    Installation installation;
    // Only the levels this program must not start stay beside it: wider than the CPU runs,
    // or not wider than the program.
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const int rank = static_cast<int>(i) + 1;
        if (rank > program && rank <= cpu_rank())
            fs::remove_all(installation.prefix.path() / "libexec" / "mlpipe-sagemaker" / levels[i]);
    }
    const auto result = installation.run({"version"}, clean_environment());
    CHECK(result.status == 0);
    CHECK(result.out.rfind("mlpipe ", 0) == 0);
    CHECK(result.err.empty());
}
