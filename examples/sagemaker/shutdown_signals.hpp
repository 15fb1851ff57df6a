#pragma once
// SIGTERM and SIGINT delivered to a dedicated thread that waits for them with sigwait,
// where the reaction may lock, allocate and log, none of which is safe in a signal handler.

#include <atomic>
#include <csignal>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include <pthread.h>

namespace mlpipe::sagemaker {

class ShutdownSignals {
public:
    // Blocks SIGTERM and SIGINT in the calling thread, which every thread it starts later
    // inherits, so that only the waiting thread ever takes them: construct this before
    // starting any other thread. `on_signal` runs once, on the waiting thread, for the
    // first signal; later ones stay blocked (SageMaker follows with SIGKILL anyway).
    explicit ShutdownSignals(std::function<void(int)> on_signal) {
        sigemptyset(&signals_);
        sigaddset(&signals_, SIGTERM);
        sigaddset(&signals_, SIGINT);
        if (const int failed = pthread_sigmask(SIG_BLOCK, &signals_, nullptr); failed != 0)
            throw std::runtime_error(std::string("cannot block SIGTERM and SIGINT: ") + std::strerror(failed));
        waiter_ = std::thread([this, on_signal = std::move(on_signal)] {
            int number = 0;
            sigwait(&signals_, &number);
            if (dismissed_) return;
            received_ = number;
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

    // The signal that arrived, 0 if none.
    int received() const noexcept { return received_; }

private:
    sigset_t signals_{};
    std::atomic<bool> dismissed_{false};
    std::atomic<int> received_{0};
    std::thread waiter_;
};

}  // namespace mlpipe::sagemaker
