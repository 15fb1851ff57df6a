// container_config.hpp called directly: the channels of inputdataconfig.json, the hosts of
// resourceconfig.json, and the media type parameters of a channel's ContentType.

#include "../../train/container_config.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace mlpipe;
using namespace mlpipe::sagemaker;
using namespace mlpipe::sagemaker::detail::container_config;
using nlohmann::json;

namespace {

std::string parse_failure(const json& config) {
    try {
        parse_input_data_config(config, "inputdataconfig.json");
    } catch (const mlpipe::error& e) {
        return e.what();
    }
    FAIL("parsing " << config.dump() << " did not fail");
    return "";
}

std::string label_first_failure(const std::string& content_type) {
    try {
        label_first(content_type, "where");
    } catch (const mlpipe::error& e) {
        return e.what();
    }
    FAIL("label_first(" << content_type << ") did not fail");
    return "";
}

}  // namespace

TEST_CASE("media_type_parameters splits at semicolons outside quotes and lowers the names",
          "[unit][container_config]") {
    CHECK(media_type_parameters("text/csv").empty());
    CHECK(media_type_parameters("text/csv;").empty());
    CHECK(media_type_parameters("text/csv; ;").empty());

    const auto parameters = media_type_parameters("text/csv; Label_Size = 1 ;charset=\"utf-8\";header");
    REQUIRE(parameters.size() == 3);
    CHECK(parameters[0].name == "label_size");
    CHECK(parameters[0].value == "1");
    CHECK(parameters[0].has_value);
    CHECK(parameters[1].name == "charset");
    CHECK(parameters[1].value == "utf-8");  // the quotes removed, the case kept
    CHECK(parameters[2].name == "header");
    CHECK(parameters[2].value.empty());
    CHECK_FALSE(parameters[2].has_value);

    const auto quoted = media_type_parameters("text/csv;name=\"a;b\";label_size=1");
    REQUIRE(quoted.size() == 2);
    CHECK(quoted[0].value == "a;b");
    CHECK(quoted[1].name == "label_size");
}

TEST_CASE("label_first reads label_size=1 in any case and order and refuses other label sizes",
          "[unit][container_config]") {
    CHECK(label_first("text/csv;label_size=1", "w"));
    CHECK(label_first("Text/CSV; charset=utf-8; LABEL_SIZE = 1", "w"));
    CHECK(label_first("text/csv;label_size=\"1\";charset=utf-8", "w"));
    CHECK_FALSE(label_first("text/csv", "w"));
    CHECK_FALSE(label_first("text/csv; charset=utf-8", "w"));

    const std::string two = label_first_failure("text/csv;label_size=2");
    CHECK_THAT(two, Catch::StartsWith("where: ContentType 'text/csv;label_size=2' has label_size '2', which is not "
                                      "supported"));
    CHECK_THAT(two, Catch::Contains("(text/csv;label_size=1)"));
    CHECK_THAT(label_first_failure("text/csv;label_size=0"), Catch::Contains("has label_size '0'"));
    CHECK_THAT(label_first_failure("text/csv;label_size"), Catch::Contains("has label_size without a value"));
    CHECK_THAT(label_first_failure("text/csv;label_size=1;Label_Size=1"),
               Catch::Contains("gives label_size more than once; give it once, as label_size=1"));
}

TEST_CASE("parse_input_data_config reads each channel's content type, mode and distribution",
          "[unit][container_config]") {
    const json config = {{"train",
                          {{"ContentType", "text/csv;label_size=1"},
                           {"TrainingInputMode", "FastFile"},
                           {"S3DistributionType", "FullyReplicated"},
                           {"RecordWrapperType", "None"}}},
                         {"validation", {{"ContentType", "TEXT/CSV"}, {"TrainingInputMode", nullptr}}},
                         {"test", json::object()}};
    const auto channels = parse_input_data_config(config, "inputdataconfig.json");
    REQUIRE(channels.size() == 3);  // in the object's order (by name)
    CHECK(channels[0].name == "test");
    CHECK(channels[0].content_type.empty());
    CHECK(channels[0].input_mode.empty());
    CHECK_FALSE(channels[0].label_first);
    CHECK(channels[1].name == "train");
    CHECK(channels[1].content_type == "text/csv;label_size=1");
    CHECK(channels[1].input_mode == "FastFile");
    CHECK(channels[1].distribution == "FullyReplicated");
    CHECK(channels[1].label_first);
    CHECK(channels[2].name == "validation");
    CHECK(channels[2].input_mode.empty());  // null is absent
    CHECK_FALSE(channels[2].label_first);
    CHECK(parse_input_data_config(json::object(), "c").empty());
    CHECK(parse_input_data_config({{"train", {{"TrainingInputMode", "File"}}}}, "c").at(0).input_mode == "File");
}

TEST_CASE("parse_input_data_config refuses what the container cannot read, naming the channel",
          "[unit][container_config]") {
    CHECK(parse_failure({{"train", {{"TrainingInputMode", "Pipe"}}}}) ==
          "inputdataconfig.json, channel 'train': TrainingInputMode 'Pipe' is not supported yet; use "
          "input_mode='File' (or 'FastFile') for the channel");
    CHECK(parse_failure({{"train", {{"TrainingInputMode", "file"}}}}) ==
          "inputdataconfig.json, channel 'train': unknown TrainingInputMode 'file'; this container supports File "
          "and FastFile");
    CHECK_THAT(parse_failure({{"validation", {{"ContentType", "application/x-recordio-protobuf"}}}}),
               Catch::StartsWith("inputdataconfig.json, channel 'validation': ContentType "
                                 "'application/x-recordio-protobuf' is not supported; this container reads CSV"));
    CHECK_THAT(parse_failure({{"train", {{"ContentType", "text/csv;label_size=3"}}}}),
               Catch::StartsWith("inputdataconfig.json, channel 'train': ContentType") &&
                   Catch::Contains("label_size '3'"));
    CHECK(parse_failure({{"train", {{"RecordWrapperType", "RecordIO"}}}}) ==
          "inputdataconfig.json, channel 'train': RecordWrapperType 'RecordIO' is not supported; the channel's "
          "files must be plain CSV");
}

TEST_CASE("parse_input_data_config names a JSON value of the wrong shape", "[unit][container_config]") {
    CHECK(parse_failure(json::array()) == "inputdataconfig.json must hold a JSON object with one entry per channel");
    CHECK(parse_failure({{"train", json::array({1})}}) ==
          "inputdataconfig.json, channel 'train': expected a JSON object, got array of 1 items");
    CHECK(parse_failure({{"train", "File"}}) ==
          "inputdataconfig.json, channel 'train': expected a JSON object, got string \"File\"");
    CHECK(parse_failure({{"train", {{"ContentType", 5}}}}) ==
          "inputdataconfig.json, channel 'train': ContentType must be a string, got number \"5\"");
    CHECK_THAT(parse_failure({{"train", {{"TrainingInputMode", {{"mode", "File"}}}}}}),
               Catch::Contains("TrainingInputMode must be a string, got object of 1 keys"));
    CHECK_THAT(parse_failure({{"train", {{"S3DistributionType", true}}}}),
               Catch::Contains("S3DistributionType must be a string, got boolean"));
}

TEST_CASE("parse_resource_config and check_multi_host", "[unit][container_config]") {
    const auto one = parse_resource_config({{"current_host", "algo-1"}, {"hosts", {"algo-1"}}}, "resourceconfig.json");
    CHECK(one.current_host == "algo-1");
    CHECK(one.hosts == std::vector<std::string>{"algo-1"});
    CHECK(one.network_interface.empty());
    CHECK_NOTHROW(check_multi_host(one, "resourceconfig.json"));
    const auto none = parse_resource_config(json::object(), "r");
    CHECK(none.current_host.empty());
    CHECK(none.hosts.empty());

    const auto two = parse_resource_config(
        {{"current_host", "algo-2"}, {"hosts", {"algo-1", "algo-2"}}, {"network_interface_name", "eth0"}}, "r");
    CHECK(two.network_interface == "eth0");
    CHECK_NOTHROW(check_multi_host(two, "r"));
    ResourceConfig stranger = two;
    stranger.current_host = "algo-3";
    CHECK_THROWS_WITH(check_multi_host(stranger, "r"),
                      "r: current_host 'algo-3' is not one of the hosts ('algo-1', 'algo-2')");
    ResourceConfig twice = two;
    twice.hosts.push_back("algo-1");
    CHECK_THROWS_WITH(check_multi_host(twice, "r"), "r: hosts names 'algo-1' twice");

    CHECK_THROWS_WITH(parse_resource_config(json::array(), "r"), "r must hold a JSON object");
    CHECK_THROWS_WITH(parse_resource_config({{"hosts", "algo-1"}}, "r"), "r: hosts must be a JSON list of host names");
    CHECK_THROWS_WITH(parse_resource_config({{"hosts", {1}}}, "r"), "r: hosts must hold strings, got number \"1\"");
    CHECK_THROWS_WITH(parse_resource_config({{"current_host", 1}}, "r"),
                      "r: current_host must be a string, got number \"1\"");
}

TEST_CASE("parse_json_text and read_json_file: blank, invalid, too deep, missing, a directory",
          "[unit][container_config]") {
    CHECK_FALSE(parse_json_text(" \r\n\t", "f"));
    CHECK(parse_json_text(R"({"a": [1]})", "f") == json{{"a", {1}}});
    CHECK_THROWS_WITH(parse_json_text("{\"a\": ", "f"), Catch::StartsWith("f is not valid JSON ("));
    const std::string deep = std::string(max_json_nesting + 1, '[') + std::string(max_json_nesting + 1, ']');
    CHECK_THROWS_WITH(parse_json_text(deep, "f"), "f nests JSON arrays and objects more than 64 levels deep");

    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("mlpipe_unit_config_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    CHECK_FALSE(read_json_file(dir / "absent.json"));
    CHECK_THROWS_WITH(read_json_file(dir), dir.string() + " is a directory, expected a file");
    std::ofstream(dir / "empty.json") << "\n";
    CHECK_THROWS_WITH(read_json_file(dir / "empty.json"),
                      (dir / "empty.json").string() + " is empty; it must hold a JSON object");
    std::ofstream(dir / "good.json") << R"({"train": {}})";
    CHECK(read_json_file(dir / "good.json") == json{{"train", json::object()}});
    fs::remove_all(dir);
}
