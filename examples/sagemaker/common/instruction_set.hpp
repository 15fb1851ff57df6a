#pragma once
// Which instruction set this program was compiled for, and whether it was started in place
// of a narrower build (cpu_check.cpp hands over to the widest installed build the CPU runs).
// The models that builds for different levels fit agree to rounding, not to the bit (their
// sums run in vectors of different widths), so train logs and records the level.

#include <cstdlib>
#include <string>

#include <stdlib.h>  // unsetenv (POSIX)

namespace mlpipe::sagemaker {

// The x86-64 level the compiler targeted, from the features it was told it may use.
constexpr const char* compiled_instruction_set() noexcept {
#if defined(__x86_64__)
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512CD__) && defined(__AVX512DQ__) && \
    defined(__AVX512VL__)
    return "x86-64-v4";
#elif defined(__AVX2__) && defined(__FMA__) && defined(__BMI2__)
    return "x86-64-v3";
#elif defined(__SSE4_2__) && defined(__POPCNT__)
    return "x86-64-v2";
#else
    return "x86-64";
#endif
#elif defined(__aarch64__)
    return "aarch64";
#else
    return "unknown";
#endif
}

// The level of the build that started this one in its place (cpu_check.cpp), or "". The
// first call takes MLPIPE_CPU_DISPATCHED_FROM out of the environment, so that the program's
// children do not inherit it: main() calls it before anything else runs.
inline const std::string& started_in_place_of() {
    static const std::string from = [] {
        const char* value = std::getenv("MLPIPE_CPU_DISPATCHED_FROM");
        std::string text = value != nullptr ? std::string(value).substr(0, 32) : std::string();
        ::unsetenv("MLPIPE_CPU_DISPATCHED_FROM");
        return text;
    }();
    return from;
}

// "x86-64-v4", or "x86-64-v4 (started in place of the x86-64-v3 build; ...)".
inline std::string describe_instruction_set() {
    std::string text = compiled_instruction_set();
    if (!started_in_place_of().empty())
        text += " (started in place of the " + started_in_place_of() + " build; MLPIPE_CPU_DISPATCH=0 keeps that one)";
    return text;
}

}  // namespace mlpipe::sagemaker
