// Tests for the CSV reader's memory on long lines and wide headers, and for running out of
// memory (issue 11): a long first line that is data (header = false) costs nothing per
// field, dropped fields are not unescaped into kept strings, the header checks report the
// same errors as before, and std::bad_alloc while reading becomes a csv_error naming the file.

#include "../support/temp_dir.hpp"

#include <mlpipe/io/csv.hpp>

#include <catch2/catch.hpp>

#include <zlib.h>

#include <sys/resource.h>

#include <cstddef>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using Catch::Contains;
using mlpipe::CsvOptions;
using mlpipe::csv_error;

namespace {

template <class F>
csv_error csv_error_of(F&& read) {
    try {
        read();
    } catch (const csv_error& e) {
        return e;
    }
    FAIL("no csv_error");
    throw;  // unreachable
}

std::string repeated(std::string_view field, std::size_t count, char delimiter = ',') {
    std::string out;
    out.reserve(count * (field.size() + 1));
    for (std::size_t i = 0; i < count; ++i) {
        if (i > 0) out += delimiter;
        out += field;
    }
    return out;
}

}  // namespace

TEST_CASE("csv: a long first line of data (no header) is counted, not kept, and the error says how long",
          "[csv][memory]") {
    CsvOptions options;
    options.header = false;
    options.column_names = {"a", "b"};
    const std::string text = repeated("1", 2'000'000) + "\n1,2\n";
    const auto e = csv_error_of([&] { (void)mlpipe::parse_csv(text, options, "long.csv"); });
    CHECK(e.line() == 1);
    CHECK_THAT(std::string(e.what()), Contains("options.column_names has 2 names but line 1 has 2000000 fields"));
    // The same with quoted fields that hold "" escapes, which the reader no longer unescapes.
    const std::string quoted = repeated("\"x\"\"y\"", 100'000) + "\n";
    const auto q = csv_error_of([&] { (void)mlpipe::parse_csv(quoted, options, "long.csv"); });
    CHECK_THAT(std::string(q.what()), Contains("line 1 has 100000 fields"));
    // The right count still reads.
    const auto frame = mlpipe::parse_csv("\"a\"\"b\",2\n3,4\n", options);
    REQUIRE(frame.rows() == 2);
    CHECK(frame.column("a").dictionary() == std::vector<std::string>{"a\"b", "3"});
}

TEST_CASE("csv: extra fields with \"\" escapes on a long data line are counted and checked", "[csv][memory]") {
    const std::string text = "a\n1\n" + repeated("\"p\"\"q\"", 50'000) + "\n";
    const auto e = csv_error_of([&] { (void)mlpipe::parse_csv(text, {}, "extra.csv"); });
    CHECK(e.line() == 3);
    CHECK_THAT(std::string(e.what()), Contains("line 3 has 50000 fields, expected 1"));
    // A bad quote among the dropped fields is still found.
    const auto bad = csv_error_of([&] { (void)mlpipe::parse_csv("a\n1,\"x\"\"y\"z\n", {}, "extra.csv"); });
    CHECK(bad.line() == 2);
    CHECK(bad.column() == 2);
    CHECK_THAT(std::string(bad.what()), Contains("text after the closing quote"));
}

TEST_CASE("csv: a wide header reads, and its name errors are the first in column order", "[csv][memory]") {
    SECTION("100,000 columns") {
        std::string header, row;
        for (int j = 0; j < 100'000; ++j) {
            header += (j > 0 ? "," : "") + ("c" + std::to_string(j));
            row += (j > 0 ? "," : "") + std::to_string(j % 7);
        }
        const std::string text = header + "\n" + row + "\n";
        // The Frame itself is built elsewhere; here only up to the field count check (one
        // field short), which runs after every column's state is set up.
        const auto e = csv_error_of([&] { (void)mlpipe::parse_csv(text.substr(0, text.size() - 3) + "\n", {}, "wide.csv"); });
        CHECK_THAT(std::string(e.what()), Contains("line 2 has 99999 fields, expected 100000"));
    }
    SECTION("duplicates and empty names") {
        auto what = [](const std::string& text) {
            return csv_error_of([&] { (void)mlpipe::parse_csv(text, {}, "h.csv"); });
        };
        const auto a = what("a,a,,b\n1,2,3,4\n");
        CHECK(a.column() == 2);
        CHECK_THAT(std::string(a.what()), Contains("duplicate column name \"a\" in the header (also column 1)"));
        const auto b = what("b,a,,a,b\n1,2,3,4,5\n");
        CHECK(b.column() == 3);
        CHECK_THAT(std::string(b.what()), Contains("empty column name in the header"));
        const auto c = what("b,a,c,a,b,a\n1,2,3,4,5,6\n");
        CHECK(c.column() == 4);
        CHECK(c.column_name() == "a");
        CHECK_THAT(std::string(c.what()), Contains("(also column 2)"));
        const auto d = what(",a,a\n1,2,3\n");
        CHECK(d.column() == 1);
        // The line of a name after a quoted line break.
        const auto e = what("a,\"b\nc\",a\n1,2,3\n");
        CHECK(e.line() == 2);
        CHECK(e.column() == 3);
        CHECK_THAT(std::string(e.what()), Contains("h.csv:2: column 3 ('a'): duplicate column name \"a\""));
        const auto f = what("\"x\ny\",\"\"\n1,2\n");
        CHECK(f.line() == 2);
        CHECK(f.column() == 2);
    }
    SECTION("column_names are checked the same way") {
        CsvOptions options;
        options.header = false;
        options.column_names = {"x", "y", "x"};
        const auto e = csv_error_of([&] { (void)mlpipe::parse_csv("1,2,3\n", options, "n.csv"); });
        CHECK(e.column() == 3);
        CHECK_THAT(std::string(e.what()), Contains("duplicate column name \"x\" in options.column_names (also column 1)"));
    }
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MLPIPE_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define MLPIPE_TEST_SANITIZED 1
#endif
#endif

TEST_CASE("csv: running out of memory while reading is a csv_error naming the file", "[csv][memory]") {
#if defined(MLPIPE_TEST_SANITIZED)
    WARN("skipped: sanitizers reserve address space beyond any RLIMIT_AS this test could set");
#else
    // A gzip file holding one 768 MiB line: a few MB on disk, and the reader's window must
    // grow to hold the line. The address space is capped a little above what the process
    // uses now, so that growing the window throws std::bad_alloc.
    mlpipe::test::TempDir dir;
    const auto path = dir.path() / "huge-line.csv.gz";
    {
        gzFile out = gzopen(path.c_str(), "wb1");
        REQUIRE(out != nullptr);
        REQUIRE(gzwrite(out, "a\n", 2) == 2);
        const std::string block(std::size_t{1} << 20, 'x');
        for (int i = 0; i < 768; ++i) REQUIRE(gzwrite(out, block.data(), static_cast<unsigned>(block.size())) > 0);
        REQUIRE(gzwrite(out, "\n", 1) == 1);
        REQUIRE(gzclose(out) == Z_OK);
    }
    std::size_t used_kb = 0;
    {
        std::ifstream status("/proc/self/status");
        std::string line;
        while (std::getline(status, line))
            if (line.rfind("VmSize:", 0) == 0) used_kb = std::stoul(line.substr(7));
    }
    if (used_kb == 0) {
        WARN("skipped: no /proc/self/status");
        return;
    }
    rlimit old_limit{};
    REQUIRE(getrlimit(RLIMIT_AS, &old_limit) == 0);
    rlimit limit = old_limit;
    limit.rlim_cur = static_cast<rlim_t>(used_kb + 512 * 1024) * 1024;  // 512 MiB more
    if (old_limit.rlim_max != RLIM_INFINITY && limit.rlim_cur > old_limit.rlim_max) {
        WARN("skipped: RLIMIT_AS is lower already");
        return;
    }
    REQUIRE(setrlimit(RLIMIT_AS, &limit) == 0);
    std::string message;
    try {
        CsvOptions options;
        options.n_threads = 1;
        (void)mlpipe::read_csv(path, options);
    } catch (const csv_error& e) {
        message = e.what();
    } catch (...) {
        (void)setrlimit(RLIMIT_AS, &old_limit);
        throw;
    }
    REQUIRE(setrlimit(RLIMIT_AS, &old_limit) == 0);
    CHECK_THAT(message, Contains(path.string() + ": out of memory while reading"));
    CHECK_THAT(message, Contains("which must hold the longest record"));
#endif
}
