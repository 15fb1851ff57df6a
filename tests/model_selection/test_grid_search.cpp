// get_params / set_params by name, and GridSearchCV against scikit-learn 1.2.1
// (data/reference/model_selection.json, "grid_search").

#include "../support/datasets.hpp"

#include <mlpipe/mlpipe.hpp>
#include <mlpipe/model_selection.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

using namespace mlpipe;

namespace {
using Model = Pipeline<OneHotEncoder, StandardScaler, LogisticRegression>;
}  // namespace

TEST_CASE("get_params names every option of every step as scikit-learn does", "[params]") {
    Model model{OneHotEncoder({.columns = {"island"}}), StandardScaler(), LogisticRegression({.C = 0.5})};
    const Params params = get_params(model);
    CHECK(std::get<double>(params.at("logisticregression__C")) == 0.5);
    CHECK(std::get<std::string>(params.at("logisticregression__solver")) == "lbfgs");
    CHECK(std::holds_alternative<std::monostate>(params.at("logisticregression__l1_ratio")));
    CHECK(std::get<std::int64_t>(params.at("logisticregression__max_iter")) == 100);
    CHECK(std::get<std::vector<std::string>>(params.at("onehotencoder__columns")) == std::vector<std::string>{"island"});
    CHECK(std::get<bool>(params.at("standardscaler__with_mean")));
    CHECK(to_string(params.at("onehotencoder__handle_unknown")) == "error");
    CHECK(std::holds_alternative<std::monostate>(params.at("onehotencoder__min_frequency")));

    // The encoder's infrequent-category options: a whole number of rows or a fraction.
    set_params(model, {{"onehotencoder__min_frequency", 5},
                       {"onehotencoder__max_categories", 3},
                       {"onehotencoder__handle_unknown", "infrequent_if_exist"}});
    const auto& encoder = model.step<OneHotEncoder>().options();
    REQUIRE(encoder.min_frequency);
    CHECK(encoder.min_frequency->kind == MinFrequency::Kind::count);
    CHECK(encoder.min_frequency->rows == 5);
    CHECK(encoder.max_categories == 3);
    CHECK(encoder.handle_unknown == HandleUnknown::infrequent_if_exist);
    set_params(model, {{"onehotencoder__min_frequency", 0.1}, {"onehotencoder__max_categories", unset}});
    CHECK(model.step<OneHotEncoder>().options().min_frequency == MinFrequency::fraction(0.1));
    CHECK_FALSE(model.step<OneHotEncoder>().options().max_categories);
    CHECK(std::get<double>(get_params(model).at("onehotencoder__min_frequency")) == 0.1);
    CHECK_THROWS_AS(set_params(model, {{"onehotencoder__max_categories", 0}}), parameter_error);
    CHECK_THROWS_WITH(set_params(model, {{"onehotencoder__min_frequency", "often"}}), Catch::Contains("min_frequency"));

    // Repeated step types are numbered, as make_pipeline numbers them.
    Pipeline<SimpleImputer, SimpleImputer, LogisticRegression> imputing;
    CHECK(step_names(imputing) == std::vector<std::string>{"simpleimputer-1", "simpleimputer-2", "logisticregression"});
    set_params(imputing, {{"simpleimputer-2__strategy", "most_frequent"}, {"simpleimputer-1__fill_value", "0"}});
    CHECK(imputing.step<1>().options().strategy == ImputeStrategy::most_frequent);
    CHECK(imputing.step<0>().options().strategy == ImputeStrategy::mean);
    CHECK(imputing.step<0>().options().fill_value == "0");
}

TEST_CASE("the encoder's categories are read and set by name, as scikit-learn's categories", "[params]") {
    Model model;
    CHECK(to_string(get_params(model).at("onehotencoder__categories")) == "auto");

    // Explicit lists, as scikit-learn's categories=[["green", "red", "blue"], [1.0, 8.0]]:
    // the output columns follow the order given, and a numeric column may be encoded too.
    const CategoryLists lists{{.column = "color", .text = {"green", "red", "blue"}},
                              {.column = "size", .numbers = {1.0, 8.0}}};
    set_params(model, {{"onehotencoder__columns", std::vector<std::string>{"color", "size"}},
                       {"onehotencoder__categories", lists},
                       {"onehotencoder__handle_unknown", "ignore"}});
    CHECK(model.step<OneHotEncoder>().options().categories == lists);
    const ParamValue read_back = get_params(model).at("onehotencoder__categories");
    CHECK(std::get<CategoryLists>(read_back) == lists);
    CHECK(to_string(read_back) == "[color: [green, red, blue], size: [1, 8]]");
    model.fit(test::toy_X(), test::toy_y());
    CHECK(model.step<OneHotEncoder>().feature_names_out() ==
          std::vector<std::string>{"color_green", "color_red", "color_blue", "size_1", "size_8"});

    // "auto" gives the decision back to fit (sorted categories); the fitted ones stay until then.
    set_params(model, {{"onehotencoder__categories", "auto"}, {"onehotencoder__columns", std::vector<std::string>{}}});
    CHECK(model.step<OneHotEncoder>().options().categories.empty());
    CHECK(model.step<OneHotEncoder>().feature_names_out().front() == "color_green");
    model.fit(test::toy_X(), test::toy_y());
    CHECK(model.step<OneHotEncoder>().feature_names_out() ==
          std::vector<std::string>{"color_blue", "color_green", "color_red"});

    // Refused whole, naming the parameter or the list at fault.
    const Model before = model;
    CHECK_THROWS_WITH(set_params(model, {{"onehotencoder__categories", "sorted"}}),
                      Catch::Contains("'categories'") && Catch::Contains("\"auto\"") && Catch::Contains("sorted"));
    CHECK_THROWS_WITH(set_params(model, {{"onehotencoder__categories", std::vector<std::string>{"red"}}}),
                      Catch::Contains("'categories'") && Catch::Contains("a list of names"));
    CHECK_THROWS_WITH(
        set_params(model, {{"onehotencoder__categories", CategoryLists{{.column = "color", .text = {"red", "red"}}}}}),
        Catch::Contains("column 'color'") && Catch::Contains("'red' twice"));
    CHECK_THROWS_WITH(set_params(model, {{"logisticregression__C", CategoryLists{}}}),
                      Catch::Contains("takes a number") && Catch::Contains("category lists"));
    CHECK(get_params(model) == get_params(before));
}

TEST_CASE("set_params sets options by name and refuses wrong names and values whole", "[params][errors]") {
    Model model;
    set_params(model, {{"logisticregression__C", 0.1},
                       {"logisticregression__max_iter", 300},
                       {"logisticregression__penalty", "l1"},
                       {"logisticregression__solver", "saga"},
                       {"logisticregression__class_weight", "balanced"},
                       {"onehotencoder__drop", "if_binary"},
                       {"standardscaler__with_std", false}});
    const auto& lr = model.step<LogisticRegression>().options();
    CHECK(lr.C == 0.1);
    CHECK(lr.max_iter == 300);
    CHECK(lr.penalty == Penalty::l1);
    CHECK(lr.solver == Solver::saga);
    CHECK(lr.class_weight == ClassWeight::balanced);
    CHECK(model.step<OneHotEncoder>().options().drop == Drop::if_binary);
    CHECK_FALSE(model.step<StandardScaler>().options().with_std);
    // Read back, they are the values set.
    CHECK(to_string(get_params(model).at("logisticregression__class_weight")) == "balanced");
    set_params(model, {{"logisticregression__class_weight", unset}, {"logisticregression__C", 2}});
    CHECK(model.step<LogisticRegression>().options().class_weight == ClassWeight::none);
    CHECK(model.step<LogisticRegression>().options().C == 2.0);

    const Model before = model;
    auto unchanged = [&] { return get_params(model) == get_params(before); };
    CHECK_THROWS_WITH(set_params(model, {{"logisticregression__gamma", 1.0}}),
                      Catch::Contains("gamma") && Catch::Contains("'C'"));
    CHECK_THROWS_WITH(set_params(model, {{"svc__C", 1.0}}),
                      Catch::Contains("svc__C") && Catch::Contains("logisticregression"));
    CHECK_THROWS_WITH(set_params(model, {{"C", 1.0}}), Catch::Contains("<step>__<name>"));
    CHECK_THROWS_WITH(set_params(model, {{"logisticregression__max_iter", 2.5}}), Catch::Contains("whole number"));
    CHECK_THROWS_WITH(set_params(model, {{"logisticregression__C", "big"}}), Catch::Contains("takes a number"));
    CHECK_THROWS_WITH(set_params(model, {{"logisticregression__solver", "adam"}}),
                      Catch::Contains("adam") && Catch::Contains("newton-cg"));
    // Each value fine alone, the two together not: the first step's change is undone too.
    CHECK_THROWS_AS(set_params(model, {{"onehotencoder__drop", "first"},
                                       {"logisticregression__penalty", "elasticnet"},
                                       {"logisticregression__l1_ratio", unset}}),
                    parameter_error);
    CHECK(unchanged());
    CHECK_THROWS_AS(set_params(model, {{"logisticregression__C", -1.0}}), parameter_error);
    CHECK(unchanged());
}

TEST_CASE("GridSearchCV finds scikit-learn's scores, ranks and best candidate", "[model_selection][sklearn]") {
    std::ifstream in(test::data_dir() / "reference" / "model_selection.json");
    const auto ref = nlohmann::json::parse(in);
    for (const std::string name : {"penguins", "iris", "penguins_species"}) {
        INFO("set " << name);
        test::ReferenceSet set(name);
        const auto& expected = ref["sets"][name]["grid_search"];
        GridSearchCV search(set.pipeline({.match_sklearn = SklearnVersion::v1_2}),
                            {{"logisticregression__C", {0.01, 0.1, 1.0, 10.0}},
                             {"logisticregression__fit_intercept", {true, false}}});
        search.fit(set.X_train, set.y_train);
        const CvResults& results = search.cv_results();
        REQUIRE(results.params.size() == expected["params"].size());
        for (std::size_t c = 0; c < results.params.size(); ++c) {
            INFO("candidate " << c);
            const auto& p = expected["params"][c];
            CHECK(std::get<double>(results.params[c].at("logisticregression__C")) ==
                  p["logisticregression__C"].get<double>());
            CHECK(std::get<bool>(results.params[c].at("logisticregression__fit_intercept")) ==
                  p["logisticregression__fit_intercept"].get<bool>());
            const auto split = expected["split_test_scores"][c].get<std::vector<double>>();
            REQUIRE(results.split_test_scores[c].size() == split.size());
            for (std::size_t k = 0; k < split.size(); ++k)
                CHECK(results.split_test_scores[c][k] == Approx(split[k]).epsilon(1e-12));
            CHECK(results.mean_test_score[c] == Approx(expected["mean_test_score"][c].get<double>()).epsilon(1e-12));
            CHECK(results.std_test_score[c] ==
                  Approx(expected["std_test_score"][c].get<double>()).epsilon(1e-9).margin(1e-15));
            CHECK(results.rank_test_score[c] == expected["rank_test_score"][c].get<int>());
        }
        CHECK(search.best_index() == expected["best_index"].get<std::size_t>());
        CHECK(search.best_score() == results.mean_test_score[search.best_index()]);
        // The refitted best model is the best candidate fitted on all the rows.
        auto refitted = set.pipeline({.match_sklearn = SklearnVersion::v1_2});
        set_params(refitted, search.best_params());
        refitted.fit(set.X_train, set.y_train);
        CHECK(search.best_estimator().predict_proba(set.X_test) == refitted.predict_proba(set.X_test));
        CHECK(results.to_string().find("logisticregression__C=") != std::string::npos);
    }
}

TEST_CASE("GridSearchCV: same results at any thread count, bad grids refused before any fit",
          "[model_selection][errors]") {
    test::ReferenceSet set("penguins");
    const ParamGrid grid = {{"logisticregression__C", {0.1, 1.0}}, {"standardscaler__with_mean", {true, false}}};
    using Search = GridSearchCV<decltype(set.pipeline())>;
    Search one(set.pipeline(), grid, {.refit = false, .n_jobs = 1});
    Search all(set.pipeline(), grid, {.refit = false, .n_jobs = -1});
    one.fit(set.X_train, set.y_train);
    all.fit(set.X_train, set.y_train);
    CHECK(one.cv_results().split_test_scores == all.cv_results().split_test_scores);
    CHECK(one.candidates().size() == 4);
    CHECK_THROWS_AS(one.best_estimator(), not_fitted_error);

    CHECK_THROWS_WITH(Search(set.pipeline(), {{"logisticregression__Cee", {1.0}}}), Catch::Contains("Cee"));
    CHECK_THROWS_WITH(Search(set.pipeline(), {{"logisticregression__C", {}}}), Catch::Contains("no values"));
    CHECK_THROWS_AS(Search(set.pipeline(), {{"logisticregression__C", {1.0, -2.0}}}), parameter_error);
    Search unfitted(set.pipeline(), grid);
    CHECK_THROWS_AS(unfitted.best_params(), not_fitted_error);
}
