// Tests for mlpipe/detail/huge_page_allocator.hpp and its use by the CSV reader: large
// buffers are mapped at huge-page boundaries and marked for transparent huge pages (where
// the system has them), keep their contents as vectors grow and shrink across the size
// where they move between the heap and their own mapping, and read_csv's numeric columns
// are such buffers.

#include "../support/temp_dir.hpp"

#include <mlpipe/detail/huge_page_allocator.hpp>
#include <mlpipe/io/csv.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <sys/prctl.h>

using mlpipe::detail::huge_page_bytes;
using mlpipe::detail::huge_page_min_bytes;
using mlpipe::detail::HugePageAllocator;
using mlpipe::detail::HugePageVector;
using mlpipe::detail::uses_huge_pages;

namespace {

bool on_huge_page_boundary(const void* data) {
    return reinterpret_cast<std::uintptr_t>(data) % huge_page_bytes == 0;
}

std::string read_text(const char* path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The THPeligible line of the mapping that holds `data` in /proc/self/smaps: "1" when the
// kernel may back it with huge pages; empty when there is no such line.
std::string thp_eligible(const void* data) {
    std::istringstream smaps(read_text("/proc/self/smaps"));
    const auto address = reinterpret_cast<std::uintptr_t>(data);
    bool inside = false;
    for (std::string line; std::getline(smaps, line);) {
        const std::size_t dash = line.find('-');
        const std::size_t space = line.find(' ');
        if (dash != std::string::npos && space != std::string::npos && dash < space &&
            line.find_first_not_of("0123456789abcdef") == dash) {
            const std::uintptr_t begin = std::stoull(line.substr(0, dash), nullptr, 16);
            const std::uintptr_t end = std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
            inside = begin <= address && address < end;
        } else if (inside && line.starts_with("THPeligible:")) {
            const std::size_t value = line.find_first_not_of(" \t", 12);
            return value == std::string::npos ? "" : line.substr(value);
        }
    }
    return "";
}

// THP is on for madvise'd memory (or all memory) here, in 2 MiB pages, and not turned off
// for this process (prctl PR_SET_THP_DISABLE, inherited from the parent).
bool system_has_huge_pages() {
    const std::string enabled = read_text("/sys/kernel/mm/transparent_hugepage/enabled");
    const std::string size = read_text("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
    return (enabled.find("[always]") != std::string::npos || enabled.find("[madvise]") != std::string::npos) &&
           size.starts_with("2097152") && ::prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 0;
}

}  // namespace

TEST_CASE("huge page allocator: large buffers are mapped on huge-page boundaries and marked for huge pages",
          "[huge_pages]") {
    CHECK_FALSE(uses_huge_pages(huge_page_min_bytes - 1));
    if (!uses_huge_pages(huge_page_min_bytes)) {
        WARN("std::allocator here (not Linux, or a sanitizer build): nothing more to check");
        return;
    }

    HugePageAllocator<double> allocator;
    const std::size_t n = huge_page_min_bytes / sizeof(double) + 3;  // not a whole number of huge pages
    double* data = allocator.allocate(n);
    CHECK(on_huge_page_boundary(data));
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<double>(i);  // every byte asked for is mapped
    CHECK(data[n - 1] == static_cast<double>(n - 1));
    // Kernels before 5.0 (and some sandboxes) have no THPeligible line: nothing to compare.
    const std::string eligible = thp_eligible(data);
    if (system_has_huge_pages() && !eligible.empty()) CHECK(eligible == "1");
    allocator.deallocate(data, n);

    double* small = allocator.allocate(100);  // from the heap
    small[99] = 1.0;
    allocator.deallocate(small, 100);
}

TEST_CASE("huge page allocator: a vector keeps its values as it grows onto and shrinks off its own mapping",
          "[huge_pages]") {
    HugePageVector<std::int64_t> values;
    const std::size_t rows = 3 * huge_page_min_bytes / sizeof(std::int64_t);
    for (std::size_t i = 0; i < rows; ++i) values.push_back(static_cast<std::int64_t>(i * 7 + 1));
    if (uses_huge_pages(huge_page_min_bytes)) CHECK(on_huge_page_boundary(values.data()));
    bool all_there = true;
    for (std::size_t i = 0; i < rows; ++i) all_there = all_there && values[i] == static_cast<std::int64_t>(i * 7 + 1);
    CHECK(all_there);

    values.resize(1000);
    values.shrink_to_fit();  // back to the heap
    REQUIRE(values.size() == 1000);
    CHECK(values[999] == 999 * 7 + 1);
    HugePageVector<std::int64_t> copy = values;
    CHECK(copy == values);
}

TEST_CASE("read_csv: large numeric columns are in huge-page buffers and hold the values read",
          "[csv][huge_pages]") {
    // 700,000 rows: 5.6 MB of text (two of the reader's 4 MiB windows), 5.6 MB of float64.
    const std::size_t rows = 700'000;
    mlpipe::test::TempDir dir;
    const auto path = dir.path() / "large.csv";
    {
        std::ofstream out(path);
        out << "x,y\n";
        for (std::size_t i = 0; i < rows; ++i) out << i % 1000 << ".5," << (i % 3 == 0 ? "a" : "b") << '\n';
    }
    for (const std::size_t threads : {1, 2}) {
        mlpipe::CsvOptions options;
        options.n_threads = threads;
        const mlpipe::Frame frame = mlpipe::read_csv(path.string(), options);
        REQUIRE(frame.rows() == rows);
        const auto x = frame.column("x").values();
        if (uses_huge_pages(huge_page_min_bytes)) CHECK(on_huge_page_boundary(x.data()));
        CHECK(frame.column("x").known_finite());
        bool all_there = true;
        for (std::size_t i = 0; i < rows; ++i)
            all_there = all_there && x[i] == static_cast<double>(i % 1000) + 0.5;
        CHECK(all_there);
    }
}
