#include <mlpipe/parallel/blocks.hpp>
#include <mlpipe/parallel/thread_pool.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace mlpipe;

TEST_CASE("ThreadPool: every task runs exactly once, whatever the thread count", "[parallel]") {
    for (std::size_t threads : {1u, 2u, 3u, 8u}) {
        ThreadPool pool(threads);
        CHECK(pool.size() == threads);
        for (std::size_t count : {0u, 1u, 7u, 1000u}) {
            std::vector<int> calls(count, 0);
            pool.run(count, [&](std::size_t i) { ++calls[i]; });
            CHECK(std::count(calls.begin(), calls.end(), 1) == static_cast<long>(count));
        }
    }
}

TEST_CASE("ThreadPool: max_threads bounds the threads that take part", "[parallel]") {
    ThreadPool pool(4);
    std::mutex mutex;
    std::set<std::thread::id> seen;
    pool.run(
        200,
        [&](std::size_t) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            std::lock_guard lock(mutex);
            seen.insert(std::this_thread::get_id());
        },
        2);
    CHECK(seen.size() <= 2);
    seen.clear();
    pool.run(
        50,
        [&](std::size_t) {
            std::lock_guard lock(mutex);
            seen.insert(std::this_thread::get_id());
        },
        1);
    CHECK(seen == std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST_CASE("ThreadPool: the lowest-numbered failing task's exception is rethrown", "[parallel]") {
    ThreadPool pool(3);
    for (int repeat = 0; repeat < 20; ++repeat) {
        try {
            pool.run(100, [&](std::size_t i) {
                if (i == 10 || i == 11) throw std::runtime_error("task " + std::to_string(i));
            });
            FAIL("no exception");
        } catch (const std::runtime_error& e) {
            CHECK(std::string(e.what()) == "task 10");
        }
    }
    // The pool still works after a failed run.
    std::atomic<int> sum = 0;
    pool.run(10, [&](std::size_t i) { sum += static_cast<int>(i); });
    CHECK(sum == 45);
}

TEST_CASE("ThreadPool: a run inside a task runs inline instead of waiting on itself", "[parallel]") {
    ThreadPool pool(2);
    std::vector<std::vector<int>> out(4, std::vector<int>(5, 0));
    pool.run(4, [&](std::size_t i) { pool.run(5, [&](std::size_t j) { out[i][j] = static_cast<int>(i * 10 + j); }); });
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 5; ++j) CHECK(out[i][j] == static_cast<int>(i * 10 + j));
}

TEST_CASE("resolve_n_jobs reads n_jobs as scikit-learn does", "[parallel]") {
    const auto cores = std::max(1u, std::thread::hardware_concurrency());
    CHECK(resolve_n_jobs(3) == 3);
    CHECK(resolve_n_jobs(-1) == cores);
    CHECK(resolve_n_jobs(0) == cores);
    CHECK(resolve_n_jobs(-1000) == 1);
}

TEST_CASE("RowBlocks: cuts by the row count only", "[parallel]") {
    RowBlocks blocks(10, 4);
    REQUIRE(blocks.count() == 3);
    CHECK(blocks[0].begin == 0);
    CHECK(blocks[2].begin == 8);
    CHECK(blocks[2].end == 10);
    CHECK(RowBlocks(0, 4).count() == 0);
    CHECK(RowBlocks(8, 4).count() == 2);
}
