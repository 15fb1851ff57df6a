// The programs' text helpers: messages made valid UTF-8 and bounded, JSON named safely.

#include "../../common/json_text.hpp"
#include "../../common/text.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using namespace mlpipe::sagemaker;

TEST_CASE("valid_utf8 replaces every byte outside a well-formed sequence by U+FFFD", "[text][utf8]") {
    const std::string r = "\xEF\xBF\xBD";
    CHECK(valid_utf8("plain ascii") == "plain ascii");
    CHECK(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\xA7") == "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\xA7");
    CHECK(valid_utf8("caf\xE9") == "caf" + r);                   // Latin-1
    CHECK(valid_utf8("\xFF\xFE") == r + r);                      // never in UTF-8
    CHECK(valid_utf8("\xC0\xAF") == r + r);                      // overlong '/'
    CHECK(valid_utf8("\xED\xA0\x80") == r + r + r);              // a surrogate
    CHECK(valid_utf8("\xF4\x90\x80\x80") == r + r + r + r);      // above U+10FFFF
    CHECK(valid_utf8("ab\xE2\x82") == "ab" + r + r);             // cut short
    CHECK(valid_utf8(std::string("a\0b", 3)) == std::string("a\0b", 3));
    // What nlohmann's replace handler gives, so logs and bodies agree.
    CHECK(json_text(nlohmann::json("x\xE9y")) == "\"x" + r + "y\"");
}

TEST_CASE("bounded cuts a long message at a character boundary and says how much is left out", "[text]") {
    CHECK(bounded("short", 10) == "short");
    CHECK(bounded(std::string(2000, 'a')) == std::string(1000, 'a') + "... (1000 more bytes)");
    // 'é' is two bytes; a cut inside it backs up to its start.
    CHECK(bounded("ab\xC3\xA9" "cd", 3) == "ab... (4 more bytes)");
}

TEST_CASE("nesting_deeper_than counts arrays and objects outside strings", "[text][json]") {
    CHECK_FALSE(nesting_deeper_than(R"([[1, 2], {"a": [3]}])", 3));
    CHECK(nesting_deeper_than(R"([[1, 2], {"a": [3]}])", 2));
    CHECK_FALSE(nesting_deeper_than(R"(["[[[[", "\"[[[["])", 1));
    CHECK(nesting_deeper_than(std::string(200'000, '[') + std::string(200'000, ']'), max_json_nesting));
    CHECK_FALSE(nesting_deeper_than("", 0));
}

TEST_CASE("describe_json_value names the type and at most an excerpt", "[text][json]") {
    using nlohmann::json;
    CHECK(describe_json_value(json::array({1, 2, 3})) == "array of 3 items");
    CHECK(describe_json_value(json{{"a", 1}}) == "object of 1 keys");
    CHECK(describe_json_value(json(nullptr)) == "null");
    CHECK(describe_json_value(json(39.5)) == "number \"39.5\"");
    CHECK(describe_json_value(json("Adelie")) == "string \"Adelie\"");
    CHECK(describe_json_value(json(std::string(500, 'x'))) == "string \"" + std::string(60, 'x') + "...\"");
}
