#pragma once
// Helpers of the tests that talk to a running `serve` (test_serve.cpp, test_multi_model.cpp):
// which binary to start, the port it reports, and the message of an error response.

#include "support.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace mlpipe::sagemaker::test {

// The binary under test: this build's, or MLPIPE_TEST_SERVE_BIN (scripts/sanitize.sh runs
// the server tests against a ThreadSanitizer build of it).
inline std::string serve_binary() {
    const char* other = std::getenv("MLPIPE_TEST_SERVE_BIN");
    return other != nullptr && *other != '\0' ? std::string(other) : std::string(MLPIPE_SAGEMAKER_BIN);
}

// The port a starting server reports on its "listening on port N" line; fails the test when
// the server exits first or says nothing for 30 s.
inline int wait_for_port(Process& process) {
    using namespace std::chrono_literals;
    const std::string marker = "listening on port ";
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string out = process.stdout_text();
        if (const auto at = out.find(marker); at != std::string::npos && out.find('\n', at) != std::string::npos)
            return std::stoi(out.substr(at + marker.size()));
        if (auto status = process.wait_for(0ms))
            FAIL("serve exited with status " << *status << " before listening:\n" << process.stderr_text());
        std::this_thread::sleep_for(10ms);
    }
    FAIL("serve did not report its port within 30 s:\n" << process.stdout_text() << process.stderr_text());
    return -1;
}

// The {"error": "..."} message of an error response, checked to be JSON.
inline std::string error_of(const httplib::Result& res) {
    REQUIRE(res);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    return nlohmann::json::parse(res->body).at("error").get<std::string>();
}

}  // namespace mlpipe::sagemaker::test
