// mlpipe-sagemaker serve: the inference endpoint of the container contract (README.md,
// "SageMaker"): GET /ping, POST /invocations, GET /execution-parameters, on the
// event-driven server of http_server.hpp. The model is loaded before the port is opened,
// so /ping never answers for a server that cannot predict. Errors are answered with a
// status and {"error": "..."}; only start-up, shutdown and failed requests are logged (a
// line per request would cost more than the prediction). Messages and log lines quote
// client input and class labels, so they are made valid UTF-8 and cut at max_message_bytes.

#include "../common/commands.hpp"
#include "http_server.hpp"
#include "../common/json_text.hpp"
#include "../common/layout.hpp"
#include "../common/logging.hpp"
#include "media_types.hpp"
#include "../common/model_commit.hpp"
#include "model_registry.hpp"
#include "../common/prediction.hpp"
#include "request_parsing.hpp"
#include "response_format.hpp"
#include "serve_settings.hpp"
#include "shutdown_signals.hpp"
#include "../common/text.hpp"

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
#include <new>
#include <optional>
#include <string>
#include <string_view>
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
// to std::cout information, each written as SAGEMAKER_CONTAINER_LOG_LEVEL allows (common/logging.hpp).
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

// A fitted model and what answering with it needs, prepared once and only read
// afterwards, so that every thread may predict with it.
struct ServedModel {
    explicit ServedModel(AnyModel fitted)
        : model(std::move(fitted)),
          reader(schema_of(model), imputed_columns(model)),
          writer(classifier_of(model).classes()) {}

    AnyModel model;
    RecordReader reader;
    ResponseWriter writer;
};

constexpr const char* models_prefix = "/models/";
constexpr const char* invoke_suffix = "/invoke";

// Which model a /models/{name}[/invoke] path names, and whether it invokes it.
struct ModelPath {
    std::string name;
    bool invoke = false;
};

std::optional<ModelPath> model_path_of(const std::string& path) {
    if (!path.starts_with(models_prefix)) return std::nullopt;
    std::string rest = path.substr(std::string_view(models_prefix).size());
    const bool invoke = rest.ends_with(invoke_suffix);
    if (invoke) rest.resize(rest.size() - std::string_view(invoke_suffix).size());
    return ModelPath{std::move(rest), invoke};
}

// Page tokens are the hex of the last name of the page, so that any name (they may hold
// '&', '=' or '%') travels in a query string unchanged.
std::string hex_of(const std::string& text) {
    constexpr const char* digits = "0123456789abcdef";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        out += digits[byte >> 4];
        out += digits[byte & 0xF];
    }
    return out;
}

std::optional<std::string> text_of_hex(std::string_view hex) {
    const auto value_of = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    if (hex.empty() || hex.size() % 2 != 0) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int high = value_of(hex[i]), low = value_of(hex[i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        out += static_cast<char>(high * 16 + low);
    }
    return out;
}

// The value of `key` in a query string ("a=1&b=2", as sent), percent-decoded; nothing
// when absent. The first occurrence counts.
std::optional<std::string> query_value(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        const std::size_t end = query.find('&');
        const std::string_view pair = query.substr(0, end);
        const std::size_t equals = pair.find('=');
        if (percent_decode(pair.substr(0, equals)) == key)
            return equals == std::string_view::npos ? std::string() : percent_decode(pair.substr(equals + 1));
        if (end == std::string_view::npos) break;
        query.remove_prefix(end + 1);
    }
    return std::nullopt;
}

// The routes and what they share: the one model (loaded once and only read afterwards, so
// that every thread may predict with it), or with SAGEMAKER_MULTI_MODEL the registry of
// models loaded through /models. The server bounds how many predict at once.
class Endpoint {
public:
    // The single-model endpoint.
    Endpoint(AnyModel model, const ServeSettings& settings) : Endpoint(settings) {
        single_ = std::make_shared<const ServedModel>(std::move(model));
    }

    // The multi-model endpoint, with no model yet.
    explicit Endpoint(const ServeSettings& settings)
        : default_accept_(settings.default_accept),
          default_csv_output_(settings.csv_output),
          max_payload_mb_(settings.max_payload_mb),
          execution_parameters_(json_text(nlohmann::json{
              {"MaxConcurrentTransforms",
               settings.max_concurrent_transforms != 0 ? settings.max_concurrent_transforms : settings.workers},
              {"BatchStrategy", settings.batch_strategy},
              {"MaxPayloadInMB", settings.max_payload_mb}})) {
        if (settings.multi_model) registry_.emplace(settings.multi_model_memory_bytes);
    }

    // The single model (not for a multi-model endpoint).
    const AnyModel& model() const noexcept { return single_->model; }

    HttpHandlers handlers() {
        return {.respond = [this](const HttpRequest& req) { return respond(req); },
                .computes = [this](const HttpRequest& req) { return computes(req); },
                // Loading reads and parses a file: keep it off the I/O threads.
                .slow = [this](const HttpRequest& req) { return registry_ && is_load(req); },
                .error = [this](int status, const std::string& detail) {
                    return error_response(status, detail.empty() ? default_error_message(status) : detail);
                },
                .completed = [this](const HttpRequest& req, const HttpResponse& res) { completed(req, res); }};
    }

    std::uint64_t requests() const noexcept { return requests_.load(); }
    std::uint64_t failures() const noexcept { return failures_.load(); }

private:
    using Registry = ModelRegistry<ServedModel>;

    static bool is_load(const HttpRequest& req) { return req.method == "POST" && req.path == "/models"; }

    bool computes(const HttpRequest& req) const {
        if (!registry_) return req.path == "/invocations" && req.method == "POST";
        if (is_load(req)) return true;
        const auto model_path = model_path_of(req.path);
        return model_path && model_path->invoke && req.method == "POST";
    }

    HttpResponse respond(const HttpRequest& req) {
        const bool get = req.method == "GET" || req.method == "HEAD";
        if (req.path == "/ping") {
            if (!get) return wrong_method(req, "GET, HEAD");
            return HttpResponse{};
        }
        if (registry_) return respond_multi_model(req);
        if (req.path == "/invocations") {
            if (req.method != "POST") return wrong_method(req, "POST");
            return invocations(req, *single_);
        }
        if (req.path == "/execution-parameters") {
            if (!get) return wrong_method(req, "GET, HEAD");
            return execution_parameters();
        }
        return error_response(404, "no such path: " + req.path +
                                       " (this endpoint serves GET /ping, POST /invocations and GET "
                                       "/execution-parameters)");
    }

    // SageMaker's multi-model contract: /models to load and list, /models/{name} to
    // describe and unload, /models/{name}/invoke to predict.
    HttpResponse respond_multi_model(const HttpRequest& req) {
        const bool get = req.method == "GET" || req.method == "HEAD";
        if (req.path == "/models") {
            if (req.method == "POST") return load(req);
            if (!get) return wrong_method(req, "GET, HEAD, POST");
            return list(req);
        }
        if (const auto model_path = model_path_of(req.path)) {
            if (!valid_model_name(model_path->name))
                return error_response(400, "invalid model name '" + model_path->name + "' in " + req.path +
                                               ": " + model_name_rule);
            if (model_path->invoke) {
                if (req.method != "POST") return wrong_method(req, "POST");
                const auto served = registry_->find(model_path->name);  // kept until answered
                if (!served) return not_loaded(model_path->name);
                return invocations(req, *served);
            }
            if (req.method == "DELETE") return unload(model_path->name);
            if (!get) return wrong_method(req, "GET, HEAD, DELETE");
            const auto url = registry_->url_of(model_path->name);
            if (!url) return not_loaded(model_path->name);
            return json_response(200, nlohmann::json{{"modelName", model_path->name}, {"modelUrl", *url}});
        }
        if (req.path == "/execution-parameters") {
            if (!get) return wrong_method(req, "GET, HEAD");
            return execution_parameters();
        }
        if (req.path == "/invocations")
            return error_response(404, "this is a multi-model endpoint (SAGEMAKER_MULTI_MODEL=true): invoke a "
                                       "loaded model with POST /models/{name}/invoke");
        return error_response(404, "no such path: " + req.path +
                                       " (this multi-model endpoint serves GET /ping, GET and POST /models, GET "
                                       "and DELETE /models/{name}, POST /models/{name}/invoke and GET "
                                       "/execution-parameters)");
    }

    static constexpr const char* model_name_rule =
        "a name is 1 to 256 visible ASCII characters without '/' or '\\', and not '.' or '..'";

    static HttpResponse not_loaded(const std::string& name) {
        return error_response(404, "model '" + name + "' is not loaded");
    }

    // POST /models {"model_name": ..., "url": ...}: loads the model file in the folder
    // `url`. The name is reserved first, so that a second load of it is refused while this
    // one reads the file, and the registry's lock is not held meanwhile.
    HttpResponse load(const HttpRequest& req) {
        nlohmann::json body;
        const std::string expected = "send {\"model_name\": \"...\", \"url\": \"/opt/ml/models/.../model\"}";
        if (nesting_deeper_than(req.body, max_json_nesting))
            return error_response(
                400, "the body nests deeper than " + std::to_string(max_json_nesting) + " levels; " + expected);
        try {
            body = nlohmann::json::parse(req.body);
        } catch (const nlohmann::json::exception& e) {
            return error_response(400, std::string("the body is not JSON (") + e.what() + "); " + expected);
        }
        if (!body.is_object())
            return error_response(400, "the body is a JSON " + describe_json_value(body) + "; " + expected);
        std::string name, url;
        for (auto [field, value] : {std::pair{"model_name", &name}, std::pair{"url", &url}}) {
            const auto found = body.find(field);
            if (found == body.end())
                return error_response(400, std::string("the body has no \"") + field + "\"; " + expected);
            if (!found->is_string() || found->get_ref<const std::string&>().empty())
                return error_response(400, std::string("\"") + field + "\" is " + describe_json_value(*found) +
                                               ": expected a non-empty string");
            *value = found->get<std::string>();
        }
        if (!valid_model_name(name))
            return error_response(400, "invalid model_name '" + name + "': " + model_name_rule);

        // SageMaker has unpacked the model's artifact into `url` before it asks.
        const fs::path folder = url;
        std::error_code ec;
        if (!fs::is_directory(folder, ec))
            return error_response(404,
                                  "no model folder " + url + (fs::exists(folder, ec) ? " (it is not a folder)" : ""));
        const fs::path file = folder / model_file_name;
        const bool file_found = fs::is_regular_file(file, ec);
        const std::uintmax_t file_bytes = file_found ? fs::file_size(file, ec) : 0;
        if (!file_found || ec)
            return error_response(404, "no model file " + std::string(model_file_name) + " in the model folder " + url);
        const auto bytes = static_cast<std::size_t>(file_bytes);

        switch (registry_->reserve(name, url, bytes)) {
            case Registry::Reservation::reserved: break;
            case Registry::Reservation::already_present:
                return error_response(409, "model '" + name + "' is already loaded (or being loaded); to replace it, "
                                                               "DELETE /models/" + name + " first");
            case Registry::Reservation::over_budget:
                return error_response(507, "cannot load model '" + name + "' (" + std::to_string(bytes) +
                                               " bytes): the models loaded hold " +
                                               std::to_string(registry_->bytes_in_use()) + " of the " +
                                               std::to_string(*registry_->max_bytes()) +
                                               " bytes MLPIPE_MULTI_MODEL_MEMORY_MB allows; unload one first");
            case Registry::Reservation::larger_than_budget:
                // Not 507: SageMaker would unload every other model and retry, in vain.
                return error_response(400, "cannot load model '" + name + "' (" + std::to_string(bytes) +
                                               " bytes): it is larger than the " +
                                               std::to_string(*registry_->max_bytes()) +
                                               " bytes MLPIPE_MULTI_MODEL_MEMORY_MB allows for all models");
        }
        std::string loaded_type;
        try {
            AnyModel model = load_any_model(file);
            if (!std::visit([](const auto& m) { return m.is_fitted(); }, model))
                throw model_file_error(file.string() + " was saved before it was fitted");
            loaded_type = type_name_of(model);
            registry_->commit(name, std::make_shared<const ServedModel>(std::move(model)));
        } catch (const std::bad_alloc&) {
            registry_->cancel(name);
            return error_response(507, "out of memory loading model '" + name + "' from " + file.string());
        } catch (const std::exception& e) {
            registry_->cancel(name);
            return error_response(400, "cannot load model '" + name + "': " + e.what());  // names the file
        }
        // After the try: the model is loaded whatever happens to the log line.
        log_line(std::cout, "loaded model '" + name + "' from " + file.string() + " (" + loaded_type + ", " +
                                std::to_string(bytes) + " bytes)");
        return json_response(200, nlohmann::json{{"modelName", name}, {"modelUrl", url}});
    }

    // GET /models[?page_size=N&next_page_token=T]: the loaded models in name order.
    HttpResponse list(const HttpRequest& req) const {
        std::size_t page_size = SIZE_MAX;
        if (const auto size = query_value(req.query, "page_size")) {
            const auto parsed = detail::parse_unsigned(*size);
            if (!parsed || *parsed == 0)
                return error_response(400, "page_size is '" + *size + "': expected a whole number from 1");
            page_size = static_cast<std::size_t>(*parsed);
        }
        std::optional<std::string> after;
        if (const auto token = query_value(req.query, "next_page_token"); token && !token->empty()) {
            after = text_of_hex(*token);
            if (!after) return error_response(400, "next_page_token '" + *token + "' is not one GET /models gave");
        }
        const auto page = registry_->list(after, page_size);
        nlohmann::json models = nlohmann::json::array();
        for (const auto& entry : page.entries) models.push_back({{"modelName", entry.name}, {"modelUrl", entry.url}});
        nlohmann::json out{{"models", std::move(models)}};
        if (page.next_after) out["nextPageToken"] = hex_of(*page.next_after);
        return json_response(200, out);
    }

    // DELETE /models/{name}: requests in flight on the model finish with it.
    HttpResponse unload(const std::string& name) {
        switch (registry_->remove(name)) {
            case Registry::Removal::removed:
                log_line(std::cout, "unloaded model '" + name + "'");
                return json_response(200, nlohmann::json{{"modelName", name}});
            case Registry::Removal::still_loading:
                // The contract knows 200 and 404 only; the model is not loaded yet.
                return error_response(404, "model '" + name + "' is still being loaded, not loaded yet; unload it "
                                                               "once POST /models has answered");
            case Registry::Removal::not_found: break;
        }
        return not_loaded(name);
    }

    HttpResponse execution_parameters() const {
        HttpResponse res;
        res.body = execution_parameters_;
        res.headers.emplace_back("Content-Type", "application/json");
        return res;
    }

    static HttpResponse json_response(int status, const nlohmann::json& body) {
        HttpResponse res;
        res.status = status;
        res.body = json_text(body);
        res.headers.emplace_back("Content-Type", "application/json");
        return res;
    }

    HttpResponse invocations(const HttpRequest& req, const ServedModel& served) const {
        HttpResponse res = answer(req, served);
        if (req.has_header(custom_attributes_header))
            res.headers.emplace_back(custom_attributes_header, req.header(custom_attributes_header));
        return res;
    }

    HttpResponse answer(const HttpRequest& req, const ServedModel& served) const {
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
            predictions =
                predict(served.model, served.reader.read(*input, req.body), needs_probabilities(*output, csv_output));
        } catch (const mlpipe::error& bad_input) {
            // The model is loaded and fitted, so what the library refuses is the input.
            return error_response(400, bad_input.what());
        }
        HttpResponse res;
        res.body = served.writer.write(*output, predictions, csv_output);
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

    std::shared_ptr<const ServedModel> single_;  // the single-model endpoint's
    std::optional<Registry> registry_;           // the multi-model endpoint's
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
    // First: a SIGTERM or SIGINT while the model loads or the port binds is recorded
    // (instead of ending the process with 143) until the signal thread takes it, or it is
    // found pending before serving starts.
    try {
        catch_shutdown_signals();
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
    // A multi-model endpoint starts with no model: SageMaker loads them through /models.
    if (settings.multi_model) {
        endpoint = std::make_unique<Endpoint>(settings);
    } else {
        try {
            // A training run killed while it wrote the model folder left a commit record or
            // temporary files: finish or drop them first, so the pair loaded is one run's.
            const ModelFolderRecovery recovery = recover_model_folder(settings.layout.model_dir());
            if (recovery.changed_anything())
                log_line(std::cout, describe_recovery(settings.layout.model_dir(), recovery));
            AnyModel model = load_any_model(model_file);
            if (!std::visit([](const auto& m) { return m.is_fitted(); }, model)) {
                log_line(std::cerr, "the model in " + model_file.string() + " was saved before it was fitted",
                         LogLevel::error);
                return 1;
            }
            endpoint = std::make_unique<Endpoint>(std::move(model), settings);
        } catch (const std::exception& e) {
            log_line(std::cerr, std::string("cannot load the model: ") + e.what(), LogLevel::error);  // names the file
            return 1;
        }
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
    if (settings.multi_model) {
        const auto budget = settings.multi_model_memory_bytes;
        log_line(std::cout, "multi-model endpoint: models are loaded through POST /models; memory budget " +
                                (budget ? std::to_string(*budget) + " bytes of model files" : std::string("none")));
    } else {
        log_line(std::cout, "model " + model_file.string() + " (" + type_name_of(endpoint->model()) + ")");
        log_line(std::cout, "inputs, in CSV order: " + describe_inputs(schema_of(endpoint->model())));
        if (const auto imputed = imputed_columns(endpoint->model()); !imputed.empty())
            log_line(std::cout, "missing values filled by the model in: " +
                                    short_list(std::vector<std::string>(imputed.begin(), imputed.end())));
        log_line(std::cout, "classes: " + describe_classes(classifier_of(endpoint->model()).classes()));
    }
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
