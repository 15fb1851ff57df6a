// Forged model files: a payload rewritten by hand with its envelope (length, CRC-32) recomputed,
// so that only the archive lies. Each must be refused with a model_file_error that names the file
// and the field, before anything of the claimed size is allocated.
//
// The files in data/fixtures/forged are made by the hidden test case at the end of this file:
//   mlpipe_tests "[.write-forged-fixtures]"

#include "../support/datasets.hpp"
#include "../support/temp_dir.hpp"

#include <mlpipe/mlpipe.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

using namespace mlpipe;
namespace fs = std::filesystem;

namespace {
using Model = Pipeline<OneHotEncoder, StandardScaler, LogisticRegression>;

fs::path forged_dir() { return test::data_dir() / "fixtures" / "forged"; }

const Model& fitted_model() {
    static const Model model = [] {
        test::ReferenceSet set("penguins");
        Model m = set.pipeline();
        m.fit(set.X_train, set.y_train);
        return m;
    }();
    return model;
}

std::string payload_of(const std::string& file) {
    return std::string(detail::model_file::parse_envelope(file, "<test>", nullptr).payload);
}

// The same envelope around another payload: its length and CRC-32 recomputed with the library's
// own functions, so the file passes every envelope check.
std::string with_payload(const std::string& file, const std::string& payload) {
    const std::size_t old_size = payload_of(file).size();
    std::string out = file.substr(0, file.size() - old_size - 12);  // up to the payload length field
    detail::model_file::append_little_endian<std::uint64_t>(out, payload.size());
    detail::model_file::append_little_endian<std::uint32_t>(out, detail::model_file::crc32_of(payload));
    return out + payload;
}

template <class T>
std::string raw_bytes(const T& value) {
    return std::string(reinterpret_cast<const char*>(&value), sizeof value);
}

template <class T>
std::string raw_bytes(const T* values, std::size_t count) {
    return std::string(reinterpret_cast<const char*>(values), count * sizeof(T));
}

// Replaces the one occurrence of `from` (which must be there exactly once).
std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    const std::size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    REQUIRE(text.find(from, at + 1) == std::string::npos);
    return text.replace(at, from.size(), to);
}

const LogisticRegression& classifier() { return fitted_model().step<LogisticRegression>(); }

// In a binary archive a std::string is its length as size_t, then its bytes; the first string of
// the model is the name of the first input column.
std::string forge_string_length(ArchiveFormat format, std::uint64_t claim) {
    const std::string file = save_to_string(fitted_model(), format);
    const std::string name = fitted_model().schema().columns().front().name;
    std::string payload = payload_of(file);
    if (format == ArchiveFormat::binary) {
        const std::string stored = raw_bytes(std::size_t{name.size()}) + name;
        const std::size_t at = payload.find(stored);
        REQUIRE(at != std::string::npos);
        payload.replace(at, sizeof(std::size_t), raw_bytes(std::size_t{claim}));
    } else {  // text: "<length> <bytes>"
        const std::string stored = " " + std::to_string(name.size()) + " " + name;
        const std::size_t at = payload.find(stored);
        REQUIRE(at != std::string::npos);
        payload.replace(at, stored.size(), " " + std::to_string(claim) + " " + name);
    }
    return with_payload(file, payload);
}

// coef is a 1 x p matrix: rows and cols as int64, then its coefficients.
std::string forge_matrix_size(ArchiveFormat format, std::int64_t rows, std::int64_t cols) {
    const std::string file = save_to_string(fitted_model(), format);
    const auto& coef = classifier().coef();
    std::string payload = payload_of(file);
    if (format == ArchiveFormat::binary) {
        const std::string stored = raw_bytes(std::int64_t{coef.rows()}) + raw_bytes(std::int64_t{coef.cols()}) +
                                   raw_bytes(coef.data(), static_cast<std::size_t>(coef.size()));
        payload = replace_once(payload, stored,
                               raw_bytes(rows) + raw_bytes(cols) + stored.substr(2 * sizeof(std::int64_t)));
    } else {
        REQUIRE(format == ArchiveFormat::xml);
        const std::size_t at = payload.find("<coef ");
        REQUIRE(at != std::string::npos);
        for (auto [tag, value] : {std::pair{"rows", rows}, std::pair{"cols", cols}}) {
            const std::string open = std::string("<") + tag + ">";
            const std::size_t value_at = payload.find(open, at) + open.size();
            payload.replace(value_at, payload.find('<', value_at) - value_at, std::to_string(value));
        }
    }
    return with_payload(file, payload);
}

// `converged` follows the intercept's coefficients and n_iter (int) in a binary archive.
std::string forge_bool(ArchiveFormat format, unsigned value) {
    const std::string file = save_to_string(fitted_model(), format);
    std::string payload = payload_of(file);
    const auto& lr = classifier();
    if (format == ArchiveFormat::binary) {
        const std::string stored = raw_bytes(lr.intercept().data(), static_cast<std::size_t>(lr.intercept().size())) +
                                   raw_bytes(lr.n_iter()) + raw_bytes(lr.converged());
        payload = replace_once(payload, stored,
                               stored.substr(0, stored.size() - 1) + static_cast<char>(static_cast<unsigned char>(value)));
    } else {
        REQUIRE(format == ArchiveFormat::xml);
        const std::string stored = "<converged>" + std::to_string(lr.converged() ? 1 : 0) + "</converged>";
        payload = replace_once(payload, stored, "<converged>" + std::to_string(value) + "</converged>");
    }
    return with_payload(file, payload);
}

// An end tag longer than the element's name: Boost's load_end compared it by reading past the
// name's string literal (ASan: global-buffer-overflow).
std::string forge_xml_end_tag() {
    const std::string file = save_to_string(fitted_model(), ArchiveFormat::xml);
    std::string payload = payload_of(file);
    const std::string tag = "</fit_intercept>";
    const std::size_t at = payload.find(tag);
    REQUIRE(at != std::string::npos);
    payload.replace(at, tag.size(), "</fit_intercept_and_then_a_great_deal_more_than_the_name_the_reader_expects>");
    return with_payload(file, payload);
}

// feature_names: its count (size_t), item version (unsigned), then the strings.
std::string forge_vector_count(std::uint64_t claim) {
    const std::string file = save_to_string(fitted_model(), ArchiveFormat::binary);
    const auto& names = classifier().feature_names_out();
    const std::string stored = raw_bytes(std::size_t{names.size()}) + raw_bytes(0u) +
                               raw_bytes(std::size_t{names.front().size()}) + names.front();
    std::string payload = payload_of(file);
    payload = replace_once(payload, stored, raw_bytes(std::size_t{claim}) + stored.substr(sizeof(std::size_t)));
    return with_payload(file, payload);
}

struct Forged {
    const char* file_name;
    std::string (*make)();
    const char* field;
    const char* message;
};

// The committed regression files and what each must be refused with.
const Forged committed[] = {
    {"string-claims-12GiB.binary.mlpipe",
     [] { return forge_string_length(ArchiveFormat::binary, std::uint64_t{12} << 30); }, "schema.columns.name: ",
     "string claims 12884901888 bytes, but only"},
    {"matrix-claims-2pow31.binary.mlpipe",
     [] { return forge_matrix_size(ArchiveFormat::binary, 1, std::int64_t{1} << 31); },
     "LogisticRegression<double>.coef: ", "matrix claims 2147483648 elements of at least 8 bytes, but only"},
    {"invalid-bool.binary.mlpipe", [] { return forge_bool(ArchiveFormat::binary, 248); },
     "LogisticRegression<double>.converged: ", "boolean holds 248, not 0 or 1"},
    {"broken-end-tag.xml.mlpipe", [] { return forge_xml_end_tag(); }, "LogisticRegression<double>.fit_intercept: ",
     "XML end tag </fit_intercept_and_then_a_great_deal_more_than_the_name_the_reader_expects> does not close "
     "<fit_intercept>"},
};

void require_refused(const std::string& bytes, const std::string& source, const std::string& field,
                     const std::string& message) {
    REQUIRE_THROWS_AS(load_from_string<Model>(bytes, source), model_file_error);
    REQUIRE_THROWS_WITH(load_from_string<Model>(bytes, source),
                        Catch::StartsWith(source + ": cannot read ") && Catch::Contains(field + message));
}

}  // namespace

TEST_CASE("the forger's rewrites keep a valid envelope around a real model", "[io][model_file][forged]") {
    for (auto format : {ArchiveFormat::binary, ArchiveFormat::text, ArchiveFormat::xml}) {
        const std::string file = save_to_string(fitted_model(), format);
        const Model again = load_from_string<Model>(with_payload(file, payload_of(file)));
        CHECK(again.step<LogisticRegression>().coef() == classifier().coef());
    }
    // Claims that match what is stored change nothing.
    const auto& coef = classifier().coef();
    CHECK_NOTHROW(load_from_string<Model>(forge_matrix_size(ArchiveFormat::binary, coef.rows(), coef.cols())));
    CHECK_NOTHROW(load_from_string<Model>(forge_bool(ArchiveFormat::binary, classifier().converged())));
    CHECK_NOTHROW(load_from_string<Model>(forge_vector_count(classifier().feature_names_out().size())));
}

TEST_CASE("a forged size is refused before it is allocated, naming the file and the field",
          "[io][model_file][forged]") {
    for (const Forged& forged : committed) {
        INFO(forged.file_name);
        require_refused(forged.make(), forged.file_name, forged.field, forged.message);
    }
    SECTION("strings") {
        require_refused(forge_string_length(ArchiveFormat::text, std::uint64_t{12} << 30), "m.text", "schema.columns.name: ",
                        "string claims 12884901888 bytes, but only");
        // Just past the end of the payload.
        const std::string file = save_to_string(fitted_model(), ArchiveFormat::binary);
        require_refused(forge_string_length(ArchiveFormat::binary, payload_of(file).size()), "m", "schema.columns.name: ",
                        "string claims");
        require_refused(forge_string_length(ArchiveFormat::binary, ~std::uint64_t{0}), "m", "schema.columns.name: ",
                        "string claims 18446744073709551615 bytes");
    }
    SECTION("collections") {
        require_refused(forge_vector_count(std::uint64_t{1} << 40), "m", "LogisticRegression<double>.feature_names: ",
                        "collection claims 1099511627776 elements of at least 8 bytes, but only");
        require_refused(forge_vector_count(~std::uint64_t{0}), "m", "LogisticRegression<double>.feature_names: ",
                        "collection claims 18446744073709551615 elements");
    }
    SECTION("matrices") {
        require_refused(forge_matrix_size(ArchiveFormat::xml, 1, std::int64_t{1} << 31), "m.xml",
                        "LogisticRegression<double>.coef: ", "matrix claims 2147483648 elements of at least 13 bytes, but only");
        require_refused(forge_matrix_size(ArchiveFormat::binary, 1 << 20, 1 << 10), "m",
                        "LogisticRegression<double>.coef: ", "matrix claims 1073741824 elements");
        require_refused(forge_matrix_size(ArchiveFormat::binary, std::int64_t{1} << 40, 3), "m",
                        "LogisticRegression<double>.coef: ",
                        "Eigen matrix in archive has dimensions 1099511627776x3: more than 2147483648 coefficients");
    }
    SECTION("booleans") {
        require_refused(forge_bool(ArchiveFormat::binary, 2), "m", "LogisticRegression<double>.converged: ",
                        "boolean holds 2, not 0 or 1");
        require_refused(forge_bool(ArchiveFormat::xml, 248), "m.xml", "LogisticRegression<double>.converged: ",
                        "boolean holds 248, not 0 or 1");
    }
}

TEST_CASE("the committed forged files are refused", "[io][model_file][forged]") {
    for (const Forged& forged : committed) {
        INFO(forged.file_name);
        const fs::path file = forged_dir() / forged.file_name;
        REQUIRE(fs::exists(file));
        CHECK_NOTHROW(inspect_model_file(file));  // the envelope and CRC are valid
        const std::string source = file.string();
        REQUIRE_THROWS_WITH(load<Model>(file),
                            Catch::StartsWith(source + ": cannot read ") &&
                                Catch::Contains(std::string(forged.field) + forged.message));
    }
}

TEST_CASE("strict loading refuses text and XML archives and says why", "[io][model_file][forged]") {
    const ModelLoadOptions strict{.allow_text_archives = false};
    for (auto format : {ArchiveFormat::text, ArchiveFormat::xml}) {
        const std::string bytes = save_to_string(fitted_model(), format);
        REQUIRE_THROWS_WITH(load_from_string<Model>(bytes, "m", strict),
                            Catch::StartsWith(std::string("m: holds a ") + to_string(format) + " archive") &&
                                Catch::Contains("allow_text_archives"));
        CHECK_NOTHROW(load_from_string<Model>(bytes, "m"));
    }
    const Model binary = load_from_string<Model>(save_to_string(fitted_model()), "m", strict);
    CHECK(binary.step<LogisticRegression>().coef() == classifier().coef());
}

// Rewrites data/fixtures/forged from the current model. Run by name only.
TEST_CASE("write the forged regression files", "[.write-forged-fixtures]") {
    fs::create_directories(forged_dir());
    for (const Forged& forged : committed) test::write_bytes(forged_dir() / forged.file_name, forged.make());
}
