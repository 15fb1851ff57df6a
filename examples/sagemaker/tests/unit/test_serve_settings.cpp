// serve_settings.hpp called directly: serve's options and SageMaker's environment variables.

#include "../../serve/serve_settings.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace mlpipe::sagemaker;

namespace {

// The variables read_serve_settings reads (and the Layout's SM_MODEL_DIR): unset while a
// test runs, then restored as they were.
const std::vector<std::string> serve_variables = {
    "SAGEMAKER_BIND_TO_PORT",          "SAGEMAKER_MODEL_SERVER_WORKERS", "SAGEMAKER_MODEL_SERVER_TIMEOUT",
    "MLPIPE_SERVE_HEADER_TIMEOUT",     "MLPIPE_SERVE_IDLE_TIMEOUT",      "MLPIPE_SERVE_MAX_CONNECTIONS",
    "SAGEMAKER_MAX_PAYLOAD_IN_MB",     "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "SAGEMAKER_CONTAINER_LOG_LEVEL",
    "MLPIPE_CSV_OUTPUT",               "SAGEMAKER_BATCH_STRATEGY",       "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS",
    "SAGEMAKER_MULTI_MODEL",           "MLPIPE_MULTI_MODEL_MEMORY_MB",   "SM_MODEL_DIR"};

class CleanEnvironment {
public:
    CleanEnvironment() {
        for (const auto& name : serve_variables) {
            if (const char* value = std::getenv(name.c_str())) saved_[name] = value;
            ::unsetenv(name.c_str());
        }
    }
    ~CleanEnvironment() {
        for (const auto& name : serve_variables) {
            const auto it = saved_.find(name);
            if (it == saved_.end()) ::unsetenv(name.c_str());
            else ::setenv(name.c_str(), it->second.c_str(), 1);
        }
    }
    CleanEnvironment(const CleanEnvironment&) = delete;
    CleanEnvironment& operator=(const CleanEnvironment&) = delete;

    void set(const std::string& name, const std::string& value) const { ::setenv(name.c_str(), value.c_str(), 1); }

private:
    std::map<std::string, std::string> saved_;
};

// The message of reading settings with `name`=`value`, which must fail.
std::string failure_with(const std::string& name, const std::string& value) {
    CleanEnvironment environment;
    environment.set(name, value);
    try {
        read_serve_settings({});
    } catch (const settings_error& e) {
        return e.what();
    }
    FAIL(name << "=" << value << " was accepted");
    return "";
}

}  // namespace

TEST_CASE("read_serve_settings without options or variables gives the defaults", "[unit][serve_settings]") {
    CleanEnvironment environment;
    const ServeSettings s = read_serve_settings({});
    CHECK(s.layout.root() == "/opt/ml");
    CHECK(s.layout.model_dir() == "/opt/ml/model");
    CHECK(s.host == "0.0.0.0");
    CHECK(s.port == 8080);
    CHECK(s.workers == std::max(1U, std::thread::hardware_concurrency()));
    CHECK(s.timeout == std::chrono::seconds(60));
    CHECK(s.header_timeout == std::chrono::seconds(10));
    CHECK(s.idle_timeout == std::chrono::seconds(60));
    CHECK(s.max_connections == 4096);
    CHECK(s.max_payload_mb == 6);
    CHECK(s.max_payload_bytes() == 6U * 1024 * 1024);
    CHECK(s.default_accept == Format::csv);
    CHECK(s.csv_output == CsvOutput{});
    CHECK(s.log_level == 20);
    CHECK(s.batch_strategy == "MULTI_RECORD");
    CHECK(s.max_concurrent_transforms == 0);
    CHECK_FALSE(s.help);
}

TEST_CASE("read_serve_settings reads --root, --host, --port and --help", "[unit][serve_settings]") {
    CleanEnvironment environment;
    environment.set("SM_MODEL_DIR", "/elsewhere");
    environment.set("SAGEMAKER_BIND_TO_PORT", "9000");
    const ServeSettings s = read_serve_settings({"--root", "/tmp/ml", "--host", "127.0.0.1", "--port", "0", "-h"});
    CHECK(s.layout.root() == "/tmp/ml");
    CHECK(s.layout.model_dir() == "/tmp/ml/model");  // --root wins over SM_MODEL_DIR
    CHECK(s.host == "127.0.0.1");
    CHECK(s.port == 0);  // --port wins over SAGEMAKER_BIND_TO_PORT, and 0 picks a free port
    CHECK(s.help);
    CHECK(read_serve_settings({}).port == 9000);
    CHECK(read_serve_settings({}).layout.model_dir() == "/elsewhere");  // no --root: SM_MODEL_DIR

    CHECK_THROWS_MATCHES(read_serve_settings({"--verbose"}), settings_error, Catch::Message("unknown option '--verbose'"));
    CHECK_THROWS_MATCHES(read_serve_settings({"--port"}), settings_error, Catch::Message("option --port needs a value"));
    CHECK_THROWS_MATCHES(read_serve_settings({"--port", "65536"}), settings_error,
                         Catch::Message("--port is '65536': expected a whole number from 0 to 65535"));
    CHECK_THROWS_MATCHES(read_serve_settings({"--port", "80x"}), settings_error,
                         Catch::Message("--port is '80x': expected a whole number from 0 to 65535"));
}

TEST_CASE("read_serve_settings reads SageMaker's and mlpipe's environment variables", "[unit][serve_settings]") {
    CleanEnvironment environment;
    environment.set("SAGEMAKER_MODEL_SERVER_WORKERS", "3");
    environment.set("SAGEMAKER_MODEL_SERVER_TIMEOUT", "5");
    environment.set("MLPIPE_SERVE_HEADER_TIMEOUT", "2");
    environment.set("MLPIPE_SERVE_IDLE_TIMEOUT", "7");
    environment.set("MLPIPE_SERVE_MAX_CONNECTIONS", "16");
    environment.set("SAGEMAKER_MAX_PAYLOAD_IN_MB", "100");
    environment.set("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "Application/JSON; charset=utf-8");
    environment.set("SAGEMAKER_CONTAINER_LOG_LEVEL", "warning");
    environment.set("MLPIPE_CSV_OUTPUT", "probabilities, label");
    environment.set("SAGEMAKER_BATCH_STRATEGY", " single_record ");
    environment.set("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", "2");
    const ServeSettings s = read_serve_settings({});
    CHECK(s.workers == 3);
    CHECK(s.timeout == std::chrono::seconds(5));
    CHECK(s.header_timeout == std::chrono::seconds(2));
    CHECK(s.idle_timeout == std::chrono::seconds(7));
    CHECK(s.max_connections == 16);
    CHECK(s.max_payload_mb == 100);
    CHECK(s.default_accept == Format::json);
    CHECK(s.log_level == 30);
    CHECK(s.csv_output == CsvOutput{.label = true, .probabilities = true});
    CHECK(s.batch_strategy == "SINGLE_RECORD");
    CHECK(s.max_concurrent_transforms == 2);

    // SageMaker promises 6 MB, so a smaller payload limit is raised to it.
    environment.set("SAGEMAKER_MAX_PAYLOAD_IN_MB", "1");
    environment.set("SAGEMAKER_CONTAINER_LOG_LEVEL", "15");
    environment.set("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/jsonlines");
    const ServeSettings t = read_serve_settings({});
    CHECK(t.max_payload_mb == 6);
    CHECK(t.log_level == 15);
    CHECK(t.default_accept == Format::jsonlines);
}

TEST_CASE("read_serve_settings refuses a bad variable, naming it, its value and what it takes",
          "[unit][serve_settings]") {
    CHECK(failure_with("SAGEMAKER_BIND_TO_PORT", "0") ==
          "SAGEMAKER_BIND_TO_PORT is '0': expected a whole number from 1 to 65535");
    CHECK(failure_with("SAGEMAKER_MODEL_SERVER_WORKERS", "abc") ==
          "SAGEMAKER_MODEL_SERVER_WORKERS is 'abc': expected a whole number from 1 to 4096");
    CHECK(failure_with("SAGEMAKER_MODEL_SERVER_WORKERS", " 3") ==
          "SAGEMAKER_MODEL_SERVER_WORKERS is ' 3': expected a whole number from 1 to 4096");
    CHECK(failure_with("SAGEMAKER_MODEL_SERVER_WORKERS", "-1") ==
          "SAGEMAKER_MODEL_SERVER_WORKERS is '-1': expected a whole number from 1 to 4096");
    CHECK(failure_with("SAGEMAKER_MODEL_SERVER_TIMEOUT", "86401") ==
          "SAGEMAKER_MODEL_SERVER_TIMEOUT is '86401': expected a whole number from 1 to 86400");
    CHECK(failure_with("MLPIPE_SERVE_HEADER_TIMEOUT", "0") ==
          "MLPIPE_SERVE_HEADER_TIMEOUT is '0': expected a whole number from 1 to 3600");
    CHECK(failure_with("MLPIPE_SERVE_IDLE_TIMEOUT", "1.5") ==
          "MLPIPE_SERVE_IDLE_TIMEOUT is '1.5': expected a whole number from 1 to 86400");
    CHECK(failure_with("MLPIPE_SERVE_MAX_CONNECTIONS", "1000001") ==
          "MLPIPE_SERVE_MAX_CONNECTIONS is '1000001': expected a whole number from 1 to 1000000");
    CHECK(failure_with("SAGEMAKER_MAX_PAYLOAD_IN_MB", "0") ==
          "SAGEMAKER_MAX_PAYLOAD_IN_MB is '0': expected a whole number from 1 to 1048576");
    CHECK(failure_with("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/xml") ==
          "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT is 'application/xml': expected text/csv, application/json or "
          "application/jsonlines");
    CHECK_THAT(failure_with("SAGEMAKER_CONTAINER_LOG_LEVEL", "loud"),
               Catch::StartsWith("SAGEMAKER_CONTAINER_LOG_LEVEL is 'loud': expected a number from 0 to 50"));
    CHECK(failure_with("MLPIPE_CSV_OUTPUT", "logits") ==
          "MLPIPE_CSV_OUTPUT is 'logits': expected label, probabilities or label,probabilities");
    CHECK(failure_with("SAGEMAKER_BATCH_STRATEGY", "ALL") ==
          "SAGEMAKER_BATCH_STRATEGY is 'ALL': expected MULTI_RECORD or SINGLE_RECORD");
    CHECK(failure_with("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", "0") ==
          "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS is '0': expected a whole number from 1 to 4096");
}

TEST_CASE("CleanEnvironment of the serve_settings tests restores the variables it changed",
          "[unit][serve_settings]") {
    const CleanEnvironment outer;  // and puts back what the process had
    outer.set("MLPIPE_CSV_OUTPUT", "probabilities");
    {
        const CleanEnvironment environment;
        CHECK(std::getenv("MLPIPE_CSV_OUTPUT") == nullptr);
        environment.set("SAGEMAKER_BATCH_STRATEGY", "SINGLE_RECORD");
    }
    REQUIRE(std::getenv("MLPIPE_CSV_OUTPUT") != nullptr);
    CHECK(std::string(std::getenv("MLPIPE_CSV_OUTPUT")) == "probabilities");
    CHECK(std::getenv("SAGEMAKER_BATCH_STRATEGY") == nullptr);
}
