// response_format.hpp called directly: predictions and probabilities written as text/csv,
// application/json and application/jsonlines bodies, and the `output` custom attribute.

#include "../../common/prediction.hpp"
#include "../../serve/request_parsing.hpp"
#include "../../serve/response_format.hpp"

#include <mlpipe/mlpipe.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace mlpipe;
using namespace mlpipe::sagemaker;
using nlohmann::json;

namespace {

// Two records' predictions for two classes.
Predictions two_records(std::vector<std::int32_t> codes) {
    Predictions p;
    p.class_codes = std::move(codes);
    p.probabilities.resize(2, 2);
    p.probabilities << 0.75, 0.25, 0.1, 0.9;
    return p;
}

constexpr CsvOutput label_only{.label = true, .probabilities = false};
constexpr CsvOutput probabilities_only{.label = false, .probabilities = true};
constexpr CsvOutput both{.label = true, .probabilities = true};

}  // namespace

TEST_CASE("ResponseWriter writes text/csv lines of labels, probabilities or both", "[unit][response_format]") {
    const ResponseWriter writer({Label("female"), Label("male")});
    const Predictions p = two_records({0, 1});
    CHECK(writer.write(Format::csv, p) == "female\nmale\n");
    CHECK(writer.write(Format::csv, p, label_only) == "female\nmale\n");
    CHECK(writer.write(Format::csv, p, probabilities_only) == "0.75,0.25\n0.1,0.9\n");
    CHECK(writer.write(Format::csv, p, both) == "female,0.75,0.25\nmale,0.1,0.9\n");
    CHECK(writer.write(Format::csv, Predictions{}) == "");
}

TEST_CASE("ResponseWriter writes application/json with predictions, probabilities and classes",
          "[unit][response_format]") {
    const ResponseWriter writer({Label("female"), Label("male")});
    CHECK(writer.write(Format::json, two_records({1, 0})) ==
          R"({"predictions":["male","female"],"probabilities":[[0.75,0.25],[0.1,0.9]],"classes":["female","male"]})");
    // The probabilities are always written, whatever CsvOutput says.
    CHECK(writer.write(Format::json, two_records({1, 0}), label_only) ==
          writer.write(Format::json, two_records({1, 0}), both));
}

TEST_CASE("ResponseWriter writes application/jsonlines, one object per record", "[unit][response_format]") {
    const ResponseWriter writer({Label("female"), Label("male")});
    CHECK(writer.write(Format::jsonlines, two_records({0, 1})) ==
          "{\"prediction\":\"female\",\"probabilities\":{\"female\":0.75,\"male\":0.25}}\n"
          "{\"prediction\":\"male\",\"probabilities\":{\"female\":0.1,\"male\":0.9}}\n");
}

TEST_CASE("ResponseWriter keeps numeric labels numbers, quotes CSV fields and replaces invalid UTF-8",
          "[unit][response_format]") {
    const ResponseWriter numbers({Label(1.0), Label(2.5)});
    const Predictions p = two_records({1, 0});
    CHECK(numbers.write(Format::csv, p) == "2.5\n1\n");
    CHECK(numbers.write(Format::json, p) ==
          R"({"predictions":[2.5,1],"probabilities":[[0.75,0.25],[0.1,0.9]],"classes":[1,2.5]})");
    CHECK(numbers.write(Format::jsonlines, p) ==
          "{\"prediction\":2.5,\"probabilities\":{\"1\":0.75,\"2.5\":0.25}}\n"
          "{\"prediction\":1,\"probabilities\":{\"1\":0.1,\"2.5\":0.9}}\n");

    const ResponseWriter awkward({Label("a,b"), Label("say \"hi\"")});
    CHECK(awkward.write(Format::csv, p, both) == "\"say \"\"hi\"\"\",0.75,0.25\n\"a,b\",0.1,0.9\n");
    CHECK(json::parse(awkward.write(Format::json, p)).at("classes") == json({"a,b", "say \"hi\""}));

    const ResponseWriter latin1({Label("caf\xE9"), Label("tea")});
    const std::string body = latin1.write(Format::json, p);
    CHECK(json::parse(body).at("predictions") == json({"tea", "caf\xEF\xBF\xBD"}));
    CHECK_THAT(latin1.write(Format::jsonlines, p), Catch::Contains("\"caf\xEF\xBF\xBD\":0.75"));
}

TEST_CASE("ResponseWriter writes probabilities in the shortest text that reads back the same",
          "[unit][response_format]") {
    Predictions p;
    p.class_codes = {0};
    p.probabilities.resize(1, 2);
    p.probabilities << 1.0 / 3, 2.0 / 3;
    const std::string line = ResponseWriter({Label("a"), Label("b")}).write(Format::csv, p, probabilities_only);
    CHECK(line == "0.3333333333333333,0.6666666666666666\n");
    CHECK(std::stod(line.substr(0, line.find(','))) == 1.0 / 3);
}

TEST_CASE("csv_output_of takes the first output attribute and names a bad one", "[unit][response_format]") {
    CHECK(csv_output_of("output", both) == both);  // no '=': not an attribute of ours
    CHECK(csv_output_of("tag=x;;output=label,probabilities", label_only) == both);
    CHECK(csv_output_of("output=label; output=probabilities", both) == label_only);
    CHECK(csv_output_of(" output = Probabilities ", label_only) == probabilities_only);
    CHECK(csv_output_of("outputs=probabilities", label_only) == label_only);
    CHECK_THROWS_MATCHES(csv_output_of("trace=1; output=label,label", label_only), data_error,
                         Catch::Message("custom attribute \"output=label,label\": output must be label, "
                                        "probabilities or label,probabilities"));
    CHECK_THROWS_AS(csv_output_of("output=", label_only), data_error);
    CHECK(needs_probabilities(Format::json));
    CHECK(needs_probabilities(Format::jsonlines, label_only));
    CHECK_FALSE(needs_probabilities(Format::csv, label_only));
    CHECK(needs_probabilities(Format::csv, probabilities_only));
}

TEST_CASE("a fitted model's records read, predicted and written give the library's own predictions",
          "[unit][response_format]") {
    Frame X;
    X.add_categorical("island", {"Dream", "Dream", "Biscoe", "Biscoe", "Torgersen", "Biscoe"});
    X.add_numeric("bill", {35, 37, 48, 50, 36, 47});
    Frame y;
    y.add_categorical("species", {"Adelie", "Adelie", "Gentoo", "Gentoo", "Adelie", "Gentoo"});
    Model model{OneHotEncoder{{.columns = {"island"}, .handle_unknown = HandleUnknown::ignore}},
                StandardScaler{{.columns = {"bill"}}}, LogisticRegression{}};
    model.fit(X, y);
    const AnyModel served = model;

    const RecordReader reader(schema_of(served), imputed_columns(served));
    const Frame records =
        reader.read(Format::csv, "Dream,35\nDream,37\nBiscoe,48\nBiscoe,50\nTorgersen,36\nBiscoe,47\n");
    const Predictions predictions = predict(served, records, true);
    const ResponseWriter writer(classifier_of(served).classes());

    const std::vector<std::string> expected = model.predict(X).to_strings();
    CHECK(expected == std::vector<std::string>{"Adelie", "Adelie", "Gentoo", "Gentoo", "Adelie", "Gentoo"});
    std::string lines;
    for (const auto& label : expected) lines += label + "\n";
    CHECK(writer.write(Format::csv, predictions) == lines);

    const json body = json::parse(writer.write(Format::json, predictions));
    CHECK(body.at("classes") == json({"Adelie", "Gentoo"}));
    CHECK(body.at("predictions") == json(expected));
    const auto proba = model.predict_proba(X);
    REQUIRE(body.at("probabilities").size() == 6);
    for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t c = 0; c < 2; ++c)
            CHECK(body.at("probabilities")[i][c].get<double>() ==
                  proba(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)));

    // Without probabilities asked for, none are computed.
    CHECK(predict(served, records, false).probabilities.size() == 0);
}

TEST_CASE("predict_for_metrics gives predict's labels, and a binary model's second class's probabilities alone",
          "[unit][response_format]") {
    Frame X;
    X.add_categorical("island", {"Dream", "Dream", "Biscoe", "Biscoe", "Torgersen", "Biscoe", "Dream", "Dream"});
    X.add_numeric("bill", {35, 37, 48, 50, 36, 47, 49, 51});
    Frame binary_y;
    binary_y.add_categorical("species",
                             {"Adelie", "Adelie", "Gentoo", "Gentoo", "Adelie", "Gentoo", "Adelie", "Gentoo"});
    Frame three_y;
    three_y.add_categorical(
        "species", {"Adelie", "Adelie", "Gentoo", "Gentoo", "Adelie", "Gentoo", "Chinstrap", "Chinstrap"});
    for (const Frame* y : {&binary_y, &three_y}) {
        Model model{OneHotEncoder{{.columns = {"island"}, .handle_unknown = HandleUnknown::ignore}},
                    StandardScaler{{.columns = {"bill"}}}, LogisticRegression{}};
        model.fit(X, *y);
        const AnyModel fitted = model;
        const Predictions all = predict(fitted, X, true);
        const Predictions scored = predict_for_metrics(fitted, X);
        CHECK(scored.class_codes == all.class_codes);
        if (y == &binary_y) {
            REQUIRE(scored.probabilities.cols() == 1);
            CHECK((scored.probabilities.col(0).array() == all.probabilities.col(1).array()).all());
            // Some rows are of the first class: labels read from the probabilities (all above
            // 0) instead of the scores would differ.
            CHECK(std::count(scored.class_codes.begin(), scored.class_codes.end(), 0) > 0);
        } else {
            REQUIRE(scored.probabilities.cols() == 3);
            CHECK((scored.probabilities.array() == all.probabilities.array()).all());
        }
    }
}
