// hyperparameters.hpp called directly: decoding what SageMaker hands over, checking each
// value, and the settings they give.

#include "../../train/hyperparameters.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace mlpipe;
using namespace mlpipe::sagemaker;
using nlohmann::json;

namespace {

// The settings of one hyperparameters.json object.
TrainingSettings resolve(const json& object, std::vector<std::string>* skipped = nullptr) {
    std::vector<std::string> ignored;
    return resolve_hyperparameters(decode_hyperparameters(object, "hyperparameters.json"), skipped ? *skipped : ignored);
}

// The message of resolving `object`, which must fail.
std::string failure_of(const json& object) {
    try {
        resolve(object);
    } catch (const parameter_error& e) {
        return e.what();
    }
    FAIL("resolving " << object.dump() << " did not fail");
    return "";
}

}  // namespace

TEST_CASE("decode_hyperparameter reads a string as JSON when it is JSON, else keeps the text",
          "[unit][hyperparameters]") {
    SECTION("plain text that is no JSON stays a string") {
        const auto h = decode_hyperparameter("target", "species", "hyperparameters.json");
        CHECK(h.key == "target");
        CHECK(h.value == json("species"));
        CHECK(h.text == "species");
        CHECK(h.source == "hyperparameters.json");
        // JSON's literals are lower case: Python's True is text.
        CHECK(decode_hyperparameter("verbose", "True", "s").value == json("True"));
        CHECK(decode_hyperparameter("categorical-features", "species,island", "s").value == json("species,island"));
    }
    SECTION("a string holding JSON is decoded, and the text kept as given") {
        const auto number = decode_hyperparameter("C", "0.5", "s");
        CHECK(number.value.is_number_float());
        CHECK(number.value.get<double>() == 0.5);
        CHECK(number.text == "0.5");
        const auto quoted = decode_hyperparameter("target", "\"species\"", "s");
        CHECK(quoted.value == json("species"));
        CHECK(quoted.text == "\"species\"");
        CHECK(decode_hyperparameter("categorical-features", R"(["a", "b"])", "s").value == json({"a", "b"}));
        CHECK(decode_hyperparameter("verbose", "true", "s").value == json(true));
        CHECK(decode_hyperparameter("min-frequency", "null", "s").value.is_null());
    }
    SECTION("JSON values are taken as they are, their text being their JSON") {
        const auto flag = decode_hyperparameter("verbose", json(true), "s");
        CHECK(flag.value == json(true));
        CHECK(flag.text == "true");
        const auto list = decode_hyperparameter("numerical-features", json({"x", "y"}), "s");
        CHECK(list.value == json({"x", "y"}));
        CHECK(list.text == R"(["x","y"])");
        CHECK(decode_hyperparameter("max-iter", json(200), "s").text == "200");
    }
    SECTION("a string nesting deeper than max_json_nesting is kept as text") {
        const std::string deep = std::string(max_json_nesting + 1, '[') + std::string(max_json_nesting + 1, ']');
        const auto h = decode_hyperparameter("target", deep, "s");
        CHECK(h.value == json(deep));
        const std::string shallow = std::string(max_json_nesting, '[') + std::string(max_json_nesting, ']');
        CHECK(decode_hyperparameter("target", shallow, "s").value.is_array());
    }
}

TEST_CASE("decode_hyperparameters refuses anything but an object, naming the source and the type",
          "[unit][hyperparameters]") {
    CHECK_THROWS_MATCHES(decode_hyperparameters(json::array({1}), "SM_HPS"), parameter_error,
                         Catch::Message("SM_HPS must hold a JSON object of hyperparameters, not a array"));
    const auto decoded = decode_hyperparameters(json{{"C", "2"}, {"target", "y"}}, "SM_HPS");
    REQUIRE(decoded.size() == 2);
    CHECK(decoded[0].key == "C");
    CHECK(decoded[0].value == json(2));
    CHECK(decoded[1].source == "SM_HPS");
}

TEST_CASE("resolve_hyperparameters gives the defaults for no hyperparameters", "[unit][hyperparameters]") {
    std::vector<std::string> skipped;
    const TrainingSettings s = resolve_hyperparameters({}, skipped);
    CHECK(skipped.empty());
    CHECK_FALSE(s.categorical_features);
    CHECK_FALSE(s.numerical_features);
    CHECK(s.target.empty());
    CHECK(s.classifier == LogisticRegression::Options{.backend = Backend::automatic});
    CHECK(s.handle_unknown == HandleUnknown::ignore);
    CHECK_FALSE(s.min_frequency);
    CHECK_FALSE(s.max_categories);
    CHECK(s.archive_format == ArchiveFormat::binary);
    CHECK_FALSE(s.verbose);
    CHECK_FALSE(s.n_jobs);
    CHECK(s.dtype == NumericType::float64);
    CHECK(s.impute_numerical == Imputation{});
    CHECK(s.impute_categorical == Imputation{});
}

TEST_CASE("resolve_hyperparameters reads each setting from text, in any case, with dashes or underscores",
          "[unit][hyperparameters]") {
    const TrainingSettings s = resolve({{"categorical_features", " species, island,, "},
                                        {"numerical-features", R"(["bill", " depth "])"},
                                        {"target", " sex "},
                                        {"C", "0.25"},
                                        {"max_iter", "250"},
                                        {"tol", "0"},
                                        {"class-weight", "Balanced"},
                                        {"solver", "newton_cg"},
                                        {"archive-format", "XML"},
                                        {"match-sklearn", "1.2"},
                                        {"random-state", "12345678901234567891"},
                                        {"n-jobs", "-2"},
                                        {"dtype", "float32"},
                                        {"verbose", "True"}});
    CHECK(s.categorical_features == std::vector<std::string>{"species", "island"});
    CHECK(s.numerical_features == std::vector<std::string>{"bill", "depth"});
    CHECK(s.target == "sex");
    CHECK(s.classifier.C == 0.25);
    CHECK(s.classifier.max_iter == 250);
    CHECK(s.classifier.tol == 0.0);
    CHECK(s.classifier.class_weight == ClassWeight::balanced);
    CHECK(s.classifier.solver == Solver::newton_cg);
    CHECK(s.archive_format == ArchiveFormat::xml);
    CHECK(s.classifier.match_sklearn == SklearnVersion::v1_2);
    CHECK(s.classifier.random_state == 12345678901234567891ULL);  // every digit, above 2^53
    CHECK(s.n_jobs == -2);
    CHECK(s.classifier.n_jobs == -1);  // the caller applies n_jobs
    CHECK(s.dtype == NumericType::float32);
    CHECK(s.verbose);
}

TEST_CASE("resolve_hyperparameters takes JSON values, and a numeric target as its text", "[unit][hyperparameters]") {
    const TrainingSettings s = resolve({{"C", 2},
                                        {"max-iter", 7},
                                        {"verbose", 1},
                                        {"categorical-features", json::array()},
                                        {"numerical-features", nullptr},
                                        {"target", 2007},
                                        {"random-state", 18446744073709551615ULL}});
    CHECK(s.classifier.C == 2.0);
    CHECK(s.classifier.max_iter == 7);
    CHECK(s.verbose);
    CHECK(s.categorical_features == std::vector<std::string>{});
    CHECK(s.numerical_features == std::vector<std::string>{});
    CHECK(s.target == "2007");
    CHECK(s.classifier.random_state == 18446744073709551615ULL);
}

TEST_CASE("resolve_hyperparameters lets later entries override earlier ones", "[unit][hyperparameters]") {
    std::vector<HyperparameterValue> given = decode_hyperparameters({{"C", "0.5"}, {"max_iter", "5"}}, "file");
    for (auto& h : decode_hyperparameters({{"C", "2"}, {"max-iter", "9"}}, "command line")) given.push_back(h);
    std::vector<std::string> skipped;
    const TrainingSettings s = resolve_hyperparameters(given, skipped);
    CHECK(s.classifier.C == 2.0);
    CHECK(s.classifier.max_iter == 9);  // max_iter and max-iter are one name across sources

    // Within one source, two spellings of one name are a mistake.
    const std::string message = failure_of({{"max_iter", "5"}, {"max-iter", "9"}});
    CHECK(message ==
          "hyperparameter 'max-iter' is given twice in hyperparameters.json, as 'max-iter' and as 'max_iter'; keep one");
}

TEST_CASE("resolve_hyperparameters skips SageMaker's reserved keys into skipped", "[unit][hyperparameters]") {
    std::vector<std::string> skipped;
    const TrainingSettings s = resolve({{"_tuning_objective_metric", "validation:accuracy"},
                                        {"sagemaker_program", "train"},
                                        {"sagemaker-region", "\"eu-west-1\""},
                                        {"C", "3"}},
                                       &skipped);
    CHECK(skipped == std::vector<std::string>{"_tuning_objective_metric", "sagemaker-region", "sagemaker_program"});
    CHECK(s.classifier.C == 3.0);
    CHECK(is_sagemaker_key(" _x"));
    CHECK_FALSE(is_sagemaker_key("sagemakerx"));
}

TEST_CASE("resolve_hyperparameters names an unknown key, suggests the closest, and lists the known ones",
          "[unit][hyperparameters]") {
    const std::string message = failure_of({{"max_iters", "5"}});
    CHECK_THAT(message, Catch::StartsWith("unknown hyperparameter 'max_iters' (hyperparameters.json) (did you mean "
                                          "'max-iter'?); known: categorical-features, numerical-features, target, C,"));
    CHECK_THAT(message, Catch::EndsWith(", verbose"));
    CHECK_THAT(failure_of({{"learning-rate", "0.1"}}), !Catch::Contains("did you mean"));
}

TEST_CASE("resolve_hyperparameters reports every bad value at once, each naming its key, value and source",
          "[unit][hyperparameters]") {
    const std::string message =
        failure_of({{"C", "-1"}, {"max-iter", "1.5"}, {"solver", "adam"}, {"penalty", "l1"}, {"colour", "red"}});
    const std::vector<std::string> expected_starts = {
        "unknown hyperparameter 'colour' (hyperparameters.json)",
        "hyperparameter 'C' = '-1' (hyperparameters.json): must be a positive number (C: inverse of the "
        "regularisation strength, a positive number)",
        "hyperparameter 'max-iter' = '1.5' (hyperparameters.json): must be a whole number (max-iter: ",
        "hyperparameter 'solver' = 'adam' (hyperparameters.json): not supported; choices: lbfgs, newton-cg, "
        "newton-cholesky, sag, saga (solver: "};
    std::vector<std::string> lines;
    for (std::size_t start = 0; start <= message.size();) {
        const std::size_t end = message.find('\n', start);
        lines.push_back(message.substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    REQUIRE(lines.size() == expected_starts.size());
    for (std::size_t i = 0; i < lines.size(); ++i) CHECK_THAT(lines[i], Catch::StartsWith(expected_starts[i]));
    // Combinations are checked only once every value is valid: penalty l1 is not named here.
    CHECK_THAT(message, !Catch::Contains("do not go together"));
}

TEST_CASE("resolve_hyperparameters refuses values out of range with the reason", "[unit][hyperparameters]") {
    CHECK_THAT(failure_of({{"C", "0"}}), Catch::Contains("must be a positive number"));
    CHECK_THAT(failure_of({{"C", "abc"}}), Catch::Contains("'abc' (hyperparameters.json): not a number"));
    CHECK_THAT(failure_of({{"max-iter", "0"}}), Catch::Contains("must be between 1 and 2147483647"));
    CHECK_THAT(failure_of({{"tol", "-1e-3"}}), Catch::Contains("must be a number >= 0"));
    CHECK_THAT(failure_of({{"n-jobs", "0"}}), Catch::Contains("must be a number of threads from 1 to 1024"));
    CHECK_THAT(failure_of({{"n-jobs", "2.5"}}), Catch::Contains("must be a whole number"));
    CHECK_THAT(failure_of({{"verbose", "yes"}}), Catch::Contains("must be true or false"));
    CHECK_THAT(failure_of({{"verbose", 2}}), Catch::Contains("must be true or false"));
    CHECK_THAT(failure_of({{"target", "  "}}), Catch::Contains("must not be empty"));
    CHECK_THAT(failure_of({{"class-weight", "auto"}}), Catch::Contains("not supported; choices: none, balanced"));
    CHECK_THAT(failure_of({{"dtype", "float16"}}), Catch::Contains("not supported; choices: float64, float32"));
    CHECK_THAT(failure_of({{"categorical-features", json::array({"a", 1})}}),
               Catch::Contains("a JSON list here must hold column names as strings"));
    CHECK_THAT(failure_of({{"random-state", -1}}), Catch::Contains("must be a whole number >= 0"));
    CHECK_THAT(failure_of({{"random-state", "18446744073709551616"}}),
               Catch::Contains("must be a whole number between 0 and 18446744073709551615"));
    CHECK_THAT(failure_of({{"random-state", "1.5"}}),
               Catch::Contains("must be a whole number between 0 and 18446744073709551615"));
    CHECK_THAT(failure_of({{"l1-ratio", "1.5"}}), Catch::Contains("must be a number in [0, 1]"));
}

TEST_CASE("resolve_hyperparameters refuses solver, penalty and l1-ratio that do not go together",
          "[unit][hyperparameters]") {
    CHECK_THAT(failure_of({{"penalty", "l1"}}),
               Catch::StartsWith("hyperparameters that do not go together: ") &&
                   Catch::Contains("penalty l1 needs solver saga (solver lbfgs supports l2 and none)") &&
                   Catch::EndsWith("(see solver, penalty and l1-ratio)"));
    CHECK_THAT(failure_of({{"penalty", "elasticnet"}, {"solver", "saga"}}),
               Catch::Contains("penalty elasticnet needs l1_ratio"));
    CHECK(failure_of({{"l1-ratio", "0.5"}}) ==
          "hyperparameter 'l1-ratio' is used only with penalty elasticnet, and penalty is l2; remove l1-ratio or set "
          "penalty elasticnet");
    CHECK_THAT(failure_of({{"l1-ratio", "0.5"}, {"penalty", "none"}}), Catch::Contains("and penalty is none;"));

    const TrainingSettings s = resolve({{"penalty", "elasticnet"}, {"solver", "saga"}, {"l1-ratio", "0.25"}});
    CHECK(s.classifier.penalty == Penalty::elasticnet);
    CHECK(s.classifier.solver == Solver::saga);
    CHECK(s.classifier.l1_ratio == 0.25);
    CHECK(resolve({{"penalty", "l1"}, {"solver", "SAGA"}}).classifier.penalty == Penalty::l1);
}

TEST_CASE("backend takes cpu, blas, cuda or automatic, and refuses one this build lacks naming its CMake option",
          "[unit][hyperparameters]") {
    CHECK(resolve({{"backend", "cpu"}}).classifier.backend == Backend::cpu);
    CHECK(resolve({{"backend", "AUTOMATIC"}}).classifier.backend == Backend::automatic);
    CHECK_THAT(failure_of({{"backend", "gpu"}}), Catch::Contains("not supported; choices: cpu, blas, cuda, automatic"));
    for (Backend backend : {Backend::blas, Backend::cuda}) {
        INFO(to_string(backend));
        if (backend_compiled_in(backend))
            CHECK(resolve({{"backend", to_string(backend)}}).classifier.backend == backend);
        else
            CHECK_THAT(failure_of({{"backend", to_string(backend)}}),
                       Catch::Contains(backend == Backend::blas ? "-DMLPIPE_WITH_BLAS=ON" : "-DMLPIPE_WITH_CUDA=ON"));
    }
}

TEST_CASE("min-frequency, max-categories and handle-unknown as scikit-learn's OneHotEncoder takes them",
          "[unit][hyperparameters]") {
    CHECK(resolve({{"min-frequency", "5"}}).min_frequency == MinFrequency::count(5));
    CHECK(resolve({{"min-frequency", "1"}}).min_frequency == MinFrequency::count(1));
    CHECK(resolve({{"min-frequency", 3}}).min_frequency == MinFrequency::count(3));
    CHECK(resolve({{"min-frequency", "0.25"}}).min_frequency == MinFrequency::fraction(0.25));
    CHECK_FALSE(resolve({{"min-frequency", "None"}}).min_frequency);
    CHECK_FALSE(resolve({{"min-frequency", nullptr}}).min_frequency);
    for (const char* bad : {"0", "1.5", "-2", "1e16"})
        CHECK_THAT(failure_of({{"min-frequency", bad}}),
                   Catch::Contains("must be none, a whole number of rows >= 1, or a share of the rows between 0 and 1"));
    CHECK_THAT(failure_of({{"min-frequency", "often"}}), Catch::Contains("not a number"));

    CHECK(resolve({{"max-categories", "3"}}).max_categories == 3);
    CHECK_FALSE(resolve({{"max_categories", "none"}}).max_categories);
    for (const char* bad : {"0", "2.5", "-1"})
        CHECK_THAT(failure_of({{"max-categories", bad}}), Catch::Contains("must be none or a whole number >= 1"));

    CHECK(resolve({{"handle-unknown", "infrequent_if_exist"}}).handle_unknown == HandleUnknown::infrequent_if_exist);
    CHECK(resolve({{"handle-unknown", "Infrequent-If-Exist"}}).handle_unknown == HandleUnknown::infrequent_if_exist);
    CHECK(resolve({{"handle_unknown", "ERROR"}}).handle_unknown == HandleUnknown::error);
    CHECK(resolve({{"handle-unknown", "ignore"}}).handle_unknown == HandleUnknown::ignore);
    CHECK_THAT(failure_of({{"handle-unknown", "drop"}}),
               Catch::Contains("'drop' (hyperparameters.json): not supported; choices: ignore, error, infrequent_if_exist"));
}

TEST_CASE("impute-numerical and impute-categorical take their strategies and refuse the other kind's",
          "[unit][hyperparameters]") {
    const TrainingSettings s = resolve({{"impute-numerical", "Median"}, {"impute-categorical", "most-frequent"}});
    CHECK(s.impute_numerical == Imputation{.enabled = true, .strategy = ImputeStrategy::median});
    CHECK(s.impute_categorical == Imputation{.enabled = true, .strategy = ImputeStrategy::most_frequent});

    const TrainingSettings c = resolve({{"impute-numerical", "constant: -1.5"}, {"impute-categorical", "Constant: N/A "}});
    CHECK(c.impute_numerical ==
          Imputation{.enabled = true, .strategy = ImputeStrategy::constant, .fill_value = "-1.5"});
    CHECK(c.impute_categorical ==
          Imputation{.enabled = true, .strategy = ImputeStrategy::constant, .fill_value = "N/A"});
    CHECK(imputation_text(c.impute_numerical) == "constant:-1.5");
    CHECK(imputation_text(s.impute_numerical) == "median");
    CHECK(imputation_text(Imputation{}) == "none");
    CHECK_FALSE(resolve({{"impute-numerical", "none"}}).impute_numerical.enabled);

    CHECK_THAT(failure_of({{"impute-numerical", "most_frequent"}}),
               Catch::Contains("not supported; choices: none, mean, median or constant:<number>"));
    CHECK_THAT(failure_of({{"impute-categorical", "mean"}}),
               Catch::Contains("not supported; choices: none, most_frequent or constant:<text>"));
    CHECK_THAT(failure_of({{"impute-numerical", "constant:abc"}}),
               Catch::Contains("the constant for numerical features must be a finite number"));
    CHECK_THAT(failure_of({{"impute-numerical", "constant:inf"}}),
               Catch::Contains("the constant for numerical features must be a finite number"));
    CHECK_THAT(failure_of({{"impute-categorical", "constant: "}}),
               Catch::Contains("constant: needs a value after the colon"));
}

TEST_CASE("effective_hyperparameters names every setting and reads back as the same settings",
          "[unit][hyperparameters]") {
    const TrainingSettings s = resolve({{"C", "0.5"},
                                        {"solver", "saga"},
                                        {"penalty", "elasticnet"},
                                        {"l1-ratio", "0.75"},
                                        {"random-state", "42"},
                                        {"handle-unknown", "infrequent-if-exist"},
                                        {"min-frequency", "0.1"},
                                        {"max-categories", "4"},
                                        {"impute-numerical", "constant:0"},
                                        {"impute-categorical", "most_frequent"},
                                        {"archive-format", "text"},
                                        {"dtype", "float32"},
                                        {"verbose", "true"}});
    const json effective = effective_hyperparameters(s, {"island"}, {"bill", "depth"}, "species");
    CHECK(effective.size() == hyperparameter_specs().size());
    for (const auto& name : hyperparameter_names()) CHECK(effective.contains(name));
    CHECK(effective.at("categorical-features") == json({"island"}));
    CHECK(effective.at("target") == "species");
    CHECK(effective.at("C") == 0.5);
    CHECK(effective.at("solver") == "saga");
    CHECK(effective.at("penalty") == "elasticnet");
    CHECK(effective.at("l1-ratio") == 0.75);
    CHECK(effective.at("random-state") == 42);
    CHECK(effective.at("handle-unknown") == "infrequent_if_exist");
    CHECK(effective.at("min-frequency") == 0.1);
    CHECK(effective.at("max-categories") == 4);
    CHECK(effective.at("impute-numerical") == "constant:0");
    CHECK(effective.at("impute-categorical") == "most_frequent");
    CHECK(effective.at("archive-format") == "text");
    CHECK(effective.at("dtype") == "float32");
    CHECK(effective.at("verbose") == true);
    CHECK(effective.at("n-jobs") == -1);

    // Given back as hyperparameters, the effective values give the same settings.
    const TrainingSettings again = resolve(effective);
    CHECK(again.classifier == s.classifier);
    CHECK(effective_hyperparameters(again, *again.categorical_features, *again.numerical_features, again.target) ==
          effective);

    // A count of rows is written as a whole number; unset bounds as null.
    const json defaults = effective_hyperparameters(resolve({{"min-frequency", "7"}}), {}, {}, "y");
    CHECK(defaults.at("min-frequency") == 7);
    CHECK(defaults.at("max-categories").is_null());
    CHECK(defaults.at("l1-ratio").is_null());
    CHECK(defaults.at("impute-numerical") == "none");
    CHECK(defaults.at("handle-unknown") == "ignore");

    // The defaults, nulls included, read back as the same settings (metadata.json's
    // hyperparameters can be given to the next job as they are).
    const TrainingSettings from_defaults = resolve(defaults);
    CHECK(from_defaults.classifier == TrainingSettings{}.classifier);
    CHECK_FALSE(from_defaults.max_categories);
    CHECK(from_defaults.min_frequency == mlpipe::MinFrequency::count(7));
}

TEST_CASE("hyperparameter_help lists every hyperparameter with its default", "[unit][hyperparameters]") {
    const std::string help = hyperparameter_help();
    CHECK_THAT(help, Catch::Contains("  --C (default 1.0): inverse of the regularisation strength"));
    CHECK_THAT(help, Catch::Contains("  --handle-unknown (default ignore): ignore | error | infrequent_if_exist"));
    std::size_t lines = 0;
    for (char c : help) lines += c == '\n' ? 1 : 0;
    CHECK(lines == hyperparameter_specs().size());
}
