// `mlpipe-sagemaker serve` as a SageMaker multi-model endpoint (SAGEMAKER_MULTI_MODEL=true):
// the tests play SageMaker, loading models from folders laid out as /opt/ml/models/<name>/model,
// invoking, listing and unloading them over HTTP. The registry behind it is tested on its own.

#include "../common/layout.hpp"
#include "../serve/model_registry.hpp"
#include "server_support.hpp"
#include "support.hpp"

#include <mlpipe/mlpipe.hpp>

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <iomanip>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace mlpipe;
using namespace mlpipe::sagemaker;
using namespace mlpipe::sagemaker::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const fs::path penguins_dir = fs::path(MLPIPE_DATA_DIR) / "reference" / "penguins";

const std::vector<std::string> numeric_columns{"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"};

// One of three penguin models that answer in different label sets, so that an answer
// shows which model gave it: "sex" (the notebook's), "island" (from species and the
// measures) and "species" (from island and the measures).
struct PenguinModel {
    std::string target;
    std::vector<std::string> inputs;  // in the order the model reads CSV fields
    Model model;
};

Frame columns_of(const Frame& frame, const std::vector<std::string>& names) {
    std::vector<Column> columns;
    for (const auto& name : names) columns.push_back(frame.column(name));
    return Frame(std::move(columns));
}

const Frame& train_features() {
    static const Frame frame = read_csv(penguins_dir / "train" / "X_train.csv");
    return frame;
}

const Frame& test_features() {
    static const Frame frame = read_csv(penguins_dir / "test" / "X_test.csv");
    return frame;
}

PenguinModel fit_penguin_model(const std::string& target) {
    PenguinModel out;
    out.target = target;
    std::string category;  // the one categorical input
    if (target == "sex") {
        out.inputs = {"species", "island"};
    } else {
        category = target == "island" ? "species" : "island";
        out.inputs = {category};
    }
    out.inputs.insert(out.inputs.end(), numeric_columns.begin(), numeric_columns.end());
    std::vector<std::string> categorical(out.inputs.begin(), out.inputs.end() - 4);
    out.model = Model{OneHotEncoder{{.columns = categorical, .handle_unknown = HandleUnknown::ignore}},
                      StandardScaler{{.columns = numeric_columns}}, LogisticRegression{}};
    const Frame X = columns_of(train_features(), out.inputs);
    const Frame y = target == "sex" ? read_csv(penguins_dir / "train" / "y_train.csv")
                                    : columns_of(train_features(), {target});
    out.model.fit(X, y);
    return out;
}

const std::map<std::string, PenguinModel>& penguin_models() {
    static const std::map<std::string, PenguinModel> models = [] {
        std::map<std::string, PenguinModel> out;
        for (const std::string target : {"sex", "island", "species"}) out.emplace(target, fit_penguin_model(target));
        return out;
    }();
    return models;
}

// A model whose file is large enough (an encoder of 20,000 categories, some MB) that
// loading it takes a while: concurrent loads of it overlap.
const Model& slow_to_load_model() {
    static const Model model = [] {
        constexpr std::size_t rows = 20000;
        std::vector<std::string> ids, labels;
        std::vector<double> x;
        for (std::size_t i = 0; i < rows; ++i) {
            ids.push_back("id" + std::to_string(i));
            x.push_back(static_cast<double>(i % 7));
            labels.push_back(i % 2 == 0 ? "even" : "odd");
        }
        Frame X;
        X.add_categorical("id", ids).add_numeric("x", x);
        Frame y;
        y.add_categorical("label", labels);
        Model m{OneHotEncoder{{.columns = {"id"}, .handle_unknown = HandleUnknown::ignore}},
                StandardScaler{{.columns = {"x"}}}, LogisticRegression{{.max_iter = 5}}};
        m.fit(X, y);
        return m;
    }();
    return model;
}

// The test records as the model reads them: CSV lines without a header, and JSON objects.
std::string csv_records(const PenguinModel& m, std::size_t count = SIZE_MAX) {
    const Frame X = columns_of(test_features(), m.inputs);
    std::string out;
    for (std::size_t i = 0; i < X.rows() && i < count; ++i) {
        for (std::size_t c = 0; c < X.cols(); ++c) {
            const Column& column = X[c];
            out += c == 0 ? "" : ",";
            out += column.is_numeric() ? mlpipe::detail::number_to_text(column.values()[i])
                                       : column.dictionary()[static_cast<std::size_t>(column.codes()[i])];
        }
        out += "\n";
    }
    return out;
}

json json_records(const PenguinModel& m) {
    const Frame X = columns_of(test_features(), m.inputs);
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

std::vector<std::string> expected_labels(const PenguinModel& m) {
    return m.model.predict(columns_of(test_features(), m.inputs)).to_strings();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

using EnvVars = std::map<std::string, std::string>;

// `serve` as a multi-model endpoint on a port of its choice, with SageMaker's folders:
// models_dir()/<name>/model/model.mlpipe. Stopped with SIGTERM by the destructor.
class MultiModelServer {
public:
    explicit MultiModelServer(const EnvVars& env_vars = {}) {
        Environment env = Environment::inherited()
                              .remove_prefixed("SAGEMAKER_")
                              .remove_prefixed("SM_")
                              .remove_prefixed("MLPIPE_MULTI_MODEL")
                              .set("SAGEMAKER_MULTI_MODEL", "true");
        for (const auto& [name, value] : env_vars) env.set(name, value);
        process_ = std::make_unique<Process>(
            serve_binary(),
            std::vector<std::string>{"serve", "--root", root_.path().string(), "--host", "127.0.0.1", "--port", "0"},
            env, root_.path() / "stdout.txt", root_.path() / "stderr.txt");
        port_ = wait_for_port(*process_);
    }

    ~MultiModelServer() {
        process_->signal(SIGTERM);
        process_->wait_for(10s);
    }

    Process& process() { return *process_; }
    fs::path models_dir() const { return root_.path() / "models"; }

    // Writes a penguin model where SageMaker would unpack it; returns the folder (the url).
    std::string place(const std::string& target, const std::string& folder_name) const {
        const fs::path folder = models_dir() / folder_name / "model";
        fs::create_directories(folder);
        save(penguin_models().at(target).model, folder / model_file_name);
        return folder.string();
    }

    httplib::Client client() const {
        httplib::Client client("127.0.0.1", port_);
        client.set_tcp_nodelay(true);
        client.set_connection_timeout(5s);
        client.set_read_timeout(30s);
        client.set_write_timeout(30s);
        return client;
    }

    httplib::Result load(const std::string& name, const std::string& url) const {
        return client().Post("/models", json{{"model_name", name}, {"url", url}}.dump(), "application/json");
    }

    httplib::Result invoke(const std::string& name, const std::string& body, const std::string& content_type,
                           const std::string& accept = "text/csv") const {
        return client().Post("/models/" + name + "/invoke", {{"Accept", accept}}, body, content_type);
    }

    bool answers_ping() const {
        auto res = client().Get("/ping");
        return res && res->status == 200;
    }

private:
    TempDir root_{"mlpipe-mme"};
    std::unique_ptr<Process> process_;
    int port_ = -1;
};

json json_of(const httplib::Result& res) {
    REQUIRE(res);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    return json::parse(res->body);
}

std::set<std::string> names_listed(const json& page) {
    std::set<std::string> names;
    for (const auto& model : page.at("models")) names.insert(model.at("modelName").get<std::string>());
    return names;
}

// Checks that `name` answers the test records, as CSV and as JSON, with its model's labels.
void check_invokes(const MultiModelServer& server, const std::string& name, const std::string& target) {
    INFO("model " << name << " (" << target << ")");
    const PenguinModel& m = penguin_models().at(target);
    const auto expected = expected_labels(m);
    auto csv = server.invoke(name, csv_records(m), "text/csv");
    REQUIRE(csv);
    REQUIRE(csv->status == 200);
    CHECK(lines_of(csv->body) == expected);
    auto by_json = server.invoke(name, json_records(m).dump(), "application/json", "application/json");
    REQUIRE(by_json);
    REQUIRE(by_json->status == 200);
    CHECK(json::parse(by_json->body).at("predictions").get<std::vector<std::string>>() == expected);
}

}  // namespace

TEST_CASE("the three penguin models answer in different label sets", "[multi_model][unit]") {
    // What the endpoint tests rely on to tell which model answered.
    std::set<std::string> sex, island, species;
    for (const auto& label : expected_labels(penguin_models().at("sex"))) sex.insert(label);
    for (const auto& label : expected_labels(penguin_models().at("island"))) island.insert(label);
    for (const auto& label : expected_labels(penguin_models().at("species"))) species.insert(label);
    CHECK(sex == std::set<std::string>{"female", "male"});
    CHECK(island.contains("Biscoe"));
    CHECK(species.contains("Gentoo"));
}

TEST_CASE("a multi-model endpoint answers /ping with no model loaded and lists none", "[multi_model]") {
    MultiModelServer server;
    CHECK(server.answers_ping());
    const json listed = json_of(server.client().Get("/models"));
    CHECK(listed.at("models") == json::array());
    CHECK_FALSE(listed.contains("nextPageToken"));

    auto invocations = server.client().Post("/invocations", "1,2\n", "text/csv");
    REQUIRE(invocations);
    CHECK(invocations->status == 404);
    CHECK_THAT(error_of(invocations), Catch::Contains("/models/{name}/invoke"));
    CHECK_THAT(server.process().stdout_text(), Catch::Contains("multi-model endpoint"));
}

TEST_CASE("SageMaker's multi-model flow: load three models, invoke each, unload one, list", "[multi_model]") {
    MultiModelServer server;
    const std::map<std::string, std::string> targets{{"alpha", "sex"}, {"beta", "island"}, {"gamma", "species"}};
    std::map<std::string, std::string> urls;
    for (const auto& [name, target] : targets) {
        urls[name] = server.place(target, name);
        auto res = server.load(name, urls[name]);
        REQUIRE(res);
        INFO(res->body);
        REQUIRE(res->status == 200);
        CHECK(json::parse(res->body) == json{{"modelName", name}, {"modelUrl", urls[name]}});
    }
    for (const auto& [name, target] : targets) check_invokes(server, name, target);
    CHECK_THAT(server.process().stdout_text(), Catch::Contains("loaded model 'beta' from"));

    SECTION("listing pages through the models in name order") {
        const json first = json_of(server.client().Get("/models?page_size=2"));
        REQUIRE(first.at("models").size() == 2);
        CHECK(first.at("models")[0] == json{{"modelName", "alpha"}, {"modelUrl", urls["alpha"]}});
        CHECK(first.at("models")[1].at("modelName") == "beta");
        REQUIRE(first.contains("nextPageToken"));
        const std::string token = first.at("nextPageToken").get<std::string>();
        const json second =
            json_of(server.client().Get("/models?page_size=2&next_page_token=" + token));
        REQUIRE(second.at("models").size() == 1);
        CHECK(second.at("models")[0] == json{{"modelName", "gamma"}, {"modelUrl", urls["gamma"]}});
        CHECK_FALSE(second.contains("nextPageToken"));

        const json all = json_of(server.client().Get("/models"));
        CHECK(names_listed(all) == std::set<std::string>{"alpha", "beta", "gamma"});
        CHECK_FALSE(all.contains("nextPageToken"));

        for (const std::string query : {"page_size=0", "page_size=two", "page_size=-1", "next_page_token=zz"}) {
            auto bad = server.client().Get("/models?" + query);
            REQUIRE(bad);
            INFO(query);
            CHECK(bad->status == 400);
            CHECK_THAT(error_of(bad), Catch::Contains(query.substr(0, query.find('='))));
        }
    }

    SECTION("describing, unloading and invoking an unloaded model") {
        CHECK(json_of(server.client().Get("/models/beta")) == json{{"modelName", "beta"}, {"modelUrl", urls["beta"]}});

        auto deleted = server.client().Delete("/models/beta");
        REQUIRE(deleted);
        CHECK(deleted->status == 200);
        CHECK_THAT(server.process().stdout_text(), Catch::Contains("unloaded model 'beta'"));

        auto gone = server.invoke("beta", csv_records(penguin_models().at("island")), "text/csv");
        REQUIRE(gone);
        CHECK(gone->status == 404);
        CHECK_THAT(error_of(gone), Catch::Contains("'beta' is not loaded"));
        auto described = server.client().Get("/models/beta");
        REQUIRE(described);
        CHECK(described->status == 404);
        auto deleted_again = server.client().Delete("/models/beta");
        REQUIRE(deleted_again);
        CHECK(deleted_again->status == 404);

        const json listed = json_of(server.client().Get("/models"));
        CHECK(names_listed(listed) == std::set<std::string>{"alpha", "gamma"});
        check_invokes(server, "alpha", "sex");
        check_invokes(server, "gamma", "species");

        // SageMaker loads a model again after it was unloaded.
        auto reloaded = server.load("beta", urls["beta"]);
        REQUIRE(reloaded);
        CHECK(reloaded->status == 200);
        check_invokes(server, "beta", "island");
    }

    SECTION("invoke takes the formats, headers and errors of /invocations") {
        const PenguinModel& sex = penguin_models().at("sex");
        auto with_probabilities =
            server.client().Post("/models/alpha/invoke",
                                 {{"Accept", "text/csv"},
                                  {"X-Amzn-SageMaker-Custom-Attributes", "output=label,probabilities"}},
                                 csv_records(sex, 1), "text/csv");
        REQUIRE(with_probabilities);
        CHECK(with_probabilities->status == 200);
        CHECK(with_probabilities->get_header_value("X-Amzn-SageMaker-Custom-Attributes") ==
              "output=label,probabilities");
        CHECK(std::count(with_probabilities->body.begin(), with_probabilities->body.end(), ',') == 2);

        auto jsonlines = server.invoke("alpha", csv_records(sex, 3), "text/csv", "application/jsonlines");
        REQUIRE(jsonlines);
        CHECK(jsonlines->status == 200);
        CHECK(lines_of(jsonlines->body).size() == 3);

        auto wrong_type = server.invoke("alpha", "x", "application/xml");
        REQUIRE(wrong_type);
        CHECK(wrong_type->status == 415);
        auto wrong_accept = server.invoke("alpha", csv_records(sex, 1), "text/csv", "image/png");
        REQUIRE(wrong_accept);
        CHECK(wrong_accept->status == 406);
        auto bad_record = server.invoke("alpha", "Adelie,Dream,1\n", "text/csv");
        REQUIRE(bad_record);
        CHECK(bad_record->status == 400);
        CHECK_THAT(error_of(bad_record), Catch::Contains("line 1"));
        // beta reads species first, not island: alpha's records are not beta's.
        auto other_model = server.invoke("beta", csv_records(sex, 1), "text/csv");
        REQUIRE(other_model);
        CHECK(other_model->status == 400);
        CHECK(server.answers_ping());
    }
}

TEST_CASE("a multi-model endpoint refuses a second load of a name with 409, also when concurrent",
          "[multi_model][concurrency]") {
    MultiModelServer server(EnvVars{{"SAGEMAKER_MODEL_SERVER_WORKERS", "4"}});
    const fs::path folder = server.models_dir() / "twice" / "model";
    fs::create_directories(folder);
    save(slow_to_load_model(), folder / model_file_name);
    const std::string url = folder.string();
    auto first = server.load("twice", url);
    REQUIRE(first);
    REQUIRE(first->status == 200);
    auto second = server.load("twice", url);
    REQUIRE(second);
    CHECK(second->status == 409);
    CHECK_THAT(error_of(second), Catch::Contains("'twice' is already loaded"));

    // Eight loads of one new name at once: the name is reserved before the file is read,
    // so exactly one loads it.
    std::vector<std::future<int>> loads;
    for (int i = 0; i < 8; ++i)
        loads.push_back(std::async(std::launch::async, [&] {
            auto res = server.load("race", url);
            return res ? res->status : -1;
        }));
    std::multiset<int> statuses;
    for (auto& load : loads) statuses.insert(load.get());
    CHECK(statuses.count(200) == 1);
    CHECK(statuses.count(409) == 7);
    auto invoked = server.invoke("race", "id3,1\nid8,2\n", "text/csv");
    REQUIRE(invoked);
    CHECK(invoked->status == 200);
    CHECK(lines_of(invoked->body).size() == 2);
}

TEST_CASE("a multi-model endpoint answers 404 for a missing model folder or model file", "[multi_model][errors]") {
    MultiModelServer server;
    const fs::path missing = server.models_dir() / "nowhere" / "model";
    auto no_folder = server.load("nowhere", missing.string());
    REQUIRE(no_folder);
    CHECK(no_folder->status == 404);
    CHECK_THAT(error_of(no_folder), Catch::Contains(missing.string()));

    const fs::path empty = server.models_dir() / "empty" / "model";
    fs::create_directories(empty);
    auto no_file = server.load("empty", empty.string());
    REQUIRE(no_file);
    CHECK(no_file->status == 404);
    CHECK_THAT(error_of(no_file), Catch::Contains(model_file_name));

    const std::string url = server.place("sex", "filed");
    const std::string file = (fs::path(url) / model_file_name).string();
    auto file_as_folder = server.load("filed", file);
    REQUIRE(file_as_folder);
    CHECK(file_as_folder->status == 404);
    CHECK_THAT(error_of(file_as_folder), Catch::Contains("not a folder"));

    // None of them holds the name: it loads once the folder is right.
    auto right = server.load("nowhere", url);
    REQUIRE(right);
    CHECK(right->status == 200);
    CHECK(json_of(server.client().Get("/models")).at("models").size() == 1);
}

TEST_CASE("a multi-model endpoint answers bad requests with 400 naming the problem, and keeps serving",
          "[multi_model][errors]") {
    MultiModelServer server;
    const std::string url = server.place("sex", "good");
    const std::vector<std::pair<std::string, std::string>> bodies{
        {"{\"model_name\": \"a\"", "not JSON"},
        {"[1, 2]", "array"},
        {"{\"url\": \"" + url + "\"}", "model_name"},
        {"{\"model_name\": \"a\"}", "\"url\""},
        {"{\"model_name\": \"a\", \"url\": 7}", "\"url\" is number"},
        {"{\"model_name\": \"\", \"url\": \"" + url + "\"}", "model_name"},
        {"{\"model_name\": \"a/b\", \"url\": \"" + url + "\"}", "invalid model_name 'a/b'"},
        {"{\"model_name\": \"..\", \"url\": \"" + url + "\"}", "invalid model_name '..'"},
        {"{\"model_name\": \"" + std::string(300, 'n') + "\", \"url\": \"" + url + "\"}", "invalid model_name"},
        {std::string(100, '[') + std::string(100, ']'), "nests deeper"}};
    for (const auto& [body, message] : bodies) {
        INFO(body);
        auto res = server.client().Post("/models", body, "application/json");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK_THAT(error_of(res), Catch::Contains(message));
    }

    // A file that is not a model, and one that is not a model of a type serve reads.
    const fs::path corrupt = server.models_dir() / "corrupt" / "model";
    write_text(corrupt / model_file_name, "not a model at all");
    auto corrupt_load = server.load("corrupt", corrupt.string());
    REQUIRE(corrupt_load);
    CHECK(corrupt_load->status == 400);
    CHECK_THAT(error_of(corrupt_load), Catch::Contains(model_file_name));
    auto retried = server.load("corrupt", url);  // the failed load gave the name back
    REQUIRE(retried);
    CHECK(retried->status == 200);

    for (const std::string path : {"/models/a%2Fb", "/models/..", "/models/", "/models/%20/invoke"}) {
        INFO(path);
        auto res = server.client().Get(path);
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK_THAT(error_of(res), Catch::Contains("invalid model name"));
    }
    auto wrong_method = server.client().Put("/models", "{}", "application/json");
    REQUIRE(wrong_method);
    CHECK(wrong_method->status == 405);
    auto get_invoke = server.client().Get("/models/good/invoke");
    REQUIRE(get_invoke);
    CHECK(get_invoke->status == 405);
    auto not_loaded = server.invoke("never", "1\n", "text/csv");
    REQUIRE(not_loaded);
    CHECK(not_loaded->status == 404);
    CHECK(server.answers_ping());
    CHECK_FALSE(server.process().wait_for(0ms));
}

TEST_CASE("a multi-model endpoint answers 507 when MLPIPE_MULTI_MODEL_MEMORY_MB is full", "[multi_model][budget]") {
    // Room for two models' files of three.
    TempDir scratch("mlpipe-mme-size");
    save(penguin_models().at("sex").model, scratch.path() / model_file_name);
    const auto model_bytes = static_cast<double>(fs::file_size(scratch.path() / model_file_name));
    std::ostringstream budget;
    budget << std::setprecision(12) << model_bytes * 2.5 / (1024.0 * 1024.0);

    MultiModelServer server(EnvVars{{"MLPIPE_MULTI_MODEL_MEMORY_MB", budget.str()}});
    for (const std::string name : {"one", "two", "three"}) server.place("sex", name);
    const auto url = [&](const std::string& name) { return (server.models_dir() / name / "model").string(); };
    auto one = server.load("one", url("one"));
    auto two = server.load("two", url("two"));
    REQUIRE(one);
    REQUIRE(two);
    CHECK(one->status == 200);
    CHECK(two->status == 200);
    auto three = server.load("three", url("three"));
    REQUIRE(three);
    CHECK(three->status == 507);
    CHECK_THAT(error_of(three), Catch::Contains("MLPIPE_MULTI_MODEL_MEMORY_MB"));
    CHECK(names_listed(json_of(server.client().Get("/models"))) == std::set<std::string>{"one", "two"});

    // Unloading gives its bytes back.
    auto deleted = server.client().Delete("/models/one");
    REQUIRE(deleted);
    CHECK(deleted->status == 200);
    auto three_again = server.load("three", url("three"));
    REQUIRE(three_again);
    CHECK(three_again->status == 200);
    check_invokes(server, "three", "sex");
}

TEST_CASE("a model larger than the whole memory budget is refused with 400, not 507", "[multi_model][budget]") {
    // 507 would make SageMaker unload the other models and retry, which can never succeed.
    TempDir scratch("mlpipe-mme-size");
    save(penguin_models().at("sex").model, scratch.path() / model_file_name);
    const auto model_bytes = static_cast<double>(fs::file_size(scratch.path() / model_file_name));
    std::ostringstream budget;
    budget << std::setprecision(12) << model_bytes * 0.5 / (1024.0 * 1024.0);

    MultiModelServer server(EnvVars{{"MLPIPE_MULTI_MODEL_MEMORY_MB", budget.str()}});
    server.place("sex", "big");
    auto big = server.load("big", (server.models_dir() / "big" / "model").string());
    REQUIRE(big);
    CHECK(big->status == 400);
    CHECK_THAT(error_of(big), Catch::Contains("larger than the") && Catch::Contains("MLPIPE_MULTI_MODEL_MEMORY_MB"));
    CHECK(names_listed(json_of(server.client().Get("/models"))).empty());
}

TEST_CASE("an unloaded model finishes its requests in flight, and loads do not stop other models",
          "[multi_model][concurrency]") {
    MultiModelServer server(EnvVars{{"SAGEMAKER_MODEL_SERVER_WORKERS", "4"}});
    const PenguinModel& sex = penguin_models().at("sex");
    const std::string url = server.place("sex", "busy");
    const std::string other_url = server.place("island", "other");
    const auto steady = server.load("steady", url);
    REQUIRE(steady);
    REQUIRE(steady->status == 200);

    // A body large enough that its prediction takes a while: the test records, repeated.
    std::string big_body;
    const std::string records = csv_records(sex);
    while (big_body.size() < 4 * 1024 * 1024) big_body += records;
    const std::size_t big_rows = lines_of(big_body).size();

    // Retried a few times: the DELETE must come while a request is being answered.
    bool unloaded_under_a_request = false;
    for (int attempt = 0; attempt < 10 && !unloaded_under_a_request; ++attempt) {
        INFO("attempt " << attempt);
        const auto loaded = server.load("busy", url);
        REQUIRE(loaded);
        REQUIRE(loaded->status == 200);
        struct Answer {
            int status = -1;
            std::size_t rows = 0;
            bool after_delete = false;  // received once the DELETE was answered
        };
        std::atomic<bool> deleted{false};
        std::vector<std::future<Answer>> requests;  // checked here: Catch's assertions are not thread-safe
        for (int i = 0; i < 3; ++i)
            requests.push_back(std::async(std::launch::async, [&] {
                Answer answer;
                auto res = server.invoke("busy", big_body, "text/csv");
                if (!res) return answer;
                answer.after_delete = deleted.load();
                answer.status = res->status;
                answer.rows = lines_of(res->body).size();
                return answer;
            }));
        std::this_thread::sleep_for(std::chrono::milliseconds(20 * (attempt + 1)));
        auto deletion = server.client().Delete("/models/busy");
        deleted = true;
        REQUIRE(deletion);
        CHECK(deletion->status == 200);
        for (auto& request : requests) {
            const Answer answer = request.get();
            // 404 when the request came after the DELETE; a request that found the model
            // has its whole answer.
            CHECK((answer.status == 200 || answer.status == 404));
            if (answer.status == 200) CHECK(answer.rows == big_rows);
            if (answer.status == 200 && answer.after_delete) unloaded_under_a_request = true;
        }
    }
    CHECK(unloaded_under_a_request);

    // Loads and unloads of one model while another is invoked: every invocation answers.
    std::atomic<bool> done{false};
    std::atomic<int> churn_loads{0};
    auto churn = std::async(std::launch::async, [&] {
        while (!done) {
            auto loaded = server.load("churn", other_url);
            if (loaded && loaded->status == 200) ++churn_loads;
            server.client().Delete("/models/churn");
        }
    });
    // Ends the churn before its future is waited for, also when a REQUIRE below throws.
    struct StopChurn {
        std::atomic<bool>& done;
        ~StopChurn() { done = true; }
    } const stop_churn{done};
    const auto expected = expected_labels(sex);
    int invocations = 0;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while ((invocations < 30 || churn_loads < 10) && std::chrono::steady_clock::now() < deadline) {
        auto res = server.invoke("steady", records, "text/csv");
        ++invocations;
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(lines_of(res->body) == expected);
    }
    done = true;
    churn.get();
    CHECK(churn_loads >= 10);  // the invocations ran while models were loaded
    CHECK(server.answers_ping());
}

TEST_CASE("serve refuses bad multi-model settings with exit code 2 naming them", "[multi_model][errors]") {
    TempDir root("mlpipe-mme-settings");
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"SAGEMAKER_MULTI_MODEL", "maybe"},
             {"MLPIPE_MULTI_MODEL_MEMORY_MB", "lots"},
             {"MLPIPE_MULTI_MODEL_MEMORY_MB", "0"},
             {"MLPIPE_MULTI_MODEL_MEMORY_MB", "-5"},
             {"MLPIPE_MULTI_MODEL_MEMORY_MB", "nan"}}) {
        INFO(name << "=" << value);
        Process process(serve_binary(), {"serve", "--root", root.path().string(), "--port", "0"},
                        Environment::inherited()
                            .remove_prefixed("SAGEMAKER_")
                            .remove_prefixed("SM_")
                            .set("SAGEMAKER_MULTI_MODEL", "true")
                            .set(name, value),
                        root.path() / "stdout.txt", root.path() / "stderr.txt");
        const auto status = process.wait_for(20s);
        REQUIRE(status);
        CHECK(*status == 2);
        CHECK_THAT(process.stderr_text(), Catch::Contains(name));
    }
}

TEST_CASE("SAGEMAKER_MULTI_MODEL=false serves the one model, without /models", "[multi_model]") {
    TempDir root("mlpipe-mme-single");
    fs::create_directories(root.path() / "model");
    const PenguinModel& sex = penguin_models().at("sex");
    save(sex.model, root.path() / "model" / model_file_name);
    Process process(serve_binary(), {"serve", "--root", root.path().string(), "--host", "127.0.0.1", "--port", "0"},
                    Environment::inherited()
                        .remove_prefixed("SAGEMAKER_")
                        .remove_prefixed("SM_")
                        .set("SAGEMAKER_MULTI_MODEL", "False"),
                    root.path() / "stdout.txt", root.path() / "stderr.txt");
    int port = -1;
    for (int i = 0; i < 3000 && port < 0; ++i) {
        const std::string out = process.stdout_text();
        const std::string marker = "listening on port ";
        if (const auto at = out.find(marker); at != std::string::npos && out.find('\n', at) != std::string::npos)
            port = std::stoi(out.substr(at + marker.size()));
        else if (process.wait_for(10ms))
            FAIL("serve exited: " << process.stderr_text());
    }
    REQUIRE(port > 0);
    httplib::Client client("127.0.0.1", port);
    auto res = client.Post("/invocations", csv_records(sex), "text/csv");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(lines_of(res->body) == expected_labels(sex));
    auto models = client.Get("/models");
    REQUIRE(models);
    CHECK(models->status == 404);
    process.signal(SIGTERM);
    CHECK(process.wait_for(10s) == 0);
}

// ---------------------------------------------------------------------------------------
// The registry on its own
// ---------------------------------------------------------------------------------------

TEST_CASE("model names: visible ASCII without slashes, not . or ..", "[multi_model][unit]") {
    for (const std::string& good : std::vector<std::string>{"a", "customer-1", "model.tar.gz", "A_b~c", std::string(256, 'x')})
        CHECK(valid_model_name(good));
    for (const std::string& bad : std::vector<std::string>{"", ".", "..", "a/b", "a\\b", "a b", "tab\there", std::string(257, 'x'),
                                  std::string("nul\0", 4), "caf\xC3\xA9"})
        CHECK_FALSE(valid_model_name(bad));
}

TEST_CASE("the registry reserves, commits, finds and removes models", "[multi_model][unit]") {
    ModelRegistry<int> registry;
    using Reservation = ModelRegistry<int>::Reservation;
    using Removal = ModelRegistry<int>::Removal;
    REQUIRE(registry.reserve("a", "/models/a", 10) == Reservation::reserved);
    // Reserved but not loaded: not found, not listed, a second reservation refused.
    CHECK(registry.find("a") == nullptr);
    CHECK_FALSE(registry.url_of("a"));
    CHECK(registry.list(std::nullopt, 10).entries.empty());
    CHECK(registry.reserve("a", "/elsewhere", 1) == Reservation::already_present);
    CHECK(registry.remove("a") == Removal::still_loading);

    CHECK(registry.commit("a", std::make_shared<const int>(1)));
    CHECK_FALSE(registry.commit("a", std::make_shared<const int>(2)));  // already committed
    CHECK_FALSE(registry.commit("unreserved", std::make_shared<const int>(3)));
    REQUIRE(registry.find("a"));
    CHECK(*registry.find("a") == 1);
    CHECK(registry.url_of("a") == "/models/a");
    CHECK(registry.reserve("a", "/models/a", 10) == Reservation::already_present);

    // A reader's copy outlives the removal.
    const auto held = registry.find("a");
    CHECK(registry.remove("a") == Removal::removed);
    CHECK(registry.find("a") == nullptr);
    CHECK(registry.remove("a") == Removal::not_found);
    CHECK(*held == 1);
    CHECK(held.use_count() == 1);

    // A cancelled reservation frees the name; cancel leaves a committed model alone.
    REQUIRE(registry.reserve("b", "/models/b", 5) == Reservation::reserved);
    registry.cancel("b");
    CHECK(registry.reserve("b", "/models/b", 5) == Reservation::reserved);
    CHECK(registry.commit("b", std::make_shared<const int>(4)));
    registry.cancel("b");
    CHECK(registry.find("b"));
}

TEST_CASE("the registry keeps loaded and loading models within its budget", "[multi_model][unit][budget]") {
    ModelRegistry<int> registry(100);
    using Reservation = ModelRegistry<int>::Reservation;
    CHECK(registry.reserve("big", "/big", 101) == Reservation::larger_than_budget);
    CHECK(registry.reserve("a", "/a", 60) == Reservation::reserved);  // loading counts
    CHECK(registry.reserve("b", "/b", 41) == Reservation::over_budget);
    CHECK(registry.reserve("b", "/b", 40) == Reservation::reserved);
    CHECK(registry.bytes_in_use() == 100);
    CHECK(registry.reserve("c", "/c", 0) == Reservation::reserved);
    CHECK(registry.reserve("d", "/d", 1) == Reservation::over_budget);
    registry.cancel("b");
    CHECK(registry.bytes_in_use() == 60);
    CHECK(registry.commit("a", std::make_shared<const int>(1)));
    CHECK(registry.remove("a") == ModelRegistry<int>::Removal::removed);
    CHECK(registry.bytes_in_use() == 0);
    CHECK(registry.reserve("d", "/d", 100) == Reservation::reserved);

    ModelRegistry<int> unlimited;
    CHECK(unlimited.reserve("huge", "/huge", SIZE_MAX / 2) == Reservation::reserved);
    CHECK(unlimited.reserve("huger", "/huger", SIZE_MAX / 2) == Reservation::reserved);
}

TEST_CASE("the registry lists loaded models by name, a page at a time", "[multi_model][unit]") {
    ModelRegistry<int> registry;
    for (const std::string name : {"d", "b", "e", "a", "c"}) {
        REQUIRE(registry.reserve(name, "/" + name, 1) == ModelRegistry<int>::Reservation::reserved);
        if (name != "c") registry.commit(name, std::make_shared<const int>(0));  // c is still loading
    }
    auto page = registry.list(std::nullopt, 2);
    REQUIRE(page.entries.size() == 2);
    CHECK(page.entries[0].name == "a");
    CHECK(page.entries[0].url == "/a");
    CHECK(page.entries[1].name == "b");
    REQUIRE(page.next_after == "b");
    page = registry.list(page.next_after, 2);
    REQUIRE(page.entries.size() == 2);
    CHECK(page.entries[0].name == "d");
    CHECK(page.entries[1].name == "e");
    CHECK_FALSE(page.next_after);  // nothing follows
    // A page's place holds when the model it ended at is gone.
    registry.remove("b");
    page = registry.list(std::string("b"), 10);
    REQUIRE(page.entries.size() == 2);
    CHECK(page.entries[0].name == "d");
    CHECK(registry.list(std::nullopt, SIZE_MAX).entries.size() == 3);
}

TEST_CASE("the registry serves readers while models are loaded and unloaded", "[multi_model][unit][concurrency]") {
    ModelRegistry<std::vector<int>> registry;
    REQUIRE(registry.reserve("steady", "/s", 1) == ModelRegistry<std::vector<int>>::Reservation::reserved);
    registry.commit("steady", std::make_shared<const std::vector<int>>(1000, 7));
    std::atomic<bool> done{false};
    std::atomic<long> bad_reads{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t)
        readers.emplace_back([&] {
            while (!done) {
                for (const std::string name : {"steady", "churn"}) {
                    const auto model = registry.find(name);
                    if (name == "steady" && !model) ++bad_reads;
                    if (model && (model->size() != 1000 || model->back() != 7)) ++bad_reads;
                }
            }
        });
    for (int i = 0; i < 2000; ++i) {
        if (registry.reserve("churn", "/c", 1) == ModelRegistry<std::vector<int>>::Reservation::reserved)
            registry.commit("churn", std::make_shared<const std::vector<int>>(1000, 7));
        registry.remove("churn");
    }
    done = true;
    for (auto& reader : readers) reader.join();
    CHECK(bad_reads == 0);
    CHECK(registry.bytes_in_use() == 1);
}
