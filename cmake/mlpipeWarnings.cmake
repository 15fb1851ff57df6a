# mlpipe_target_warnings(<target>)
#
# Warning flags for mlpipe's own targets (tests, examples, benchmarks): -Wall -Wextra
# -Wpedantic, plus -Werror when MLPIPE_WERROR is ON. Never applied to mlpipe::mlpipe itself,
# so users of the library keep their own flags.
include_guard(GLOBAL)

function(mlpipe_target_warnings target)
    if(MSVC)
        target_compile_options(${target} PRIVATE /W4 /permissive- $<$<BOOL:${MLPIPE_WERROR}>:/WX>)
    else()
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic $<$<BOOL:${MLPIPE_WERROR}>:-Werror>)
        # GCC 12 warns -Wrestrict inside libstdc++ for `"text" + std::string` at -O2 and above,
        # a false positive (GCC bug 105329, fixed in GCC 13); it would break MLPIPE_WERROR builds.
        if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
            target_compile_options(${target} PRIVATE -Wno-restrict)
        endif()
    endif()
endfunction()

# mlpipe_test_optimization(<target>)
#
# The optimisation of a test program's own files in optimised builds: MLPIPE_TEST_OPTIMIZATION
# (default -O1) after the build type's -O3. The tests check results, not speed, and the fits
# they run come optimised from mlpipe::precompiled; -O1 takes about 30% less of CI's build
# than -O3 (test_common_checks.cpp: 49 s against 70 s). Empty: the build type's own flags.
set(MLPIPE_TEST_OPTIMIZATION "-O1" CACHE STRING "Optimisation flag of the test programs' own files in optimised builds")
function(mlpipe_test_optimization target)
    if(MLPIPE_TEST_OPTIMIZATION AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE
            $<$<CONFIG:Release,RelWithDebInfo,MinSizeRel>:${MLPIPE_TEST_OPTIMIZATION}>)
    endif()
endfunction()
