// message_limits.hpp called directly: names and values from the input quoted in bounded form.

#include "../../common/message_limits.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mlpipe::sagemaker;

TEST_CASE("quoted_excerpt quotes short text whole and cuts long text at a character, giving its size",
          "[unit][message_limits]") {
    CHECK(quoted_excerpt("") == "''");
    CHECK(quoted_excerpt("max-iter") == "'max-iter'");
    CHECK(quoted_excerpt(std::string(max_quoted_bytes, 'k')) == "'" + std::string(max_quoted_bytes, 'k') + "'");
    CHECK(quoted_excerpt(std::string(1000, 'k')) == "'" + std::string(200, 'k') + "...' (1000 bytes)");
    // A two-byte character across the cut is left out whole.
    const std::string text = std::string(199, 'a') + "\xC3\xA9" + "bc";
    CHECK(quoted_excerpt(text) == "'" + std::string(199, 'a') + "...' (203 bytes)");
}

TEST_CASE("bounded_did_you_mean suggests only for short names among not much longer candidates",
          "[unit][message_limits]") {
    const std::vector<std::string> names = {"max-iter", "tol", "solver"};
    CHECK(bounded_did_you_mean("max-iters", names) == " (did you mean 'max-iter'?)");
    CHECK(bounded_did_you_mean("SOLVR", names) == " (did you mean 'solver'?)");
    CHECK(bounded_did_you_mean("learning-rate", names).empty());
    // Past max_suggested_name_bytes no suggestion is searched for, however close.
    const std::string long_name(max_suggested_name_bytes + 1, 'x');
    CHECK(bounded_did_you_mean(long_name, {long_name + "y"}).empty());
    const std::string at_limit(max_suggested_name_bytes, 'x');
    CHECK(bounded_did_you_mean(at_limit, {at_limit + "y"}) == " (did you mean '" + at_limit + "y'?)");
    // Nor is a list of more than max_suggestion_candidates names.
    std::vector<std::string> many(max_suggestion_candidates + 1, "zzz");
    many.front() = "tol";
    CHECK(bounded_did_you_mean("tl", many).empty());
    many.pop_back();
    CHECK(bounded_did_you_mean("tl", many) == " (did you mean 'tol'?)");
}

TEST_CASE("join_at_most and quoted_names list at most a limit, then how many more", "[unit][message_limits]") {
    CHECK(join_at_most({}) == "");
    CHECK(join_at_most({"a", "b", "c"}, 3) == "a, b, c");
    CHECK(join_at_most({"a", "b", "c", "d"}, 2) == "a, b and 2 more");
    CHECK(join_at_most({"x", "y"}, 1, "\n") == "x and 1 more");
    CHECK(join_at_most(std::vector<std::string>(21, "p"), max_listed_items, ";") ==
          "p;p;p;p;p;p;p;p;p;p;p;p;p;p;p;p;p;p;p;p and 1 more");
    CHECK(quoted_names({}) == "");
    CHECK(quoted_names({"a", "b"}) == "'a', 'b'");
    CHECK(quoted_names({"a", "b", "c"}, 1) == "'a' and 2 more");
    CHECK(quoted_names({std::string(300, 'n')}) == "'" + std::string(200, 'n') + "...' (300 bytes)");
}
