// Tests for mlpipe/io/json_records.hpp: Frames from JSON records (objects by name, lists in
// schema order, JSON Lines), missing values, and every refusal naming the record and field.

#include <mlpipe/core.hpp>
#include <mlpipe/io/json_records.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <vector>

using Catch::Contains;
using mlpipe::ColumnKind;
using mlpipe::Frame;
using mlpipe::Schema;
using nlohmann::json;

namespace {

const Schema penguin_schema({{"species", ColumnKind::categorical}, {"bill_length_mm", ColumnKind::numeric}});

std::vector<std::string> categories_of(const Frame& frame, std::size_t column) {
    std::vector<std::string> out;
    const auto& c = frame[column];
    for (const auto code : c.codes()) out.push_back(code < 0 ? "<missing>" : c.dictionary()[static_cast<std::size_t>(code)]);
    return out;
}

}  // namespace

TEST_CASE("frame_from_json_records reads objects by name and lists in schema order", "[io][json]") {
    const json records = json::parse(R"([
        {"bill_length_mm": 39.1, "species": "Adelie"},
        ["Gentoo", 47],
        {"species": null, "bill_length_mm": null},
        ["Adelie", 40.5]
    ])");
    const Frame frame = mlpipe::frame_from_json_records(records, penguin_schema);
    REQUIRE(frame.rows() == 4);
    REQUIRE(frame.cols() == 2);
    CHECK(frame[0].name() == "species");  // the schema's order, whatever the objects' key order
    CHECK(frame[1].name() == "bill_length_mm");
    CHECK(categories_of(frame, 0) == std::vector<std::string>{"Adelie", "Gentoo", "<missing>", "Adelie"});
    const auto values = frame[1].values();
    CHECK(values[0] == 39.1);
    CHECK(values[1] == 47.0);
    CHECK(std::isnan(values[2]));
    CHECK(values[3] == 40.5);

    CHECK(mlpipe::frame_from_json_records(json::array(), penguin_schema).rows() == 0);
}

TEST_CASE("frame_from_json_records names the record and the field of each problem", "[io][json]") {
    const auto [text, expected] = GENERATE(table<std::string, std::vector<std::string>>({
        {R"({"species": "Adelie"})", {"expected a list of records, got a JSON object"}},
        {R"([{"species": "Adelie", "bill_length_mm": 1}, {"species": "Adelie"}])",
         {"record 2: missing field 'bill_length_mm'", "the model needs species, bill_length_mm"}},
        {R"([{"species": "Adelie", "bill_length_mm": 1, "year": 2007}])", {"record 1: unexpected field \"year\""}},
        {R"([["Adelie"]])", {"record 1 has 1 fields, expected 2 (species, bill_length_mm)"}},
        {R"([["Adelie", "long"]])",
         {"record 1, field 'bill_length_mm': expected a number (or null), got string \"long\""}},
        {R"([[7, 1.5]])", {"record 1, field 'species': expected a string (or null), got number \"7\""}},
        {R"([["Adelie", [1, 2]]])", {"record 1, field 'bill_length_mm'", "got array of 2 items"}},
        {R"([["Adelie", 1], 5])", {"record 2 is a number", "expected an object keyed by column name or a list"}},
    }));
    INFO(text);
    try {
        (void)mlpipe::frame_from_json_records(json::parse(text), penguin_schema);
        FAIL("no error");
    } catch (const mlpipe::data_error& e) {
        for (const auto& part : expected) CHECK_THAT(e.what(), Contains(part));
    }
}

TEST_CASE("frame_from_json_records quotes at most an excerpt of a long value", "[io][json]") {
    const std::string long_text(1'000'000, 'x');
    try {
        (void)mlpipe::frame_from_json_records(json::array({json::array({"Adelie", long_text})}), penguin_schema);
        FAIL("no error");
    } catch (const mlpipe::data_error& e) {
        CHECK_THAT(e.what(), Contains("got string \"xxxx"));
        CHECK(std::string(e.what()).size() < 1000);
    }
    // As a category it is just a value.
    const Frame frame = mlpipe::frame_from_json_records(json::array({json::array({long_text, 1.0})}), penguin_schema);
    CHECK(frame[0].dictionary() == std::vector<std::string>{long_text});
}

TEST_CASE("frame_from_json_lines reads one record per line, LF or CRLF, a final line end or none", "[io][json]") {
    const std::string text = "{\"species\": \"Adelie\", \"bill_length_mm\": 39.1}\r\n[\"Gentoo\", 47]\n[null, null]";
    for (const std::string& body : {text, text + "\n"}) {
        const Frame frame = mlpipe::frame_from_json_lines(body, penguin_schema);
        REQUIRE(frame.rows() == 3);
        CHECK(categories_of(frame, 0) == std::vector<std::string>{"Adelie", "Gentoo", "<missing>"});
        CHECK(frame[1].values()[1] == 47.0);
        CHECK(std::isnan(frame[1].values()[2]));
    }
}

TEST_CASE("frame_from_json_lines names the line of each problem", "[io][json]") {
    const auto [text, expected] = GENERATE(table<std::string, std::vector<std::string>>({
        {"[\"Adelie\", 1]\n\n[\"Adelie\", 2]\n", {"line 2 is empty", "one JSON record per line"}},
        {"[\"Adelie\", 1]\n[\"Adelie\", 2\n", {"line 2 is not valid JSON"}},
        {"[\"Adelie\", 1]\n\"Adelie\"\n", {"line 2 is a JSON string", "in the order species, bill_length_mm"}},
        {"[\"Adelie\", 1]\n[\"Adelie\", 1e400]\n", {"line 2 is not valid JSON"}},
        {"[\"Adelie\", 1]\n" + std::string(100'000, '[') + "\n", {"line 2 nests JSON arrays and objects more than 64"}},
        {"[\"Adelie\", 1]\n[\"Adelie\", true]\n", {"record 2, field 'bill_length_mm'", "got boolean \"true\""}},
    }));
    INFO(text.substr(0, 80));
    try {
        (void)mlpipe::frame_from_json_lines(text, penguin_schema);
        FAIL("no error");
    } catch (const mlpipe::data_error& e) {
        for (const auto& part : expected) CHECK_THAT(e.what(), Contains(part));
    }
}

TEST_CASE("frame_from_json_lines bounds the parser's message for a megabyte token", "[io][json]") {
    // nlohmann's message quotes everything read of the bad token: here a 1 MB unterminated string.
    const std::string text = "[\"Adelie\", 1]\n[\"" + std::string(1'000'000, 'x') + "\n";
    try {
        (void)mlpipe::frame_from_json_lines(text, penguin_schema);
        FAIL("no error");
    } catch (const mlpipe::data_error& e) {
        CHECK_THAT(e.what(), Contains("line 2 is not valid JSON") && Contains("parse error"));
        CHECK(std::string(e.what()).size() < 400);
    }
}

TEST_CASE("a Frame from JSON records predicts as the same rows from CSV", "[io][json]") {
    const Frame X = mlpipe::parse_csv(
        "species,bill_length_mm\nAdelie,39.1\nGentoo,47.5\nAdelie,38.2\nGentoo,49.9\nAdelie,36.7\nGentoo,46.1\n");
    const Frame y = mlpipe::parse_csv("sex\nmale\nmale\nfemale\nfemale\nfemale\nmale\n");
    mlpipe::Pipeline<mlpipe::OneHotEncoder, mlpipe::StandardScaler, mlpipe::LogisticRegression> model;
    model.fit(X, y);
    const Frame from_json = mlpipe::frame_from_json_records(
        json::parse(R"([["Gentoo", 47.5], {"species": "Adelie", "bill_length_mm": 36.7}])"), model.schema());
    const Frame from_csv = mlpipe::parse_csv("species,bill_length_mm\nGentoo,47.5\nAdelie,36.7\n");
    CHECK(model.predict_proba(from_json) == model.predict_proba(from_csv));
}
