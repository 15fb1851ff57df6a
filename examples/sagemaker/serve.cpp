// mlpipe-sagemaker serve: the inference endpoint of the container contract (README.md,
// "SageMaker"): GET /ping, POST /invocations, GET /execution-parameters, on the
// event-driven server of http_server.hpp. The model is loaded before the port is opened,
// so /ping never answers for a server that cannot predict. Errors are answered with a
// status and {"error": "..."}; only start-up, shutdown and failed requests are logged (a
// line per request would cost more than the prediction). Messages and log lines quote
// client input and class labels, so they are made valid UTF-8 and cut at max_message_bytes.

#include "commands.hpp"
#include "http_server.hpp"
#include "json_text.hpp"
#include "layout.hpp"
#include "logging.hpp"
#include "media_types.hpp"
#include "model_commit.hpp"
#include "prediction.hpp"
#include "request_parsing.hpp"
#include "response_format.hpp"
#include "serve_settings.hpp"
#include "shutdown_signals.hpp"
#include "text.hpp"

#include <mlpipe/mlpipe.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace mlpipe::sagemaker {
namespace {

// The longest error message sent or logged; longer ones are cut (a message may quote
// client input, such as the token nlohmann's parser stopped at).
constexpr std::size_t max_message_bytes = 1000;

constexpr const char* custom_attributes_header = "X-Amzn-SageMaker-Custom-Attributes";
constexpr const char* log_prefix = "mlpipe-sagemaker serve: ";

// {"error": message}, the message bounded; text that is not UTF-8 is replaced, not thrown on.
HttpResponse error_response(int status, const std::string& message) {
    HttpResponse res;
    res.status = status;
    res.body = json_text(nlohmann::json{{"error", bounded(message, max_message_bytes)}});
    res.headers.emplace_back("Content-Type", "application/json");
    return res;
}

// One line per write, so that lines from different threads do not interleave. The line is
// made valid UTF-8 and bounded; line breaks in it (from a decoded request path) are escaped.
// Lines to std::cerr are warnings (a refused request) or errors (the server cannot start),
// to std::cout information, each written as SAGEMAKER_CONTAINER_LOG_LEVEL allows (logging.hpp).
void log_line(std::ostream& out, const std::string& line, LogLevel level = LogLevel::info, bool always = false) {
    if (&out == &std::cerr && level == LogLevel::info) level = LogLevel::warning;
    if (!always && !log_enabled(level)) return;
    std::string text = valid_utf8(bounded(line, max_message_bytes));
    for (std::size_t at = text.find_first_of("\r\n"); at != std::string::npos; at = text.find_first_of("\r\n", at))
        text.replace(at, 1, text[at] == '\n' ? "\\n" : "\\r");
    write_log_line(out, level, log_prefix + text, always);
}

// "a, b, c", at most 20 items, then "and N more".
std::string short_list(const std::vector<std::string>& items) {
    constexpr std::size_t limit = 20;
    std::string out;
    for (std::size_t i = 0; i < items.size() && i < limit; ++i) out += (i == 0 ? "" : ", ") + items[i];
    if (items.size() > limit) out += " and " + std::to_string(items.size() - limit) + " more";
    return out;
}

std::string describe_inputs(const Schema& schema) {
    std::vector<std::string> items;
    for (const auto& column : schema.columns()) items.push_back(column.name + " (" + to_string(column.kind) + ")");
    return short_list(items);
}

std::string describe_classes(const std::vector<Label>& classes) {
    std::vector<std::string> items;
    for (const auto& label : classes) items.push_back(label.to_string());
    return short_list(items);
}

// The routes and what they share: the model, loaded once and only read afterwards, so
// that every thread may predict with it. The server bounds how many predict at once.
class Endpoint {
public:
    Endpoint(AnyModel model, const ServeSettings& settings)
        : model_(std::move(model)),
          reader_(schema_of(model_), imputed_columns(model_)),
          writer_(classifier_of(model_).classes()),
          default_accept_(settings.default_accept),
          default_csv_output_(settings.csv_output),
          max_payload_mb_(settings.max_payload_mb),
          execution_parameters_(json_text(nlohmann::json{
              {"MaxConcurrentTransforms",
               settings.max_concurrent_transforms != 0 ? settings.max_concurrent_transforms : settings.workers},
              {"BatchStrategy", settings.batch_strategy},
              {"MaxPayloadInMB", settings.max_payload_mb}})) {}

    const AnyModel& model() const noexcept { return model_; }

    HttpHandlers handlers() {
        return {.respond = [this](const HttpRequest& req) { return respond(req); },
                .computes = [](const HttpRequest& req) { return req.path == "/invocations" && req.method == "POST"; },
                .error = [this](int status, const std::string& detail) {
                    return error_response(status, detail.empty() ? default_error_message(status) : detail);
                },
                .completed = [this](const HttpRequest& req, const HttpResponse& res) { completed(req, res); }};
    }

    std::uint64_t requests() const noexcept { return requests_.load(); }
    std::uint64_t failures() const noexcept { return failures_.load(); }

private:
    HttpResponse respond(const HttpRequest& req) const {
        const bool get = req.method == "GET" || req.method == "HEAD";
        if (req.path == "/ping") {
            if (!get) return wrong_method(req, "GET, HEAD");
            return HttpResponse{};
        }
        if (req.path == "/invocations") {
            if (req.method != "POST") return wrong_method(req, "POST");
            return invocations(req);
        }
        if (req.path == "/execution-parameters") {
            if (!get) return wrong_method(req, "GET, HEAD");
            HttpResponse res;
            res.body = execution_parameters_;
            res.headers.emplace_back("Content-Type", "application/json");
            return res;
        }
        return error_response(404, "no such path: " + req.path +
                                       " (this endpoint serves GET /ping, POST /invocations and GET "
                                       "/execution-parameters)");
    }

    HttpResponse invocations(const HttpRequest& req) const {
        HttpResponse res = answer(req);
        if (req.has_header(custom_attributes_header))
            res.headers.emplace_back(custom_attributes_header, req.header(custom_attributes_header));
        return res;
    }

    HttpResponse answer(const HttpRequest& req) const {
        const std::string content_type = req.header("Content-Type");
        const auto input = input_format(content_type);
        if (!input)
            return error_response(415, "unsupported Content-Type '" + content_type +
                                           "': send text/csv, application/json or application/jsonlines");
        const std::string accept = req.header("Accept");
        const auto output = output_format(accept, default_accept_);
        if (!output)
            return error_response(406, "cannot answer in any type of Accept '" + accept +
                                           "': accept text/csv, application/json or application/jsonlines");
        Predictions predictions;
        CsvOutput csv_output = default_csv_output_;
        try {
            if (*output == Format::csv && req.has_header(custom_attributes_header))
                csv_output = csv_output_of(req.header(custom_attributes_header), default_csv_output_);
            predictions = predict(model_, reader_.read(*input, req.body), needs_probabilities(*output, csv_output));
        } catch (const mlpipe::error& bad_input) {
            // The model is loaded and fitted, so what the library refuses is the input.
            return error_response(400, bad_input.what());
        }
        HttpResponse res;
        res.body = writer_.write(*output, predictions, csv_output);
        res.headers.emplace_back("Content-Type", media_type(*output));
        return res;
    }

    static HttpResponse wrong_method(const HttpRequest& req, const std::string& allow) {
        HttpResponse res = error_response(405, req.method + " is not allowed on " + req.path + "; use " + allow);
        res.headers.emplace_back("Allow", allow);
        return res;
    }

    void completed(const HttpRequest& req, const HttpResponse& res) {
        requests_.fetch_add(1, std::memory_order_relaxed);
        if (res.status < 400) return;
        failures_.fetch_add(1, std::memory_order_relaxed);
        const std::string request = req.method.empty() ? std::string("(unreadable request)") : req.method + " " + req.path;
        log_line(std::cerr, request + " -> " + std::to_string(res.status) + " " + res.body);
    }

    std::string default_error_message(int status) const {
        switch (status) {
            case 413: return too_large_message();
            case 400: return "malformed HTTP request";
            default: return "HTTP status " + std::to_string(status);
        }
    }

    std::string too_large_message() const {
        return "the request body is larger than the limit of " + std::to_string(max_payload_mb_) +
               " MB (SAGEMAKER_MAX_PAYLOAD_IN_MB); split the records over several requests";
    }

    AnyModel model_;
    RecordReader reader_;
    ResponseWriter writer_;
    Format default_accept_;
    CsvOutput default_csv_output_;
    std::size_t max_payload_mb_;
    std::string execution_parameters_;
    std::atomic<std::uint64_t> requests_{0};
    std::atomic<std::uint64_t> failures_{0};
};

const char* signal_name(int signal_number) { return signal_number == SIGINT ? "SIGINT" : "SIGTERM"; }

}  // namespace

int serve_main(const std::vector<std::string>& args) {
    // First: a SIGTERM or SIGINT while the model loads or the port binds stays pending
    // (instead of ending the process with 143) until the signal thread takes it, or it is
    // found pending before serving starts.
    try {
        block_shutdown_signals();
    } catch (const std::exception& e) {
        log_line(std::cerr, e.what(), LogLevel::error);
        return 1;
    }

    ServeSettings settings;
    try {
        settings = read_serve_settings(args);
    } catch (const settings_error& e) {
        log_line(std::cerr, e.what(), LogLevel::error);
        std::cerr << serve_usage;
        return 2;
    }
    log_threshold() = settings.log_level;
    if (settings.help) {
        std::cout << serve_usage;
        return 0;
    }

    const fs::path model_file = settings.layout.model_dir() / model_file_name;
    std::unique_ptr<Endpoint> endpoint;
    try {
        // A training run killed while it wrote the model folder left a commit record or
        // temporary files: finish or drop them first, so the pair loaded is one run's.
        const ModelFolderRecovery recovery = recover_model_folder(settings.layout.model_dir());
        if (recovery.changed_anything()) log_line(std::cout, describe_recovery(settings.layout.model_dir(), recovery));
        AnyModel model = load_any_model(model_file);
        if (!std::visit([](const auto& m) { return m.is_fitted(); }, model)) {
            log_line(std::cerr, "the model in " + model_file.string() + " was saved before it was fitted", LogLevel::error);
            return 1;
        }
        endpoint = std::make_unique<Endpoint>(std::move(model), settings);
    } catch (const std::exception& e) {
        log_line(std::cerr, std::string("cannot load the model: ") + e.what(), LogLevel::error);  // names the file
        return 1;
    }

    HttpLimits limits;
    limits.io_threads = std::max(1U, std::thread::hardware_concurrency());
    limits.workers = settings.workers;
    limits.max_body_bytes = settings.max_payload_bytes();
    limits.max_connections = settings.max_connections;
    limits.idle_timeout = settings.idle_timeout;
    limits.head_deadline = settings.header_timeout;
    // SAGEMAKER_MODEL_SERVER_TIMEOUT: the whole body, and the whole response (see ServeSettings).
    limits.body_deadline = settings.timeout;
    limits.write_deadline = settings.timeout;
    HttpServer server(endpoint->handlers(), limits);

    int port = -1;
    try {
        port = server.listen(settings.host, settings.port);
    } catch (const std::exception& e) {
        log_line(std::cerr, e.what(), LogLevel::error);
        return 1;
    }

    if (const int signal_number = pending_shutdown_signal(); signal_number != 0) {
        log_line(std::cout, std::string("received ") + signal_name(signal_number) +
                                " while starting: exiting without serving");
        return 0;
    }

    const HttpLimits& used = server.limits();
    log_line(std::cout, "model " + model_file.string() + " (" + type_name_of(endpoint->model()) + ")");
    log_line(std::cout, "inputs, in CSV order: " + describe_inputs(schema_of(endpoint->model())));
    if (const auto imputed = imputed_columns(endpoint->model()); !imputed.empty())
        log_line(std::cout, "missing values filled by the model in: " +
                                short_list(std::vector<std::string>(imputed.begin(), imputed.end())));
    log_line(std::cout, "classes: " + describe_classes(classifier_of(endpoint->model()).classes()));
    log_line(std::cout, "workers " + std::to_string(used.workers) + " (predictions computed at once), I/O threads " +
                            std::to_string(used.io_threads) + ", connections up to " +
                            std::to_string(used.max_connections) + ", idle timeout " + std::to_string(settings.idle_timeout.count()) +
                            " s, head deadline " + std::to_string(settings.header_timeout.count()) +
                            " s, body and response deadline " + std::to_string(settings.timeout.count()) +
                            " s, max payload " + std::to_string(settings.max_payload_mb) + " MB, default Accept " +
                            media_type(settings.default_accept) + ", batch strategy " + settings.batch_strategy);
    // Written at any log level: tools (and the tests) read the port from it.
    log_line(std::cout, "listening on port " + std::to_string(port) + " (" + settings.host + ")", LogLevel::info, true);

    {
        // Takes a signal that came since the check above, too.
        ShutdownSignals signals([&](int signal_number) {
            log_line(std::cout, std::string("received ") + signal_name(signal_number) +
                                    ": refusing new connections, finishing the requests in flight");
            server.stop();
        });
        server.run();  // returns once stopped and every request is answered
    }
    const HttpStats stats = server.stats();
    log_line(std::cout, "stopped after " + std::to_string(endpoint->requests()) + " requests (" +
                            std::to_string(endpoint->failures()) + " failed) on " +
                            std::to_string(stats.connections) + " connections (" + std::to_string(stats.evicted) +
                            " idle ones closed to admit others, " + std::to_string(stats.refused) +
                            " refused); at most " + std::to_string(stats.peak_computing) +
                            " predictions computed at once");
    return 0;
}

}  // namespace mlpipe::sagemaker
