// libFuzzer target: the CSV reader (parse_csv on text in memory; read_csv on a file, plain or
// gzip-compressed) on arbitrary bytes, with options taken from the first three bytes.
//
// Besides crashes and sanitizer reports, it checks the reader's promise that the Frame and
// the error do not depend on the window size or the thread count: each input is read twice,
// with the default window on one thread and with a window of a few bytes on several threads,
// and the two results (Frame, or error message) must be identical.
//
// Input: byte 0 = options (delimiter, header, missing tokens, input kind), byte 1 = column
// names/kinds when there is no header, byte 2 = the small window's size; the rest is the CSV.

#include "fuzz_common.hpp"

#include <mlpipe/error.hpp>
#include <mlpipe/io/csv.hpp>

#include <zlib.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

using mlpipe::CsvOptions;
using mlpipe::Frame;

enum class Input { memory, file, gzip_file };

struct Result {
    std::optional<Frame> frame;
    std::string error;  // the message when reading failed
};

// One in-memory file, reused: no disk traffic per input.
int memory_file() {
    static const int fd = [] {
        const int created = ::memfd_create("fuzz_csv", 0);
        if (created < 0) mlpipe::fuzz::fail("memfd_create failed");
        return created;
    }();
    return fd;
}

std::string write_file(std::string_view bytes) {
    const int fd = memory_file();
    if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) mlpipe::fuzz::fail("cannot reset the memfd");
    for (std::size_t done = 0; done < bytes.size();) {
        const ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (wrote <= 0) mlpipe::fuzz::fail("cannot write the memfd");
        done += static_cast<std::size_t>(wrote);
    }
    return "/proc/self/fd/" + std::to_string(fd);
}

// gzip (RFC 1952) of `text`, one member.
std::string gzip(std::string_view text) {
    z_stream stream{};
    if (deflateInit2(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) mlpipe::fuzz::fail("deflateInit2");
    std::string out(deflateBound(&stream, static_cast<uLong>(text.size())) + 32, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream.avail_in = static_cast<uInt>(text.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END) mlpipe::fuzz::fail("deflate");
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

Result read(std::string_view text, const CsvOptions& options, Input input) {
    Result result;
    try {
        if (input == Input::memory) {
            result.frame = mlpipe::parse_csv(text, options, "fuzz");
        } else {
            const std::string path = write_file(input == Input::gzip_file ? gzip(text) : std::string(text));
            mlpipe::CsvFileInfo info;
            result.frame = mlpipe::read_csv(path, options, &info);
            if (input == Input::gzip_file && !info.gzip) mlpipe::fuzz::fail("a gzip file not read as gzip");
        }
    } catch (const mlpipe::error& failure) {  // anything else is a finding
        result.error = failure.what();
    }
    return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mlpipe::fuzz::Bytes bytes(data, size);
    const std::uint8_t flags = bytes.byte();
    const std::uint8_t columns = bytes.byte();
    const std::uint8_t window = bytes.byte();
    const std::string_view text = bytes.rest();

    static constexpr char delimiters[] = {',', ';', '\t', ' ', '|', '.', 'e', ':'};
    CsvOptions options;
    options.delimiter = delimiters[flags & 7];
    options.header = (flags & 8) == 0;
    if (flags & 16) options.missing_values.push_back("-999");
    const Input input = (flags >> 5) == 6 ? Input::file : (flags >> 5) == 7 ? Input::gzip_file : Input::memory;
    if (!options.header) {
        const int count = 1 + (columns & 7);
        for (int j = 0; j < count; ++j) options.column_names.push_back("c" + std::to_string(j + 1));
        if (columns & 8) options.column_kinds["c1"] = mlpipe::ColumnKind::numeric;
        if (columns & 16) options.column_kinds["c2"] = mlpipe::ColumnKind::categorical;
    } else if (columns & 8) {
        options.column_kinds["a"] = mlpipe::ColumnKind::numeric;  // an error unless the header names "a"
    }

    options.n_threads = 1;
    const Result plain = read(text, options, input);
    options.window_bytes = 1 + window % 61;
    options.n_threads = 1 + (window >> 6);  // 1 to 4
    const Result small = read(text, options, input);

    if (plain.frame.has_value() != small.frame.has_value())
        mlpipe::fuzz::fail("one read failed and the other did not: '" + plain.error + "' / '" + small.error + "'");
    if (!plain.frame) {
        if (plain.error != small.error)
            mlpipe::fuzz::fail("errors differ:\n  default window: " + plain.error + "\n  small window:   " + small.error);
        return 0;
    }
    const std::string difference = mlpipe::fuzz::difference(*plain.frame, *small.frame);
    if (!difference.empty()) mlpipe::fuzz::fail("frames differ: " + difference);
    return 0;
}
