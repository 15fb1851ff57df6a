// frame_rows.hpp called directly: stacking the frames of a channel's files, picking columns,
// and finding incomplete and repeated rows.

#include "../../common/frame_rows.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using namespace mlpipe;
using namespace mlpipe::sagemaker;

namespace {

constexpr double missing = std::numeric_limits<double>::quiet_NaN();

// A categorical column's values as text, "<NA>" for a missing one.
std::vector<std::string> texts(const Column& column) {
    std::vector<std::string> out;
    for (const auto code : column.codes())
        out.push_back(code < 0 ? "<NA>" : column.dictionary()[static_cast<std::size_t>(code)]);
    return out;
}

// A numeric column's values, NaN written as -999 so that vectors compare.
std::vector<double> numbers(const Column& column) {
    std::vector<double> out;
    for (std::size_t i = 0; i < column.size(); ++i) out.push_back(std::isnan(column.value(i)) ? -999 : column.value(i));
    return out;
}

Frame frame_of(std::vector<double> x, std::vector<std::optional<std::string>> c) {
    Frame frame;
    frame.add_numeric("x", std::move(x));
    frame.add_categorical("c", c);
    return frame;
}

}  // namespace

TEST_CASE("concat_rows stacks the rows of frames with one header and merges their dictionaries",
          "[unit][frame_rows]") {
    const Frame a = frame_of({1, 2}, {"b", std::nullopt});
    const Frame b = frame_of({3}, {"a"});
    const Frame c = frame_of({missing, 5}, {"a", "b"});
    const Frame stacked = concat_rows({a, b, c}, {"a.csv", "b.csv", "c.csv"});
    REQUIRE(stacked.names() == std::vector<std::string>{"x", "c"});
    CHECK(stacked.rows() == 5);
    CHECK(numbers(stacked.column("x")) == std::vector<double>{1, 2, 3, -999, 5});
    CHECK(texts(stacked.column("c")) == std::vector<std::string>{"b", "<NA>", "a", "a", "b"});
    CHECK(stacked.column("c").dictionary() == std::vector<std::string>{"b", "a"});  // first seen first

    CHECK(concat_rows({}, {}).cols() == 0);
    const Frame one = concat_rows({a}, {"a.csv"});
    CHECK(numbers(one.column("x")) == std::vector<double>{1, 2});
    CHECK(texts(one.column("c")) == std::vector<std::string>{"b", "<NA>"});
}

TEST_CASE("concat_rows: a column of only missing values takes the kind of the others", "[unit][frame_rows]") {
    Frame text;
    text.add_categorical("c", {"x", "y"});
    Frame empty;
    empty.add_numeric("c", {missing});  // an empty CSV column reads as numeric
    const Frame stacked = concat_rows({empty, text}, {"1.csv", "2.csv"});
    REQUIRE(stacked.column("c").is_categorical());
    CHECK(texts(stacked.column("c")) == std::vector<std::string>{"<NA>", "x", "y"});

    Frame numeric;
    numeric.add_numeric("c", {4});
    CHECK_THROWS_WITH(concat_rows({text, numeric}, {"1.csv", "2.csv"}),
                      "column 'c' holds numbers in 2.csv but text in another file of the channel; make the column "
                      "one kind");
}

TEST_CASE("concat_rows keeps float32 when every file's column is float32", "[unit][frame_rows]") {
    Frame f32;
    f32.add(Column::numeric_f32("x", {1.5f, 2.5f}));
    Frame f32b;
    f32b.add(Column::numeric_f32("x", {3.5f}));
    Frame f64;
    f64.add_numeric("x", {4.25});
    const Frame both32 = concat_rows({f32, f32b}, {"1", "2"});
    CHECK(both32.column("x").is_float32());
    CHECK(numbers(both32.column("x")) == std::vector<double>{1.5, 2.5, 3.5});
    const Frame mixed = concat_rows({f32, f64}, {"1", "2"});
    CHECK_FALSE(mixed.column("x").is_float32());
    CHECK(numbers(mixed.column("x")) == std::vector<double>{1.5, 2.5, 4.25});
}

TEST_CASE("concat_rows names the files and the first column where their headers part", "[unit][frame_rows]") {
    Frame first;
    first.add_numeric("a", {1}).add_numeric("b", {2}).add_numeric("c", {3});
    Frame renamed;
    renamed.add_numeric("a", {1}).add_numeric("B", {2}).add_numeric("c", {3});
    CHECK_THROWS_WITH(concat_rows({first, renamed}, {"x/1.csv", "x/2.csv"}),
                      "the headers of x/1.csv and x/2.csv differ from column 2 on: 'b' in the first, 'B' in the "
                      "second (x/2.csv has the columns 'a', 'B', 'c'); every file of a channel needs the same header");
    Frame shorter;
    shorter.add_numeric("a", {1}).add_numeric("b", {2});
    CHECK_THROWS_WITH(concat_rows({first, first, shorter}, {"1.csv", "2.csv", "3.csv"}),
                      Catch::StartsWith("the headers of 1.csv and 3.csv differ from column 3 on: 'c' in the first, "
                                        "nothing (2 columns) in the second"));
}

TEST_CASE("select_columns picks columns by name in the order named", "[unit][frame_rows]") {
    Frame frame;
    frame.add_numeric("a", {1}).add_numeric("b", {2}).add_categorical("c", {"z"});
    CHECK(select_columns(frame, {"c", "a"}).names() == std::vector<std::string>{"c", "a"});
    CHECK(select_columns(frame, {}).cols() == 0);
    CHECK_THROWS_AS(select_columns(frame, {"d"}), mlpipe::error);
}

TEST_CASE("complete_rows and first_of_duplicate_rows as pandas' dropna and drop_duplicates",
          "[unit][frame_rows]") {
    const Frame frame = frame_of({1, missing, 0.0, -0.0, missing, 1, 2, missing},
                                 {"a", "a", "b", "b", std::nullopt, "a", std::nullopt, std::nullopt});
    CHECK(complete_rows(frame) == std::vector<std::size_t>{0, 2, 3, 5});
    // 0.0 equals -0.0, missing equals missing; rows 3, 5 and 7 repeat rows 2, 0 and 4.
    CHECK(first_of_duplicate_rows(frame) == std::vector<std::size_t>{0, 1, 2, 4, 6});
    CHECK(first_of_duplicate_rows(Frame{}).empty());
    CHECK(complete_rows(frame_of({missing}, {"a"})).empty());
}
