#pragma once
// An event-driven HTTP/1.1 server for the endpoint (Boost.Beast on Boost.Asio, compiled in
// http_server.cpp alone, so this header carries no Boost). Connections cost no thread
// while they are idle or slow: a few I/O threads serve them all, with deadlines for the
// whole request head and the whole body (a trickle of bytes does not extend them), a
// bound on open connections, keep-alive and pipelining. Predictions run on the I/O thread
// when they are small and a prediction slot is free, else on a pool of `workers` threads;
// either way at most `workers` compute at once, and /ping never waits for a slot.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlpipe::sagemaker {

struct HttpRequest {
    std::string method;  // as sent: "GET", "POST", ...
    std::string path;    // the target without its query, percent-decoded
    std::string query;   // what follows the target's '?', as sent (not decoded); "" when none
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    // The value of the first header named `name` (any case), "" when absent.
    std::string header(std::string_view name) const;
    bool has_header(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct HttpLimits {
    unsigned io_threads = 1;
    unsigned workers = 1;                            // predictions computed at once
    std::size_t max_body_bytes = 6 * 1024 * 1024;    // larger bodies are read, dropped and answered 413
    std::size_t max_header_bytes = 64 * 1024;        // a larger head is answered 431
    std::size_t inline_body_bytes = 16 * 1024;       // computations up to this size may run on an I/O thread
    std::size_t max_connections = 4096;              // beyond it the longest-idle connection is closed
    std::chrono::milliseconds idle_timeout{60'000};  // keep-alive: wait for the next request's first byte
    std::chrono::milliseconds head_deadline{10'000};  // from the first byte to the end of the head
    std::chrono::milliseconds body_deadline{60'000};  // the whole body
    std::chrono::milliseconds write_deadline{60'000};  // the whole response
};

// What the server asks of the application. None of these may throw: respond's exceptions
// are caught and answered 500, but the others run where an exception has nowhere to go.
struct HttpHandlers {
    // The answer to a complete request; called on an I/O thread or a worker thread.
    std::function<HttpResponse(const HttpRequest&)> respond;
    // Whether the request computes (takes one of the `workers` slots); others, such as
    // /ping, are answered on the I/O thread at once.
    std::function<bool(const HttpRequest&)> computes;
    // Optional: whether a computing request may take long (loading a model), so that it
    // always runs on a worker thread, never on an I/O thread that other connections share.
    std::function<bool(const HttpRequest&)> slow;
    // The answer to a request the server refuses itself (400 malformed, 413, 431,
    // 500, 503); `detail` is "" where the status says it all.
    std::function<HttpResponse(int status, const std::string& detail)> error;
    // After each response is sent (or given up on): `request` holds what was read of it.
    std::function<void(const HttpRequest& request, const HttpResponse& response)> completed;
};

struct HttpStats {
    std::uint64_t connections = 0;      // accepted in all
    std::uint64_t evicted = 0;          // idle connections closed to admit new ones
    std::uint64_t refused = 0;          // connections answered 503: the bound was reached and none was idle
    std::ptrdiff_t peak_computing = 0;  // the most computations at the same time
};

class HttpServer {
public:
    HttpServer(HttpHandlers handlers, HttpLimits limits);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and listens (port 0: a free one); returns the port. Throws std::runtime_error
    // with a message naming the address when it cannot.
    int listen(const std::string& host, int port);
    // Serves until stop(), then until every request in flight is answered.
    void run();
    // Closes the listening socket and idle connections; requests in flight finish, and
    // their connections close after the response. Thread-safe; may come before run().
    void stop();

    HttpStats stats() const;
    const HttpLimits& limits() const noexcept;

    struct Impl;  // defined in http_server.cpp, with the connections it serves

private:
    std::unique_ptr<Impl> impl_;
};

// "%FF" -> byte 0xFF; a '%' not followed by two hex digits stays as it is.
std::string percent_decode(std::string_view text);

}  // namespace mlpipe::sagemaker
