// command_line.hpp called directly: the `--key value` arguments of train and prepare.

#include "../../common/command_line.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mlpipe::sagemaker;

namespace {

std::vector<std::string> keys_and_values(const CommandLine& parsed) {
    std::vector<std::string> out;
    for (const auto& option : parsed.options) out.push_back(option.key + "=" + option.value);
    return out;
}

}  // namespace

TEST_CASE("parse_command_line reads --key value and --key=value in the order given", "[unit][command_line]") {
    const auto parsed = parse_command_line({"--C", "0.5", "--solver=saga", "--target", "--x", "--C=2"});
    CHECK_FALSE(parsed.help);
    // Every option takes a value, even one that looks like an option; repeats are kept.
    CHECK(keys_and_values(parsed) == std::vector<std::string>{"C=0.5", "solver=saga", "target=--x", "C=2"});

    // Only the first '=' splits; the value may be empty or hold '='.
    CHECK(keys_and_values(parse_command_line({"--impute=constant:a=b", "--target="})) ==
          std::vector<std::string>{"impute=constant:a=b", "target="});
    CHECK(keys_and_values(parse_command_line({"--categorical-features", ""})) ==
          std::vector<std::string>{"categorical-features="});
    CHECK(parse_command_line({}).options.empty());
}

TEST_CASE("parse_command_line: --help and -h stand alone", "[unit][command_line]") {
    const auto parsed = parse_command_line({"--max-iter", "5", "-h"});
    CHECK(parsed.help);
    CHECK(keys_and_values(parsed) == std::vector<std::string>{"max-iter=5"});
    CHECK(parse_command_line({"--help"}).help);
    CHECK(parse_command_line({"--help"}).options.empty());
}

TEST_CASE("parse_command_line refuses a malformed command line with a usage_error naming it",
          "[unit][command_line]") {
    CHECK_THROWS_MATCHES(parse_command_line({"--C"}), usage_error, Catch::Message("option --C needs a value"));
    CHECK_THROWS_MATCHES(parse_command_line({"--C", "1", "--tol"}), usage_error,
                         Catch::Message("option --tol needs a value"));
    CHECK_THROWS_MATCHES(parse_command_line({"train"}), usage_error,
                         Catch::Message("unexpected argument 'train': options are written --name value"));
    CHECK_THROWS_MATCHES(parse_command_line({"-C", "1"}), usage_error,
                         Catch::Message("unexpected argument '-C': options are written --name value"));
    CHECK_THROWS_MATCHES(parse_command_line({"--"}), usage_error,
                         Catch::Message("unexpected argument '--': options are written --name value"));
    CHECK_THROWS_MATCHES(parse_command_line({"--=1"}), usage_error,
                         Catch::Message("unexpected argument '--=1': the option has no name"));
}
