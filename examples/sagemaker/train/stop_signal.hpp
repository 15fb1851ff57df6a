#pragma once
// Stopping a training job cleanly. SageMaker stops a job with SIGTERM (SIGKILL 120 s
// later); Ctrl-C sends SIGINT. The handler only records the signal (all a handler may
// safely do); the training code checks between phases and after every solver iteration,
// and unwinds with stopped_by_signal.

#include <atomic>
#include <csignal>
#include <stdexcept>
#include <string>

namespace mlpipe::sagemaker {

class stopped_by_signal : public std::runtime_error {
public:
    explicit stopped_by_signal(const std::string& signal_name) : std::runtime_error("stopped by " + signal_name) {}
};

namespace detail::stop_signal {
// The signal number, 0 while none came. An atomic rather than a volatile sig_atomic_t: threads
// other than the one the signal lands on read it (a multi-host rank's watcher), and a
// lock-free atomic is safe in a signal handler too.
inline std::atomic<int> received = 0;
static_assert(std::atomic<int>::is_always_lock_free);

inline void record(int signal_number) { received.store(signal_number, std::memory_order_relaxed); }
}  // namespace detail::stop_signal

inline void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = detail::stop_signal::record;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
}

inline bool stop_requested() noexcept { return detail::stop_signal::received.load(std::memory_order_relaxed) != 0; }

inline std::string stop_signal_name() {
    return detail::stop_signal::received.load(std::memory_order_relaxed) == SIGINT ? "SIGINT" : "SIGTERM";
}

// As a shell reports a process ended by the signal.
inline int stop_exit_code() noexcept { return 128 + detail::stop_signal::received.load(std::memory_order_relaxed); }

inline void throw_if_stop_requested() {
    if (stop_requested()) throw stopped_by_signal(stop_signal_name());
}

}  // namespace mlpipe::sagemaker
