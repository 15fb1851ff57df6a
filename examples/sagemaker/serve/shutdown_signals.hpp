#pragma once
// SIGTERM and SIGINT handed to a dedicated thread, where the reaction may lock, allocate and
// log, none of which is safe in a signal handler. The handler records the signal and writes
// one byte to a pipe (both async-signal-safe); the thread waits on the pipe.
//
// A handler, not a blocked mask and sigwait: a signal sent to the process goes to any thread
// that does not block it, and libraries start threads of their own before main runs
// (OpenBLAS's pool, for one), which no mask set in main reaches; such a thread would take
// SIGTERM's default action and end the process with status 143. A handler is process-wide.
//
// catch_shutdown_signals() runs first thing, before the model loads and the port opens: a
// signal arriving then is recorded, seen by pending_shutdown_signal() or by the waiting thread.

#include <atomic>
#include <cerrno>
#include <csignal>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace mlpipe::sagemaker {

namespace detail::shutdown {
// The first signal's number, 0 while none came. A lock-free atomic: safe in a handler, and
// read by other threads without a race.
inline std::atomic<int> received{0};
static_assert(std::atomic<int>::is_always_lock_free);
inline int pipe_ends[2] = {-1, -1};              // [0] read by the waiting thread, [1] written by the handler

inline void on_signal(int number) {
    const int saved_errno = errno;
    int none = 0;
    received.compare_exchange_strong(none, number);
    const char byte = 1;
    [[maybe_unused]] const ssize_t written = write(pipe_ends[1], &byte, 1);  // non-blocking: a full pipe drops it
    errno = saved_errno;
}
}  // namespace detail::shutdown

// Installs the handlers for SIGTERM and SIGINT (once; later calls do nothing). Throws when the
// pipe or the handlers cannot be set up.
inline void catch_shutdown_signals() {
    using namespace detail::shutdown;
    if (pipe_ends[0] >= 0) return;
    if (pipe2(pipe_ends, O_CLOEXEC) != 0)
        throw std::runtime_error("cannot create the shutdown signal pipe: " +
                                 std::system_category().message(errno));
    fcntl(pipe_ends[1], F_SETFL, fcntl(pipe_ends[1], F_GETFL) | O_NONBLOCK);
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // calls the signal interrupts carry on
    for (const int number : {SIGTERM, SIGINT})
        if (sigaction(number, &action, nullptr) != 0)
            throw std::runtime_error("cannot handle SIGTERM and SIGINT: " + std::system_category().message(errno));
}

// The first shutdown signal received so far, 0 if none.
inline int pending_shutdown_signal() { return detail::shutdown::received.load(); }

class ShutdownSignals {
public:
    // Starts the thread that waits for SIGTERM or SIGINT (installing the handlers, in case
    // catch_shutdown_signals was not called). `on_signal` runs once, on the waiting thread,
    // for the first signal, including one that came before; later ones are recorded and
    // ignored (SageMaker follows with SIGKILL anyway).
    explicit ShutdownSignals(std::function<void(int)> on_signal) {
        catch_shutdown_signals();
        waiter_ = std::thread([this, on_signal = std::move(on_signal)] {
            for (;;) {
                char byte = 0;
                const ssize_t got = read(detail::shutdown::pipe_ends[0], &byte, 1);
                if (got < 0 && errno == EINTR) continue;
                if (dismissed_) return;
                if (const int number = detail::shutdown::received.load(); number != 0) {
                    on_signal(number);
                    return;
                }
                if (got <= 0) return;  // the pipe failed: no signal can be waited for
            }
        });
    }

    // Wakes the waiting thread if no signal came and joins it.
    ~ShutdownSignals() {
        dismissed_ = true;
        const char byte = 0;
        [[maybe_unused]] const ssize_t written = write(detail::shutdown::pipe_ends[1], &byte, 1);
        waiter_.join();
    }

    ShutdownSignals(const ShutdownSignals&) = delete;
    ShutdownSignals& operator=(const ShutdownSignals&) = delete;

private:
    std::atomic<bool> dismissed_{false};
    std::thread waiter_;
};

}  // namespace mlpipe::sagemaker
