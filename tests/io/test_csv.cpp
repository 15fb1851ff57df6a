// Tests for mlpipe/io/csv.hpp: parsing (RFC 4180, inference, missing values, forced kinds),
// every reported error, writing and round trips, and reading real files.

#include "../support/temp_dir.hpp"

#include <mlpipe/io/csv.hpp>
#include <mlpipe/io/csv_writer.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#ifndef MLPIPE_DATA_DIR
#error "compile with -DMLPIPE_DATA_DIR=\"<path of the repository's data folder>\""
#endif

namespace fs = std::filesystem;
using Catch::Contains;
using mlpipe::ColumnKind;
using mlpipe::CsvOptions;
using mlpipe::Frame;

namespace {

using mlpipe::test::TempDir;


std::string to_csv(const Frame& frame, bool header = true) {
    std::ostringstream out;
    mlpipe::write_csv(frame, out, header);
    return out.str();
}

// The text of row `row` of a categorical column, or "<missing>".
std::string category(const Frame& frame, std::string_view name, std::size_t row) {
    const auto& column = frame.column(name);
    const auto code = column.codes()[row];
    return code < 0 ? std::string("<missing>") : column.dictionary()[static_cast<std::size_t>(code)];
}

double number(const Frame& frame, std::string_view name, std::size_t row) {
    return frame.column(name).values()[row];
}

// Runs parse_csv expecting a csv_error and returns it for inspection.
mlpipe::csv_error parse_error(std::string_view text, const CsvOptions& options = {}) {
    try {
        (void)mlpipe::parse_csv(text, options, "test.csv");
    } catch (const mlpipe::csv_error& failure) {
        return failure;
    }
    FAIL("parse_csv did not throw csv_error");
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("parse_csv reads a header and infers numeric and categorical columns", "[csv]") {
    const Frame frame = mlpipe::parse_csv("name,age,city\nann,31,Oslo\nbob,27.5,Rome\ncid,-4e2,Oslo\n");
    REQUIRE(frame.rows() == 3);
    REQUIRE(frame.cols() == 3);
    REQUIRE(frame.names() == std::vector<std::string>{"name", "age", "city"});
    REQUIRE(frame.column("age").is_numeric());
    REQUIRE(frame.column("name").is_categorical());
    REQUIRE(frame.column("city").is_categorical());
    CHECK(number(frame, "age", 0) == 31.0);
    CHECK(number(frame, "age", 1) == 27.5);
    CHECK(number(frame, "age", 2) == -400.0);
    // Dictionary in order of first appearance, codes pointing into it.
    CHECK(frame.column("city").dictionary() == std::vector<std::string>{"Oslo", "Rome"});
    const auto codes = frame.column("city").codes();
    CHECK(std::vector<std::int32_t>(codes.begin(), codes.end()) == std::vector<std::int32_t>{0, 1, 0});
}

TEST_CASE("parse_csv number syntax: '+', exponents, inf and nan spellings, out of range", "[csv]") {
    const Frame frame = mlpipe::parse_csv("x\n+1.5\n.5\n5.\n1E3\ninf\n-inf\nInfinity\nnan\n1e400\n-1e400\n1e-400\n");
    REQUIRE(frame.column("x").is_numeric());
    CHECK(number(frame, "x", 0) == 1.5);
    CHECK(number(frame, "x", 1) == 0.5);
    CHECK(number(frame, "x", 2) == 5.0);
    CHECK(number(frame, "x", 3) == 1000.0);
    CHECK(number(frame, "x", 4) == std::numeric_limits<double>::infinity());
    CHECK(number(frame, "x", 5) == -std::numeric_limits<double>::infinity());
    CHECK(number(frame, "x", 6) == std::numeric_limits<double>::infinity());
    CHECK(std::isnan(number(frame, "x", 7)));
    CHECK(number(frame, "x", 8) == std::numeric_limits<double>::infinity());  // overflow, as strtod
    CHECK(number(frame, "x", 9) == -std::numeric_limits<double>::infinity());
    CHECK(number(frame, "x", 10) == 0.0);  // underflow

    // Text that from_chars does not accept in full makes the column categorical.
    for (const char* text : {"x\n1\n+-1\n", "x\n1\n++1\n", "x\n1\n0x10\n", "x\n1\n1e\n", "x\n1\n1,5\n", "x\n1\n+\n",
                             "x\n1\n1 2\n"}) {
        CAPTURE(text);
        const std::string input = text;
        if (input.find("1,5") != std::string::npos) {
            REQUIRE_THROWS_AS(mlpipe::parse_csv(input), mlpipe::csv_error);  // two fields
            continue;
        }
        CHECK(mlpipe::parse_csv(input).column("x").is_categorical());
    }
}

TEST_CASE("parse_csv says a numeric column is finite only when every field parsed as a finite number", "[csv]") {
    // Rows of plain numbers, then one value in the third column that is not: missing, "inf",
    // "nan", an overflow, or (finite, the slow path's) 1.5e300. Small windows put that value
    // in a later window and piece than the first, on two threads.
    for (const char* odd : {"", "NA", "inf", "nan", "1e400", "1.5e300"}) {
        CAPTURE(odd);
        std::string text = "a,b,c\n";
        for (int i = 0; i < 3000; ++i) text += std::to_string(i) + ".25,-" + std::to_string(i) + ",7\n";
        text += std::string("1,2,") + odd + "\n";
        for (const auto type : {mlpipe::NumericType::float64, mlpipe::NumericType::float32}) {
            if (std::string_view(odd) == "1e400" && type == mlpipe::NumericType::float32) continue;  // an error there
            if (std::string_view(odd) == "1.5e300" && type == mlpipe::NumericType::float32) continue;
            CsvOptions options;
            options.window_bytes = 4096;
            options.n_threads = 2;
            options.numeric_type = type;
            const Frame frame = mlpipe::parse_csv(text, options);
            CHECK(frame.column("a").known_finite());
            CHECK(frame.column("b").known_finite());
            const bool finite = std::string_view(odd) == "1.5e300";
            CHECK(frame.column("c").known_finite() == finite);
            CHECK(frame.column("c").count_missing() == (std::string_view(odd) == "" || std::string_view(odd) == "NA" ||
                                                                std::string_view(odd) == "nan"
                                                            ? 1u
                                                            : 0u));
        }
    }
    // A column of text is categorical, never known finite; a column made in code is unknown;
    // widening a float32 column keeps what is known.
    CHECK_FALSE(mlpipe::parse_csv("s\nx\n").column("s").known_finite());
    CHECK_FALSE(mlpipe::Column::numeric("x", {1.0, 2.0}).known_finite());
    CHECK_FALSE(mlpipe::Column::numeric_f32("x", {1.0f}).to_float64().known_finite());
    CsvOptions float32;
    float32.numeric_type = mlpipe::NumericType::float32;
    const Frame narrow = mlpipe::parse_csv("x,y\n1.5,\n2,3\n", float32);
    CHECK(narrow.column("x").is_float32());
    CHECK(narrow.column("x").to_float64().known_finite());
    CHECK_FALSE(narrow.column("y").to_float64().known_finite());
}

TEST_CASE("parse_csv codes categories in order of first appearance, short and long texts alike", "[csv]") {
    // Every text of 1 to 9 letters over {a, b} (1,022 of them: the dictionary grows many
    // times; those of 8 and 9 letters take the hashed path), each row a random one, with
    // prefixes of one another and texts that differ only in their last letter.
    std::vector<std::string> labels;
    for (std::size_t length = 1; length <= 9; ++length)
        for (std::size_t bits = 0; bits < (std::size_t{1} << length); ++bits) {
            std::string label;
            for (std::size_t i = 0; i < length; ++i) label += (bits >> i) & 1 ? 'b' : 'a';
            labels.push_back(label);
        }
    std::mt19937 rng(7);
    std::string text = "c\n";
    std::vector<std::string> rows;
    for (int i = 0; i < 20000; ++i) {
        rows.push_back(labels[rng() % labels.size()]);
        text += rows.back() + "\n";
    }
    std::vector<std::string> first_seen;
    for (const auto& row : rows)
        if (std::find(first_seen.begin(), first_seen.end(), row) == first_seen.end()) first_seen.push_back(row);
    CsvOptions options;
    options.window_bytes = 8192;  // many pieces, each with its own dictionary
    const Frame frame = mlpipe::parse_csv(text, options);
    const auto& column = frame.column("c");
    REQUIRE(column.is_categorical());
    REQUIRE(column.dictionary() == first_seen);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CAPTURE(i);
        REQUIRE(category(frame, "c", i) == rows[i]);
    }
}

TEST_CASE("parse_csv trims unquoted fields but keeps quoted text verbatim", "[csv]") {
    const Frame frame = mlpipe::parse_csv(" a , b ,c\n 1.5 ,\t red\t, \" padded \" \n2,  blue,\"x\"\n");
    REQUIRE(frame.names() == std::vector<std::string>{"a", "b", "c"});
    REQUIRE(frame.column("a").is_numeric());
    CHECK(number(frame, "a", 0) == 1.5);
    CHECK(category(frame, "b", 0) == "red");
    CHECK(category(frame, "b", 1) == "blue");
    CHECK(category(frame, "c", 0) == " padded ");
    CHECK(category(frame, "c", 1) == "x");

    // A quoted number is still a number, blanks inside the quotes included.
    const Frame quoted = mlpipe::parse_csv("v\n\" 2.5 \"\n\"3\"\n");
    REQUIRE(quoted.column("v").is_numeric());
    CHECK(number(quoted, "v", 0) == 2.5);
    CHECK(number(quoted, "v", 1) == 3.0);
}

TEST_CASE("parse_csv missing values", "[csv]") {
    SECTION("default tokens, quoted or not, with blanks around them") {
        const Frame frame = mlpipe::parse_csv("n,c\n1,a\n,\nNA,NA\nNaN,null\n\"NA\",\" null \"\n  NA ,\"\"\n2,b\n");
        REQUIRE(frame.column("n").is_numeric());
        REQUIRE(frame.column("c").is_categorical());
        CHECK(frame.column("n").count_missing() == 5);
        CHECK(frame.column("c").count_missing() == 5);
        CHECK(number(frame, "n", 6) == 2.0);
        CHECK(frame.column("c").dictionary() == std::vector<std::string>{"a", "b"});
        CHECK(frame.column("c").codes()[1] == -1);
    }
    SECTION("a column with only missing values is numeric and all NaN") {
        const Frame frame = mlpipe::parse_csv("a,b\n1,\n2,NA\n3,\n");
        REQUIRE(frame.column("b").is_numeric());
        CHECK(frame.column("b").count_missing() == 3);
    }
    SECTION("custom tokens replace the defaults") {
        CsvOptions options;
        options.missing_values = {"?", " -999 "};
        const Frame frame = mlpipe::parse_csv("a,b\n?,x\n-999,NA\n4,?\n", options);
        REQUIRE(frame.column("a").is_numeric());
        CHECK(frame.column("a").count_missing() == 2);
        CHECK(number(frame, "a", 2) == 4.0);
        // "NA" is an ordinary category now.
        CHECK(category(frame, "b", 1) == "NA");
        CHECK(category(frame, "b", 2) == "<missing>");
    }
    SECTION("without the empty token, an empty field makes a column categorical") {
        CsvOptions options;
        options.missing_values = {"NA"};
        const Frame frame = mlpipe::parse_csv("a\n1\n\"\"\n", options);
        REQUIRE(frame.column("a").is_categorical());
        CHECK(category(frame, "a", 1).empty());
    }
}

TEST_CASE("parse_csv: a column mixing numbers and text is categorical, numbers kept as text", "[csv]") {
    const Frame frame = mlpipe::parse_csv("code\n1\n01\n 2.50 \nB7\n1\n");
    REQUIRE(frame.column("code").is_categorical());
    CHECK(frame.column("code").dictionary() == std::vector<std::string>{"1", "01", "2.50", "B7"});
    CHECK(frame.column("code").codes()[4] == 0);
}

TEST_CASE("parse_csv forced column kinds", "[csv]") {
    SECTION("numeric-looking column forced categorical keeps the text") {
        CsvOptions options;
        options.column_kinds["zip"] = ColumnKind::categorical;
        const Frame frame = mlpipe::parse_csv("zip,n\n0123,1\n 456 ,2\nNA,3\n", options);
        REQUIRE(frame.column("zip").is_categorical());
        REQUIRE(frame.column("n").is_numeric());
        CHECK(frame.column("zip").dictionary() == std::vector<std::string>{"0123", "456"});
        CHECK(category(frame, "zip", 2) == "<missing>");
    }
    SECTION("forced numeric with numbers and missing values") {
        CsvOptions options;
        options.column_kinds["n"] = ColumnKind::numeric;
        const Frame frame = mlpipe::parse_csv("n\n\n1\nNA\n", options);
        REQUIRE(frame.column("n").is_numeric());
        CHECK(frame.rows() == 2);  // the empty line after the header is blank and skipped
    }
    SECTION("forced numeric with text is an error naming line, column and value") {
        CsvOptions options;
        options.column_kinds["price"] = ColumnKind::numeric;
        const std::string text = "id,price\n1,2.5\n2,\"multi\nline\"\n3,cheap\n";
        REQUIRE_THROWS_AS(mlpipe::parse_csv(text, options), mlpipe::csv_error);
        REQUIRE_THROWS_WITH(mlpipe::parse_csv(text, options, "prices.csv"),
                            Contains("prices.csv:3") && Contains("column 2 ('price')") &&
                                Contains("\"multi\nline\"") && Contains("not a number"));
        const auto failure = parse_error("id,price\n1,2.5\n2,4\n3,cheap\n", options);
        CHECK(failure.source() == "test.csv");
        CHECK(failure.line() == 4);
        CHECK(failure.column() == 2);
        CHECK(failure.column_name() == "price");
        CHECK_THAT(failure.what(), Contains("\"cheap\""));
    }
    SECTION("one-hot cannot be forced") {
        CsvOptions options;
        options.column_kinds["b"] = ColumnKind::one_hot;
        REQUIRE_THROWS_AS(mlpipe::parse_csv("a,b\n1,2\n", options), mlpipe::csv_error);
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("a,b\n1,2\n", options),
                            Contains("column 2 ('b')") && Contains("one-hot"));
    }
    SECTION("a kind for a column that does not exist is an error") {
        CsvOptions options;
        options.column_kinds["nope"] = ColumnKind::numeric;
        REQUIRE_THROWS_AS(mlpipe::parse_csv("a,b\n1,2\n", options), mlpipe::csv_error);
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("a,b\n1,2\n", options),
                            Contains("\"nope\"") && Contains("'a', 'b'"));
    }
}

TEST_CASE("parse_csv RFC 4180 quoting", "[csv]") {
    const std::string text =
        "id,text,n\n"
        "1,\"a, b\",1\n"
        "2,\"say \"\"hi\"\"\",2\n"
        "3,\"two\nlines\",3\n"
        "4,\"crlf\r\ninside\",4\n"
        "5,\"lone\rcr\",5\n"
        "6,\"\"\"\",6\n";
    const Frame frame = mlpipe::parse_csv(text);
    REQUIRE(frame.rows() == 6);
    CHECK(category(frame, "text", 0) == "a, b");
    CHECK(category(frame, "text", 1) == "say \"hi\"");
    CHECK(category(frame, "text", 2) == "two\nlines");
    CHECK(category(frame, "text", 3) == "crlf\r\ninside");
    CHECK(category(frame, "text", 4) == "lone\rcr");
    CHECK(category(frame, "text", 5) == "\"");
    CHECK(number(frame, "n", 5) == 6.0);

    // Blanks just outside the quotes are allowed.
    const Frame spaced = mlpipe::parse_csv("a,b\n  \"x, y\"  ,1\n");
    CHECK(category(spaced, "a", 0) == "x, y");
    CHECK(number(spaced, "b", 0) == 1.0);
}

TEST_CASE("parse_csv line ends, final newline, blank lines, trailing delimiter", "[csv]") {
    SECTION("CRLF, with and without a final line end") {
        for (const char* text : {"a,b\r\n1,x\r\n2,y\r\n", "a,b\r\n1,x\r\n2,y"}) {
            const Frame frame = mlpipe::parse_csv(text);
            REQUIRE(frame.rows() == 2);
            CHECK(category(frame, "b", 1) == "y");  // no stray '\r' in the value
            CHECK(number(frame, "a", 1) == 2.0);
        }
    }
    SECTION("lone CR line ends") {
        const Frame frame = mlpipe::parse_csv("a,b\r1,x\r2,y\r");
        REQUIRE(frame.rows() == 2);
        CHECK(category(frame, "b", 1) == "y");
    }
    SECTION("no final newline") {
        const Frame frame = mlpipe::parse_csv("a,b\n1,x\n2,y");
        REQUIRE(frame.rows() == 2);
        CHECK(category(frame, "b", 1) == "y");
    }
    SECTION("blank lines before, between and after records are skipped") {
        const Frame frame = mlpipe::parse_csv("\n\na,b\n\n1,x\r\n\r\n\n2,y\n\n\n");
        REQUIRE(frame.rows() == 2);
        CHECK(number(frame, "a", 0) == 1.0);
        CHECK(number(frame, "a", 1) == 2.0);
    }
    SECTION("a line of blanks is a record, not a blank line") {
        const Frame frame = mlpipe::parse_csv("a\n1\n   \n2\n");
        REQUIRE(frame.rows() == 3);
        CHECK(frame.column("a").is_missing(1));
    }
    SECTION("a trailing delimiter gives an empty last field") {
        const Frame frame = mlpipe::parse_csv("a,b\n1,\n2,");
        REQUIRE(frame.rows() == 2);
        CHECK(frame.column("b").count_missing() == 2);
    }
    SECTION("header only gives zero rows") {
        const Frame frame = mlpipe::parse_csv("a,b\n");
        CHECK(frame.cols() == 2);
        CHECK(frame.rows() == 0);
    }
}

TEST_CASE("parse_csv skips a UTF-8 byte order mark", "[csv]") {
    const Frame frame = mlpipe::parse_csv("\xEF\xBB\xBFname,v\n\xC3\xA9t\xC3\xA9,1\n");
    REQUIRE(frame.names() == std::vector<std::string>{"name", "v"});
    CHECK(category(frame, "name", 0) == "\xC3\xA9t\xC3\xA9");
}

TEST_CASE("parse_csv other delimiters", "[csv]") {
    SECTION("semicolon") {
        CsvOptions options;
        options.delimiter = ';';
        const Frame frame = mlpipe::parse_csv("a;b\n1,5;\"x;y\"\n", options);
        CHECK(category(frame, "a", 0) == "1,5");
        CHECK(category(frame, "b", 0) == "x;y");
    }
    SECTION("tab: tabs separate, empty fields between tabs are kept") {
        CsvOptions options;
        options.delimiter = '\t';
        const Frame frame = mlpipe::parse_csv("a\tb\tc\n1\t\t x \n", options);
        REQUIRE(frame.cols() == 3);
        CHECK(number(frame, "a", 0) == 1.0);
        CHECK(frame.column("b").is_missing(0));
        CHECK(category(frame, "c", 0) == "x");
    }
    SECTION("a quote or line break cannot be the delimiter") {
        CsvOptions options;
        options.delimiter = '"';
        REQUIRE_THROWS_AS(mlpipe::parse_csv("a\n", options), mlpipe::csv_error);
        options.delimiter = '\n';
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("a\n", options), Contains("delimiter"));
    }
}

TEST_CASE("parse_csv with header = false", "[csv]") {
    CsvOptions options;
    options.header = false;
    options.column_names = {"x", "label"};
    SECTION("the first record is data") {
        const Frame frame = mlpipe::parse_csv("1,a\n2,b\n", options);
        REQUIRE(frame.names() == std::vector<std::string>{"x", "label"});
        REQUIRE(frame.rows() == 2);
        CHECK(number(frame, "x", 0) == 1.0);
        CHECK(category(frame, "label", 1) == "b");
    }
    SECTION("empty input gives zero rows") {
        const Frame frame = mlpipe::parse_csv("", options);
        CHECK(frame.cols() == 2);
        CHECK(frame.rows() == 0);
    }
    SECTION("column_names are required") {
        options.column_names.clear();
        REQUIRE_THROWS_AS(mlpipe::parse_csv("1,a\n", options), mlpipe::csv_error);
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("1,a\n", options), Contains("column_names"));
    }
    SECTION("one name per field") {
        options.column_names = {"x", "y", "z"};
        REQUIRE_THROWS_AS(mlpipe::parse_csv("\n1,a\n", options), mlpipe::csv_error);
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("\n1,a\n", options, "in.csv"),
                            Contains("in.csv:2") && Contains("3 names") && Contains("line 2 has 2 fields"));
    }
    SECTION("column_names must be non-empty and distinct") {
        options.column_names = {"x", ""};
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("1,a\n", options), Contains("column 2") && Contains("empty"));
        options.column_names = {"x", "x"};
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("1,a\n", options),
                            Contains("column 2 ('x')") && Contains("duplicate"));
    }
    SECTION("column_names with header = true is an error") {
        options.header = true;
        REQUIRE_THROWS_AS(mlpipe::parse_csv("x,label\n1,a\n", options), mlpipe::csv_error);
    }
}

TEST_CASE("parse_csv with header = false names the remaining fields by column_name_prefix", "[csv]") {
    CsvOptions options;
    options.header = false;
    options.column_name_prefix = "x";
    SECTION("every column by position, counted from 0") {
        const Frame frame = mlpipe::parse_csv("1,a,2.5\n", options);
        CHECK(frame.names() == std::vector<std::string>{"x0", "x1", "x2"});
        CHECK(category(frame, "x1", 0) == "a");
    }
    SECTION("after the columns column_names names (a label first, as SageMaker's label_size=1)") {
        options.column_names = {"label"};
        options.column_kinds = {{"x0", ColumnKind::categorical}};
        const Frame frame = mlpipe::parse_csv("\nmale,1,a\nfemale,2,b\n", options);
        REQUIRE(frame.names() == std::vector<std::string>{"label", "x0", "x1"});
        CHECK(frame.rows() == 2);
        CHECK(category(frame, "label", 1) == "female");
        CHECK(frame.column("x0").is_categorical());
        CHECK(category(frame, "x1", 1) == "b");
    }
    SECTION("a later record with another field count names the source and line") {
        options.column_names = {"label"};
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("1,2,3\n4,5,6\n7,8\n", options, "in.csv"),
                            Contains("in.csv:3") && Contains("line 3 has 2 fields, expected 3"));
    }
    SECTION("fewer fields than column_names") {
        options.column_names = {"a", "b", "c"};
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("1,2\n", options), Contains("3 names but line 1 has 2 fields"));
    }
    SECTION("a name in column_names that the prefix makes again is a duplicate") {
        options.column_names = {"x1", "y"};
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("1,2,3,4\n", options),
                            Contains("column 4 ('x1')") && Contains("duplicate") && Contains("column_name_prefix"));
    }
    SECTION("empty input: the columns column_names names, no rows") {
        options.column_names = {"label"};
        const Frame frame = mlpipe::parse_csv("", options);
        CHECK(frame.names() == std::vector<std::string>{"label"});
        CHECK(frame.rows() == 0);
    }
    SECTION("column_name_prefix with header = true is an error") {
        options.header = true;
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("a,b\n1,2\n", options), Contains("column_name_prefix"));
    }
    SECTION("a second pass (text after numbers in a later window) names the columns the same way") {
        options.column_names = {"label"};
        options.window_bytes = 8;  // many windows, so the late text forces a second pass
        std::string text;
        for (int i = 0; i < 20; ++i) text += "1," + std::to_string(i) + "\n";
        text += "0,late text\n";
        const Frame frame = mlpipe::parse_csv(text, options);
        REQUIRE(frame.names() == std::vector<std::string>{"label", "x0"});
        CHECK(frame.column("x0").is_categorical());
        CHECK(category(frame, "x0", 20) == "late text");
    }
}

TEST_CASE("parse_csv errors name source, line, column and text", "[csv][errors]") {
    SECTION("empty input or only blank lines: no header record") {
        for (const char* text : {"", "\n\n", "\r\n", "\xEF\xBB\xBF"}) {
            REQUIRE_THROWS_AS(mlpipe::parse_csv(text), mlpipe::csv_error);
            REQUIRE_THROWS_WITH(mlpipe::parse_csv(text, {}, "request body"),
                                Contains("request body") && Contains("no header"));
        }
    }
    SECTION("empty header name") {
        const auto failure = parse_error("\na,,c\n1,2,3\n");
        CHECK(failure.line() == 2);
        CHECK(failure.column() == 2);
        CHECK_THAT(failure.what(), Contains("test.csv:2: column 2") && Contains("empty column name"));
        REQUIRE_NOTHROW(mlpipe::parse_csv("a,\" \"\n"));  // quoted text is kept, so a quoted blank is a name
        REQUIRE_THROWS_AS(mlpipe::parse_csv("a, \n"), mlpipe::csv_error);
    }
    SECTION("duplicate header name") {
        REQUIRE_THROWS_AS(mlpipe::parse_csv("a,b,a\n1,2,3\n"), mlpipe::csv_error);
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("a,b,a\n1,2,3\n", {}, "t.csv"),
                            Contains("t.csv:1: column 3 ('a')") && Contains("duplicate column name \"a\"") &&
                                Contains("also column 1"));
    }
    SECTION("too few fields") {
        const std::string text = "a,b,c,d,e,f\n1,2,3,4,5,6\n\n1,2,3,4,5,6\n1,2,3,4,5,6\n\"x\ny\",2,3,4,5,6\n1,2,3,4,5\n";
        REQUIRE_THROWS_AS(mlpipe::parse_csv(text), mlpipe::csv_error);
        REQUIRE_THROWS_WITH(mlpipe::parse_csv(text, {}, "f.csv"),
                            Contains("f.csv:8") && Contains("line 8 has 5 fields, expected 6"));
        CHECK(parse_error(text).line() == 8);
    }
    SECTION("too many fields points at the first extra field") {
        const auto failure = parse_error("a,b\n1,2\n3,4,5\n");
        CHECK(failure.line() == 3);
        CHECK(failure.column() == 3);
        CHECK_THAT(failure.what(), Contains("line 3 has 3 fields, expected 2"));
    }
    SECTION("unterminated quoted field reports the line where the quote opened") {
        const std::string text = "a,b\n1,2\n3,\"open\nstill open\n4,5\n";
        REQUIRE_THROWS_AS(mlpipe::parse_csv(text), mlpipe::csv_error);
        REQUIRE_THROWS_WITH(mlpipe::parse_csv(text, {}, "u.csv"),
                            Contains("u.csv:3: column 2 ('b')") && Contains("never closed") &&
                                Contains("\"\"open\nstill open"));
        const auto failure = parse_error(text);
        CHECK(failure.line() == 3);
        CHECK(failure.column() == 2);
        CHECK(failure.column_name() == "b");
    }
    SECTION("unterminated quote in the header has no column name yet") {
        const auto failure = parse_error("a,\"b\n1,2\n");
        CHECK(failure.line() == 1);
        CHECK(failure.column() == 2);
        CHECK(failure.column_name().empty());
    }
    SECTION("a quote inside an unquoted field") {
        const std::string text = "a,b,c\n1,2,3\n4,ab\"c,6\n";
        REQUIRE_THROWS_AS(mlpipe::parse_csv(text), mlpipe::csv_error);
        REQUIRE_THROWS_WITH(mlpipe::parse_csv(text, {}, "q.csv"),
                            Contains("q.csv:3: column 2 ('b')") && Contains("ab\"c") &&
                                Contains("quote character inside an unquoted field"));
    }
    SECTION("text after a closing quote") {
        const std::string text = "a,b\n1,\"multi\nline\"c\n";
        REQUIRE_THROWS_AS(mlpipe::parse_csv(text), mlpipe::csv_error);
        REQUIRE_THROWS_WITH(mlpipe::parse_csv(text, {}, "c.csv"),
                            Contains("c.csv:2: column 2 ('b')") && Contains("\"multi\nline\"c") &&
                                Contains("after the closing quote"));
        REQUIRE_THROWS_WITH(mlpipe::parse_csv("a,b\n\"ab\"c,1\n"), Contains("\"ab\"c"));
    }
    SECTION("long offending text is cut after 60 characters") {
        const std::string long_value(200, 'z');
        CsvOptions options;
        options.column_kinds["a"] = ColumnKind::numeric;
        const auto failure = parse_error("a\n" + long_value + "\n", options);
        const std::string message = failure.what();
        CHECK_THAT(message, Contains("\"" + std::string(60, 'z') + "...\""));
        CHECK(message.find(std::string(61, 'z')) == std::string::npos);
    }
}

TEST_CASE("write_csv writes RFC 4180 text", "[csv][write]") {
    Frame frame;
    frame.add_numeric("x", {1.0, 0.1, -2.5e-300, std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity()});
    frame.add_categorical("s", std::vector<std::optional<std::string>>{
                                   "plain", "a,b", "say \"hi\"", std::nullopt, " padded"});
    frame.add_categorical("t", std::vector<std::string>{"line\nbreak", "cr\rhere", "tab\t", "ok", "x"});
    const std::string expected =
        "x,s,t\n"
        "1,plain,\"line\nbreak\"\n"
        "0.1,\"a,b\",\"cr\rhere\"\n"
        "-2.5e-300,\"say \"\"hi\"\"\",\"tab\t\"\n"
        ",,ok\n"
        "inf,\" padded\",x\n";
    CHECK(to_csv(frame) == expected);
    CHECK(to_csv(frame, false) == expected.substr(expected.find('\n') + 1));
}

TEST_CASE("write_csv: a single column with a missing value does not write a blank line", "[csv][write]") {
    Frame frame;
    frame.add_numeric("x", {1.0, std::numeric_limits<double>::quiet_NaN(), 3.0});
    const std::string text = to_csv(frame);
    CHECK(text == "x\n1\n\"\"\n3\n");
    const Frame back = mlpipe::parse_csv(text);
    REQUIRE(back.rows() == 3);
    CHECK(back.column("x").is_missing(1));
}

TEST_CASE("write_csv rejects one-hot columns", "[csv][write]") {
    Frame frame;
    frame.add(mlpipe::Column::one_hot("color", {0, 1, -1}, {"red", "blue"}));
    std::ostringstream out;
    REQUIRE_THROWS_AS(mlpipe::write_csv(frame, out), mlpipe::error);
    REQUIRE_THROWS_WITH(mlpipe::write_csv(frame, out), Contains("color") && Contains("one-hot"));
    CHECK(out.str().empty());
}

TEST_CASE("write_csv then parse_csv round-trips values exactly", "[csv][write]") {
    std::mt19937_64 engine(42);
    std::uniform_real_distribution<double> uniform(-1e6, 1e6);
    std::uniform_int_distribution<int> exponent(-300, 300);
    const std::vector<std::string> words = {"plain", "with,comma", "quote\"inside", "new\nline", "crlf\r\nx",
                                            " lead", "trail\t", "ünïcode", "\""};
    const std::size_t rows = 5000;
    std::vector<double> small;
    std::vector<double> wide;
    std::vector<std::optional<std::string>> text;
    for (std::size_t i = 0; i < rows; ++i) {
        small.push_back(i % 17 == 0 ? std::numeric_limits<double>::quiet_NaN() : uniform(engine));
        wide.push_back(uniform(engine) * std::pow(10.0, exponent(engine)));
        if (i % 13 == 0) text.emplace_back(std::nullopt);
        else text.emplace_back(words[i % words.size()]);
    }
    Frame frame;
    frame.add_numeric("small", small);
    frame.add_numeric("wide value", wide);
    frame.add_categorical(" odd, \"name\"", text);

    const Frame back = mlpipe::parse_csv(to_csv(frame));
    REQUIRE(back.names() == frame.names());
    REQUIRE(back.rows() == rows);
    REQUIRE(back.column("small").is_numeric());
    REQUIRE(back.column(" odd, \"name\"").is_categorical());
    for (std::size_t i = 0; i < rows; ++i) {
        const double expected_small = frame.column("small").values()[i];
        if (std::isnan(expected_small)) CHECK(back.column("small").is_missing(i));
        else if (number(back, "small", i) != expected_small) FAIL("row " << i << " small differs");
        if (number(back, "wide value", i) != frame.column("wide value").values()[i])
            FAIL("row " << i << " wide value differs");
        if (category(back, " odd, \"name\"", i) != category(frame, " odd, \"name\"", i))
            FAIL("row " << i << " text differs");
    }
    // Dictionary order of first appearance survives the trip.
    CHECK(back.column(" odd, \"name\"").dictionary() == frame.column(" odd, \"name\"").dictionary());

    // And without a header, given the names.
    CsvOptions options;
    options.header = false;
    options.column_names = frame.names();
    const Frame headless = mlpipe::parse_csv(to_csv(frame, false), options);
    CHECK(headless.rows() == rows);
    CHECK(number(headless, "wide value", 7) == frame.column("wide value").values()[7]);
}

TEST_CASE("read_csv reads files and reports the path", "[csv][file]") {
    TempDir dir;
    SECTION("a file written by the test, with CRLF and a BOM") {
        const fs::path file = dir.write("data.csv", "\xEF\xBB\xBF" "a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n");
        const Frame frame = mlpipe::read_csv(file);
        REQUIRE(frame.rows() == 2);
        CHECK(category(frame, "b", 0) == "x\r\ny");
        CHECK(number(frame, "a", 1) == 2.0);
    }
    SECTION("options are passed through") {
        const fs::path file = dir.write("semi.tsv", "1;a\n2;b\n");
        CsvOptions options;
        options.delimiter = ';';
        options.header = false;
        options.column_names = {"n", "c"};
        options.column_kinds["n"] = ColumnKind::categorical;
        const Frame frame = mlpipe::read_csv(file, options);
        CHECK(frame.column("n").is_categorical());
        CHECK(category(frame, "c", 1) == "b");
    }
    SECTION("errors carry the path as the source") {
        const fs::path file = dir.write("bad.csv", "a,b\n1,2\n3\n");
        REQUIRE_THROWS_AS(mlpipe::read_csv(file), mlpipe::csv_error);
        REQUIRE_THROWS_WITH(mlpipe::read_csv(file),
                            Contains(file.string() + ":3") && Contains("line 3 has 1 fields, expected 2"));
    }
    SECTION("an empty file") {
        const fs::path file = dir.write("empty.csv", "");
        REQUIRE_THROWS_AS(mlpipe::read_csv(file), mlpipe::csv_error);
        REQUIRE_THROWS_WITH(mlpipe::read_csv(file), Contains(file.string()) && Contains("no header"));
    }
    SECTION("a missing file") {
        const fs::path file = dir.path() / "does-not-exist.csv";
        REQUIRE_THROWS_AS(mlpipe::read_csv(file), mlpipe::error);
        REQUIRE_THROWS_WITH(mlpipe::read_csv(file),
                            Contains(file.string()) && Contains("No such file or directory"));
    }
    SECTION("a folder") {
        REQUIRE_THROWS_AS(mlpipe::read_csv(dir.path()), mlpipe::error);
        REQUIRE_THROWS_WITH(mlpipe::read_csv(dir.path()), Contains(dir.path().string()));
    }
}

TEST_CASE("write_csv to a path is atomic and cleans up", "[csv][file][write]") {
    TempDir dir;
    Frame frame;
    frame.add_numeric("x", {1.0, 2.0});
    frame.add_categorical("c", std::vector<std::string>{"a", "b"});

    SECTION("writes, then replaces an existing file, leaving no temporary file") {
        const fs::path file = dir.path() / "out.csv";
        mlpipe::write_csv(frame, file);
        CHECK(mlpipe::test::read_bytes(file) == "x,c\n1,a\n2,b\n");
        mlpipe::write_csv(frame, file, false);
        CHECK(mlpipe::test::read_bytes(file) == "1,a\n2,b\n");
        CHECK(dir.entries().size() == 1);
        const Frame back = mlpipe::read_csv(file, [] {
            CsvOptions options;
            options.header = false;
            options.column_names = {"x", "c"};
            return options;
        }());
        CHECK(number(back, "x", 1) == 2.0);
    }
    SECTION("a folder that does not exist") {
        const fs::path file = dir.path() / "missing" / "out.csv";
        REQUIRE_THROWS_AS(mlpipe::write_csv(frame, file), mlpipe::error);
        REQUIRE_THROWS_WITH(mlpipe::write_csv(frame, file), Contains(file.string()));
        CHECK(dir.entries().size() == 0);
    }
    SECTION("the target is a folder: the rename fails and the temporary file is removed") {
        const fs::path target = dir.path() / "a-folder";
        fs::create_directory(target);
        fs::create_directory(target / "keep");  // a non-empty folder cannot be replaced
        REQUIRE_THROWS_AS(mlpipe::write_csv(frame, target), mlpipe::error);
        REQUIRE_THROWS_WITH(mlpipe::write_csv(frame, target), Contains(target.string()));
        CHECK(dir.entries().size() == 1);
        CHECK(fs::is_directory(target / "keep"));
    }
    SECTION("one-hot columns fail before any file is created") {
        Frame encoded;
        encoded.add(mlpipe::Column::one_hot("color", {0, 1}, {"red", "blue"}));
        REQUIRE_THROWS_AS(mlpipe::write_csv(encoded, dir.path() / "never.csv"), mlpipe::data_error);
        CHECK(dir.entries().size() == 0);
    }
}

TEST_CASE("read_csv reads the penguins reference training set", "[csv][file][data]") {
    const fs::path file = fs::path(MLPIPE_DATA_DIR) / "reference" / "penguins" / "train" / "X_train.csv";
    const Frame frame = mlpipe::read_csv(file);
    REQUIRE(frame.rows() == 266);
    REQUIRE(frame.cols() == 6);
    CHECK(frame.names() == std::vector<std::string>{"species", "island", "bill_length_mm", "bill_depth_mm",
                                                    "flipper_length_mm", "body_mass_g"});
    CHECK(frame.column("species").is_categorical());
    CHECK(frame.column("island").is_categorical());
    for (const char* name : {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"}) {
        CAPTURE(name);
        CHECK(frame.column(name).is_numeric());
    }
    CHECK(frame.column("species").dictionary() == std::vector<std::string>{"Gentoo", "Adelie", "Chinstrap"});
    CHECK(frame.column("island").dictionary().size() == 3);
    CHECK(category(frame, "species", 0) == "Gentoo");
    CHECK(category(frame, "island", 0) == "Biscoe");
    CHECK(number(frame, "bill_length_mm", 0) == 49.1);
    CHECK(number(frame, "body_mass_g", 0) == 4625.0);
    std::size_t missing = 0;
    for (const auto& column : frame) missing += column.count_missing();
    CHECK(missing == 0);
}

TEST_CASE("parse_csv handles many rows", "[csv][scale]") {
    // Guards against quadratic behaviour; a timing check lives outside the unit tests.
    std::string text = "id,group,value\n";
    const std::size_t rows = 50000;
    for (std::size_t i = 0; i < rows; ++i)
        text += std::to_string(i) + ",g" + std::to_string(i % 7) + "," + std::to_string(i * 0.25) + "\n";
    const Frame frame = mlpipe::parse_csv(text);
    REQUIRE(frame.rows() == rows);
    CHECK(frame.column("group").dictionary().size() == 7);
    CHECK(number(frame, "value", rows - 1) == (rows - 1) * 0.25);
}

TEST_CASE("an error message quoting a NUL byte keeps what follows it", "[csv][errors]") {
    const std::string quoted = std::string("value \"39") + '\0' + "5\" is not a number";
    const mlpipe::error failure(quoted);
    CHECK(std::string(failure.what()) == "value \"39\\05\" is not a number");
    const mlpipe::csv_error located("request body", 1, 3, "bill_length_mm", quoted);
    CHECK_THAT(std::string(located.what()), Catch::EndsWith("value \"39\\05\" is not a number"));
}
