// The event-driven HTTP server of http_server.hpp. Each connection is a Session: a chain of
// asynchronous steps on one event loop (wait for a request, read its head, read its body,
// compute, write), so a connection holds no thread between bytes. A session's phase and
// the time it entered it are atomics, read by the acceptor to choose which connection to
// close when the bound is reached, and by stop() to close the idle ones.

#include "http_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <exception>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <semaphore>
#include <stdexcept>
#include <thread>
#include <vector>

#include <sys/resource.h>

namespace mlpipe::sagemaker {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
// Streams bound to their io_context's own executor type, not the type-erased
// any_io_executor, which every asynchronous operation would copy and destroy.
using Executor = net::io_context::executor_type;
using Socket = tcp::socket::rebind_executor<Executor>::other;
using Stream = beast::basic_stream<tcp, Executor>;

namespace {

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// A request body kept up to a cap; beyond it the bytes are read and dropped, so that the
// 413 reaches the client and the connection can carry its next request (closing with
// unread bytes would make the kernel reset the connection before the client reads it).
struct CappedBody {
    struct value_type {
        std::string data;
        std::size_t cap = 0;
        bool too_large = false;
    };

    class reader {
    public:
        template <bool is_request, class Fields>
        reader(http::header<is_request, Fields>&, value_type& body) : body_(body) {}

        void init(const boost::optional<std::uint64_t>& length, beast::error_code& ec) {
            ec = {};
            if (!length) return;
            if (*length > body_.cap) body_.too_large = true;
            else body_.data.reserve(static_cast<std::size_t>(*length));
        }

        template <class ConstBufferSequence>
        std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
            ec = {};
            std::size_t taken = 0;
            for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it) {
                const net::const_buffer part = *it;
                taken += part.size();
                if (body_.too_large) continue;
                if (part.size() > body_.cap - body_.data.size()) {
                    body_.too_large = true;
                    std::string().swap(body_.data);
                    continue;
                }
                body_.data.append(static_cast<const char*>(part.data()), part.size());
            }
            return taken;
        }

        void finish(beast::error_code& ec) { ec = {}; }

    private:
        value_type& body_;
    };
};

enum class Phase : int { idle, head, body, computing, writing, closed };

// Raises the soft limit on open files to the hard one: each connection is a descriptor,
// and the usual soft limit of 1,024 would cap the server below its connection bound.
std::size_t open_file_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    return limit.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 20 : static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (same_name(key, name)) return value;
    return {};
}

bool HttpRequest::has_header(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& field) { return same_name(field.first, name); });
}

std::string percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            const int high = hex_value(text[i + 1]), low = hex_value(text[i + 2]);
            if (high >= 0 && low >= 0) {
                out += static_cast<char>(high * 16 + low);
                i += 2;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

class Session;

struct HttpServer::Impl {
    Impl(HttpHandlers handlers_in, HttpLimits limits_in)
        : handlers(std::move(handlers_in)),
          limits(limits_in),
          slots(static_cast<std::ptrdiff_t>(std::max(1U, limits_in.workers))),
          contexts(make_contexts(std::max(1U, limits_in.io_threads))),
          acceptor(contexts.front()->get_executor()),
          accept_retry(acceptor.get_executor()),
          workers(std::max(1U, limits_in.workers)) {
        limits.workers = std::max(1U, limits.workers);
        limits.io_threads = static_cast<unsigned>(contexts.size());
        // Keep descriptors for the listening socket, model and log files, and the
        // connection that a full server accepts only to answer 503.
        const std::size_t files = open_file_limit();
        limits.max_connections = std::max<std::size_t>(1, std::min(limits.max_connections, files > 64 ? files - 64 : 1));
    }

    static std::vector<std::unique_ptr<net::io_context>> make_contexts(unsigned count) {
        std::vector<std::unique_ptr<net::io_context>> made;
        for (unsigned i = 0; i < count; ++i) made.push_back(std::make_unique<net::io_context>(1));
        return made;
    }

    void accept();
    bool evict_one();
    std::list<std::weak_ptr<Session>>::iterator enrol(const std::shared_ptr<Session>& session);
    void leave(std::list<std::weak_ptr<Session>>::iterator at);

    HttpResponse respond(const HttpRequest& request) noexcept;
    HttpResponse error(int status, const std::string& detail) noexcept;
    void completed(const HttpRequest& request, const HttpResponse& response) noexcept;

    // Counts a computation while it lives; the slot is taken before.
    struct Computing {
        explicit Computing(Impl& server) : server_(server) {
            const std::ptrdiff_t now = server_.computing.fetch_add(1) + 1;
            std::ptrdiff_t peak = server_.peak_computing.load();
            while (now > peak && !server_.peak_computing.compare_exchange_weak(peak, now)) {
            }
        }
        ~Computing() {
            server_.computing.fetch_sub(1);
            server_.slots.release();
        }
        Computing(const Computing&) = delete;
        Computing& operator=(const Computing&) = delete;
        Impl& server_;
    };

    // Declared before the I/O objects, so that sessions destroyed with them can still leave.
    HttpHandlers handlers;
    HttpLimits limits;
    std::mutex sessions_mutex;
    std::list<std::weak_ptr<Session>> sessions;
    std::atomic<bool> stopping{false};
    std::atomic<std::ptrdiff_t> computing{0};
    std::atomic<std::ptrdiff_t> peak_computing{0};
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> evicted{0};
    std::atomic<std::uint64_t> refused{0};
    std::counting_semaphore<> slots;
    // One event loop per I/O thread, each connection on one of them for its whole life:
    // a connection's steps then run on one thread without a strand, and the loops share
    // no lock (one io_context run by several threads measured 1.5x slower here).
    std::vector<std::unique_ptr<net::io_context>> contexts;
    std::size_t next_context = 0;  // the acceptor's round robin, used on its thread only
    // Keep the loops running while no connection is open, until stop().
    std::mutex keep_running_mutex;
    std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
    tcp::acceptor acceptor;
    net::steady_timer accept_retry;
    net::thread_pool workers;
};

namespace {

// The head of a response, as Beast's serializer would write it (status line with the
// standard reason, the handler's headers in order, Connection where the version needs it
// to say so, Content-Length), into `head`, whose capacity is kept from one response to the
// next. Written here rather than by Beast: its serializer walks the head's buffers through
// a variant per step and its fields allocate a node per header, which was 13% of the
// server's CPU under load for one-row requests.
void write_response_head(std::string& head, unsigned version, const HttpResponse& response, bool keep_alive) {
    const auto status = static_cast<unsigned>(response.status);
    head.clear();
    head += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    head += std::to_string(status);
    head += ' ';
    const auto reason = http::obsolete_reason(http::int_to_status(status));
    head.append(reason.data(), reason.size());
    head += "\r\n";
    // A line break inside a value would end the head early and let the rest pass for
    // headers of the client's choosing (values can echo request headers): dropped.
    const auto append_clean = [&head](std::string_view text) {
        for (const char c : text)
            if (c != '\r' && c != '\n') head += c;
    };
    for (const auto& [name, value] : response.headers) {
        append_clean(name);
        head += ": ";
        append_clean(value);
        head += "\r\n";
    }
    if (version >= 11 && !keep_alive) head += "Connection: close\r\n";
    if (version < 11 && keep_alive) head += "Connection: keep-alive\r\n";
    head += "Content-Length: ";
    head += std::to_string(response.body.size());
    head += "\r\n\r\n";
}

}  // namespace

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(HttpServer::Impl& server, Socket socket) : server_(server), stream_(std::move(socket)) {
        buffer_.max_size(server_.limits.max_header_bytes + read_chunk * 4);
    }

    ~Session() {
        if (enrolled_) server_.leave(registration_);
    }

    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // `refuse`: the connection bound is reached and no connection could be closed for
    // this one, which is answered 503 and closed.
    void start(bool refuse) {
        registration_ = server_.enrol(shared_from_this());
        enrolled_ = true;
        if (refuse) {
            keep_alive_ = false;
            return send(server_.error(503, "the server has too many open connections; try again"), true);
        }
        wait_for_request();
    }

    Phase phase() const noexcept { return phase_.load(std::memory_order_relaxed); }
    Clock::rep since() const noexcept { return since_.load(std::memory_order_relaxed); }
    Executor executor() { return stream_.get_executor(); }

    // On the session's loop: closes the connection if it is still waiting for a request
    // (with `or_head`, also if it is still reading one's head).
    void close_if_waiting(bool or_head) {
        const Phase now = phase();
        if (now == Phase::idle || (or_head && now == Phase::head)) close();
    }

private:
    static constexpr std::size_t read_chunk = 16 * 1024;

    // The time is taken only for the phases evict_one compares (idle and head): reading
    // the clock at every phase of every request was 1.5% of the server's CPU under load.
    void enter(Phase phase) noexcept {
        if (phase == Phase::idle || phase == Phase::head)
            since_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
        phase_.store(phase, std::memory_order_relaxed);
    }

    void wait_for_request() {
        if (server_.stopping.load()) return close();
        enter(Phase::idle);
        if (buffer_.size() > 0) return read_head();  // a pipelined request is already here
        if (buffer_.capacity() > 4 * read_chunk) buffer_.shrink_to_fit();  // idle connections stay small
        stream_.expires_after(server_.limits.idle_timeout);
        stream_.async_read_some(buffer_.prepare(read_chunk),
                                [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                                    self->buffer_.commit(bytes);
                                    if (ec) return self->close();
                                    self->read_head();
                                });
    }

    void read_head() {
        enter(Phase::head);
        // Cleared rather than replaced: the vectors and strings keep their capacity for the
        // next request on this connection.
        request_.method.clear();
        request_.path.clear();
        request_.query.clear();
        request_.headers.clear();
        request_.body.clear();
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(server_.limits.max_header_bytes));
        // CappedBody drops what is over the limit. Not boost::none: Boost 1.74 compares the
        // length with the empty optional and refuses every body.
        parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
        parser_->get().body().cap = server_.limits.max_body_bytes;
        stream_.expires_after(server_.limits.head_deadline);
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_head(ec); });
    }

    void on_head(beast::error_code ec) {
        // A deadline that passes closes the socket (Beast's tcp_stream does), so no 408 can be
        // sent: the client is too slow to be waited for, or gone.
        if (ec == http::error::header_limit)
            return refuse(431, "the request head is larger than " +
                                   std::to_string(server_.limits.max_header_bytes / 1024) + " KiB");
        if (is_parse_error(ec)) return refuse(400, "");
        if (ec) return close();  // the client went away

        auto& message = parser_->get();
        request_.method = std::string(message.method_string());
        const std::string_view target(message.target().data(), message.target().size());
        const std::size_t query_at = target.find('?');
        request_.path = percent_decode(target.substr(0, query_at));
        if (query_at != std::string_view::npos) request_.query = std::string(target.substr(query_at + 1));
        request_.headers.reserve(8);
        for (const auto& field : message)
            request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        version_ = message.version();
        keep_alive_ = message.keep_alive();
        head_only_ = message.method() == http::verb::head;

        if (parser_->is_done()) return dispatch();
        if (same_name(request_.header("Expect"), "100-continue")) {
            auto proceed = std::make_shared<http::response<http::empty_body>>(http::status::continue_, version_);
            stream_.expires_after(server_.limits.write_deadline);
            return http::async_write(stream_, *proceed,
                                     [self = shared_from_this(), proceed](beast::error_code write_ec, std::size_t) {
                                         if (write_ec) return self->close();
                                         self->read_body();
                                     });
        }
        read_body();
    }

    void read_body() {
        enter(Phase::body);
        stream_.expires_after(server_.limits.body_deadline);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
    }

    void on_body(beast::error_code ec) {
        if (is_parse_error(ec))
            return refuse(400, "the request body could not be read (cut short, or bad chunked encoding)");
        if (ec) return close();
        auto& body = parser_->get().body();
        if (body.too_large) return send(server_.error(413, ""), false);
        request_.body = std::move(body.data);
        dispatch();
    }

    void dispatch() {
        enter(Phase::computing);
        bool computes = true;
        try {
            computes = server_.handlers.computes(request_);
        } catch (...) {
        }
        if (!computes) return send(server_.respond(request_), false);
        bool slow = false;
        try {
            slow = server_.handlers.slow && server_.handlers.slow(request_);
        } catch (...) {
        }
        // Small computations run here when a slot is free: handing them to a worker and
        // back would cost more than they do. The rest wait for a worker, so that the I/O
        // threads stay free for /ping and for reading other requests.
        if (!slow && request_.body.size() <= server_.limits.inline_body_bytes && server_.slots.try_acquire()) {
            HttpResponse response;
            {
                const HttpServer::Impl::Computing computing(server_);
                response = server_.respond(request_);
            }
            return send(std::move(response), false);
        }
        // `busy` keeps the connection's loop running while no socket operation is pending.
        net::post(server_.workers, [self = shared_from_this(),
                                    busy = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked)] {
            (void)busy;
            self->server_.slots.acquire();
            HttpResponse response;
            {
                const HttpServer::Impl::Computing computing(self->server_);
                response = self->server_.respond(self->request_);
            }
            net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
                self->send(std::move(response), false);
            });
        });
    }

    // A request the server answers itself, after which the connection closes: its bytes
    // can no longer be trusted to frame the next request.
    void refuse(int status, const std::string& detail) { send(server_.error(status, detail), true); }

    void send(HttpResponse response, bool close_after) {
        enter(Phase::writing);
        server_.completed(request_, response);
        const bool close_now = close_after || !keep_alive_ || server_.stopping.load();
        write_response_head(head_, version_, response, !close_now);
        body_ = std::move(response.body);
        const std::array<net::const_buffer, 2> buffers{net::buffer(head_),
                                                       head_only_ ? net::const_buffer() : net::buffer(body_)};
        stream_.expires_after(server_.limits.write_deadline);
        net::async_write(stream_, buffers, [self = shared_from_this(), close_now](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            if (close_now) return self->linger_close();
            self->parser_.reset();
            self->wait_for_request();
        });
    }

    // Ends the sending side, then reads and drops what the client still sends for a
    // moment before closing: closing with unread bytes would reset the connection, and the
    // client could lose the response it has not read yet.
    void linger_close() {
        enter(Phase::closed);
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(std::chrono::seconds(2));
        drain();
    }

    void drain() {
        stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            self->drain();
        });
    }

    void close() {
        enter(Phase::closed);
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
    }

    // Bytes that are not HTTP, as opposed to a connection that ended or timed out.
    static bool is_parse_error(const beast::error_code& ec) {
        return ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message;
    }

    HttpServer::Impl& server_;
    Stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<CappedBody>> parser_;
    HttpRequest request_;
    unsigned version_ = 11;
    bool keep_alive_ = true;
    bool head_only_ = false;
    std::atomic<Phase> phase_{Phase::idle};
    std::atomic<Clock::rep> since_{Clock::now().time_since_epoch().count()};
    std::list<std::weak_ptr<Session>>::iterator registration_;
    bool enrolled_ = false;
    std::array<char, 4096> scratch_{};
    std::string head_;  // the response head being written; keeps its capacity between responses
    std::string body_;  // the response body being written
};

HttpResponse HttpServer::Impl::respond(const HttpRequest& request) noexcept {
    try {
        return handlers.respond(request);
    } catch (const std::exception& e) {
        return error(500, std::string("internal error: ") + e.what());
    } catch (...) {
        return error(500, "internal error: unknown exception");
    }
}

HttpResponse HttpServer::Impl::error(int status, const std::string& detail) noexcept {
    try {
        return handlers.error(status, detail);
    } catch (...) {
        HttpResponse response;
        response.status = status;
        try {
            response.body = R"({"error":"internal error"})";
            response.headers = {{"Content-Type", "application/json"}};
        } catch (...) {
        }
        return response;
    }
}

void HttpServer::Impl::completed(const HttpRequest& request, const HttpResponse& response) noexcept {
    try {
        handlers.completed(request, response);
    } catch (...) {
        // A log line that cannot be built (out of memory) is dropped, not fatal.
    }
}

std::list<std::weak_ptr<Session>>::iterator HttpServer::Impl::enrol(const std::shared_ptr<Session>& session) {
    const std::lock_guard lock(sessions_mutex);
    return sessions.insert(sessions.end(), session);
}

void HttpServer::Impl::leave(std::list<std::weak_ptr<Session>>::iterator at) {
    const std::lock_guard lock(sessions_mutex);
    sessions.erase(at);
}

// Closes the connection that has waited longest for a request; failing that, the one
// that has spent longest on a request head (a slow client). Never one that is reading a
// body, computing or writing: those are requests that arrived.
bool HttpServer::Impl::evict_one() {
    std::shared_ptr<Session> chosen;
    bool chosen_idle = false;
    {
        const std::lock_guard lock(sessions_mutex);
        for (const auto& entry : sessions) {
            auto session = entry.lock();
            if (!session) continue;
            const Phase phase = session->phase();
            if (phase != Phase::idle && phase != Phase::head) continue;
            const bool idle = phase == Phase::idle;
            if (!chosen || (idle && !chosen_idle) || (idle == chosen_idle && session->since() < chosen->since())) {
                chosen = std::move(session);
                chosen_idle = idle;
            }
        }
    }
    if (!chosen) return false;
    evicted.fetch_add(1);
    net::post(chosen->executor(), [chosen] { chosen->close_if_waiting(true); });
    return true;
}

void HttpServer::Impl::accept() {
    auto& context = *contexts[next_context++ % contexts.size()];
    acceptor.async_accept(context, [this](beast::error_code ec, Socket socket) {
        if (!acceptor.is_open() || ec == net::error::operation_aborted) return;
        if (ec) {
            // Out of descriptors: make room, and try again shortly rather than spin.
            if (ec == net::error::no_descriptors || ec.value() == ENFILE) evict_one();
            accept_retry.expires_after(std::chrono::milliseconds(50));
            accept_retry.async_wait([this](beast::error_code wait_ec) {
                if (!wait_ec && acceptor.is_open()) accept();
            });
            return;
        }
        connections.fetch_add(1);
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);  // a response is one write; never wait for an ACK
        std::size_t open = 0;
        {
            const std::lock_guard lock(sessions_mutex);
            open = sessions.size();
        }
        const bool refuse = open >= limits.max_connections && !evict_one();
        if (refuse) refused.fetch_add(1);
        std::make_shared<Session>(*this, std::move(socket))->start(refuse);
        accept();
    });
}

HttpServer::HttpServer(HttpHandlers handlers, HttpLimits limits)
    : impl_(std::make_unique<Impl>(std::move(handlers), limits)) {}

HttpServer::~HttpServer() {
    impl_->workers.join();
}

int HttpServer::listen(const std::string& host, int port) {
    const std::string where = host + " port " + std::to_string(port);
    beast::error_code ec;
    tcp::resolver resolver(*impl_->contexts.front());
    const auto found = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
    if (ec || found.empty()) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
    const tcp::endpoint endpoint = found.begin()->endpoint();
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (!ec) return acceptor.local_endpoint().port();
    throw std::runtime_error("cannot listen on " + where + ": " + ec.message() +
                             " (is the port in use, or the address not on this machine?)");
}

void HttpServer::run() {
    {
        const std::lock_guard lock(impl_->keep_running_mutex);
        if (!impl_->stopping.load())
            for (auto& context : impl_->contexts) impl_->keep_running.push_back(net::make_work_guard(*context));
    }
    impl_->accept();
    const auto serve = [](net::io_context& context) {
        for (;;) {
            try {
                context.run();
                return;
            } catch (...) {
                // A handler that threw has already lost its connection; keep serving the rest.
            }
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < impl_->contexts.size(); ++i)
        threads.emplace_back([&serve, &context = *impl_->contexts[i]] { serve(context); });
    serve(*impl_->contexts.front());
    for (auto& thread : threads) thread.join();
    impl_->workers.join();
}

void HttpServer::stop() {
    if (impl_->stopping.exchange(true)) return;
    // The loops are let go only after the acceptor is closed, on the acceptor's own thread: a
    // connection accepted before the close has a session whose reads keep its loop running,
    // while a loop let go first could end with no work and leave such a session unserved
    // (a client waiting for its read timeout).
    net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
        beast::error_code ignored;
        impl->acceptor.close(ignored);
        impl->accept_retry.cancel();
        const std::lock_guard lock(impl->keep_running_mutex);
        impl->keep_running.clear();  // each loop ends when its last connection does
    });
    std::vector<std::shared_ptr<Session>> open;
    {
        const std::lock_guard lock(impl_->sessions_mutex);
        for (const auto& entry : impl_->sessions)
            if (auto session = entry.lock()) open.push_back(std::move(session));
    }
    for (auto& session : open) net::post(session->executor(), [session] { session->close_if_waiting(false); });
}

HttpStats HttpServer::stats() const {
    return {impl_->connections.load(), impl_->evicted.load(), impl_->refused.load(), impl_->peak_computing.load()};
}

const HttpLimits& HttpServer::limits() const noexcept { return impl_->limits; }

}  // namespace mlpipe::sagemaker
