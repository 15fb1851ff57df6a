// Tests for the streaming, parallel and gzip-aware CSV reader (io/csv_reader.hpp,
// io/byte_source.hpp): results and errors that do not depend on the thread count or the
// window size, records and quoted line breaks across window and piece boundaries, the
// rare second pass, gzip files (named anything, truncated, corrupt, several members) and
// CsvFileInfo.

#include "../support/temp_dir.hpp"

#include <mlpipe/io/byte_source.hpp>
#include <mlpipe/io/csv.hpp>

#include <catch2/catch.hpp>

#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using Catch::Contains;
using mlpipe::ColumnKind;
using mlpipe::CsvOptions;
using mlpipe::Frame;
using mlpipe::test::TempDir;

namespace {

// Everything a Frame holds, as text: kinds, names, values to the bit, codes, dictionaries.
std::string dump(const Frame& frame) {
    std::string out;
    for (const auto& column : frame) {
        out += column.name() + (column.is_numeric() ? " numeric:" : " categorical:");
        if (column.is_numeric()) {
            for (const double value : column.values()) {
                std::uint64_t bits = 0;
                std::memcpy(&bits, &value, sizeof bits);
                out += ' ' + (std::isnan(value) ? std::string("nan") : std::to_string(bits));
            }
        } else {
            for (const auto code : column.codes()) out += ' ' + std::to_string(code);
            out += " |";
            for (const auto& entry : column.dictionary()) out += " [" + entry + "]";
        }
        out += '\n';
    }
    return out;
}

std::string category(const Frame& frame, std::string_view name, std::size_t row) {
    const auto& column = frame.column(name);
    const auto code = column.codes()[row];
    return code < 0 ? std::string("<missing>") : column.dictionary()[static_cast<std::size_t>(code)];
}

CsvOptions with(std::size_t threads, std::size_t window, CsvOptions options = {}) {
    options.n_threads = threads;
    options.window_bytes = window;
    return options;
}

// gzip-compresses `text` as one member (what `gzip` writes), with zlib.
std::string gzip(std::string_view text, int level = 6) {
    z_stream stream{};
    REQUIRE(deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&stream, static_cast<uLong>(text.size())) + 64, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream.avail_in = static_cast<uInt>(text.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&stream, Z_FINISH) == Z_STREAM_END);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

std::uint32_t crc32_of(std::string_view bytes) {
    return static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

// The message of the error `read` throws.
template <class Read>
std::string error_of(Read&& read) {
    try {
        (void)read();
    } catch (const mlpipe::error& failure) {
        return failure.what();
    }
    return "(no error)";
}

// A table with every hard case: quoted fields with line breaks (LF and CRLF) and "" escapes,
// blanks around fields, CRLF and LF line ends, blank lines, missing values, a column whose
// first text comes after many numbers (a second pass for small windows), a column of only
// missing values that gets text late (no second pass), a numeric and a categorical column.
std::string hard_table(std::size_t rows) {
    std::mt19937_64 random(2024);
    std::string text = "id,price,note,late,empty_then_text,color\r\n";
    const char* colors[] = {"red", "green", "blue", "NA", " teal ", "\"quoted, color\""};
    for (std::size_t i = 0; i < rows; ++i) {
        text += std::to_string(i) + ",";
        text += (i % 11 == 0 ? std::string("") : std::to_string(static_cast<double>(random() % 100000) / 100.0)) + ",";
        switch (i % 5) {
            case 0: text += "\"line one\nline two\""; break;
            case 1: text += "\"say \"\"hi\"\"\""; break;
            case 2: text += "\"crlf\r\ninside, too\""; break;
            case 3: text += "  plain  "; break;
            default: text += ""; break;
        }
        text += ",";
        text += i + 3 == rows ? std::string("late text") : std::to_string(i % 7) + ".5";
        text += ",";
        text += i + 2 == rows ? std::string("finally") : std::string(i % 2 == 0 ? "" : "NA");
        text += ",";
        text += colors[random() % 6];
        text += i % 3 == 0 ? "\r\n" : "\n";
        if (i % 17 == 0) text += "\n";  // a blank line
    }
    return text;
}

}  // namespace

TEST_CASE("csv streaming: the Frame does not depend on threads or window size", "[csv][streaming]") {
    const std::string text = hard_table(400);
    const Frame reference = mlpipe::parse_csv(text, with(1, 0));
    // What the reference must be, so that a reader wrong everywhere still fails.
    REQUIRE(reference.rows() == 400);
    CHECK(reference.column("id").is_numeric());
    CHECK(reference.column("price").is_numeric());
    CHECK(std::isnan(reference.column("price").values()[0]));
    REQUIRE(reference.column("late").is_categorical());
    CHECK(reference.column("late").dictionary().front() == "0.5");  // numbers kept as their text
    CHECK(category(reference, "late", 397) == "late text");
    REQUIRE(reference.column("empty_then_text").is_categorical());
    CHECK(reference.column("empty_then_text").dictionary() == std::vector<std::string>{"finally"});
    CHECK(reference.column("empty_then_text").count_missing() == 399);
    CHECK(category(reference, "note", 0) == "line one\nline two");
    CHECK(category(reference, "note", 1) == "say \"hi\"");
    CHECK(category(reference, "note", 2) == "crlf\r\ninside, too");
    CHECK(category(reference, "note", 3) == "plain");
    CHECK(category(reference, "note", 4) == "<missing>");
    const auto& colors = reference.column("color").dictionary();
    CHECK(colors.size() == 5);  // red, green, blue, teal, "quoted, color"; NA is missing
    // First-appearance order: the dictionary lists each value where it first occurs.
    std::vector<std::string> first_seen;
    for (std::size_t row = 0; row < reference.rows(); ++row) {
        const std::string value = category(reference, "color", row);
        if (value != "<missing>" && std::find(first_seen.begin(), first_seen.end(), value) == first_seen.end())
            first_seen.push_back(value);
    }
    CHECK(colors == first_seen);

    const std::string expected = dump(reference);
    SECTION("a table of over 1 MiB, so that windows are merged column by column in parallel") {
        const std::string big = hard_table(30000);
        REQUIRE(big.size() > (std::size_t{1} << 20));
        const std::string big_expected = dump(mlpipe::parse_csv(big, with(1, 4096)));
        CHECK(mlpipe::parse_csv(big, with(1, 0)).column("late").is_categorical());
        for (const std::size_t threads : {1, 2, 4}) {
            CAPTURE(threads);
            CHECK(dump(mlpipe::parse_csv(big, with(threads, 0))) == big_expected);
            CHECK(dump(mlpipe::parse_csv(big, with(threads, std::size_t{1} << 20))) == big_expected);
        }
    }
    TempDir dir;
    const fs::path plain = dir.write("hard.csv", text);
    const fs::path zipped = dir.write("hard.csv.gz", gzip(text));
    for (const std::size_t threads : {1, 2, 4}) {
        for (const std::size_t window : {1, 7, 64, 1000, 0}) {
            CAPTURE(threads, window);
            CHECK(dump(mlpipe::parse_csv(text, with(threads, window))) == expected);
            CHECK(dump(mlpipe::read_csv(plain, with(threads, window))) == expected);
            CHECK(dump(mlpipe::read_csv(zipped, with(threads, window))) == expected);
        }
    }
}

TEST_CASE("csv streaming: a column whose text comes late is read again as categorical", "[csv][streaming]") {
    // 3,000 numbers, then text: with a 64-byte window the numbers are stored long before the
    // text shows up, so the reader needs its second pass (the file is rewound).
    std::string text = "n,x\n";
    for (int i = 0; i < 3000; ++i) text += std::to_string(i % 10) + (i % 4 == 0 ? ".50" : "") + "," + std::to_string(i) + "\n";
    text += "ten,3000\n";
    TempDir dir;
    const fs::path file = dir.write("late.csv", text);
    for (const std::size_t threads : {1, 2}) {
        const Frame frame = mlpipe::read_csv(file, with(threads, 64));
        REQUIRE(frame.column("n").is_categorical());
        CHECK(frame.column("x").is_numeric());
        CHECK(frame.column("n").dictionary().front() == "0.50");
        CHECK(frame.column("n").dictionary().size() == 16);  // "0.50", "2.50" .. "8.50", "0".."9", "ten"
        CHECK(category(frame, "n", 1) == "1");
        CHECK(category(frame, "n", 3000) == "ten");
        CHECK(frame.column("x").values()[3000] == 3000.0);
        CHECK(dump(frame) == dump(mlpipe::parse_csv(text)));
    }
}

TEST_CASE("csv streaming: category codes are read narrow and widened as the dictionary grows", "[csv][streaming]") {
    // "few" keeps 3 values (int8 codes); "mid" reaches 300 (int16 from row 128 on); "wide" is
    // new on every row (int8, then int16 at row 128, then int32 at row 32,768); "late" is
    // missing until its text at row 39,000 (a numeric column turned categorical). The
    // finished Column stores the narrowest type however the reader held the codes, so this
    // guards the codes' values through the reader's widening, not where it stores them
    // (peak memory, in bench/README.md, shows that).
    constexpr int rows = 40000;
    std::string text = "few,mid,wide,late\n";
    for (int i = 0; i < rows; ++i)
        text += (i % 7 == 0 ? std::string("NA") : "f" + std::to_string(i % 3)) + ",m" + std::to_string(i % 300) + ",w" +
                std::to_string(i) + "," + (i >= 39000 ? "t" + std::to_string(i % 2) : std::string()) + "\n";
    TempDir dir;
    const fs::path file = dir.write("growing.csv", text);
    for (const std::size_t threads : {1, 2}) {
        for (const std::size_t window : {4096, 0}) {
            CAPTURE(threads, window);
            const Frame frame = mlpipe::read_csv(file, with(threads, window));
            REQUIRE(frame.rows() == rows);
            const auto& few = frame.column("few");
            const auto& mid = frame.column("mid");
            const auto& wide = frame.column("wide");
            const auto& late = frame.column("late");
            CHECK(few.code_type() == mlpipe::CodeType::int8);
            CHECK(mid.code_type() == mlpipe::CodeType::int16);
            CHECK(wide.code_type() == mlpipe::CodeType::int32);
            REQUIRE(late.is_categorical());
            CHECK(late.code_type() == mlpipe::CodeType::int8);
            REQUIRE(wide.dictionary().size() == rows);
            REQUIRE(mid.dictionary().size() == 300);
            bool codes_right = true;
            for (int i = 0; i < rows; ++i) {
                const auto row = static_cast<std::size_t>(i);
                codes_right = codes_right && wide.codes()[row] == i && mid.codes()[row] == i % 300 &&
                              few.codes()[row] == (i % 7 == 0 ? -1 : (i + 2) % 3) &&  // f1, f2, f0
                              late.codes()[row] == (i < 39000 ? -1 : i % 2);
                if (!codes_right) {
                    CAPTURE(i);
                    CHECK(codes_right);
                    break;
                }
            }
            CHECK(codes_right);
            CHECK(wide.dictionary()[32768] == "w32768");
            CHECK(few.dictionary() == std::vector<std::string>{"f1", "f2", "f0"});
        }
    }
}

TEST_CASE("csv streaming: records longer than the window", "[csv][streaming]") {
    const std::string long_text(10000, 'w');
    const std::string text = "a,b\n1,\"" + long_text + "\n" + long_text + "\"\n2," + long_text + "\n3,x\n";
    TempDir dir;
    const fs::path file = dir.write("long.csv", text);
    for (const std::size_t window : {1, 64, 4096}) {
        const Frame frame = mlpipe::read_csv(file, with(2, window));
        REQUIRE(frame.rows() == 3);
        CHECK(category(frame, "b", 0) == long_text + "\n" + long_text);
        CHECK(category(frame, "b", 1) == long_text);
        CHECK(category(frame, "b", 2) == "x");
    }
}

TEST_CASE("csv streaming: errors in a later window or piece name the same place as one pass", "[csv][streaming][errors]") {
    // 2,000 good rows (with quoted line breaks, so lines and rows differ), then one bad row.
    std::string good = "id,name,value\n";
    for (int i = 0; i < 2000; ++i)
        good += std::to_string(i) + (i % 9 == 0 ? ",\"two\nlines\"," : ",plain,") + std::to_string(i * 0.5) + "\n";
    CsvOptions forced;
    forced.column_kinds["value"] = ColumnKind::numeric;
    struct Case {
        const char* what;
        std::string bad_row;
        CsvOptions options;
        const char* message;
    };
    const std::vector<Case> cases = {
        {"too few fields", "7,x\n", {}, "has 2 fields, expected 3"},
        {"too many fields", "7,x,1,2\n", {}, "has 4 fields, expected 3"},
        {"a quote inside an unquoted field", "7,ab\"c,1\n", {}, "quote character inside an unquoted field"},
        {"text after a closing quote", "7,\"ab\nc\"d,1\n", {}, "after the closing quote"},
        {"a quoted field never closed", "7,\"open\nand on\n", {}, "never closed"},
        {"a forced numeric column with text", "7,x,cheap\n", forced, "not a number"},
    };
    TempDir dir;
    for (const auto& test : cases) {
        CAPTURE(test.what);
        const std::string text = good + test.bad_row + "8,y,1\n";
        const fs::path file = dir.write("bad.csv", text);
        const std::string expected = error_of([&] { return mlpipe::parse_csv(text, with(1, 0, test.options), file.string()); });
        CHECK_THAT(expected, Contains(file.string() + ":2225") && Contains(test.message));
        const fs::path zipped = dir.write("bad.csv.gz", gzip(text));
        for (const std::size_t threads : {1, 2, 4}) {
            for (const std::size_t window : {3, 64, 777, 0}) {
                CAPTURE(threads, window);
                CHECK(error_of([&] { return mlpipe::read_csv(file, with(threads, window, test.options)); }) == expected);
                CHECK(error_of([&] { return mlpipe::parse_csv(text, with(threads, window, test.options), file.string()); }) ==
                      expected);
                const std::string from_gzip =
                    error_of([&] { return mlpipe::read_csv(zipped, with(threads, window, test.options)); });
                CHECK(from_gzip.substr(zipped.string().size()) == expected.substr(file.string().size()));
            }
        }
    }
}

TEST_CASE("csv streaming: the first error in the file wins, whatever the window", "[csv][streaming][errors]") {
    // A bad quote on line 3 and a wrong field count on line 1503: the quote is reported even
    // when the window (or piece) with the field count is parsed first or alongside.
    std::string text = "a,b\n1,2\n3,x\"y\n";
    for (int i = 0; i < 1500; ++i) text += "4,5\n";
    text += "6\n";
    TempDir dir;
    const fs::path file = dir.write("two-errors.csv", text);
    for (const std::size_t threads : {1, 2, 4}) {
        for (const std::size_t window : {5, 64, 0}) {
            CAPTURE(threads, window);
            const std::string message = error_of([&] { return mlpipe::read_csv(file, with(threads, window)); });
            CHECK_THAT(message, Contains(file.string() + ":3: column 2 ('b')") && Contains("x\"y"));
        }
    }
    // Errors come before a forced-numeric value, even one earlier in the file, as in one pass.
    CsvOptions options;
    options.column_kinds["b"] = ColumnKind::numeric;
    std::string later = "a,b\n1,cheap\n";
    for (int i = 0; i < 500; ++i) later += "4,5\n";
    later += "6\n";
    const fs::path second = dir.write("later.csv", later);
    for (const std::size_t window : {5, 0})
        CHECK_THAT(error_of([&] { return mlpipe::read_csv(second, with(2, window, options)); }),
                   Contains(second.string() + ":503") && Contains("line 503 has 1 fields, expected 2"));
}

TEST_CASE("csv streaming: an unclosed quote at the end of the file", "[csv][streaming][errors]") {
    const std::string text = "a,b\n1,2\n3,\"open\nstill open\n4,5\n";
    TempDir dir;
    const fs::path file = dir.write("open.csv", text);
    for (const std::size_t window : {1, 4, 64, 0}) {
        CAPTURE(window);
        const std::string message = error_of([&] { return mlpipe::read_csv(file, with(2, window)); });
        CHECK_THAT(message, Contains(file.string() + ":3: column 2 ('b')") && Contains("never closed") &&
                                Contains("\"\"open\nstill open\n4,5\n\""));
    }
}

TEST_CASE("csv streaming: the file's CRC-32 is computed only for a caller that asks for it", "[csv][streaming]") {
    const std::string text = hard_table(300);
    TempDir dir;
    for (const std::string& bytes : {text, gzip(text)}) {
        const fs::path file = dir.write("table.csv", bytes);
        for (const bool checksum : {true, false}) {
            CAPTURE(checksum, bytes.size());
            mlpipe::detail::ByteSource source(file, "test", checksum);
            std::string content(text.size() + 1, '\0');
            std::size_t got = 0;
            while (const std::size_t n = source.read(content.data() + got, content.size() - got)) got += n;
            CHECK(content.substr(0, got) == text);
            CHECK(source.raw_bytes() == bytes.size());
            CHECK(source.crc32() == (checksum ? crc32_of(bytes) : 0));
        }
    }
}

TEST_CASE("csv streaming: gzip files are read by their content, whatever their name", "[csv][streaming][gzip]") {
    const std::string text = hard_table(300);
    const std::string compressed = gzip(text);
    TempDir dir;
    const fs::path plain = dir.write("plain.csv", text);
    const fs::path disguised = dir.write("data.csv", compressed);  // gzip bytes under a .csv name
    const std::string expected = dump(mlpipe::read_csv(plain));

    mlpipe::CsvFileInfo info;
    CHECK(dump(mlpipe::read_csv(disguised, {}, &info)) == expected);
    CHECK(info.gzip);
    CHECK(info.bytes == compressed.size());
    CHECK(info.crc32 == crc32_of(compressed));

    mlpipe::CsvFileInfo plain_info;
    (void)mlpipe::read_csv(plain, with(2, 100), &plain_info);
    CHECK_FALSE(plain_info.gzip);
    CHECK(plain_info.bytes == text.size());
    CHECK(plain_info.crc32 == crc32_of(text));
    CHECK(mlpipe::test::read_bytes(plain) == text);

    SECTION("concatenated members are read completely, as gzip -d does") {
        const std::size_t cut = text.size() / 3;
        const std::string members = gzip(text.substr(0, cut)) + gzip("") + gzip(text.substr(cut), 1);
        const fs::path file = dir.write("members.csv.gz", members);
        mlpipe::CsvFileInfo members_info;
        for (const std::size_t window : {16, 0}) CHECK(dump(mlpipe::read_csv(file, with(2, window), &members_info)) == expected);
        CHECK(members_info.bytes == members.size());
        CHECK(members_info.crc32 == crc32_of(members));
    }
    SECTION("a truncated file is an error naming it") {
        for (const std::size_t keep : {std::size_t{2}, std::size_t{10}, compressed.size() / 2, compressed.size() - 4}) {
            CAPTURE(keep);
            const fs::path file = dir.write("cut.csv.gz", compressed.substr(0, keep));
            for (const std::size_t window : {64, 0}) {
                const std::string message = error_of([&] { return mlpipe::read_csv(file, with(2, window)); });
                CHECK_THAT(message, Contains("'" + file.string() + "'") && Contains("gzip") && Contains("truncated"));
            }
        }
    }
    SECTION("a corrupt file is an error naming it") {
        std::string damaged = compressed;
        damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x55);
        damaged[damaged.size() / 2 + 1] = static_cast<char>(damaged[damaged.size() / 2 + 1] ^ 0x55);
        const fs::path file = dir.write("bad.csv.gz", damaged);
        const std::string message = error_of([&] { return mlpipe::read_csv(file, with(2, 64)); });
        CHECK_THAT(message, Contains("'" + file.string() + "'") && Contains("gzip") && Contains("corrupt"));

        std::string wrong_check = compressed;  // the CRC-32 in the trailer
        wrong_check[wrong_check.size() - 8] = static_cast<char>(wrong_check[wrong_check.size() - 8] ^ 1);
        const fs::path checked = dir.write("check.csv.gz", wrong_check);
        CHECK_THAT(error_of([&] { return mlpipe::read_csv(checked); }),
                   Contains("'" + checked.string() + "'") && Contains("incorrect data check"));

        const fs::path trailing = dir.write("trailing.csv.gz", compressed + "garbage");
        CHECK_THAT(error_of([&] { return mlpipe::read_csv(trailing); }),
                   Contains("'" + trailing.string() + "'") && Contains("not gzip data"));
    }
    SECTION("errors in the data name the file and the line, as for plain files") {
        const std::string bad = "a,b\n1,2\n3\n";
        const fs::path file = dir.write("bad-data.gz", gzip(bad));
        CHECK_THAT(error_of([&] { return mlpipe::read_csv(file); }),
                   Contains(file.string() + ":3") && Contains("line 3 has 1 fields, expected 2"));
    }
}

TEST_CASE("csv streaming: options and odd inputs", "[csv][streaming]") {
    TempDir dir;
    SECTION("a folder is an error naming it") {
        const std::string message = error_of([&] { return mlpipe::read_csv(dir.path(), with(2, 64)); });
        CHECK_THAT(message, Contains(dir.path().string()) && Contains("directory"));
    }
    SECTION("a byte order mark, a header split across windows, no final line end") {
        const std::string text = "\xEF\xBB\xBFlong_name_one,long_name_two\r\n1,2\r\n3,4";
        const fs::path file = dir.write("bom.csv", text);
        for (const std::size_t window : {1, 2, 5, 0}) {
            const Frame frame = mlpipe::read_csv(file, with(2, window));
            REQUIRE(frame.names() == std::vector<std::string>{"long_name_one", "long_name_two"});
            CHECK(frame.column("long_name_two").values()[1] == 4.0);
        }
        const fs::path zipped = dir.write("bom.gz", gzip(text));
        CHECK(mlpipe::read_csv(zipped, with(1, 3)).column("long_name_two").values()[1] == 4.0);
    }
    SECTION("a delimiter that numbers use") {
        CsvOptions options;
        options.delimiter = '.';
        const Frame frame = mlpipe::parse_csv(std::string("a.b\n") + "1.5\n" + std::string(30, ' ') + "2.25\n", options);
        CHECK(frame.column("a").values()[1] == 2.0);
        CHECK(frame.column("b").values()[0] == 5.0);
        options.delimiter = '-';
        CHECK(mlpipe::parse_csv("a-b\n12345678901234567890-3\n", options).column("b").values()[0] == 3.0);
    }
    SECTION("no header, other delimiter, custom missing tokens that look like numbers") {
        CsvOptions options;
        options.header = false;
        options.column_names = {"x", "y"};
        options.delimiter = ';';
        options.missing_values = {"-999", "?"};
        std::string text;
        for (int i = 0; i < 200; ++i) text += (i % 3 == 0 ? "-999" : std::to_string(i)) + ";" + (i % 5 == 0 ? "?" : "v") + "\n";
        const fs::path file = dir.write("semi.txt", text);
        for (const std::size_t window : {3, 0}) {
            const Frame frame = mlpipe::read_csv(file, with(2, window, options));
            REQUIRE(frame.rows() == 200);
            CHECK(frame.column("x").count_missing() == 67);
            CHECK(frame.column("y").count_missing() == 40);
            CHECK(frame.column("x").values()[1] == 1.0);
        }
    }
    SECTION("an empty file and a file of blank lines have no header") {
        for (const char* text : {"", "\n\r\n\n"}) {
            const fs::path file = dir.write("blank.csv", text);
            CHECK_THAT(error_of([&] { return mlpipe::read_csv(file, with(2, 1)); }),
                       Contains(file.string()) && Contains("no header"));
        }
    }
}

TEST_CASE("csv streaming: numbers read by the fast path equal parse_double's", "[csv][streaming]") {
    // Shapes the eight-at-a-time path reads (one or two words of fraction digits), and the ones
    // it leaves to from_chars.
    std::mt19937_64 random(99);
    std::string text = "v\n";
    std::vector<std::string> values;
    for (int i = 0; i < 5000; ++i) {
        std::string value;
        switch (i % 10) {
            case 0: value = std::to_string(random() % 10000000) + "." + std::to_string(random() % 10000000); break;
            case 1: value = "-" + std::to_string(random() % 1000) + "." + std::to_string(random() % 1000000); break;
            case 2: value = "+." + std::to_string(random() % 100000000); break;
            case 3: value = std::to_string(random() % 100000000000ULL) + "."; break;
            case 4: value = "0.000" + std::to_string(random() % 100000); break;
            case 5: value = std::to_string(random() % 1000) + "e-" + std::to_string(random() % 30); break;
            case 6: value = std::to_string(random()) + std::to_string(random()); break;
            case 7: value = "-0." + std::string(random() % 5, '0') + std::to_string(random() % 10000000); break;
            case 8: value = std::to_string(random() % 10000000) + "." + std::to_string(random() % 100000000000000ULL); break;
            default: value = "1" + std::string(random() % 20, '0') + "." + std::string(random() % 20, '9'); break;
        }
        values.push_back(value);
        text += value + "\n";
    }
    const Frame frame = mlpipe::parse_csv(text, with(2, 4096));
    REQUIRE(frame.column("v").is_numeric());
    for (std::size_t i = 0; i < values.size(); ++i) {
        double expected = 0.0;
        REQUIRE(mlpipe::detail::parse_double(values[i], expected));
        const double got = frame.column("v").values()[i];
        if (std::memcmp(&got, &expected, sizeof got) != 0) FAIL("row " << i << ": " << values[i] << " read as " << got);
    }
}
