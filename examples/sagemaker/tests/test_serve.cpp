// `mlpipe-sagemaker serve` as SageMaker runs it: the real binary on a loopback port, with
// a model fitted here on the penguins reference set, spoken to over HTTP.

#include "../common/layout.hpp"
#include "../serve/media_types.hpp"
#include "../serve/response_format.hpp"
#include "server_support.hpp"
#include "support.hpp"

#include <mlpipe/io/model_archive.hpp>  // saves models other than the stock pipelines
#include <mlpipe/mlpipe.hpp>

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mlpipe;
using namespace mlpipe::sagemaker;
using namespace mlpipe::sagemaker::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const fs::path penguins = fs::path(MLPIPE_DATA_DIR) / "reference" / "penguins";

// The notebook's model, fitted once per test process.
const Model& fitted_model() {
    static const Model model = [] {
        Model m{OneHotEncoder{{.columns = {"species", "island"}, .handle_unknown = HandleUnknown::ignore}},
                StandardScaler{{.columns = {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"}}},
                LogisticRegression{{.match_sklearn = SklearnVersion::v1_2}}};
        m.fit(read_csv(penguins / "train" / "X_train.csv"), read_csv(penguins / "train" / "y_train.csv"));
        return m;
    }();
    return model;
}

const Frame& test_frame() {
    static const Frame frame = read_csv(penguins / "test" / "X_test.csv");
    return frame;
}

// The test records as CSV lines without the header, and the library's own labels for them.
const std::vector<std::string>& test_lines() {
    static const std::vector<std::string> lines = [] {
        std::istringstream in(read_text(penguins / "test" / "X_test.csv"));
        std::vector<std::string> out;
        std::string line;
        std::getline(in, line);  // the header
        while (std::getline(in, line))
            if (!line.empty()) out.push_back(line);
        return out;
    }();
    return lines;
}

const std::vector<std::string>& library_labels() {
    static const std::vector<std::string> labels = fitted_model().predict(test_frame()).to_strings();
    return labels;
}

std::string join_lines(const std::vector<std::string>& lines, std::size_t first = 0, std::size_t count = SIZE_MAX) {
    std::string out;
    for (std::size_t i = first; i < lines.size() && i - first < count; ++i) out += lines[i] + "\n";
    return out;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

// The test records as JSON objects keyed by column name.
json test_records_by_name() {
    const Frame& X = test_frame();
    json records = json::array();
    for (std::size_t i = 0; i < X.rows(); ++i) {
        json record = json::object();
        for (const auto& column : X) {
            if (column.is_numeric()) record[column.name()] = column.values()[i];
            else record[column.name()] = column.dictionary()[static_cast<std::size_t>(column.codes()[i])];
        }
        records.push_back(record);
    }
    return records;
}

using EnvVars = std::map<std::string, std::string>;

// A served model: the fitted model (or `model`) saved under a temporary /opt/ml, and
// `serve` running on a port of its choice. The destructor stops it with SIGTERM (SIGKILL
// if it hangs).
class Served {
public:
    explicit Served(const EnvVars& env_vars = {}, const Model& model = fitted_model()) {
        fs::create_directories(root_.path() / "model");
        save(model, root_.path() / "model" / model_file_name);
        Environment env = Environment::inherited().remove_prefixed("SAGEMAKER_").remove_prefixed("SM_");
        for (const auto& [name, value] : env_vars) env.set(name, value);
        process_ = std::make_unique<Process>(
            serve_binary(),
            std::vector<std::string>{"serve", "--root", root_.path().string(), "--host", "127.0.0.1", "--port", "0"},
            env, root_.path() / "stdout.txt", root_.path() / "stderr.txt");
        port_ = wait_for_port(*process_);
    }

    ~Served() {
        process_->signal(SIGTERM);
        process_->wait_for(10s);
    }

    Process& process() { return *process_; }
    int port() const noexcept { return port_; }

    httplib::Client client() const {
        httplib::Client client("127.0.0.1", port_);
        client.set_tcp_nodelay(true);  // the client sends headers and body in two writes
        client.set_connection_timeout(5s);
        client.set_read_timeout(30s);
        client.set_write_timeout(30s);
        return client;
    }

    httplib::Result invoke(const std::string& body, const std::string& content_type,
                           const std::string& accept = "text/csv") const {
        return client().Post("/invocations", {{"Accept", accept}}, body, content_type);
    }

    bool answers_ping() const {
        auto res = client().Get("/ping");
        return res && res->status == 200;
    }

private:
    TempDir root_{"mlpipe-serve"};
    std::unique_ptr<Process> process_;
    int port_ = -1;
};

}  // namespace

TEST_CASE("serve answers /ping with 200 and an empty body", "[serve]") {
    Served served;
    auto res = served.client().Get("/ping");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.empty());
}

TEST_CASE("serve predicts CSV records as one CSV label per line, as the library does", "[serve]") {
    Served served;
    auto res = served.invoke(join_lines(test_lines()), "text/csv");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "text/csv");
    CHECK(split_lines(res->body) == library_labels());
}

TEST_CASE("serve's predictions on the test set equal scikit-learn's", "[serve][reference]") {
    std::ifstream in(penguins / "reference.json");
    const auto expected = json::parse(in).at("test").at("predictions").get<std::vector<std::string>>();
    Served served;
    auto res = served.invoke(join_lines(test_lines()), "text/csv");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(split_lines(res->body) == expected);
}

TEST_CASE("serve answers JSON with predictions, probabilities and classes", "[serve]") {
    Served served;
    auto res = served.invoke(join_lines(test_lines()), "text/csv", "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    const json answer = json::parse(res->body);
    CHECK(answer.at("classes") == json({"female", "male"}));
    CHECK(answer.at("predictions").get<std::vector<std::string>>() == library_labels());
    const auto proba = fitted_model().predict_proba(test_frame());
    const json& probabilities = answer.at("probabilities");
    REQUIRE(probabilities.size() == static_cast<std::size_t>(proba.rows()));
    for (Eigen::Index i = 0; i < proba.rows(); ++i)
        for (Eigen::Index c = 0; c < proba.cols(); ++c)
            CHECK(probabilities[static_cast<std::size_t>(i)][static_cast<std::size_t>(c)].get<double>() ==
                  Approx(proba(i, c)).margin(1e-12));
}

TEST_CASE("serve answers JSON Lines with one object per record", "[serve]") {
    Served served;
    auto res = served.invoke(join_lines(test_lines(), 0, 3), "text/csv", "application/jsonlines");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "application/jsonlines");
    const auto lines = split_lines(res->body);
    REQUIRE(lines.size() == 3);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const json line = json::parse(lines[i]);
        CHECK(line.at("prediction") == library_labels()[i]);
        CHECK(line.at("probabilities").at("female").get<double>() + line.at("probabilities").at("male").get<double>() ==
              Approx(1.0));
    }
}

TEST_CASE("serve reads JSON records by name, as lists, and under instances", "[serve][json]") {
    Served served;
    const json by_name = test_records_by_name();
    json as_lists = json::array();
    for (const auto& record : by_name) {
        json list = json::array();
        for (const auto& name : fitted_model().schema().names()) list.push_back(record.at(name));
        as_lists.push_back(list);
    }
    for (const json& body : {by_name, as_lists, json{{"instances", by_name}}, json{{"instances", as_lists}}}) {
        INFO(body.dump().substr(0, 80));
        auto res = served.invoke(body.dump(), "application/json");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(split_lines(res->body) == library_labels());
    }
    SECTION("a flat list is a single record") {
        auto res = served.invoke(as_lists[0].dump(), "application/json");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(res->body == library_labels()[0] + "\n");
    }
}

TEST_CASE("serve reads JSON null as a missing value", "[serve][json]") {
    Served served;
    json record = test_records_by_name()[0];
    SECTION("a missing category is encoded as an unknown one (handle_unknown = ignore)") {
        record["species"] = nullptr;
        Frame X;
        X.add_categorical("species", std::vector<std::optional<std::string>>{std::nullopt});
        X.add_categorical("island", std::vector<std::string>{record["island"].get<std::string>()});
        for (const char* name : {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"})
            X.add_numeric(name, {record[name].get<double>()});
        auto res = served.invoke(json::array({record}).dump(), "application/json");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(res->body == fitted_model().predict(X).to_strings().at(0) + "\n");
    }
    SECTION("a missing number is refused, naming the record and column") {
        record["bill_depth_mm"] = nullptr;
        auto res = served.invoke(json::array({record, record}).dump(), "application/json");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK_THAT(error_of(res), Catch::Contains("record 1") && Catch::Contains("bill_depth_mm") &&
                                      Catch::Contains("missing value"));
    }
}

TEST_CASE("serve takes media type parameters and any case in Content-Type", "[serve]") {
    Served served;
    for (const char* content_type :
         {"text/csv; charset=utf-8", "Text/CSV;Charset=UTF-8", "application/json; charset=utf-8"}) {
        INFO(content_type);
        const bool json_input = std::string(content_type).starts_with("application");
        auto res = served.invoke(json_input ? test_records_by_name().dump() : join_lines(test_lines()), content_type);
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(split_lines(res->body) == library_labels());
    }
}

TEST_CASE("serve picks the response type from Accept", "[serve][accept]") {
    const std::string body = join_lines(test_lines(), 0, 2);
    SECTION("*/* gives text/csv by default") {
        Served served;
        auto res = served.invoke(body, "text/csv", "*/*");
        REQUIRE(res);
        CHECK(res->get_header_value("Content-Type") == "text/csv");
    }
    SECTION("*/* gives SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT when set") {
        Served served(EnvVars{{"SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/json"}});
        auto res = served.invoke(body, "text/csv", "*/*");
        REQUIRE(res);
        CHECK(res->get_header_value("Content-Type") == "application/json");
        CHECK(json::parse(res->body).at("predictions").size() == 2);
    }
    SECTION("a list of types gives the supported one with the highest q") {
        Served served;
        auto res = served.invoke(body, "text/csv", "application/xml, application/json;q=0.5, text/csv;q=0.4");
        REQUIRE(res);
        CHECK(res->get_header_value("Content-Type") == "application/json");
    }
}

TEST_CASE("Accept negotiation", "[serve][accept][unit]") {
    CHECK(output_format("", Format::json) == Format::json);
    CHECK(output_format("*/*", Format::csv) == Format::csv);
    CHECK(output_format("text/*", Format::json) == Format::csv);
    CHECK(output_format("application/json, text/csv", Format::csv) == Format::json);
    CHECK(output_format("text/csv;q=0.2, application/json;q=0.8", Format::csv) == Format::json);
    CHECK(output_format("application/json;q=0, text/csv", Format::csv) == Format::csv);
    CHECK(output_format("Application/JSON ; q=1", Format::csv) == Format::json);
    CHECK_FALSE(output_format("application/xml", Format::csv));
    CHECK_FALSE(output_format("application/json;q=0", Format::csv));
    CHECK(input_format("") == Format::csv);
    CHECK(input_format("TEXT/csv; charset=utf-8") == Format::csv);
    CHECK(input_format("application/jsonlines") == Format::jsonlines);
    CHECK(input_format("Application/JSONL") == Format::jsonlines);
    CHECK_FALSE(input_format("application/x-www-form-urlencoded"));
}

TEST_CASE("CSV output choices from a custom attribute or MLPIPE_CSV_OUTPUT", "[serve][unit]") {
    CHECK(parse_csv_output("label") == CsvOutput{.label = true, .probabilities = false});
    CHECK(parse_csv_output("probabilities") == CsvOutput{.label = false, .probabilities = true});
    CHECK(parse_csv_output(" Label , Probabilities") == CsvOutput{.label = true, .probabilities = true});
    CHECK(parse_csv_output("probabilities,label") == CsvOutput{.label = true, .probabilities = true});
    CHECK_FALSE(parse_csv_output(""));
    CHECK_FALSE(parse_csv_output("label,label"));
    CHECK_FALSE(parse_csv_output("logits"));
    const CsvOutput fallback{.label = true, .probabilities = false};
    CHECK(csv_output_of("", fallback) == fallback);
    CHECK(csv_output_of("trace=42", fallback) == fallback);
    CHECK(csv_output_of("trace=42; output=probabilities", fallback).probabilities);
    CHECK_FALSE(csv_output_of("OUTPUT = probabilities", fallback).label);
    CHECK_THROWS_WITH(csv_output_of("output=logits", fallback), Catch::Contains("logits"));
}

TEST_CASE("serve answers CSV with probabilities when asked, per request or per endpoint", "[serve][csv]") {
    const auto proba = fitted_model().predict_proba(test_frame());
    const std::string body = join_lines(test_lines(), 0, 5);
    // Each line: the fields as text; the numbers read back to the library's probabilities.
    auto check_lines = [&](const std::string& answer, bool with_label) {
        const auto lines = split_lines(answer);
        REQUIRE(lines.size() == 5);
        for (std::size_t i = 0; i < lines.size(); ++i) {
            std::vector<std::string> fields;
            std::stringstream line(lines[i]);
            for (std::string field; std::getline(line, field, ',');) fields.push_back(field);
            REQUIRE(fields.size() == (with_label ? 3U : 2U));
            if (with_label) CHECK(fields[0] == library_labels()[i]);
            for (Eigen::Index c = 0; c < 2; ++c)
                CHECK(std::stod(fields[static_cast<std::size_t>(c) + (with_label ? 1 : 0)]) ==
                      proba(static_cast<Eigen::Index>(i), c));
        }
    };
    Served served;
    auto post = [&](const std::string& attributes, const std::string& accept = "text/csv") {
        return served.client().Post("/invocations",
                                    {{"Accept", accept}, {"X-Amzn-SageMaker-Custom-Attributes", attributes}}, body,
                                    "text/csv");
    };
    auto only = post("output=probabilities");
    REQUIRE(only);
    REQUIRE(only->status == 200);
    check_lines(only->body, false);
    auto both = post("trace=1;output=label,probabilities");
    REQUIRE(both);
    REQUIRE(both->status == 200);
    check_lines(both->body, true);
    CHECK(both->get_header_value("X-Amzn-SageMaker-Custom-Attributes") == "trace=1;output=label,probabilities");
    auto bad = post("output=logits");
    CHECK(bad->status == 400);
    CHECK_THAT(error_of(bad), Catch::Contains("logits"));
    // JSON answers always carry probabilities; the attribute does not change them.
    auto as_json = post("output=probabilities", "application/json");
    REQUIRE(as_json);
    CHECK(json::parse(as_json->body).at("predictions").size() == 5);

    Served by_default(EnvVars{{"MLPIPE_CSV_OUTPUT", "label,probabilities"}});
    auto res = by_default.invoke(body, "text/csv");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    check_lines(res->body, true);
    auto labels = by_default.client().Post(
        "/invocations", {{"Accept", "text/csv"}, {"X-Amzn-SageMaker-Custom-Attributes", "output=label"}}, body,
        "text/csv");
    REQUIRE(labels);
    CHECK(split_lines(labels->body) ==
          std::vector<std::string>(library_labels().begin(), library_labels().begin() + 5));
}

TEST_CASE("serve reads JSON Lines records, one per line, and names a bad line", "[serve][json]") {
    Served served;
    const json records = test_records_by_name();
    std::string body;
    for (std::size_t i = 0; i < 4; ++i) {
        if (i % 2 == 0) {
            body += records[i].dump();
        } else {  // the same record as a list in the model's column order
            json list = json::array();
            for (const auto& column : test_frame()) list.push_back(records[i].at(column.name()));
            body += list.dump();
        }
        body += i == 1 ? "\r\n" : "\n";
    }
    auto res = served.invoke(body, "application/jsonlines");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(split_lines(res->body) == std::vector<std::string>(library_labels().begin(), library_labels().begin() + 4));
    auto lines_out = served.invoke(body, "application/jsonlines", "application/jsonlines");
    REQUIRE(lines_out);
    CHECK(split_lines(lines_out->body).size() == 4);

    const std::string first = records[0].dump();
    auto empty_line = served.invoke(first + "\n\n" + first + "\n", "application/jsonlines");
    CHECK(empty_line->status == 400);
    CHECK_THAT(error_of(empty_line), Catch::Contains("line 2 is empty"));
    auto broken = served.invoke(first + "\n" + first + "\n{\"species\": \n", "application/jsonlines");
    CHECK(broken->status == 400);
    CHECK_THAT(error_of(broken), Catch::Contains("line 3 is not valid JSON"));
    auto scalar = served.invoke(first + "\n42\n", "application/jsonlines");
    CHECK(scalar->status == 400);
    CHECK_THAT(error_of(scalar), Catch::Contains("line 2 is a JSON number"));
    auto field = served.invoke(first + "\n" + R"({"species": 3})" + "\n", "application/jsonlines");
    CHECK(field->status == 400);
    CHECK_THAT(error_of(field), Catch::Contains("record 2"));
    CHECK(served.answers_ping());
}

TEST_CASE("serve logs with a UTC time and a level, as much as SAGEMAKER_CONTAINER_LOG_LEVEL says", "[serve][logging]") {
    {
        Served served;
        auto res = served.invoke("not,a,record\n", "text/csv");
        REQUIRE(res);
        CHECK(res->status == 400);
        const std::string warning = " WARNING mlpipe-sagemaker serve: POST /invocations -> 400";
        for (int i = 0; i < 100 && served.process().stderr_text().find(warning) == std::string::npos; ++i)
            std::this_thread::sleep_for(20ms);
        CHECK_THAT(served.process().stderr_text(), Catch::Contains(warning));
        CHECK(std::regex_search(served.process().stdout_text(),
                                std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z INFO mlpipe-sagemaker serve: listening on port)")));
    }
    // At ERROR a refused request is not logged; the line with the port always is.
    Served quiet(EnvVars{{"SAGEMAKER_CONTAINER_LOG_LEVEL", "40"}});
    CHECK(quiet.process().stdout_text().find(" INFO ") == quiet.process().stdout_text().find(" INFO mlpipe-sagemaker serve: listening"));
    auto res = quiet.invoke("not,a,record\n", "text/csv");
    REQUIRE(res);
    CHECK(res->status == 400);
    std::this_thread::sleep_for(200ms);
    CHECK(quiet.process().stderr_text().find("-> 400") == std::string::npos);
}

TEST_CASE("serve echoes X-Amzn-SageMaker-Custom-Attributes", "[serve]") {
    Served served;
    auto res = served.client().Post("/invocations", {{"X-Amzn-SageMaker-Custom-Attributes", "trace=42"}},
                                    join_lines(test_lines(), 0, 1), "text/csv");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("X-Amzn-SageMaker-Custom-Attributes") == "trace=42");
}

TEST_CASE("serve answers /execution-parameters for batch transform", "[serve]") {
    Served served(EnvVars{{"SAGEMAKER_MODEL_SERVER_WORKERS", "3"}, {"SAGEMAKER_MAX_PAYLOAD_IN_MB", "2"}});
    auto res = served.client().Get("/execution-parameters");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(json::parse(res->body) ==
          json{{"MaxConcurrentTransforms", 3}, {"BatchStrategy", "MULTI_RECORD"}, {"MaxPayloadInMB", 6}});
}

TEST_CASE("serve answers errors with a status and a JSON message, and keeps serving", "[serve][errors]") {
    Served served(EnvVars{{"SAGEMAKER_MAX_PAYLOAD_IN_MB", "6"}});
    const std::string good = join_lines(test_lines(), 0, 3);

    SECTION("415 for an unsupported Content-Type") {
        auto res = served.invoke(good, "application/xml");
        REQUIRE(res);
        CHECK(res->status == 415);
        CHECK_THAT(error_of(res), Catch::Contains("application/xml"));
    }
    SECTION("406 for an Accept with no supported type") {
        auto res = served.invoke(good, "text/csv", "application/xml");
        REQUIRE(res);
        CHECK(res->status == 406);
        CHECK_THAT(error_of(res), Catch::Contains("application/xml"));
    }
    SECTION("400 for a value that is not a number, naming the line and column") {
        auto res = served.invoke(test_lines()[0] + "\n" + "Adelie,Dream,long,16.7,178.0,3250.0\n", "text/csv");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK_THAT(error_of(res), Catch::Contains(":2:") && Catch::Contains("column 3") &&
                                      Catch::Contains("bill_length_mm") && Catch::Contains("long"));
    }
    SECTION("400 for a line with the wrong number of fields") {
        for (const char* body :
             {"Adelie,Dream,39.5,16.7,178.0\n", "Adelie,Dream,39.5,16.7,178.0,3250.0\nAdelie,Dream\n"}) {
            INFO(body);
            auto res = served.invoke(body, "text/csv");
            REQUIRE(res);
            CHECK(res->status == 400);
            CHECK_THAT(error_of(res), Catch::Contains("fields, expected 6") && Catch::Contains("line"));
        }
    }
    SECTION("400 for a missing number in CSV") {
        auto res = served.invoke("Adelie,Dream,39.5,,178.0,3250.0\n", "text/csv");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK_THAT(error_of(res), Catch::Contains("record 1") && Catch::Contains("bill_depth_mm"));
    }
    SECTION("400 for malformed JSON, naming where") {
        auto res = served.invoke("[{\"species\": \"Adelie\",]", "application/json");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK_THAT(error_of(res), Catch::Contains("not valid JSON") && Catch::Contains("line 1"));
    }
    SECTION("400 for a JSON record without a field, naming the record and field") {
        json records = test_records_by_name();
        records[1].erase("island");
        auto res = served.invoke(records.dump(), "application/json");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK_THAT(error_of(res), Catch::Contains("record 2") && Catch::Contains("'island'"));
    }
    SECTION("400 for a JSON list record of the wrong length, or a value of the wrong type") {
        auto res = served.invoke(R"([["Adelie", "Dream", 39.5]])", "application/json");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK_THAT(error_of(res), Catch::Contains("record 1 has 3 fields, expected 6"));
        res = served.invoke(R"([["Adelie", "Dream", "39.5", 16.7, 178, 3250]])", "application/json");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK_THAT(error_of(res), Catch::Contains("record 1, field 'bill_length_mm': expected a number"));
    }
    SECTION("400 for an empty body") {
        for (const char* content_type : {"text/csv", "application/json"}) {
            auto res = served.invoke("", content_type);
            REQUIRE(res);
            CHECK(res->status == 400);
            CHECK_THAT(error_of(res), Catch::Contains("no records"));
        }
    }
    SECTION("413 for a body over SAGEMAKER_MAX_PAYLOAD_IN_MB") {
        std::string body;
        while (body.size() < 7'000'000) body += test_lines()[0] + "\n";
        auto res = served.invoke(body, "text/csv");
        REQUIRE(res);
        CHECK(res->status == 413);
        CHECK_THAT(error_of(res), Catch::Contains("6 MB"));
        // Sent in chunks, without a Content-Length.
        res = served.client().Post(
            "/invocations",
            [&](std::size_t offset, httplib::DataSink& sink) {
                if (offset < body.size())
                    sink.write(body.data() + offset, std::min<std::size_t>(65536, body.size() - offset));
                else
                    sink.done();
                return true;
            },
            "text/csv");
        REQUIRE(res);
        CHECK(res->status == 413);
        // Just under the limit is served.
        body.resize(6'000'000);
        body.resize(body.rfind('\n') + 1);
        res = served.invoke(body, "text/csv");
        REQUIRE(res);
        CHECK(res->status == 200);
    }
    SECTION("404 for an unknown path") {
        auto res = served.client().Get("/predict");
        REQUIRE(res);
        CHECK(res->status == 404);
        CHECK_THAT(error_of(res), Catch::Contains("/predict"));
    }
    SECTION("405 for a wrong method on a known path") {
        auto client = served.client();
        auto res = client.Get("/invocations");
        REQUIRE(res);
        CHECK(res->status == 405);
        CHECK(res->get_header_value("Allow") == "POST");
        CHECK_THAT(error_of(res), Catch::Contains("GET"));
        res = client.Post("/ping", "", "text/plain");
        REQUIRE(res);
        CHECK(res->status == 405);
        CHECK(res->get_header_value("Allow") == "GET, HEAD");
        res = client.Delete("/execution-parameters");
        REQUIRE(res);
        CHECK(res->status == 405);
    }
    CHECK(served.answers_ping());
    auto res = served.invoke(good, "text/csv");
    REQUIRE(res);
    CHECK(res->status == 200);
}

TEST_CASE("serve treats a single CSV row as one record", "[serve]") {
    Served served;
    for (const std::string& body : {test_lines()[1], test_lines()[1] + "\n", test_lines()[1] + "\r\n"}) {
        auto res = served.invoke(body, "text/csv");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(res->body == library_labels()[1] + "\n");
    }
}

TEST_CASE("serve answers 10,000 records in one request, one line each, in order", "[serve][batch]") {
    Served served;
    std::vector<std::string> lines, expected;
    for (std::size_t i = 0; i < 10'000; ++i) {
        lines.push_back(test_lines()[i % test_lines().size()]);
        expected.push_back(library_labels()[i % test_lines().size()]);
    }
    auto res = served.invoke(join_lines(lines), "text/csv");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(split_lines(res->body) == expected);
}

TEST_CASE("serve gives concurrent clients the library's predictions", "[serve][concurrency]") {
    Served served;
    constexpr std::size_t clients = 8, requests_each = 50;
    std::atomic<std::size_t> wrong{0}, failed{0};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < clients; ++t) {
        threads.emplace_back([&, t] {
            auto client = served.client();
            client.set_keep_alive(true);
            for (std::size_t r = 0; r < requests_each; ++r) {
                // A different slice of the test set per request: 1 to 10 records.
                const std::size_t first = (t * requests_each + r) % test_lines().size();
                const std::size_t count = 1 + (t + r) % 10;
                const std::vector<std::string> slice(
                    test_lines().begin() + static_cast<std::ptrdiff_t>(first),
                    test_lines().begin() + static_cast<std::ptrdiff_t>(std::min(first + count, test_lines().size())));
                const std::vector<std::string> expected(
                    library_labels().begin() + static_cast<std::ptrdiff_t>(first),
                    library_labels().begin() + static_cast<std::ptrdiff_t>(first + slice.size()));
                auto res = client.Post("/invocations", join_lines(slice), "text/csv");
                if (!res || res->status != 200) ++failed;
                else if (split_lines(res->body) != expected) ++wrong;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(failed == 0);
    CHECK(wrong == 0);
}

TEST_CASE("SIGTERM lets the request in flight finish, refuses new connections, and exits 0", "[serve][signals]") {
    Served served;
    std::string body;
    for (std::size_t i = 0; i < 20'000; ++i) body += test_lines()[i % test_lines().size()] + "\n";
    const std::size_t half = body.size() / 2;

    // The connection is accepted and held by a server thread (the ping), then the request
    // on it sends half its body and waits until the server has been told to stop.
    auto client = served.client();
    client.set_keep_alive(true);
    REQUIRE(client.Get("/ping"));
    std::promise<void> half_sent, may_finish;
    auto may_finish_signal = may_finish.get_future().share();
    auto in_flight = std::async(std::launch::async, [&] {
        auto res = client.Post(
            "/invocations", body.size(),
            [&](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                if (offset == 0) {
                    sink.write(body.data(), half);
                    half_sent.set_value();
                    may_finish_signal.wait_for(20s);
                } else {
                    sink.write(body.data() + offset, body.size() - offset);
                }
                return true;
            },
            "text/csv");
        return res ? std::make_pair(res->status, res->body) : std::make_pair(-1, std::string());
    });
    REQUIRE(half_sent.get_future().wait_for(20s) == std::future_status::ready);
    std::this_thread::sleep_for(100ms);  // the server reads the first half
    served.process().signal(SIGTERM);

    bool refused = false;
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         !refused && std::chrono::steady_clock::now() < deadline;) {
        auto res = served.client().Get("/ping");
        refused = !res && res.error() == httplib::Error::Connection;
        if (!refused) std::this_thread::sleep_for(10ms);
    }
    CHECK(refused);
    CHECK_FALSE(served.process().wait_for(0ms));  // still finishing the request

    may_finish.set_value();
    REQUIRE(in_flight.wait_for(30s) == std::future_status::ready);
    const auto [status, answer] = in_flight.get();
    CHECK(status == 200);
    CHECK(split_lines(answer).size() == 20'000);
    const auto exit_status = served.process().wait_for(10s);
    REQUIRE(exit_status);
    CHECK(*exit_status == 0);
    CHECK_THAT(served.process().stdout_text(), Catch::Contains("received SIGTERM") && Catch::Contains("stopped after"));
}

TEST_CASE("serve removes the temporary files of a killed training run before it loads the model", "[serve]") {
    TempDir root("mlpipe-serve-recovery");
    fs::create_directories(root.path() / "model");
    save(fitted_model(), root.path() / "model" / model_file_name);
    const fs::path stale = root.path() / "model" / (std::string(model_file_name) + ".tmp-4242-abcdef");
    std::ofstream(stale) << "half a model";
    Process process(serve_binary(), {"serve", "--root", root.path().string(), "--host", "127.0.0.1", "--port", "0"},
                    Environment::inherited().remove_prefixed("SAGEMAKER_").remove_prefixed("SM_"),
                    root.path() / "stdout.txt", root.path() / "stderr.txt");
    for (auto deadline = std::chrono::steady_clock::now() + 30s;
         process.stdout_text().find("listening on port") == std::string::npos && std::chrono::steady_clock::now() < deadline;)
        std::this_thread::sleep_for(10ms);
    CHECK_THAT(process.stdout_text(), Catch::Contains("listening on port") && Catch::Contains("stale temporary file"));
    CHECK_FALSE(fs::exists(stale));
    process.signal(SIGTERM);
    CHECK(process.wait_for(10s) == 0);
}

TEST_CASE("serve without a model exits non-zero, naming the file", "[serve][errors]") {
    TempDir root("mlpipe-serve-nomodel");
    Process process(serve_binary(), {"serve", "--root", root.path().string(), "--port", "0"},
                    Environment::inherited().remove_prefixed("SAGEMAKER_").remove_prefixed("SM_"),
                    root.path() / "stdout.txt", root.path() / "stderr.txt");
    const auto status = process.wait_for(20s);
    REQUIRE(status);
    CHECK(*status == 1);
    CHECK_THAT(process.stderr_text(), Catch::Contains((root.path() / "model" / model_file_name).string()) &&
                                          Catch::Contains("No such file"));
    CHECK_THAT(process.stdout_text(), !Catch::Contains("listening"));
}

TEST_CASE("serve refuses a model file of a type it does not serve, naming both", "[serve][errors]") {
    TempDir root("mlpipe-serve-other-type");
    fs::create_directories(root.path() / "model");
    using Other = Pipeline<OneHotEncoder, LogisticRegression>;
    Other other{OneHotEncoder{{.columns = {"species", "island"}}}, LogisticRegression{}};
    Frame X;
    for (const auto& name : {"species", "island"}) X.add(test_frame().column(name));
    Frame y;
    std::vector<std::string> labels;
    for (std::size_t i = 0; i < X.rows(); ++i) labels.push_back(i % 2 == 0 ? "female" : "male");
    y.add_categorical("sex", labels);
    other.fit(X, y);
    save(other, root.path() / "model" / model_file_name);
    Process process(serve_binary(), {"serve", "--root", root.path().string(), "--port", "0"},
                    Environment::inherited().remove_prefixed("SAGEMAKER_").remove_prefixed("SM_"),
                    root.path() / "stdout.txt", root.path() / "stderr.txt");
    const auto status = process.wait_for(20s);
    REQUIRE(status);
    CHECK(*status == 1);
    CHECK_THAT(process.stderr_text(), Catch::Contains(Other::type_name()) && Catch::Contains("does not read") &&
                                          Catch::Contains(Model::type_name()));
}

TEST_CASE("serve refuses bad settings with a message naming them", "[serve][errors]") {
    TempDir root("mlpipe-serve-settings");
    fs::create_directories(root.path() / "model");
    save(fitted_model(), root.path() / "model" / model_file_name);
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"SAGEMAKER_MODEL_SERVER_WORKERS", "many"},
             {"SAGEMAKER_MODEL_SERVER_TIMEOUT", "0"},
             {"SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/xml"},
             {"SAGEMAKER_BATCH_STRATEGY", "EVERYTHING"},
             {"SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", "0"},
             {"MLPIPE_SERVE_HEADER_TIMEOUT", "0"},
             {"MLPIPE_SERVE_IDLE_TIMEOUT", "soon"},
             {"MLPIPE_SERVE_MAX_CONNECTIONS", "0"},
             {"MLPIPE_CSV_OUTPUT", "logits"},
             {"SAGEMAKER_CONTAINER_LOG_LEVEL", "loud"}}) {
        INFO(name << "=" << value);
        Process process(serve_binary(), {"serve", "--root", root.path().string(), "--port", "0"},
                        Environment::inherited().remove_prefixed("SAGEMAKER_").remove_prefixed("SM_").set(name, value),
                        root.path() / "stdout.txt", root.path() / "stderr.txt");
        const auto status = process.wait_for(20s);
        REQUIRE(status);
        CHECK(*status == 2);
        CHECK_THAT(process.stderr_text(), Catch::Contains(name));
    }
}

// ---------------------------------------------------------------------------------------
// Review findings: input that used to end the server or give 500
// ---------------------------------------------------------------------------------------

namespace {

const std::string replacement_character = "\xEF\xBF\xBD";  // U+FFFD

// The {"error": "..."} message of an error response; json::parse is strict about UTF-8, so
// this also checks the body is valid UTF-8.
std::string strict_error_of(const httplib::Result& res) {
    REQUIRE(res);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    json body;
    REQUIRE_NOTHROW(body = json::parse(res->body));
    return body.at("error").get<std::string>();
}

// The number after `marker` in the text (the first occurrence), or -1.
long number_after(const std::string& text, const std::string& marker) {
    const auto at = text.find(marker);
    if (at == std::string::npos) return -1;
    return std::stol(text.substr(at + marker.size()));
}

// The penguins model fitted with labels that are not UTF-8 ("f\xE9male", Latin-1).
const Model& latin1_model() {
    static const Model model = [] {
        const Frame y = read_csv(penguins / "train" / "y_train.csv");
        const Column& sex = y[0];
        std::vector<std::string> dictionary = sex.dictionary();
        for (auto& text : dictionary)
            if (text == "female") text = "f\xE9male";
        Model m{OneHotEncoder{{.columns = {"species", "island"}, .handle_unknown = HandleUnknown::ignore}},
                StandardScaler{{.columns = {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"}}},
                LogisticRegression{{.match_sklearn = SklearnVersion::v1_2}}};
        const std::vector<std::int32_t> codes(sex.codes().begin(), sex.codes().end());
        m.fit(read_csv(penguins / "train" / "X_train.csv"),
              Frame(std::vector<Column>{Column::categorical("sex", codes, dictionary)}));
        return m;
    }();
    return model;
}

}  // namespace

TEST_CASE("serve answers invalid UTF-8 in the path, headers and body with 4xx and valid JSON, and keeps serving",
          "[serve][errors][utf8]") {
    Served served;
    const std::string good = join_lines(test_lines(), 0, 2);
    auto client = served.client();
    client.set_url_encode(false);

    const auto check = [](const httplib::Result& res, int status, const std::string& quoted) {
        REQUIRE(res);
        CHECK(res->status == status);
        CHECK_THAT(strict_error_of(res), Catch::Contains(quoted));
    };

    check(client.Get("/%FF"), 404, "/" + replacement_character);  // httplib decodes %FF to the byte
    REQUIRE(served.answers_ping());
    check(served.invoke(good, "text/\xFF\xFE"), 415, "text/" + replacement_character);
    check(served.invoke(good, "text/csv", "application/\xC3"), 406, "application/" + replacement_character);
    check(served.invoke("Adelie,Dream,39\xFF,16.7,178.0,3250.0\n", "text/csv"), 400, "39" + replacement_character);
    check(served.invoke("[[\"Adel\xE9\", \"Dream\", 39.5, 16.7, 178, 3250]]", "application/json"), 400,
          "not valid JSON");

    CHECK(served.answers_ping());
    auto res = served.invoke(good, "text/csv");
    REQUIRE(res);
    CHECK(res->status == 200);
    // The log lines of the failed requests are valid UTF-8 too.
    CHECK_THAT(served.process().stderr_text(), Catch::Contains("GET /" + replacement_character + " -> 404"));
    CHECK_THAT(served.process().stderr_text(), !Catch::Contains("\xFF"));
}

TEST_CASE("serve quotes a NUL byte in a request as \\0 and the whole message reaches the client", "[serve][errors]") {
    Served served;
    auto res = served.invoke(std::string("Adelie,Dream,39") + '\0' + "5,16.7,178.0,3250.0\n", "text/csv");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK_THAT(strict_error_of(res), Catch::Contains("\"39\\05\"") && Catch::Contains("must be numeric"));
}

TEST_CASE("serve refuses deeply nested JSON with 400 and never quotes a whole value", "[serve][errors][json]") {
    Served served;
    SECTION("a field holding 200,000 nested arrays") {
        const std::string body = "[[\"Adelie\", \"Dream\", " + std::string(200'000, '[') + std::string(200'000, ']') +
                                 ", 16.7, 178, 3250]]";
        auto res = served.invoke(body, "application/json");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK_THAT(strict_error_of(res), Catch::Contains("nests JSON arrays and objects more than 64 levels deep"));
    }
    SECTION("brackets inside strings do not count") {
        auto res = served.invoke("[[\"" + std::string(100, '[') + "\", \"Dream\", 39.5, 16.7, 178, 3250]]",
                                 "application/json");
        REQUIRE(res);
        CHECK(res->status == 200);
    }
    SECTION("a field holding a large array is named by its type and size") {
        json record = json::array({"Adelie", "Dream", json::array(), 16.7, 178, 3250});
        for (int i = 0; i < 10'000; ++i) record[2].push_back(json::array({i, i}));
        auto res = served.invoke(json::array({record}).dump(), "application/json");
        REQUIRE(res);
        CHECK(res->status == 400);
        const std::string message = strict_error_of(res);
        CHECK_THAT(message, Catch::Contains("field 'bill_length_mm': expected a number (or null), got array of 10000 items"));
        CHECK(message.size() < 300);
    }
    SECTION("a long string is quoted in part") {
        auto res = served.invoke("[[\"Adelie\", \"Dream\", \"" + std::string(5'000, '9') + "\", 16.7, 178, 3250]]",
                                 "application/json");
        REQUIRE(res);
        CHECK(res->status == 400);
        const std::string message = strict_error_of(res);
        CHECK_THAT(message, Catch::Contains("got string \"999") && Catch::Contains("...\""));
        CHECK(message.size() < 300);
    }
    CHECK(served.answers_ping());
}

TEST_CASE("serve answers a JSON number beyond a double with 400", "[serve][errors][json]") {
    Served served;
    auto res = served.invoke("[[\"Adelie\", \"Dream\", 1e400, 16.7, 178, 3250]]", "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK_THAT(strict_error_of(res), Catch::Contains("not valid JSON") && Catch::Contains("1e400"));
}

TEST_CASE("serve refuses a CSV body with an empty line, naming it, and line ends may be LF or CRLF", "[serve][errors][csv]") {
    Served served;
    const std::string a = test_lines()[0], b = test_lines()[1];
    for (const auto& [body, line] : std::vector<std::pair<std::string, std::string>>{
             {a + "\n\n" + b + "\n", "line 2"},
             {a + "\r\n\r\n" + b + "\r\n", "line 2"},
             {a + "\n" + b + "\n\n", "line 3"},
             {"\n" + a + "\n", "line 1"},
             {a + "\r\r" + b, "line 2"}}) {
        INFO(body);
        auto res = served.invoke(body, "text/csv");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK_THAT(strict_error_of(res), Catch::Contains(line + " is empty"));
    }
    for (const std::string& body : {a + "\n" + b, a + "\n" + b + "\n", a + "\r\n" + b + "\r\n"}) {
        auto res = served.invoke(body, "text/csv");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(res->body == library_labels()[0] + "\n" + library_labels()[1] + "\n");
    }
    // An empty line inside a quoted field is part of the field (an unknown species here).
    auto res = served.invoke("\"Adelie\n\nPenguin\",Dream,39.5,16.7,178.0,3250.0\n" + b + "\n", "text/csv");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(split_lines(res->body).size() == 2);
}

TEST_CASE("serve bounds error messages and their log lines", "[serve][errors]") {
    Served served;
    // nlohmann's parse error quotes the token it stopped in: here the whole unterminated string.
    auto res = served.invoke("[[\"" + std::string(100'000, 'x'), "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
    const std::string message = strict_error_of(res);
    CHECK(message.size() <= 1100);
    CHECK_THAT(message, Catch::Contains("more bytes)"));
    res = served.client().Get("/" + std::string(5'000, 'p'));
    REQUIRE(res);
    CHECK(res->status == 404);
    CHECK(strict_error_of(res).size() <= 1100);
    served.answers_ping();
    for (const auto& line : split_lines(served.process().stderr_text())) CHECK(line.size() <= 1200);
}

TEST_CASE("serve starts and answers with a model whose class labels are not UTF-8", "[serve][utf8]") {
    Served served({}, latin1_model());
    auto res = served.invoke(join_lines(test_lines()), "text/csv", "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    json answer;
    REQUIRE_NOTHROW(answer = json::parse(res->body));
    CHECK(answer.at("classes") == json({"f" + replacement_character + "male", "male"}));
    std::vector<std::string> expected = library_labels();
    for (auto& label : expected)
        if (label == "female") label = "f" + replacement_character + "male";
    CHECK(answer.at("predictions").get<std::vector<std::string>>() == expected);
    res = served.invoke(join_lines(test_lines(), 0, 3), "text/csv", "application/jsonlines");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    for (const auto& line : split_lines(res->body)) CHECK_NOTHROW(json::parse(line));
    CHECK_THAT(served.process().stdout_text(), Catch::Contains("classes: f" + replacement_character + "male, male"));
}

TEST_CASE("SIGTERM while the model loads: serve exits 0 without serving", "[serve][signals]") {
    // The model file is a FIFO, so loading blocks until this test writes the model into it.
    TempDir root("mlpipe-serve-fifo");
    fs::create_directories(root.path() / "model");
    const fs::path fifo = root.path() / "model" / model_file_name;
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    Process process(serve_binary(),
                    {"serve", "--root", root.path().string(), "--host", "127.0.0.1", "--port", "0"},
                    Environment::inherited().remove_prefixed("SAGEMAKER_").remove_prefixed("SM_"),
                    root.path() / "stdout.txt", root.path() / "stderr.txt");
    // Opening the FIFO for writing succeeds once serve has opened it for reading: it is loading.
    int fd = -1;
    for (auto deadline = std::chrono::steady_clock::now() + 20s; fd < 0 && std::chrono::steady_clock::now() < deadline;) {
        fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) std::this_thread::sleep_for(5ms);
    }
    REQUIRE(fd >= 0);
    process.signal(SIGTERM);
    std::this_thread::sleep_for(100ms);  // a process the signal ends is gone by now

    // Write the model; a reader that is gone gives EPIPE (SIGPIPE ignored meanwhile).
    const std::string bytes = save_to_string(fitted_model());
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    auto* const previous = std::signal(SIGPIPE, SIG_IGN);
    for (std::size_t written = 0; written < bytes.size();) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    ::close(fd);
    std::signal(SIGPIPE, previous);

    const auto status = process.wait_for(20s);
    INFO(process.stdout_text() << process.stderr_text());
    REQUIRE(status);
    CHECK(*status == 0);
    CHECK_THAT(process.stdout_text(),
               Catch::Contains("received SIGTERM while starting: exiting without serving") &&
                   !Catch::Contains("listening on port"));
}

TEST_CASE("serve computes at most SAGEMAKER_MODEL_SERVER_WORKERS predictions at once", "[serve][concurrency]") {
    const std::size_t workers = GENERATE(1, 2);
    Served served(EnvVars{{"SAGEMAKER_MODEL_SERVER_WORKERS", std::to_string(workers)}});
    CHECK(number_after(served.process().stdout_text(), "workers ") == static_cast<long>(workers));
    CHECK_THAT(served.process().stdout_text(), Catch::Contains("(predictions computed at once), I/O threads "));
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < 4'000; ++i) lines.push_back(test_lines()[i % test_lines().size()]);
    const std::string body = join_lines(lines);
    constexpr std::size_t clients = 8, requests_each = 6;
    std::atomic<std::size_t> failed{0};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < clients; ++t) {
        threads.emplace_back([&] {
            auto client = served.client();
            client.set_keep_alive(true);
            for (std::size_t r = 0; r < requests_each; ++r) {
                auto res = client.Post("/invocations", {{"Accept", "application/json"}}, body, "text/csv");
                if (!res || res->status != 200) ++failed;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(failed == 0);
    served.process().signal(SIGTERM);
    REQUIRE(served.process().wait_for(20s) == 0);
    const long peak = number_after(served.process().stdout_text(), "at most ");
    CHECK(peak >= 1);
    CHECK(peak <= static_cast<long>(workers));
}

TEST_CASE("serve reports SAGEMAKER_BATCH_STRATEGY and SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", "[serve]") {
    Served served(EnvVars{{"SAGEMAKER_MODEL_SERVER_WORKERS", "3"},
                          {"SAGEMAKER_BATCH_STRATEGY", "SINGLE_RECORD"},
                          {"SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", "7"}});
    auto res = served.client().Get("/execution-parameters");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(json::parse(res->body) ==
          json{{"MaxConcurrentTransforms", 7}, {"BatchStrategy", "SINGLE_RECORD"}, {"MaxPayloadInMB", 6}});
}

// ---------------------------------------------------------------------------------------
// Hostile clients: idle and slow connections, pipelining, the connection bound
// ---------------------------------------------------------------------------------------

namespace {

// A plain TCP connection to the server, for what an HTTP client library will not do:
// stay silent, send a head byte by byte, pipeline requests.
class RawConnection {
public:
    explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        REQUIRE(fd_ >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    }
    ~RawConnection() { ::close(fd_); }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool send(const std::string& bytes) {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }

    // Reads until `enough` says the text is complete, the server closes, or `timeout`.
    std::string receive(const std::function<bool(const std::string&)>& enough, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!enough(received_) && !closed_) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd ready{fd_, POLLIN, 0};
            if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) break;
            char chunk[4096];
            const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) closed_ = true;
            else received_.append(chunk, static_cast<std::size_t>(n));
        }
        return received_;
    }

    // True when the server closed the connection within `timeout`.
    bool closed_within(std::chrono::milliseconds timeout) {
        receive([](const std::string&) { return false; }, timeout);
        return closed_;
    }

private:
    int fd_;
    std::string received_;
    bool closed_ = false;
};

std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++count;
    return count;
}

std::string csv_request(const std::string& body, const std::string& extra_headers = "") {
    return "POST /invocations HTTP/1.1\r\nHost: test\r\nContent-Type: text/csv\r\nAccept: text/csv\r\n" +
           extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("serve answers pipelined requests in order on one connection", "[serve][http]") {
    Served served;
    RawConnection connection(served.port());
    const std::string ping = "GET /ping HTTP/1.1\r\nHost: test\r\n\r\n";
    std::string requests = ping;
    for (std::size_t i = 0; i < 5; ++i) requests += csv_request(test_lines()[i] + "\n");
    requests += "GET /nowhere HTTP/1.1\r\nHost: test\r\n\r\n" + ping;
    REQUIRE(connection.send(requests));  // one write: all of them arrive together
    const std::string answers = connection.receive(
        [](const std::string& text) { return count_of(text, "HTTP/1.1 ") == 8 && text.ends_with("\r\n\r\n"); }, 20s);
    REQUIRE(count_of(answers, "HTTP/1.1 ") == 8);
    CHECK(count_of(answers, "HTTP/1.1 200 OK") == 7);
    std::size_t at = answers.find("HTTP/1.1 200 OK");  // the first ping
    for (std::size_t i = 0; i < 5; ++i) {
        at = answers.find("\r\n\r\n", answers.find("text/csv", at));
        REQUIRE(at != std::string::npos);
        CHECK(answers.substr(at + 4, library_labels()[i].size() + 1) == library_labels()[i] + "\n");
    }
    CHECK(answers.find("HTTP/1.1 404") < answers.rfind("HTTP/1.1 200 OK"));
}

TEST_CASE("serve answers /ping while hundreds of connections are idle or send their head a byte at a time",
          "[serve][http][slow]") {
    Served served;
    std::vector<std::unique_ptr<RawConnection>> idle, slow;
    for (int i = 0; i < 300; ++i) idle.push_back(std::make_unique<RawConnection>(served.port()));
    for (int i = 0; i < 100; ++i) {
        slow.push_back(std::make_unique<RawConnection>(served.port()));
        REQUIRE(slow.back()->send("GET /"));
    }
    // A thread-per-connection server would have no thread left for these.
    for (const char* letter : {"p", "i", "n"}) {
        for (auto& connection : slow) REQUIRE(connection->send(letter));
        auto client = served.client();
        client.set_read_timeout(5s);
        auto res = client.Get("/ping");
        REQUIRE(res);
        CHECK(res->status == 200);
        res = client.Post("/invocations", join_lines(test_lines(), 0, 3), "text/csv");
        REQUIRE(res);
        CHECK(res->status == 200);
    }
    for (auto& connection : slow) REQUIRE(connection->send("g HTTP/1.1\r\nHost: test\r\n\r\n"));
    for (auto& connection : slow)
        CHECK_THAT(connection->receive([](const std::string& text) { return text.ends_with("\r\n\r\n"); }, 10s),
                   Catch::StartsWith("HTTP/1.1 200 OK"));
}

TEST_CASE("serve gives a request head one deadline, which a trickle of bytes does not extend", "[serve][http][slow]") {
    Served served(EnvVars{{"MLPIPE_SERVE_HEADER_TIMEOUT", "1"}});
    RawConnection trickle(served.port());
    const std::string head = "GET /ping HTTP/1.1\r\nHost: test\r\nX-Slow: " + std::string(40, 'x') + "\r\n\r\n";
    const auto start = std::chrono::steady_clock::now();
    bool cut_off = false;
    for (char byte : head) {
        // One byte every 100 ms: a timeout per read would never fire.
        if (!trickle.send(std::string(1, byte)) || trickle.closed_within(100ms)) {
            cut_off = true;
            break;
        }
    }
    CHECK(cut_off);  // closed: the deadline passed, so no answer is owed
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(served.answers_ping());
}

TEST_CASE("serve bounds open connections by closing the longest-idle one", "[serve][http]") {
    Served served(EnvVars{{"MLPIPE_SERVE_MAX_CONNECTIONS", "4"}});
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 4; ++i) {
        idle.push_back(std::make_unique<RawConnection>(served.port()));
        std::this_thread::sleep_for(20ms);  // so that the first is the longest idle
    }
    // A fifth connection is served, and the oldest idle one makes room for it.
    CHECK(served.answers_ping());
    CHECK(idle.front()->closed_within(5s));
    // One that is in the middle of a request is not closed, however many come after it:
    // its answer comes.
    RawConnection busy(served.port());
    const std::string request = csv_request(test_lines()[0] + "\n");
    const std::size_t cut = request.size() - 10;  // the head and part of the body
    REQUIRE(busy.send(request.substr(0, cut)));
    std::this_thread::sleep_for(100ms);
    for (int i = 0; i < 6; ++i) {
        idle.push_back(std::make_unique<RawConnection>(served.port()));
        std::this_thread::sleep_for(20ms);
    }
    for (int i = 0; i < 3; ++i) CHECK(served.answers_ping());
    REQUIRE(busy.send(request.substr(cut)));
    CHECK_THAT(busy.receive([](const std::string& text) { return text.ends_with("male\n"); }, 10s),
               Catch::StartsWith("HTTP/1.1 200 OK") && Catch::EndsWith(library_labels()[0] + "\n"));
    served.process().signal(SIGTERM);
    REQUIRE(served.process().wait_for(20s) == 0);
    CHECK(number_after(served.process().stdout_text(), "connections (") >= 1);
}

TEST_CASE("serve answers Expect: 100-continue before the body is sent", "[serve][http]") {
    Served served;
    RawConnection connection(served.port());
    const std::string body = test_lines()[0] + "\n";
    const std::string request = csv_request(body, "Expect: 100-continue\r\n");
    REQUIRE(connection.send(request.substr(0, request.size() - body.size())));
    CHECK_THAT(connection.receive([](const std::string& text) { return text.ends_with("\r\n\r\n"); }, 10s),
               Catch::StartsWith("HTTP/1.1 100 Continue"));
    REQUIRE(connection.send(body));
    CHECK_THAT(connection.receive([](const std::string& text) { return text.ends_with("male\n"); }, 10s),
               Catch::Contains("HTTP/1.1 200 OK") && Catch::EndsWith(library_labels()[0] + "\n"));
}

TEST_CASE("serve writes response heads as HTTP/1.1 and HTTP/1.0 clients expect", "[serve][http]") {
    Served served;
    const auto whole_response = [](const std::string& text) {
        const auto head_end = text.find("\r\n\r\n");
        if (head_end == std::string::npos) return false;
        const auto length_at = text.find("Content-Length: ");
        if (length_at == std::string::npos || length_at > head_end) return false;
        return text.size() >= head_end + 4 + std::stoul(text.substr(length_at + 16));
    };
    const std::string body = test_lines()[0] + "\n";
    const std::string label = library_labels()[0] + "\n";

    SECTION("HTTP/1.1: status line, the handler's headers, Content-Length, and the connection stays open") {
        RawConnection connection(served.port());
        REQUIRE(connection.send(csv_request(body)));
        CHECK(connection.receive(whole_response, 10s) ==
              "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: " + std::to_string(label.size()) +
                  "\r\n\r\n" + label);
        CHECK_FALSE(connection.closed_within(200ms));
    }
    SECTION("HTTP/1.1 with Connection: close: said in the answer, and the server closes") {
        RawConnection connection(served.port());
        REQUIRE(connection.send(csv_request(body, "Connection: close\r\n")));
        const std::string answer = connection.receive(whole_response, 10s);
        CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 200 OK\r\n") && Catch::Contains("\r\nConnection: close\r\n") &&
                               Catch::EndsWith("\r\n\r\n" + label));
        CHECK(connection.closed_within(5s));
    }
    SECTION("HTTP/1.0: answered in 1.0, closed unless the client asks to keep the connection") {
        RawConnection once(served.port());
        REQUIRE(once.send("GET /ping HTTP/1.0\r\n\r\n"));
        CHECK(once.receive(whole_response, 10s) == "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
        CHECK(once.closed_within(5s));

        RawConnection kept(served.port());
        REQUIRE(kept.send("GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        CHECK(kept.receive(whole_response, 10s) ==
              "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
        CHECK_FALSE(kept.closed_within(200ms));
    }
    SECTION("HEAD: the length a GET would have, and no body") {
        RawConnection connection(served.port());
        REQUIRE(connection.send("HEAD /nowhere HTTP/1.1\r\nHost: test\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: test\r\n\r\n"));
        const std::string answers = connection.receive(
            [](const std::string& text) { return count_of(text, "HTTP/1.1 404") == 2 && text.ends_with("}"); }, 10s);
        REQUIRE(count_of(answers, "HTTP/1.1 404 Not Found\r\n") == 2);
        const std::string head = answers.substr(0, answers.find("HTTP/1.1 404", 1));
        const std::string get = answers.substr(head.size());
        CHECK(head.ends_with("\r\n\r\n"));  // nothing after the head
        CHECK(head == get.substr(0, get.find("\r\n\r\n") + 4));  // the same head as the GET's
        CHECK(get.size() > head.size());
    }
}
