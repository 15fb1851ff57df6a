#pragma once
// The settings of `serve`: command-line options, then SageMaker's environment variables
// (README.md, "SageMaker"), then defaults.

#include "../common/layout.hpp"
#include "../common/logging.hpp"
#include "media_types.hpp"
#include "../common/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace mlpipe::sagemaker {

// A bad option or environment variable; the message names it.
class settings_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr const char* serve_usage =
    "usage: mlpipe-sagemaker serve [--root DIR] [--host ADDRESS] [--port N]\n"
    "  --root DIR       the /opt/ml folder (default /opt/ml); the model is DIR/model/model.mlpipe\n"
    "  --host ADDRESS   address to listen on (default 0.0.0.0)\n"
    "  --port N         port to listen on (default SAGEMAKER_BIND_TO_PORT, else 8080; 0 picks a free one)\n"
    "environment:\n"
    "  SAGEMAKER_MODEL_SERVER_WORKERS       predictions computed at once (default: CPU count); more\n"
    "                                       requests wait for a turn, /ping never waits\n"
    "  SAGEMAKER_MODEL_SERVER_TIMEOUT       seconds to receive a request's whole body, and to send a whole\n"
    "                                       response (default 60); it does not limit the prediction\n"
    "  SAGEMAKER_MAX_PAYLOAD_IN_MB          largest request body (default and minimum 6)\n"
    "  SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT answer type for Accept */* or none (default text/csv)\n"
    "  SAGEMAKER_BATCH_STRATEGY             MULTI_RECORD (default) or SINGLE_RECORD, reported by\n"
    "                                       /execution-parameters to batch transform\n"
    "  SAGEMAKER_MAX_CONCURRENT_TRANSFORMS  MaxConcurrentTransforms of /execution-parameters\n"
    "                                       (default: the workers)\n"
    "  SAGEMAKER_CONTAINER_LOG_LEVEL        least level logged: 10 DEBUG, 20 INFO (default), 30 WARNING\n"
    "                                       (refused requests), 40 ERROR, or the names\n"
    "  MLPIPE_CSV_OUTPUT                    what a text/csv answer holds per record: label (default),\n"
    "                                       probabilities, or label,probabilities; a request's\n"
    "                                       X-Amzn-SageMaker-Custom-Attributes: output=... overrides it\n"
    "  MLPIPE_SERVE_HEADER_TIMEOUT          seconds to receive a request's whole head, from its first\n"
    "                                       byte (default 10)\n"
    "  MLPIPE_SERVE_IDLE_TIMEOUT            seconds a kept-alive connection may wait for its next\n"
    "                                       request (default 60)\n"
    "  MLPIPE_SERVE_MAX_CONNECTIONS         open connections (default 4096, and below the open-file\n"
    "                                       limit); a new one beyond it closes the longest-idle one\n"
    "  SAGEMAKER_MULTI_MODEL                true: a multi-model endpoint (models loaded and unloaded\n"
    "                                       through /models, none at start); false (default): the one\n"
    "                                       model in DIR/model\n"
    "  MLPIPE_MULTI_MODEL_MEMORY_MB         multi-model endpoints: the most model file bytes loaded at\n"
    "                                       once, in MiB (a decimal number, e.g. 512 or 0.5; default no\n"
    "                                       limit); a load beyond it is answered 507\n";

struct ServeSettings {
    Layout layout;
    std::string host = "0.0.0.0";
    int port = 8080;
    unsigned workers = 1;  // predictions computed at once
    // SAGEMAKER_MODEL_SERVER_TIMEOUT: the deadline for a request's whole body and for a
    // whole response (not per read: a trickle of bytes does not extend it). The prediction
    // itself has no time limit.
    std::chrono::seconds timeout{60};
    std::chrono::seconds header_timeout{10};  // the whole request head, from its first byte
    std::chrono::seconds idle_timeout{60};    // a kept-alive connection waiting for a request
    std::size_t max_connections = 4096;
    std::size_t max_payload_mb = 6;
    Format default_accept = Format::csv;
    CsvOutput csv_output{};  // MLPIPE_CSV_OUTPUT
    int log_level = static_cast<int>(LogLevel::info);  // SAGEMAKER_CONTAINER_LOG_LEVEL
    // For /execution-parameters (batch transform): "MULTI_RECORD" or "SINGLE_RECORD", and
    // MaxConcurrentTransforms (0: the workers).
    std::string batch_strategy = "MULTI_RECORD";
    unsigned max_concurrent_transforms = 0;
    // SAGEMAKER_MULTI_MODEL: models come and go through /models instead of DIR/model.
    bool multi_model = false;
    // MLPIPE_MULTI_MODEL_MEMORY_MB, in bytes: the most model file bytes loaded at once
    // (nothing: no limit). A model's file size stands for its memory, which is of its order.
    std::optional<std::size_t> multi_model_memory_bytes;
    bool help = false;

    // SageMaker's MB, read as MiB: the larger reading, so never a cap below what it promises.
    std::size_t max_payload_bytes() const noexcept { return max_payload_mb * 1024 * 1024; }
};

namespace detail {

inline std::optional<unsigned long> parse_unsigned(std::string_view text) {
    unsigned long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// `what` names the source in messages ("--port", "SAGEMAKER_BIND_TO_PORT").
inline unsigned long unsigned_in(std::string_view text, const std::string& what, unsigned long min,
                                 unsigned long max) {
    const auto value = parse_unsigned(text);
    if (!value || *value < min || *value > max)
        throw settings_error(what + " is '" + std::string(text) + "': expected a whole number from " +
                             std::to_string(min) + " to " + std::to_string(max));
    return *value;
}

}  // namespace detail

inline ServeSettings read_serve_settings(const std::vector<std::string>& args) {
    ServeSettings settings;
    std::string root = "/opt/ml";
    bool root_given = false;
    std::optional<std::string> port_option;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h") {
            settings.help = true;
            continue;
        }
        if (arg != "--root" && arg != "--host" && arg != "--port")
            throw settings_error("unknown option '" + arg + "'");
        if (i + 1 == args.size()) throw settings_error("option " + arg + " needs a value");
        const std::string& value = args[++i];
        if (arg == "--root") {
            root = value;
            root_given = true;
        } else if (arg == "--host") {
            settings.host = value;
        } else {
            port_option = value;
        }
    }
    settings.layout = Layout(root, root_given);

    if (port_option) settings.port = static_cast<int>(detail::unsigned_in(*port_option, "--port", 0, 65535));
    else if (const std::string port = env("SAGEMAKER_BIND_TO_PORT"); !port.empty())
        settings.port = static_cast<int>(detail::unsigned_in(port, "SAGEMAKER_BIND_TO_PORT", 1, 65535));

    if (const std::string workers = env("SAGEMAKER_MODEL_SERVER_WORKERS"); !workers.empty())
        settings.workers =
            static_cast<unsigned>(detail::unsigned_in(workers, "SAGEMAKER_MODEL_SERVER_WORKERS", 1, 4096));
    else
        settings.workers = std::max(1U, std::thread::hardware_concurrency());

    if (const std::string timeout = env("SAGEMAKER_MODEL_SERVER_TIMEOUT"); !timeout.empty())
        settings.timeout =
            std::chrono::seconds(detail::unsigned_in(timeout, "SAGEMAKER_MODEL_SERVER_TIMEOUT", 1, 86400));

    if (const std::string timeout = env("MLPIPE_SERVE_HEADER_TIMEOUT"); !timeout.empty())
        settings.header_timeout =
            std::chrono::seconds(detail::unsigned_in(timeout, "MLPIPE_SERVE_HEADER_TIMEOUT", 1, 3600));
    if (const std::string timeout = env("MLPIPE_SERVE_IDLE_TIMEOUT"); !timeout.empty())
        settings.idle_timeout =
            std::chrono::seconds(detail::unsigned_in(timeout, "MLPIPE_SERVE_IDLE_TIMEOUT", 1, 86400));
    if (const std::string connections = env("MLPIPE_SERVE_MAX_CONNECTIONS"); !connections.empty())
        settings.max_connections = detail::unsigned_in(connections, "MLPIPE_SERVE_MAX_CONNECTIONS", 1, 1'000'000);

    // SageMaker promises clients 6 MB, so a smaller setting is raised to it.
    if (const std::string megabytes = env("SAGEMAKER_MAX_PAYLOAD_IN_MB"); !megabytes.empty())
        settings.max_payload_mb =
            std::max<std::size_t>(6, detail::unsigned_in(megabytes, "SAGEMAKER_MAX_PAYLOAD_IN_MB", 1, 1024 * 1024));

    if (const std::string accept = env("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"); !accept.empty()) {
        const auto format = format_named(bare_media_type(accept));
        if (!format)
            throw settings_error("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT is '" + accept +
                                 "': expected text/csv, application/json or application/jsonlines");
        settings.default_accept = *format;
    }

    if (const std::string level = env(log_level_variable); !level.empty()) {
        const auto parsed = parse_log_level(level);
        if (!parsed)
            throw settings_error(std::string(log_level_variable) + " is '" + level + "': expected " + log_level_choices);
        settings.log_level = *parsed;
    }

    if (const std::string output = env("MLPIPE_CSV_OUTPUT"); !output.empty()) {
        const auto parsed = parse_csv_output(output);
        if (!parsed)
            throw settings_error("MLPIPE_CSV_OUTPUT is '" + output +
                                 "': expected label, probabilities or label,probabilities");
        settings.csv_output = *parsed;
    }

    if (const std::string strategy = env("SAGEMAKER_BATCH_STRATEGY"); !strategy.empty()) {
        std::string upper(trim(strategy));
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (upper != "MULTI_RECORD" && upper != "SINGLE_RECORD")
            throw settings_error("SAGEMAKER_BATCH_STRATEGY is '" + strategy +
                                 "': expected MULTI_RECORD or SINGLE_RECORD");
        settings.batch_strategy = upper;
    }
    if (const std::string transforms = env("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS"); !transforms.empty())
        settings.max_concurrent_transforms =
            static_cast<unsigned>(detail::unsigned_in(transforms, "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", 1, 4096));

    if (const std::string multi = env("SAGEMAKER_MULTI_MODEL"); !multi.empty()) {
        const std::string value = to_lower(trim(multi));
        if (value != "true" && value != "false")
            throw settings_error("SAGEMAKER_MULTI_MODEL is '" + multi + "': expected true or false");
        settings.multi_model = value == "true";
    }
    if (const std::string megabytes = env("MLPIPE_MULTI_MODEL_MEMORY_MB"); !megabytes.empty()) {
        // Decimals allowed, so that a budget can be smaller than a MiB (small models, tests).
        constexpr double max_megabytes = 1024.0 * 1024.0 * 1024.0;  // a PiB
        double value = 0;
        if (!parse_double(trim(megabytes), value) || !(value > 0 && value <= max_megabytes) ||
            value * 1024.0 * 1024.0 < 1.0)
            throw settings_error("MLPIPE_MULTI_MODEL_MEMORY_MB is '" + megabytes +
                                 "': expected a number of MiB above 0 (at least one byte) and up to 1073741824");
        settings.multi_model_memory_bytes = static_cast<std::size_t>(value * 1024.0 * 1024.0);
    }
    return settings;
}

}  // namespace mlpipe::sagemaker
