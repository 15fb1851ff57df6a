// mlpipe-sagemaker serve: the inference endpoint of the container contract (README.md,
// "SageMaker") on cpp-httplib: GET /ping, POST /invocations, GET /execution-parameters.
// The model is loaded before the port is opened, so /ping never answers for a server
// that cannot predict. Errors are answered with a status and {"error": "..."}; only
// start-up, shutdown and failed requests are logged (a line per request would cost more
// than the prediction). Messages and log lines quote client input and class labels, so
// they are made valid UTF-8 and cut at max_message_bytes.

#include "commands.hpp"
#include "json_text.hpp"
#include "layout.hpp"
#include "media_types.hpp"
#include "prediction.hpp"
#include "request_parsing.hpp"
#include "response_format.hpp"
#include "serve_settings.hpp"
#include "shutdown_signals.hpp"
#include "text.hpp"

#include <mlpipe/mlpipe.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <exception>
#include <iostream>
#include <memory>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

namespace mlpipe::sagemaker {
namespace {

// Each keep-alive connection holds a pool thread from its first request until it closes
// or idles past the keep-alive timeout (5 s); a connection beyond the pool waits unread
// in the queue, so a few dozen idle clients could starve SageMaker's /ping health check.
// Idle threads cost little more than address space, hence a pool of at least this many
// whatever the worker count. How many predictions compute at once is bounded separately,
// by SAGEMAKER_MODEL_SERVER_WORKERS (Endpoint's semaphore).
constexpr unsigned min_threads = 32;

// The longest error message sent or logged; longer ones are cut (a message may quote
// client input, such as the token nlohmann's parser stopped at).
constexpr std::size_t max_message_bytes = 1000;

// httplib closes a connection after 5 requests by default, a new TCP handshake for every
// 5 requests. After 100 the handshake costs about 1%, and when there are more clients
// than threads a waiting connection gets a thread within about 100 requests.
constexpr std::size_t keep_alive_requests = 100;

// httplib 0.11 listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into the
// Debian library): a burst of new connections overflows it, and the kernel drops the
// handshakes it has no room for, so clients wait a second or more to retry. Linux lets
// listen() be called again on a listening socket to resize its queue.
class HttpServer : public httplib::Server {
public:
    bool widen_listen_backlog() { return ::listen(svr_sock_, SOMAXCONN) == 0; }
};

constexpr const char* custom_attributes_header = "X-Amzn-SageMaker-Custom-Attributes";
constexpr const char* log_prefix = "mlpipe-sagemaker serve: ";

// {"error": message}, the message bounded; text that is not UTF-8 is replaced, not thrown on.
void send_error(httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    res.body = json_text(nlohmann::json{{"error", bounded(message, max_message_bytes)}});
    res.set_header("Content-Type", "application/json");
}

// One line per write, so that lines from different threads do not interleave. The line is
// made valid UTF-8 and bounded; line breaks in it (from a decoded request path) are escaped.
void log_line(std::ostream& out, const std::string& line) {
    std::string text = valid_utf8(bounded(line, max_message_bytes));
    for (std::size_t at = text.find_first_of("\r\n"); at != std::string::npos; at = text.find_first_of("\r\n", at))
        text.replace(at, 1, text[at] == '\n' ? "\\n" : "\\r");
    out << (log_prefix + text + "\n") << std::flush;
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
// every pool thread may predict with it; at most `workers` of them do at once.
class Endpoint {
public:
    Endpoint(Model model, const ServeSettings& settings)
        : model_(std::move(model)),
          reader_(model_.schema()),
          writer_(model_.classes()),
          default_accept_(settings.default_accept),
          max_payload_mb_(settings.max_payload_mb),
          max_payload_bytes_(settings.max_payload_bytes()),
          execution_parameters_(json_text(nlohmann::json{
              {"MaxConcurrentTransforms",
               settings.max_concurrent_transforms != 0 ? settings.max_concurrent_transforms : settings.workers},
              {"BatchStrategy", settings.batch_strategy},
              {"MaxPayloadInMB", settings.max_payload_mb}})),
          prediction_slots_(static_cast<std::ptrdiff_t>(settings.workers)) {}

    const Model& model() const noexcept { return model_; }

    void install(httplib::Server& server) {
        server.Get("/ping", [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
        server.Post("/invocations", [this](const httplib::Request& req, httplib::Response& res,
                                           const httplib::ContentReader& read_body) {
            // Read before any check: a body left unread would be taken for the next request.
            std::string body;
            if (read_limited_body(req, res, read_body, body)) invocations(req, body, res);
        });
        server.Get("/execution-parameters", [this](const httplib::Request&, httplib::Response& res) {
            res.set_content(execution_parameters_, "application/json");
        });
        refuse_other_methods(server, "/ping", "GET");
        refuse_other_methods(server, "/invocations", "POST");
        refuse_other_methods(server, "/execution-parameters", "GET");

        // Called for every status >= 400; fills in a body where httplib set none (unknown
        // path, body too large, unreadable HTTP). httplib calls it, the exception handler
        // and the logger outside its own try: an exception escaping them would end the
        // process, so none does.
        server.set_error_handler(httplib::Server::HandlerWithResponse(
            [this](const httplib::Request& req, httplib::Response& res) {
                if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
                try {
                    send_error(res, res.status, default_error_message(req, res.status));
                } catch (...) {
                    set_fallback_error(res);
                }
                return httplib::Server::HandlerResponse::Handled;
            }));
        server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr failure) {
            try {
                std::string what = "unknown exception";
                try {
                    std::rethrow_exception(failure);
                } catch (const std::exception& e) {
                    what = e.what();
                } catch (...) {
                }
                send_error(res, 500, "internal error: " + what);
            } catch (...) {
                res.status = 500;
                set_fallback_error(res);
            }
        });
        server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
            requests_.fetch_add(1, std::memory_order_relaxed);
            if (res.status < 400) return;
            failures_.fetch_add(1, std::memory_order_relaxed);
            try {
                log_line(std::cerr, req.method + " " + req.path + " -> " + std::to_string(res.status) + " " + res.body);
            } catch (...) {
                // A log line that cannot be built (out of memory) is dropped, not fatal.
            }
        });
    }

    std::uint64_t requests() const noexcept { return requests_.load(); }
    std::uint64_t failures() const noexcept { return failures_.load(); }
    // The most predictions that were computing at the same time.
    std::ptrdiff_t peak_predictions() const noexcept { return peak_predictions_.load(); }

private:
    // Reads the body, up to the payload limit. httplib 0.11 enforces set_payload_max_length
    // on a body sent with Content-Length (it skips the body and sets 413) but not on a
    // chunked one, which would grow without bound: so the handler reads the body itself.
    // A chunked body over the limit is read to its end and dropped, so that the 413 reaches
    // the client and the connection can carry the next request.
    bool read_limited_body(const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& read_body, std::string& body) const {
        const auto announced = req.get_header_value<std::uint64_t>("Content-Length");
        if (announced <= max_payload_bytes_) body.reserve(announced);
        bool too_large = false;
        const bool complete = read_body([&](const char* data, std::size_t length) {
            if (too_large) return true;
            too_large = length > max_payload_bytes_ - body.size();
            if (too_large) std::string().swap(body);
            else body.append(data, length);
            return true;
        });
        if (too_large || res.status == 413) {
            send_error(res, 413, too_large_message());
            return false;
        }
        if (!complete) {
            send_error(res, 400, "the request body could not be read (cut short, or bad chunked encoding)");
            return false;
        }
        return true;
    }

    void invocations(const httplib::Request& req, const std::string& body, httplib::Response& res) const {
        if (req.has_header(custom_attributes_header))
            res.set_header(custom_attributes_header, req.get_header_value(custom_attributes_header));

        const std::string content_type = req.get_header_value("Content-Type");
        const auto input = input_format(content_type);
        if (!input)
            return send_error(res, 415,
                              "unsupported Content-Type '" + content_type + "': send text/csv or application/json");
        const std::string accept = req.get_header_value("Accept");
        const auto output = output_format(accept, default_accept_);
        if (!output)
            return send_error(res, 406,
                              "cannot answer in any type of Accept '" + accept +
                                  "': accept text/csv, application/json or application/jsonlines");

        // Reading the records, predicting and writing the answer take the CPU: at most
        // `workers` requests do it at once, the others wait here for a slot.
        const PredictionSlot slot(*this);
        Predictions predictions;
        try {
            predictions = predict(model_, reader_.read(*input, body), needs_probabilities(*output));
        } catch (const mlpipe::error& bad_input) {
            // The model is loaded and fitted, so what the library refuses is the input.
            return send_error(res, 400, bad_input.what());
        }
        res.status = 200;
        res.body = writer_.write(*output, predictions);
        res.set_header("Content-Type", media_type(*output));
    }

    // Holds one of the `workers` prediction slots while it lives.
    class PredictionSlot {
    public:
        explicit PredictionSlot(const Endpoint& endpoint) : endpoint_(endpoint) {
            endpoint_.prediction_slots_.acquire();
            const std::ptrdiff_t now = endpoint_.predicting_.fetch_add(1) + 1;
            std::ptrdiff_t peak = endpoint_.peak_predictions_.load();
            while (now > peak && !endpoint_.peak_predictions_.compare_exchange_weak(peak, now)) {
            }
        }
        ~PredictionSlot() {
            endpoint_.predicting_.fetch_sub(1);
            endpoint_.prediction_slots_.release();
        }
        PredictionSlot(const PredictionSlot&) = delete;
        PredictionSlot& operator=(const PredictionSlot&) = delete;

    private:
        const Endpoint& endpoint_;
    };

    // The body of last resort, when even a message cannot be built.
    static void set_fallback_error(httplib::Response& res) noexcept {
        try {
            res.body = R"({"error":"internal error"})";
            res.set_header("Content-Type", "application/json");
        } catch (...) {
        }
    }

    static void refuse_other_methods(httplib::Server& server, const std::string& path, const std::string& allowed) {
        const std::string allow = allowed == "GET" ? "GET, HEAD" : allowed;
        auto refuse = [allow](const httplib::Request& req, httplib::Response& res) {
            res.set_header("Allow", allow);
            send_error(res, 405, req.method + " is not allowed on " + req.path + "; use " + allow);
        };
        if (allowed != "GET") server.Get(path, refuse);
        if (allowed != "POST") server.Post(path, refuse);
        server.Put(path, refuse);
        server.Patch(path, refuse);
        server.Delete(path, refuse);
        server.Options(path, refuse);
    }

    std::string default_error_message(const httplib::Request& req, int status) const {
        switch (status) {
            case 404:
                return "no such path: " + req.path +
                       " (this endpoint serves GET /ping, POST /invocations and GET /execution-parameters)";
            case 413: return too_large_message();
            case 400: return "malformed HTTP request";
            default: return "HTTP status " + std::to_string(status);
        }
    }

    std::string too_large_message() const {
        return "the request body is larger than the limit of " + std::to_string(max_payload_mb_) +
               " MB (SAGEMAKER_MAX_PAYLOAD_IN_MB); split the records over several requests";
    }

    Model model_;
    RecordReader reader_;
    ResponseWriter writer_;
    Format default_accept_;
    std::size_t max_payload_mb_;
    std::size_t max_payload_bytes_;
    std::string execution_parameters_;
    mutable std::counting_semaphore<> prediction_slots_;
    mutable std::atomic<std::ptrdiff_t> predicting_{0};
    mutable std::atomic<std::ptrdiff_t> peak_predictions_{0};
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
        log_line(std::cerr, e.what());
        return 1;
    }

    ServeSettings settings;
    try {
        settings = read_serve_settings(args);
    } catch (const settings_error& e) {
        log_line(std::cerr, e.what());
        std::cerr << serve_usage;
        return 2;
    }
    if (settings.help) {
        std::cout << serve_usage;
        return 0;
    }

    const fs::path model_file = settings.layout.model_dir() / model_file_name;
    std::unique_ptr<Endpoint> endpoint;
    try {
        Model model = load<Model>(model_file);
        if (!model.is_fitted()) {
            log_line(std::cerr, "the model in " + model_file.string() + " was saved before it was fitted");
            return 1;
        }
        endpoint = std::make_unique<Endpoint>(std::move(model), settings);
    } catch (const std::exception& e) {
        log_line(std::cerr, std::string("cannot load the model: ") + e.what());  // names the file
        return 1;
    }

    HttpServer server;
    // httplib writes a response's headers and body separately; without TCP_NODELAY,
    // Nagle's algorithm holds the body until the client's delayed ACK, up to 40 ms.
    server.set_tcp_nodelay(true);
    const unsigned threads = std::max(settings.workers, min_threads);
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_keep_alive_max_count(keep_alive_requests);
    // SAGEMAKER_MODEL_SERVER_TIMEOUT: the socket read/write timeout (see ServeSettings).
    server.set_read_timeout(settings.timeout);
    server.set_write_timeout(settings.timeout);
    server.set_payload_max_length(settings.max_payload_bytes());
    endpoint->install(server);

    const int port = settings.port == 0 ? server.bind_to_any_port(settings.host)
                                        : (server.bind_to_port(settings.host, settings.port) ? settings.port : -1);
    if (port < 0) {
        log_line(std::cerr, "cannot listen on " + settings.host + " port " + std::to_string(settings.port) +
                                " (is the port in use, or the address not on this machine?)");
        return 1;
    }
    if (!server.widen_listen_backlog())
        log_line(std::cerr, "cannot widen the listen backlog: " + errno_text(errno));

    if (const int signal_number = pending_shutdown_signal(); signal_number != 0) {
        log_line(std::cout, std::string("received ") + signal_name(signal_number) +
                                " while starting: exiting without serving");
        return 0;
    }

    log_line(std::cout, "model " + model_file.string() + " (" + Model::type_name() + ")");
    log_line(std::cout, "inputs, in CSV order: " + describe_inputs(endpoint->model().schema()));
    log_line(std::cout, "classes: " + describe_classes(endpoint->model().classes()));
    log_line(std::cout, "workers " + std::to_string(settings.workers) + " (predictions computed at once), threads " +
                            std::to_string(threads) + " (connections served at once), socket timeout " +
                            std::to_string(settings.timeout.count()) + " s, max payload " +
                            std::to_string(settings.max_payload_mb) + " MB, default Accept " +
                            media_type(settings.default_accept) + ", batch strategy " + settings.batch_strategy);
    log_line(std::cout, "listening on port " + std::to_string(port) + " (" + settings.host + ")");

    std::atomic<bool> listening_over{false};
    bool listened = false;
    {
        // Takes a signal that came since the check above, too.
        ShutdownSignals signals([&](int signal_number) {
            log_line(std::cout, std::string("received ") + signal_name(signal_number) +
                                    ": refusing new connections, finishing the requests in flight");
            // stop() does nothing until listen_after_bind has marked the server running,
            // so a signal in that instant waits for it.
            while (!server.is_running() && !listening_over) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            server.stop();
        });
        listened = server.listen_after_bind();  // returns once stopped and every request is answered
        listening_over = true;
    }
    log_line(std::cout, "stopped after " + std::to_string(endpoint->requests()) + " requests (" +
                            std::to_string(endpoint->failures()) + " failed); at most " +
                            std::to_string(endpoint->peak_predictions()) + " predictions computed at once");
    return listened ? 0 : 1;
}

}  // namespace mlpipe::sagemaker
