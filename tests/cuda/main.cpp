// The cuda backend's tests need a CUDA device: without one this program says why and exits
// with 77, which CTest reports as skipped (SKIP_RETURN_CODE), never as passed. The no-device
// path itself is tested in mlpipe_tests (tests/backend/test_backends.cpp).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <mlpipe/backend/backend.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    if (const auto reason = mlpipe::cuda_unavailable_reason()) {
        std::printf("skipped: no CUDA device: %s\n", reason->c_str());
        return 77;
    }
    return Catch::Session().run(argc, argv);
}
