// read_csv throughput on a numeric-heavy file (issue 7): 1,000,000 rows of 20 numeric
// columns (about 6 significant digits), 5 categorical columns of 10 levels and a 0/1
// target, about 183 MB, written to a temporary folder as plain CSV and as gzip (level 6).
// Reports the median MB/s (CSV bytes, uncompressed, per second) of read_csv with 1 and 2
// threads, plain and gzip, and of the reader before streaming (a copy of it is kept below,
// in old_reader), with each configuration's peak RSS. Each configuration runs in a child
// process of its own, so its peak RSS is its own (getrusage in the child).
//
//   build/bench/mlpipe_bench_csv [--rows N] [--runs R] [--dir DIR] [--keep]
//
// --dir reuses (or creates) the data files there; --keep leaves them. Never run by the tests.
#include <mlpipe/io/csv.hpp>

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

// The reader before streaming (commit ff1c099), kept for the before/after comparison: the
// whole file in one string, one thread, a vector of field views per record.
namespace old_reader {

using namespace mlpipe;
using detail::errno_text;
using detail::excerpt;
using detail::is_blank;
using detail::parse_double;
using detail::trim;

class MissingTokens {
public:
    explicit MissingTokens(const std::vector<std::string>& tokens) {
        for (const auto& token : tokens) tokens_.emplace_back(trim(token));
    }
    // `value` must already be trimmed.
    bool contains(std::string_view value) const noexcept {
        for (const auto& token : tokens_)
            if (value == token) return true;
        return false;
    }

private:
    std::vector<std::string> tokens_;  // a handful, so a linear scan beats hashing
};

struct Field {
    std::string_view text;  // the value: unquoted fields trimmed, quoted ones unescaped and verbatim
    std::size_t line;       // 1-based physical line where the field starts
};

// Splits the input into records of fields. Views point into the input or, for fields with
// "" escapes, into strings owned by the Tokenizer, so it must outlive the fields it returns.
class Tokenizer {
public:
    Tokenizer(std::string_view text, char delimiter, const std::string& source)
        : text_(text), delimiter_(delimiter), source_(source) {}

    // Column names used in error messages once the header is known.
    void set_names(const std::vector<std::string>* names) noexcept { names_ = names; }

    // Reads the next record into `fields`; returns false at the end of the input.
    bool next_record(std::vector<Field>& fields, std::size_t& record_line) {
        skip_blank_lines();
        if (pos_ >= text_.size()) return false;
        fields.clear();
        record_line = line_;
        while (true) {
            fields.push_back(read_field(fields.size()));
            if (pos_ >= text_.size()) return true;
            if (text_[pos_] == delimiter_) {
                ++pos_;  // a delimiter is always followed by one more field, maybe empty
                continue;
            }
            consume_line_end();
            return true;
        }
    }

private:
    [[noreturn]] void fail(std::size_t line, std::size_t field_index, const std::string& what) const {
        std::string name;
        if (names_ != nullptr && field_index < names_->size()) name = (*names_)[field_index];
        throw csv_error(source_, line, field_index + 1, name, what);
    }

    // Blanks outside quotes; the delimiter itself is never one (tab- or space-separated files).
    bool is_outer_blank(char c) const noexcept { return is_blank(c) && c != delimiter_; }
    bool ends_field(char c) const noexcept { return c == delimiter_ || c == '\n' || c == '\r'; }

    // Only completely empty lines count as blank; "  " is a record with one empty field.
    void skip_blank_lines() noexcept {
        while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) consume_line_end();
    }

    // At '\n', '\r\n' or a lone '\r'.
    void consume_line_end() noexcept {
        if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
    }

    std::size_t end_of_raw_field(std::size_t from) const noexcept {
        while (from < text_.size() && !ends_field(text_[from])) ++from;
        return from;
    }

    Field read_field(std::size_t field_index) {
        std::size_t cursor = pos_;
        while (cursor < text_.size() && is_outer_blank(text_[cursor])) ++cursor;
        if (cursor < text_.size() && text_[cursor] == '"') {
            pos_ = cursor;
            return read_quoted(field_index);
        }
        const std::size_t start = pos_;
        const std::size_t end = end_of_raw_field(cursor);
        const std::string_view raw = text_.substr(start, end - start);
        if (raw.find('"') != std::string_view::npos)
            fail(line_, field_index,
                 "quote character inside an unquoted field: " + excerpt(raw) +
                     " (quote the whole field and double the quotes inside it)");
        pos_ = end;
        return Field{trim(raw), line_};
    }

    // pos_ is at the opening quote.
    Field read_quoted(std::size_t field_index) {
        const std::size_t open_line = line_;
        const std::size_t open_pos = pos_;
        const std::size_t content_start = ++pos_;
        bool has_escapes = false;
        while (true) {
            if (pos_ >= text_.size())
                fail(open_line, field_index,
                     "quoted field is never closed: " + excerpt(text_.substr(open_pos)));
            const char c = text_[pos_];
            if (c == '"') {
                if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    has_escapes = true;
                    pos_ += 2;
                    continue;
                }
                break;
            }
            // Count line breaks inside the quotes so later line numbers stay physical.
            if (c == '\n' || (c == '\r' && (pos_ + 1 >= text_.size() || text_[pos_ + 1] != '\n'))) ++line_;
            ++pos_;
        }
        std::string_view content = text_.substr(content_start, pos_ - content_start);
        ++pos_;  // the closing quote
        std::size_t cursor = pos_;
        while (cursor < text_.size() && is_outer_blank(text_[cursor])) ++cursor;
        if (cursor < text_.size() && !ends_field(text_[cursor])) {
            const std::size_t end = end_of_raw_field(cursor);
            fail(open_line, field_index,
                 "text after the closing quote of a quoted field: " +
                     excerpt(text_.substr(open_pos, end - open_pos)));
        }
        pos_ = cursor;
        if (has_escapes) {
            std::string& unescaped = unescaped_.emplace_back();
            unescaped.reserve(content.size());
            for (std::size_t i = 0; i < content.size(); ++i) {
                unescaped.push_back(content[i]);
                if (content[i] == '"') ++i;  // quotes come in pairs here; keep one
            }
            content = unescaped;
        }
        return Field{content, open_line};
    }

    std::string_view text_;
    char delimiter_;
    const std::string& source_;
    const std::vector<std::string>* names_ = nullptr;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::deque<std::string> unescaped_;  // a deque never moves its strings, so views stay valid
};


inline Column build_column(const std::string& name, std::size_t column_number, const std::vector<Field>& fields,
                           std::optional<ColumnKind> forced, const MissingTokens& missing,
                           const std::string& source) {
    if (forced != ColumnKind::categorical) {
        std::vector<double> values;
        values.reserve(fields.size());
        bool numeric = true;
        for (const Field& field : fields) {
            const std::string_view value = trim(field.text);
            if (missing.contains(value)) {
                values.push_back(std::numeric_limits<double>::quiet_NaN());
                continue;
            }
            double number = 0.0;
            if (!parse_double(value, number)) {
                if (forced == ColumnKind::numeric)
                    throw csv_error(source, field.line, column_number, name,
                                    "value " + excerpt(field.text) +
                                        " is not a number, and this column must be numeric");
                numeric = false;
                break;
            }
            values.push_back(number);
        }
        // A column with only missing values is numeric: all NaN.
        if (numeric) return Column::numeric(name, std::move(values));
    }

    std::vector<std::int32_t> codes;
    codes.reserve(fields.size());
    std::vector<std::string> dictionary;
    std::unordered_map<std::string_view, std::int32_t> index;  // views into the input: no copies
    for (const Field& field : fields) {
        if (missing.contains(trim(field.text))) {
            codes.push_back(-1);
            continue;
        }
        auto [it, inserted] = index.try_emplace(field.text, static_cast<std::int32_t>(dictionary.size()));
        if (inserted) dictionary.emplace_back(field.text);
        codes.push_back(it->second);
    }
    return Column::categorical(name, std::move(codes), std::move(dictionary));
}

inline void check_names(const std::vector<std::string>& names, const std::vector<Field>* header,
                        const std::string& source) {
    std::unordered_map<std::string_view, std::size_t> seen;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::size_t line = header != nullptr ? (*header)[i].line : 0;
        const std::string where = header != nullptr ? "in the header" : "in options.column_names";
        if (names[i].empty()) throw csv_error(source, line, i + 1, "", "empty column name " + where);
        auto [it, inserted] = seen.try_emplace(names[i], i);
        if (!inserted)
            throw csv_error(source, line, i + 1, names[i],
                            "duplicate column name " + excerpt(names[i]) + " " + where + " (also column " +
                                std::to_string(it->second + 1) + ")");
    }
}

// Parse text already in memory; `source` names it in error messages (e.g. "request body").
inline Frame parse_csv(std::string_view text, const CsvOptions& options, const std::string& source) {
    
    const char delimiter = options.delimiter;
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r')
        throw csv_error(source, 0, 0, "", "the delimiter cannot be a quote or a line break");
    if (options.header && !options.column_names.empty())
        throw csv_error(source, 0, 0, "",
                        "options.column_names is only used when options.header is false; "
                        "rename the columns after reading instead");
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark

    Tokenizer tokenizer(text, delimiter, source);
    std::vector<Field> record;
    std::size_t record_line = 0;
    bool have_record = tokenizer.next_record(record, record_line);

    std::vector<std::string> names;
    if (options.header) {
        if (!have_record) throw csv_error(source, 0, 0, "", "the input is empty: there is no header record");
        names.reserve(record.size());
        for (const Field& field : record) names.emplace_back(field.text);
        check_names(names, &record, source);
    } else {
        if (options.column_names.empty())
            throw csv_error(source, 0, 0, "",
                            "options.header is false, so options.column_names must name every column");
        names = options.column_names;
        check_names(names, nullptr, source);
        if (have_record && record.size() != names.size())
            throw csv_error(source, record_line, 0, "",
                            "options.column_names has " + std::to_string(names.size()) + " names but line " +
                                std::to_string(record_line) + " has " + std::to_string(record.size()) +
                                " fields");
    }
    tokenizer.set_names(&names);
    const std::size_t column_count = names.size();

    std::vector<std::optional<ColumnKind>> forced(column_count);
    for (const auto& [name, kind] : options.column_kinds) {
        auto found = std::find(names.begin(), names.end(), name);
        if (found == names.end())
            throw csv_error(source, 0, 0, "",
                            "options.column_kinds names column " + excerpt(name) + ", which is not among the " +
                                "columns (" + detail::quoted_list(names) + ")");
        const auto index = static_cast<std::size_t>(found - names.begin());
        if (kind != ColumnKind::numeric && kind != ColumnKind::categorical)
            throw csv_error(source, 0, index + 1, name,
                            std::string("options.column_kinds can force numeric or categorical, not ") +
                                to_string(kind));
        forced[index] = kind;
    }
    if (options.header) have_record = tokenizer.next_record(record, record_line);  // the first data record

    // Column-major storage of the field views; size it once from the line count.
    std::vector<std::vector<Field>> cells(column_count);
    const auto expected_rows = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    for (auto& column_cells : cells) column_cells.reserve(expected_rows);
    while (have_record) {
        if (record.size() != column_count)
            throw csv_error(source, record_line, record.size() > column_count ? column_count + 1 : 0, "",
                            "line " + std::to_string(record_line) + " has " + std::to_string(record.size()) +
                                " fields, expected " + std::to_string(column_count));
        for (std::size_t i = 0; i < column_count; ++i) cells[i].push_back(record[i]);
        have_record = tokenizer.next_record(record, record_line);
    }

    const MissingTokens missing(options.missing_values);
    std::vector<Column> columns;
    columns.reserve(column_count);
    for (std::size_t i = 0; i < column_count; ++i) {
        columns.push_back(build_column(names[i], i + 1, cells[i], forced[i], missing, source));
        std::vector<Field>().swap(cells[i]);  // free the views early: peak memory stays ~ one copy
    }
    return Frame(std::move(columns));
}

inline Frame read_csv(const std::filesystem::path& path, const CsvOptions& options) {
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored))
        throw error("read_csv: cannot open '" + path.string() + "': it is a directory");
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int saved_errno = errno;
        throw error("read_csv: cannot open '" + path.string() + "': " +
                    (saved_errno != 0 ? detail::errno_text(saved_errno) : std::string("unknown error")));
    }
    std::string text;
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    in.seekg(0, std::ios::beg);
    if (size > 0) {
        text.resize(static_cast<std::size_t>(size));
        in.read(text.data(), size);
        text.resize(static_cast<std::size_t>(in.gcount()));
    } else {
        // Size unknown (a pipe or special file): read in chunks.
        in.clear();
        char chunk[65536];
        while (in.read(chunk, sizeof chunk) || in.gcount() > 0)
            text.append(chunk, static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) throw error("read_csv: reading '" + path.string() + "' failed");
    return old_reader::parse_csv(text, options, path.string());
}

}  // namespace old_reader

namespace {

struct Settings {
    std::size_t rows = 1'000'000;
    int runs = 5;
    fs::path dir;
    bool keep = false;
};

// The shape: x0..x19 uniform in [0, 100) printed with 6 significant digits, c0..c4
// with levels lv0..lv9, and target 0/1.
void write_data(const fs::path& csv, const fs::path& gz, std::size_t rows) {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> uniform(0.0, 100.0);
    std::string text;
    for (int j = 0; j < 20; ++j) text += "x" + std::to_string(j) + ",";
    for (int j = 0; j < 5; ++j) text += "c" + std::to_string(j) + ",";
    text += "target\n";
    std::ofstream out(csv, std::ios::binary | std::ios::trunc);
    gzFile zipped = gzopen(gz.string().c_str(), "wb6");
    if (!out || zipped == nullptr) {
        std::fprintf(stderr, "cannot write %s or %s\n", csv.string().c_str(), gz.string().c_str());
        std::exit(1);
    }
    gzbuffer(zipped, 1 << 20);
    char number[32];
    for (std::size_t i = 0; i < rows; ++i) {
        for (int j = 0; j < 20; ++j) {
            const auto end = std::to_chars(number, number + sizeof number, uniform(rng), std::chars_format::general, 6).ptr;
            text.append(number, end);
            text += ',';
        }
        for (int j = 0; j < 5; ++j) {
            text += "lv";
            text += static_cast<char>('0' + rng() % 10);
            text += ',';
        }
        text += rng() % 2 == 0 ? "0\n" : "1\n";
        if (text.size() > (1 << 20) || i + 1 == rows) {
            out.write(text.data(), static_cast<std::streamsize>(text.size()));
            gzwrite(zipped, text.data(), static_cast<unsigned>(text.size()));
            text.clear();
        }
    }
    gzclose(zipped);
}

struct Result {
    double median_seconds = 0;
    double min_seconds = 0;
    long peak_rss_kib = 0;
    std::size_t rows = 0;
};

bool read_all(int fd, Result& result) {
    auto* bytes = reinterpret_cast<char*>(&result);
    std::size_t done = 0;
    while (done < sizeof result) {
        const ssize_t got = read(fd, bytes + done, sizeof result - done);
        if (got <= 0) return false;
        done += static_cast<std::size_t>(got);
    }
    return true;
}

// Runs `read` `runs` times in a child process (a fresh thread pool, its own peak RSS).
Result measure(int runs, const std::function<mlpipe::Frame()>& read) {
    int fds[2];
    if (pipe(fds) != 0) std::exit(1);
    const pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        std::vector<double> seconds;
        Result result;
        for (int r = 0; r < runs; ++r) {
            const auto start = std::chrono::steady_clock::now();
            const mlpipe::Frame frame = read();
            seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
            result.rows = frame.rows();
        }
        std::sort(seconds.begin(), seconds.end());
        result.median_seconds = seconds[seconds.size() / 2];
        result.min_seconds = seconds.front();
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        result.peak_rss_kib = usage.ru_maxrss;
        if (write(fds[1], &result, sizeof result) != static_cast<ssize_t>(sizeof result)) _exit(1);
        _exit(0);
    }
    close(fds[1]);
    Result result;
    const bool ok = read_all(fds[0], result);
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "a benchmark child failed\n");
        std::exit(1);
    }
    return result;
}

}  // namespace

int main(int argc, char** argv) {
    Settings settings;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--rows" && i + 1 < argc) settings.rows = std::stoul(argv[++i]);
        else if (arg == "--runs" && i + 1 < argc) settings.runs = std::stoi(argv[++i]);
        else if (arg == "--dir" && i + 1 < argc) settings.dir = argv[++i];
        else if (arg == "--keep") settings.keep = true;
        else {
            std::fprintf(stderr, "usage: %s [--rows N] [--runs R] [--dir DIR] [--keep]\n", argv[0]);
            return 2;
        }
    }
    const bool own_dir = settings.dir.empty();
    if (own_dir) settings.dir = fs::temp_directory_path() / ("mlpipe-bench-csv-" + std::to_string(getpid()));
    fs::create_directories(settings.dir);
    const fs::path csv = settings.dir / ("bench_" + std::to_string(settings.rows) + ".csv");
    const fs::path gz = settings.dir / ("bench_" + std::to_string(settings.rows) + ".csv.gz");
    if (!fs::exists(csv) || !fs::exists(gz)) {
        std::printf("writing %s and %s ...\n", csv.string().c_str(), gz.string().c_str());
        std::fflush(stdout);
        write_data(csv, gz, settings.rows);
    }
    const double csv_mb = static_cast<double>(fs::file_size(csv)) / 1e6;
    std::printf("data: %zu rows x 26 columns, %.1f MB plain, %.1f MB gzip; %d runs each, median\n", settings.rows,
                csv_mb, static_cast<double>(fs::file_size(gz)) / 1e6, settings.runs);
    std::printf("%-34s %9s %9s %9s %11s\n", "reader", "median s", "MB/s", "best MB/s", "peak RSS MB");

    auto report = [&](const char* name, const Result& result) {
        std::printf("%-34s %9.3f %9.0f %9.0f %11.0f\n", name, result.median_seconds, csv_mb / result.median_seconds,
                    csv_mb / result.min_seconds, static_cast<double>(result.peak_rss_kib) / 1024.0);
        std::fflush(stdout);
        if (result.rows != settings.rows) {
            std::fprintf(stderr, "%s read %zu rows, expected %zu\n", name, result.rows, settings.rows);
            std::exit(1);
        }
    };
    auto streaming = [&](const fs::path& file, std::size_t threads) {
        return [file, threads] {
            mlpipe::CsvOptions options;
            options.n_threads = threads;
            return mlpipe::read_csv(file, options);
        };
    };
    report("before: whole file, 1 thread", measure(settings.runs, [&] { return old_reader::read_csv(csv, {}); }));
    report("read_csv plain, 1 thread", measure(settings.runs, streaming(csv, 1)));
    report("read_csv plain, 2 threads", measure(settings.runs, streaming(csv, 2)));
    report("read_csv gzip, 1 thread", measure(settings.runs, streaming(gz, 1)));
    report("read_csv gzip, 2 threads", measure(settings.runs, streaming(gz, 2)));

    if (own_dir && !settings.keep) fs::remove_all(settings.dir);
    return 0;
}
