#pragma once
// SIGTERM and SIGINT delivered to a dedicated thread that waits for them with sigwait,
// where the reaction may lock, allocate and log, none of which is safe in a signal handler.
//
// The signals are blocked first thing (block_shutdown_signals), before the model loads and
// the port opens: a signal arriving then stays pending, instead of killing the process
// with status 143, and is seen either by pending_shutdown_signal or by the waiting thread.

#include <atomic>
#include <csignal>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include <pthread.h>

namespace mlpipe::sagemaker {

inline sigset_t shutdown_signal_set() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    return signals;
}

// Blocks SIGTERM and SIGINT in the calling thread, which every thread it starts later
// inherits: call it before starting any other thread.
inline void block_shutdown_signals() {
    const sigset_t signals = shutdown_signal_set();
    if (const int failed = pthread_sigmask(SIG_BLOCK, &signals, nullptr); failed != 0)
        throw std::runtime_error("cannot block SIGTERM and SIGINT: " + std::system_category().message(failed));
}

// The blocked shutdown signal that is waiting to be taken (SIGTERM before SIGINT), 0 if none.
inline int pending_shutdown_signal() {
    sigset_t pending;
    sigemptyset(&pending);
    if (sigpending(&pending) != 0) return 0;
    if (sigismember(&pending, SIGTERM) == 1) return SIGTERM;
    if (sigismember(&pending, SIGINT) == 1) return SIGINT;
    return 0;
}

class ShutdownSignals {
public:
    // Starts the thread that waits for SIGTERM or SIGINT (blocking them too, in case
    // block_shutdown_signals was not called). `on_signal` runs once, on the waiting thread,
    // for the first signal, including one that was already pending; later ones stay
    // blocked (SageMaker follows with SIGKILL anyway).
    explicit ShutdownSignals(std::function<void(int)> on_signal) : signals_(shutdown_signal_set()) {
        block_shutdown_signals();
        waiter_ = std::thread([this, on_signal = std::move(on_signal)] {
            int number = 0;
            sigwait(&signals_, &number);
            if (dismissed_) return;
            on_signal(number);
        });
    }

    // Wakes the waiting thread if no signal came (with a SIGTERM aimed at it alone) and
    // joins it.
    ~ShutdownSignals() {
        dismissed_ = true;
        pthread_kill(waiter_.native_handle(), SIGTERM);
        waiter_.join();
    }

    ShutdownSignals(const ShutdownSignals&) = delete;
    ShutdownSignals& operator=(const ShutdownSignals&) = delete;

private:
    sigset_t signals_;
    std::atomic<bool> dismissed_{false};
    std::thread waiter_;
};

}  // namespace mlpipe::sagemaker
