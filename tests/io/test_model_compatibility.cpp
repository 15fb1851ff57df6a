// Model files written by earlier releases keep loading and predict as they did, and every
// option of the current release survives a save and load.

#include "../support/datasets.hpp"
#include "../support/temp_dir.hpp"

#include <mlpipe/io/model_archive.hpp>  // saves models other than the stock pipelines
#include <mlpipe/mlpipe.hpp>

#include <catch2/catch.hpp>

#include <boost/crc.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

using namespace mlpipe;
namespace fs = std::filesystem;

namespace {
using Model = Pipeline<OneHotEncoder, StandardScaler, LogisticRegression>;

fs::path fixtures(const std::string& version) { return test::data_dir() / "fixtures" / ("model-" + version); }

// The fixtures of one release (the penguins pipeline, C = 0.5, balanced class weights,
// handle_unknown = ignore; see the README beside them) load and predict as they did.
void check_fixtures(const std::string& version) {
    test::ReferenceSet set("penguins");
    const Frame expected = read_csv(fixtures(version) / ("penguins-" + version + ".proba.csv"));
    for (const std::string format : {"binary", "xml"}) {
        const fs::path file = fixtures(version) / ("penguins-" + version + "." + format + ".mlpipe");
        INFO(file);
        CHECK(inspect_model_file(file).library_version == version);
        const Model model = load<Model>(file);
        const auto proba = model.predict_proba(set.X_test);
        REQUIRE(proba.rows() == static_cast<Eigen::Index>(expected.rows()));
        for (Eigen::Index i = 0; i < proba.rows(); ++i)
            for (Eigen::Index c = 0; c < 2; ++c)
                CHECK(proba(i, c) == Approx(expected[static_cast<std::size_t>(c)].values()[static_cast<std::size_t>(i)])
                                         .epsilon(0)
                                         .margin(1e-15));
        // What these releases could not store takes the value that fitted it.
        const auto& lr = model.step<LogisticRegression>();
        CHECK(lr.options().solver == Solver::lbfgs);
        CHECK(lr.options().C == 0.5);
        CHECK(lr.options().class_weight == ClassWeight::balanced);
        CHECK_FALSE(lr.options().l1_ratio.has_value());
        CHECK(lr.options().random_state == 0);
        CHECK(lr.n_iter() == 19);
        REQUIRE_FALSE(lr.history().empty());
        CHECK(lr.history().back().iteration == 19);
        if (version == "0.1.0")
            CHECK(lr.history().back().seconds == 0);  // 0.1 did not time iterations
        else
            CHECK(lr.history().back().seconds > 0);
        const auto& encoder = model.step<OneHotEncoder>();
        CHECK(encoder.options() ==
              OneHotEncoder::Options{.columns = {"species", "island"}, .handle_unknown = HandleUnknown::ignore});
        CHECK(encoder.categories() == std::vector<std::vector<std::string>>{{"Adelie", "Chinstrap", "Gentoo"},
                                                                            {"Biscoe", "Dream", "Torgersen"}});
        CHECK(encoder.infrequent_categories() == std::vector<std::vector<std::string>>(2));
        CHECK(encoder.drop_idx() == std::vector<int>{-1, -1});

        // Saved again by this release, it reads back the same.
        test::TempDir dir;
        save(model, dir.path() / "again.mlpipe");
        const Model again = load<Model>(dir.path() / "again.mlpipe");
        CHECK(again.predict_proba(set.X_test) == proba);
        CHECK(again.step<OneHotEncoder>().options() == encoder.options());
        CHECK(inspect_model_file(dir.path() / "again.mlpipe").library_version == version_string);
    }
}
}  // namespace

TEST_CASE("model files written by mlpipe 0.1.0 load and predict as they did", "[persistence][compatibility]") {
    check_fixtures("0.1.0");
}

TEST_CASE("model files written by mlpipe 0.2.0 load and predict as they did", "[persistence][compatibility]") {
    check_fixtures("0.2.0");
}

TEST_CASE("every encoder option round-trips through every archive kind", "[persistence]") {
    test::ReferenceSet set("penguins");
    const double nan = std::nan("");
    // Text with the missing value placed inside, numbers with NaN last (checks the bits, not ==).
    const OneHotEncoder::Options options{
        .columns = {"species", "island", "flipper_length_mm"},
        .handle_unknown = HandleUnknown::infrequent_if_exist,
        .drop = Drop::if_binary,
        .categories = {{.column = "species", .text = {"Gentoo", std::nullopt, "Adelie", "Chinstrap", "Emperor"}},
                       {.column = "island", .text = {"Torgersen", "Dream", "Biscoe"}},
                       {.column = "flipper_length_mm", .numbers = {-1e300, 180.5, 190, 210, nan}}},
        .min_frequency = MinFrequency::fraction(0.15),
        .max_categories = 4};
    for (const auto& min_frequency : {MinFrequency::fraction(0.15), MinFrequency::count(40)}) {
        auto with = options;
        with.min_frequency = min_frequency;
        OneHotEncoder encoder(with);
        encoder.fit(set.X_train);
        REQUIRE_FALSE(encoder.infrequent_categories()[0].empty());
        test::TempDir dir;
        for (auto format : {ArchiveFormat::binary, ArchiveFormat::text, ArchiveFormat::xml}) {
            INFO(to_string(format));
            const fs::path file = dir.path() / (std::string("encoder.") + to_string(format));
            save(encoder, file, format);
            const OneHotEncoder again = load<OneHotEncoder>(file);
            CHECK(again.options() == with);
            const auto& numbers = again.options().categories.at(2).numbers;
            REQUIRE(numbers.size() == 5);
            CHECK(std::isnan(numbers.back()));
            CHECK(numbers.front() == -1e300);
            CHECK(again.options().categories.at(0).text.at(1) == std::nullopt);
            CHECK(again.categories() == encoder.categories());
            CHECK(again.infrequent_categories() == encoder.infrequent_categories());
            CHECK(again.drop_idx() == encoder.drop_idx());
            CHECK(again.feature_names_out() == encoder.feature_names_out());
            CHECK(again.transform(set.X_test).to_dense() == encoder.transform(set.X_test).to_dense());
        }
    }
    // Unset options stay unset.
    OneHotEncoder plain({.columns = {"island"}, .drop = Drop::first});
    plain.fit(set.X_train);
    test::TempDir dir;
    save(plain, dir.path() / "plain.mlpipe", ArchiveFormat::xml);
    const auto loaded = load<OneHotEncoder>(dir.path() / "plain.mlpipe");
    CHECK(loaded.options() == plain.options());
    CHECK_FALSE(loaded.options().min_frequency.has_value());
    CHECK_FALSE(loaded.options().max_categories.has_value());
    CHECK(loaded.options().categories.empty());
}

TEST_CASE("every solver option round-trips through every archive kind", "[persistence]") {
    test::ReferenceSet set("penguins");
    const LogisticRegression::Options options{.C = 0.5,
                                              .max_iter = 7,
                                              .tol = 1e-3,
                                              .match_sklearn = SklearnVersion::latest,
                                              .solver = Solver::saga,
                                              .penalty = Penalty::elasticnet,
                                              .l1_ratio = 0.25,
                                              .class_weight = ClassWeight::balanced,
                                              .fit_intercept = true,
                                              .random_state = 12345678901234ULL};
    Model model = set.pipeline(options);
    model.fit(set.X_train, set.y_train);
    test::TempDir dir;
    for (auto format : {ArchiveFormat::binary, ArchiveFormat::text, ArchiveFormat::xml}) {
        INFO(to_string(format));
        const fs::path file = dir.path() / (std::string("model.") + to_string(format));
        save(model, file, format);
        const Model again = load<Model>(file);
        const auto& lr = again.step<LogisticRegression>();
        CHECK(lr.options() == options);
        CHECK(lr.stop_reason() == model.step<LogisticRegression>().stop_reason());
        CHECK(lr.history().size() == model.step<LogisticRegression>().history().size());
        CHECK(lr.history().back().seconds == model.step<LogisticRegression>().history().back().seconds);
        CHECK(again.predict_proba(set.X_test) == model.predict_proba(set.X_test));
    }
    // Without l1_ratio, it stays absent.
    Model plain = set.pipeline({.solver = Solver::newton_cg, .penalty = Penalty::none});
    plain.fit(set.X_train, set.y_train);
    save(plain, dir.path() / "plain.mlpipe", ArchiveFormat::xml);
    const Model loaded = load<Model>(dir.path() / "plain.mlpipe");
    const auto& lr = loaded.step<LogisticRegression>();
    CHECK(lr.options().solver == Solver::newton_cg);
    CHECK(lr.options().penalty == Penalty::none);
    CHECK_FALSE(lr.options().l1_ratio.has_value());
}

// The CRC-32 of the payload is rewritten after an edit of the same length, so the
// envelope is valid and the options check itself has to refuse the file.
std::string with_fixed_checksum(std::string file) {
    auto u32_at = [&](std::size_t at) {
        std::uint32_t value = 0;
        for (int b = 3; b >= 0; --b)
            value = (value << 8) | static_cast<unsigned char>(file[at + static_cast<std::size_t>(b)]);
        return value;
    };
    const std::size_t type_length_at = 16;
    const std::size_t version_length_at = type_length_at + 4 + u32_at(type_length_at);
    const std::size_t payload_length_at = version_length_at + 4 + u32_at(version_length_at);
    const std::size_t payload_at = payload_length_at + 8 + 4;
    boost::crc_32_type crc;
    crc.process_bytes(file.data() + payload_at, file.size() - payload_at);
    std::uint32_t checksum = crc.checksum();
    for (std::size_t b = 0; b < 4; ++b, checksum >>= 8)
        file[payload_length_at + 8 + b] = static_cast<char>(checksum & 0xff);
    return file;
}

TEST_CASE("a model file whose options no solver supports is refused", "[persistence][errors]") {
    test::ReferenceSet set("penguins");
    Model model = set.pipeline({.solver = Solver::saga, .penalty = Penalty::l1});
    model.fit(set.X_train, set.y_train);
    test::TempDir dir;
    save(model, dir.path() / "l1.mlpipe", ArchiveFormat::xml);
    const std::string good = test::read_bytes(dir.path() / "l1.mlpipe");
    CHECK_NOTHROW(load_from_string<Model>(with_fixed_checksum(good)));

    auto forged = [&](const std::string& from, const std::string& to) {
        std::string bytes = good;
        const auto at = bytes.find(from);
        REQUIRE(at != std::string::npos);
        bytes.replace(at, from.size(), to);
        return with_fixed_checksum(bytes);
    };
    // saga (4) -> lbfgs (0): lbfgs has no l1 penalty.
    CHECK_THROWS_WITH(load_from_string<Model>(forged("<solver>4</solver>", "<solver>0</solver>")),
                      Catch::Contains("invalid options") && Catch::Contains("penalty l1 needs solver saga"));
    // A solver number this release does not know.
    CHECK_THROWS_WITH(load_from_string<Model>(forged("<solver>4</solver>", "<solver>9</solver>")),
                      Catch::Contains("unknown value 9 for 'solver'"));
}

TEST_CASE("a model file with encoder options sklearn refuses is refused", "[persistence][errors]") {
    test::ReferenceSet set("penguins");
    OneHotEncoder encoder(
        {.columns = {"island"}, .handle_unknown = HandleUnknown::infrequent_if_exist, .max_categories = 2});
    encoder.fit(set.X_train);
    const std::string good = save_to_string(encoder, ArchiveFormat::xml);
    CHECK_NOTHROW(load_from_string<OneHotEncoder>(with_fixed_checksum(good)));
    auto forged = [&](const std::string& from, const std::string& to) {
        std::string bytes = good;
        const auto at = bytes.find(from);
        REQUIRE(at != std::string::npos);
        bytes.replace(at, from.size(), to);
        return with_fixed_checksum(bytes);
    };
    CHECK_THROWS_WITH(load_from_string<OneHotEncoder>(
                          forged("<max_categories>2</max_categories>", "<max_categories>0</max_categories>")),
                      Catch::Contains("invalid options") && Catch::Contains("max_categories must be >= 1"));
    CHECK_THROWS_WITH(load_from_string<OneHotEncoder>(
                          forged("<handle_unknown>2</handle_unknown>", "<handle_unknown>3</handle_unknown>")),
                      Catch::Contains("unknown value 3 for 'handle_unknown'"));
    // Infrequent categories that point past the categories.
    CHECK_THROWS_WITH(load_from_string<OneHotEncoder>(forged("<item>1</item>", "<item>7</item>")),
                      Catch::Contains("infrequent categories out of order or out of range"));
}
