// Saving and loading real pipelines: files on disk, refusal of damaged or foreign files.

#include "../support/datasets.hpp"
#include "../support/temp_dir.hpp"

#include <mlpipe/io/model_archive.hpp>  // saves models other than the stock pipelines
#include <mlpipe/mlpipe.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace mlpipe;
namespace fs = std::filesystem;

namespace {
using Model = Pipeline<OneHotEncoder, StandardScaler, LogisticRegression>;

using test::read_bytes;
using test::TempDir;
using test::write_bytes;
}  // namespace

TEST_CASE("a fitted pipeline saves and loads in every archive kind", "[persistence]") {
    test::ReferenceSet set("penguins");
    Model model = set.pipeline();
    model.fit(set.X_train, set.y_train);
    TempDir dir;
    for (auto format : {ArchiveFormat::binary, ArchiveFormat::text, ArchiveFormat::xml}) {
        INFO(to_string(format));
        const fs::path file = dir.path() / (std::string("model.") + to_string(format));
        save(model, file, format);
        Model again = load<Model>(file);
        CHECK(again.predict_proba(set.X_test) == model.predict_proba(set.X_test));
        CHECK(again.predict(set.X_test).codes().size() == set.X_test.rows());
        const auto& lr = again.step<LogisticRegression>();
        CHECK(lr.n_iter() == model.step<LogisticRegression>().n_iter());
        CHECK(lr.classes() == model.classes());
        CHECK(lr.feature_names_out() == model.step<LogisticRegression>().feature_names_out());
        CHECK(again.step<OneHotEncoder>().categories() == model.step<OneHotEncoder>().categories());
        CHECK(again.schema() == model.schema());
        auto info = inspect_model_file(file);
        CHECK(info.format == format);
        CHECK(info.model_type == Model::type_name());
        // The same from the bytes read once (what a loader of several model types does).
        const std::string bytes = read_model_file(file);
        CHECK(inspect_model_bytes(bytes).model_type == Model::type_name());
        CHECK(load_from_string<Model>(bytes).predict_proba(set.X_test) == model.predict_proba(set.X_test));
    }
    // Only the three model files: no temporary files left behind.
    CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}) == 3);
}

TEST_CASE("damaged and foreign model files are refused before deserialisation", "[persistence][errors]") {
    test::ReferenceSet set("penguins");
    Model model = set.pipeline();
    model.fit(set.X_train, set.y_train);
    TempDir dir;
    const fs::path good = dir.path() / "good.mlpipe";
    save(model, good);
    const std::string bytes = read_bytes(good);

    SECTION("truncated") {
        for (std::size_t keep : {std::size_t{0}, std::size_t{5}, std::size_t{30}, bytes.size() / 2, bytes.size() - 1}) {
            write_bytes(dir.path() / "cut.mlpipe", bytes.substr(0, keep));
            CHECK_THROWS_AS(load<Model>(dir.path() / "cut.mlpipe"), model_file_error);
        }
        write_bytes(dir.path() / "cut.mlpipe", bytes.substr(0, bytes.size() - 10));
        CHECK_THROWS_WITH(load<Model>(dir.path() / "cut.mlpipe"), Catch::Contains("cut.mlpipe"));
    }
    SECTION("a flipped byte in the payload") {
        std::string flipped = bytes;
        flipped[flipped.size() - 20] = static_cast<char>(flipped[flipped.size() - 20] ^ 0x40);
        write_bytes(dir.path() / "flipped.mlpipe", flipped);
        CHECK_THROWS_WITH(load<Model>(dir.path() / "flipped.mlpipe"), Catch::Contains("checksum"));
    }
    SECTION("a file of another pipeline type") {
        using Other = Pipeline<OneHotEncoder, LogisticRegression>;
        CHECK_THROWS_WITH(load<Other>(good), Catch::Contains(Model::type_name()) &&
                                                 Catch::Contains(Other::type_name()));
        using FloatModel = Pipeline<OneHotEncoder, StandardScaler, BasicLogisticRegression<float>>;
        CHECK_THROWS_AS(load<FloatModel>(good), model_file_error);
    }
    SECTION("not a model file at all") {
        write_bytes(dir.path() / "data.csv", "species,island\nAdelie,Dream\n");
        CHECK_THROWS_WITH(load<Model>(dir.path() / "data.csv"), Catch::Contains("not an mlpipe model file"));
        CHECK_THROWS_AS(load<Model>(dir.path() / "absent.mlpipe"), model_file_error);
    }
    SECTION("a failed save leaves the old file intact") {
        CHECK_THROWS_AS(save(model, dir.path() / "no-such-dir" / "m.mlpipe"), model_file_error);
        CHECK_FALSE(fs::exists(dir.path() / "no-such-dir"));
        CHECK(read_bytes(good) == bytes);
    }
}
