// request_parsing.hpp called directly: /invocations bodies in CSV, JSON and JSON Lines read
// into a Frame with the model's input columns, and the errors that name where a body is wrong.

#include "../../serve/request_parsing.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>
#include <vector>

using namespace mlpipe;
using namespace mlpipe::sagemaker;

namespace {

// The columns of a model fitted on (island, bill): one categorical, one numeric.
const Schema& schema() {
    static const Schema s({{"island", ColumnKind::categorical}, {"bill", ColumnKind::numeric}});
    return s;
}

std::vector<std::string> islands(const Frame& records) {
    std::vector<std::string> out;
    const Column& column = records.column("island");
    for (const auto code : column.codes())
        out.push_back(code < 0 ? "<NA>" : column.dictionary()[static_cast<std::size_t>(code)]);
    return out;
}

// NaN written as -999 so that vectors compare.
std::vector<double> bills(const Frame& records) {
    std::vector<double> out;
    for (const double v : records.column("bill").values()) out.push_back(std::isnan(v) ? -999 : v);
    return out;
}

std::string failure_of(Format format, const std::string& body, std::set<std::string> imputed = {}) {
    try {
        RecordReader(schema(), std::move(imputed)).read(format, body);
    } catch (const mlpipe::error& e) {
        return e.what();
    }
    FAIL("reading " << body << " did not fail");
    return "";
}

}  // namespace

TEST_CASE("RecordReader reads CSV records in the model's column order, one per line", "[unit][request_parsing]") {
    const RecordReader reader(schema());
    const Frame records = reader.read(Format::csv, "Dream,39.5\nBiscoe,40\r\nDream,41.25\n");
    CHECK(records.names() == std::vector<std::string>{"island", "bill"});
    CHECK(records.column("island").is_categorical());
    CHECK(islands(records) == std::vector<std::string>{"Dream", "Biscoe", "Dream"});
    CHECK(bills(records) == std::vector<double>{39.5, 40, 41.25});

    // A single row is one record, not a header; the last line end is optional.
    const Frame single = reader.read(Format::csv, "Torgersen,38");
    CHECK(single.rows() == 1);
    CHECK(islands(single) == std::vector<std::string>{"Torgersen"});
    CHECK(bills(single) == std::vector<double>{38});
    // Quotes keep a comma or a line end in a field.
    CHECK(islands(reader.read(Format::csv, "\"Dream, north\",1\n\"two\nlines\",2\n")) ==
          std::vector<std::string>{"Dream, north", "two\nlines"});
}

TEST_CASE("RecordReader refuses a CSV body with an empty line or a wrong field count, naming the line",
          "[unit][request_parsing]") {
    CHECK_THAT(failure_of(Format::csv, "Dream,1\n\nBiscoe,2\n"),
               Catch::StartsWith("request body:2: line 2 is empty; send one record per line, without empty lines"));
    CHECK_THAT(failure_of(Format::csv, "Dream,1\r\n\r\nBiscoe,2\r\n"), Catch::StartsWith("request body:2: line 2 is empty"));
    CHECK_THAT(failure_of(Format::csv, "\nDream,1\n"), Catch::StartsWith("request body:1: line 1 is empty"));
    CHECK(failure_of(Format::csv, "Dream,1\nBiscoe\n") ==
          "request body:2: line 2 has 1 fields, expected 2 (island, bill)");
    CHECK(failure_of(Format::csv, "Dream,1,2\n") == "request body:1: line 1 has 3 fields, expected 2 (island, bill)");
    CHECK(failure_of(Format::csv, " \r\n ") == "no records in the request body");
    CHECK(failure_of(Format::json, "") == "no records in the request body");
}

TEST_CASE("RecordReader refuses a missing number unless the model fills the column, and always an infinite one",
          "[unit][request_parsing]") {
    CHECK(failure_of(Format::csv, "Dream,1\nBiscoe,\n") ==
          "record 2, column 'bill': missing value; the model does not fill this column (train with "
          "impute-numerical to fill missing numbers)");
    const Frame filled = RecordReader(schema(), {"bill"}).read(Format::csv, "Dream,1\nBiscoe,\n");
    CHECK(bills(filled) == std::vector<double>{1, -999});
    CHECK(failure_of(Format::csv, "Dream,inf\n", {"bill"}) ==
          "record 1, column 'bill': infinite value; the model needs a finite number");
    // A missing category is left to the model.
    CHECK(islands(RecordReader(schema()).read(Format::csv, ",1\n")) == std::vector<std::string>{"<NA>"});
}

TEST_CASE("RecordReader reads JSON records by name, as lists, as one flat list and under instances",
          "[unit][request_parsing]") {
    const RecordReader reader(schema());
    const Frame by_name =
        reader.read(Format::json, R"([{"bill": 39.5, "island": "Dream"}, {"island": "Biscoe", "bill": 40}])");
    CHECK(islands(by_name) == std::vector<std::string>{"Dream", "Biscoe"});
    CHECK(bills(by_name) == std::vector<double>{39.5, 40});
    const Frame lists = reader.read(Format::json, R"([["Dream", 39.5], ["Dream", 1e2]])");
    CHECK(islands(lists) == std::vector<std::string>{"Dream", "Dream"});
    CHECK(lists.column("island").dictionary() == std::vector<std::string>{"Dream"});
    CHECK(bills(lists) == std::vector<double>{39.5, 100});
    const Frame flat = reader.read(Format::json, R"(["Torgersen", 38])");
    CHECK(flat.rows() == 1);
    CHECK(islands(flat) == std::vector<std::string>{"Torgersen"});
    const Frame wrapped = reader.read(Format::json, R"({"instances": [{"island": "Dream", "bill": 1}, ["Biscoe", 2]]})");
    CHECK(islands(wrapped) == std::vector<std::string>{"Dream", "Biscoe"});
    CHECK(bills(wrapped) == std::vector<double>{1, 2});
    CHECK(bills(reader.read(Format::json, R"({"instances": ["Dream", 7]})")) == std::vector<double>{7});
}

TEST_CASE("RecordReader reads JSON null as a missing value", "[unit][request_parsing]") {
    const Frame records =
        RecordReader(schema(), {"bill"}).read(Format::json, R"([{"island": null, "bill": null}, [null, 2]])");
    CHECK(islands(records) == std::vector<std::string>{"<NA>", "<NA>"});
    CHECK(bills(records) == std::vector<double>{-999, 2});
    CHECK_THAT(failure_of(Format::json, R"([["Dream", 1], ["Dream", null]])"),
               Catch::StartsWith("record 2, column 'bill': missing value"));
}

TEST_CASE("RecordReader names the record and field of a bad JSON record", "[unit][request_parsing]") {
    CHECK(failure_of(Format::json, R"([["Dream", 1], ["Dream", "39.5"]])") ==
          "record 2, field 'bill': expected a number (or null), got string \"39.5\"");
    CHECK(failure_of(Format::json, R"([{"island": 3, "bill": 1}])") ==
          "record 1, field 'island': expected a string (or null), got number \"3\"");
    CHECK(failure_of(Format::json, R"([{"island": "Dream"}])") ==
          "record 1: missing field 'bill' (the model needs island, bill)");
    CHECK(failure_of(Format::json, R"([{"island": "Dream", "bill": 1, "sex": "male"}])") ==
          "record 1: unexpected field \"sex\" (the model needs island, bill)");
    CHECK(failure_of(Format::json, R"([["Dream", 1], ["Dream"]])") ==
          "record 2 has 1 fields, expected 2 (island, bill)");
    CHECK(failure_of(Format::json, R"([["Dream", 1], 5])") ==
          "record 2 is a number; expected an object keyed by column name or a list of values");
    CHECK_THAT(failure_of(Format::json, R"({"records": []})"),
               Catch::StartsWith("a JSON object body must hold the records under \"instances\"") &&
                   Catch::EndsWith("in the order island, bill"));
    CHECK(failure_of(Format::json, R"({"instances": "Dream"})") == "expected a list of records, got a JSON string");
    CHECK(failure_of(Format::json, "[]") == "no records in the request body");
    CHECK_THAT(failure_of(Format::json, "[\"Dream\", 1"), Catch::StartsWith("the request body is not valid JSON: "));
    CHECK_THAT(failure_of(Format::json, "[[\"Dream\", 1e400]]"), Catch::StartsWith("the request body is not valid JSON: "));
    const std::string deep = std::string(max_json_nesting + 1, '[') + std::string(max_json_nesting + 1, ']');
    CHECK(failure_of(Format::json, deep) ==
          "the request body nests JSON arrays and objects more than 64 levels deep; records need at most 3");
}

TEST_CASE("RecordReader reads JSON Lines, one record per line, and names a bad line", "[unit][request_parsing]") {
    const RecordReader reader(schema());
    const Frame records = reader.read(Format::jsonlines, "{\"island\": \"Dream\", \"bill\": 1}\r\n[\"Biscoe\", 2]\n");
    CHECK(islands(records) == std::vector<std::string>{"Dream", "Biscoe"});
    CHECK(bills(records) == std::vector<double>{1, 2});
    CHECK(reader.read(Format::jsonlines, "[\"Dream\", 3]").rows() == 1);

    CHECK_THAT(failure_of(Format::jsonlines, "[\"Dream\", 1]\n\n[\"Dream\", 2]\n"),
               Catch::StartsWith("line 2 is empty; send one JSON record per line"));
    CHECK_THAT(failure_of(Format::jsonlines, "[\"Dream\", 1]\n[\"Dream\", 2\n"),
               Catch::StartsWith("line 2 is not valid JSON: "));
    CHECK(failure_of(Format::jsonlines, "[\"Dream\", 1]\n\"Dream\"\n") ==
          "line 2 is a JSON string; each line must be one record: an object keyed by column name or a list of "
          "values in the order island, bill");
    CHECK(failure_of(Format::jsonlines, "[\"Dream\", 1]\n[\"Dream\", true]\n") ==
          "record 2, field 'bill': expected a number (or null), got boolean \"true\"");
    const std::string deep = std::string(max_json_nesting + 1, '[') + std::string(max_json_nesting + 1, ']');
    CHECK(failure_of(Format::jsonlines, "[\"Dream\", 1]\n" + deep) ==
          "line 2 nests JSON arrays and objects more than 64 levels deep");
}
