#pragma once
// One pool of threads for everything the library runs in parallel (CSV parsing, the loss
// and gradient passes, predictions), so that nested or concurrent work never starts more
// threads than there are cores.
//
// Why a small std::thread pool and not OpenMP: mlpipe is header-only, so an OpenMP pragma
// would depend on every user's TU being compiled with -fopenmp (silently serial without it)
// and on which OpenMP runtime the program links (libgomp and libomp do not mix well with
// a BLAS built on the other). A pool of our own needs no flag, and its results do not
// depend on the thread count by construction: work is cut into tasks by the data alone
// (parallel/blocks.hpp), each task writes its own slot, and the caller reduces the slots
// in task order.
//
//   ThreadPool& pool = ThreadPool::shared();           // hardware_concurrency() threads
//   pool.run(n_tasks, [&](std::size_t task) {...}, n_jobs);

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mlpipe {

// Threads to use for an n_jobs setting, as scikit-learn reads it: a positive number is that
// many threads; -1 (or 0, "unset") all cores; -2 all but one, and so on (at least one).
inline std::size_t resolve_n_jobs(int n_jobs) noexcept {
    // Asked once: glibc answers hardware_concurrency() by reading a file in /sys, which cost
    // an endpoint about a tenth of its time when every one-row prediction asked again.
    static const auto cores = static_cast<long>(std::max(1u, std::thread::hardware_concurrency()));
    long threads = n_jobs > 0 ? n_jobs : n_jobs == 0 ? cores : cores + 1 + n_jobs;
    return static_cast<std::size_t>(std::max(1L, threads));
}

class ThreadPool {
public:
    // `threads` counts the calling thread, which takes part in every run: a pool of 1 runs
    // everything on the caller and starts no thread.
    explicit ThreadPool(std::size_t threads) {
        threads = std::max<std::size_t>(1, threads);
        workers_.reserve(threads - 1);
        for (std::size_t i = 0; i + 1 < threads; ++i) workers_.emplace_back([this] { work(); });
    }

    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    ~ThreadPool() {
        {
            std::lock_guard lock(mutex_);
            shutting_down_ = true;
        }
        wake_.notify_all();
        for (auto& worker : workers_) worker.join();
    }

    // The process-wide pool: one thread per core. Created on first use.
    static ThreadPool& shared() {
        static ThreadPool pool(std::max(1u, std::thread::hardware_concurrency()));
        return pool;
    }

    std::size_t size() const noexcept { return workers_.size() + 1; }

    // Calls task(i) once for each i in [0, count), on at most `max_threads` threads (0: all of
    // the pool's), and returns when every call has returned. Tasks are handed out in order to
    // whichever thread is free, so a task must write only its own output. When tasks throw,
    // the remaining ones are skipped and the exception of the lowest-numbered failing task
    // is rethrown, so the error a caller sees does not depend on the thread count either.
    // Runs are serialised: a task that calls run() on the same pool runs its inner tasks
    // on its own thread.
    template <class Task>
    void run(std::size_t count, Task&& task, std::size_t max_threads = 0) {
        if (count == 0) return;
        const std::size_t helpers =
            std::min({workers_.size(), max_threads == 0 ? workers_.size() : max_threads - 1, count - 1});
        if (helpers == 0 || inside_run()) {
            run_inline(count, task);
            return;
        }
        std::unique_lock run_lock(run_mutex_);
        Job job;
        job.count = count;
        job.task = [&task](std::size_t i) { task(i); };
        {
            std::lock_guard lock(mutex_);
            job_ = &job;
            seats_ = helpers;
            ++generation_;
        }
        wake_.notify_all();
        participate(job);
        std::unique_lock lock(mutex_);
        seats_ = 0;  // the tasks are all taken: a helper that has not woken yet need not come
        done_.wait(lock, [&] { return job.active == 0; });
        job_ = nullptr;
        lock.unlock();
        if (job.error) std::rethrow_exception(job.error);
    }

private:
    struct Job {
        std::size_t count = 0;
        std::function<void(std::size_t)> task;
        std::atomic<std::size_t> next{0};
        std::size_t active = 0;  // helpers inside participate(), guarded by mutex_
        std::mutex error_mutex;
        std::exception_ptr error;
        std::size_t error_task = static_cast<std::size_t>(-1);
    };

    static bool& inside_run() noexcept {
        thread_local bool inside = false;
        return inside;
    }

    template <class Task>
    static void run_inline(std::size_t count, Task& task) {
        for (std::size_t i = 0; i < count; ++i) task(i);
    }

    static void participate(Job& job) {
        const bool was_inside = inside_run();
        inside_run() = true;
        while (true) {
            const std::size_t i = job.next.fetch_add(1, std::memory_order_relaxed);
            if (i >= job.count) break;
            try {
                job.task(i);
            } catch (...) {
                std::lock_guard lock(job.error_mutex);
                if (i < job.error_task) {
                    job.error_task = i;
                    job.error = std::current_exception();
                }
                job.next.store(job.count, std::memory_order_relaxed);  // skip the rest
            }
        }
        inside_run() = was_inside;
    }

    void work() {
        std::size_t seen = 0;
        while (true) {
            Job* job = nullptr;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [&] { return shutting_down_ || (generation_ != seen && seats_ > 0); });
                if (shutting_down_) return;
                seen = generation_;
                --seats_;
                job = job_;
                ++job->active;
            }
            participate(*job);
            {
                std::lock_guard lock(mutex_);
                --job->active;
            }
            done_.notify_all();
        }
    }

    std::vector<std::thread> workers_;
    std::mutex run_mutex_;  // one run at a time
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    Job* job_ = nullptr;
    std::size_t seats_ = 0;  // helpers still to join the current run
    std::size_t generation_ = 0;
    bool shutting_down_ = false;
};

}  // namespace mlpipe
