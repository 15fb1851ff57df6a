// Model files: round trips in every archive format, and every way a file can be wrong giving a
// model_file_error with a message that says what is wrong (never a crash or a huge allocation).

#include "../support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include <boost/crc.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "mlpipe/error.hpp"
#include "mlpipe/io/model_archive.hpp"  // the archives of this file's own model types
#include "mlpipe/io/model_file.hpp"
#include "mlpipe/serialization/eigen.hpp"
#include "mlpipe/version.hpp"

namespace test_models {

struct ExampleModel {
    Eigen::MatrixXd weights;
    Eigen::VectorXf bias;
    Eigen::Matrix<double, 2, 3> fixed = Eigen::Matrix<double, 2, 3>::Zero();
    std::vector<std::string> names;
    double scale = 0.0;

    static std::string type_name() { return "test_models::ExampleModel"; }

private:
    friend class boost::serialization::access;
    template <class Archive>
    void serialize(Archive& archive, const unsigned int /*version*/) {
        archive& BOOST_SERIALIZATION_NVP(weights);
        archive& BOOST_SERIALIZATION_NVP(bias);
        archive& BOOST_SERIALIZATION_NVP(fixed);
        archive& BOOST_SERIALIZATION_NVP(names);
        archive& BOOST_SERIALIZATION_NVP(scale);
    }
};

struct OtherModel {
    double value = 0.0;
    static std::string type_name() { return "test_models::OtherModel"; }

private:
    friend class boost::serialization::access;
    template <class Archive>
    void serialize(Archive& archive, const unsigned int /*version*/) {
        archive& BOOST_SERIALIZATION_NVP(value);
    }
};

// Shapes and storage orders the Eigen shim has to get right.
struct ShapesModel {
    Eigen::MatrixXd empty;
    Eigen::MatrixXd no_rows = Eigen::MatrixXd(0, 5);
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major;
    Eigen::RowVectorXd row_vector;
    Eigen::ArrayXXf array;
    Eigen::Matrix<int, 3, 1> fixed_ints = Eigen::Matrix<int, 3, 1>::Zero();
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor, 4, 4> bounded;

    static std::string type_name() { return "test_models::ShapesModel"; }

private:
    friend class boost::serialization::access;
    template <class Archive>
    void serialize(Archive& archive, const unsigned int /*version*/) {
        archive& BOOST_SERIALIZATION_NVP(empty);
        archive& BOOST_SERIALIZATION_NVP(no_rows);
        archive& BOOST_SERIALIZATION_NVP(row_major);
        archive& BOOST_SERIALIZATION_NVP(row_vector);
        archive& BOOST_SERIALIZATION_NVP(array);
        archive& BOOST_SERIALIZATION_NVP(fixed_ints);
        archive& BOOST_SERIALIZATION_NVP(bounded);
    }
};

struct SingleMatrixModel {
    Eigen::MatrixXd matrix;
    static std::string type_name() { return "test_models::SingleMatrixModel"; }

private:
    friend class boost::serialization::access;
    template <class Archive>
    void serialize(Archive& archive, const unsigned int /*version*/) {
        archive& BOOST_SERIALIZATION_NVP(matrix);
    }
};

struct FixedMatrixModel {
    Eigen::Matrix<double, 2, 3> matrix;
    static std::string type_name() { return "test_models::FixedMatrixModel"; }

private:
    friend class boost::serialization::access;
    template <class Archive>
    void serialize(Archive& archive, const unsigned int /*version*/) {
        archive& BOOST_SERIALIZATION_NVP(matrix);
    }
};

// Writes what the Eigen shim writes up to the dimensions, with whatever dimensions we like and no
// coefficients. Same default class info as an Eigen matrix, so the archive reads as one.
struct ForgedMatrix {
    std::int64_t rows = 0;
    std::int64_t cols = 0;

private:
    friend class boost::serialization::access;
    template <class Archive>
    void serialize(Archive& archive, const unsigned int /*version*/) {
        archive& BOOST_SERIALIZATION_NVP(rows);
        archive& BOOST_SERIALIZATION_NVP(cols);
    }
};

// Claims to be Target, so the envelope (type name, CRC) is valid and only the payload lies.
template <class Target>
struct ForgedModel {
    ForgedMatrix matrix;
    static std::string type_name() { return Target::type_name(); }

private:
    friend class boost::serialization::access;
    template <class Archive>
    void serialize(Archive& archive, const unsigned int /*version*/) {
        archive& BOOST_SERIALIZATION_NVP(matrix);
    }
};

}  // namespace test_models

namespace {

using mlpipe::ArchiveFormat;
using mlpipe::model_file_error;
using test_models::ExampleModel;

constexpr ArchiveFormat all_formats[] = {ArchiveFormat::binary, ArchiveFormat::text, ArchiveFormat::xml};

using mlpipe::test::read_bytes;
using mlpipe::test::write_bytes;
using mlpipe::test::TempDir;


std::uint32_t get_u32(const std::string& bytes, std::size_t offset) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
    }
    return value;
}

void set_u32(std::string& bytes, std::size_t offset, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i) bytes[offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

void set_u64(std::string& bytes, std::size_t offset, std::uint64_t value) {
    for (std::size_t i = 0; i < 8; ++i) bytes[offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

// Offsets from the documented envelope layout, computed independently of the implementation.
constexpr std::size_t version_offset = 8;
constexpr std::size_t format_offset = 12;
constexpr std::size_t type_length_offset = 16;

std::size_t library_version_length_offset(const std::string& file) {
    return type_length_offset + 4 + get_u32(file, type_length_offset);
}
std::size_t payload_length_offset(const std::string& file) {
    const std::size_t at = library_version_length_offset(file);
    return at + 4 + get_u32(file, at);
}
std::size_t payload_offset(const std::string& file) { return payload_length_offset(file) + 8 + 4; }

// Replaces the payload and fixes its length and CRC: a file whose envelope is fully valid.
std::string with_payload(std::string file, const std::string& payload) {
    const std::size_t length_at = payload_length_offset(file);
    file.resize(payload_offset(file));
    set_u64(file, length_at, payload.size());
    boost::crc_32_type crc;
    crc.process_bytes(payload.data(), payload.size());
    set_u32(file, length_at + 8, crc.checksum());
    return file + payload;
}

template <class Derived>
bool same_bits(const Eigen::PlainObjectBase<Derived>& a, const Eigen::PlainObjectBase<Derived>& b) {
    using Scalar = typename Derived::Scalar;
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           (a.size() == 0 || std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(Scalar)) == 0);
}

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

void require_identical(const ExampleModel& loaded, const ExampleModel& original) {
    REQUIRE(same_bits(loaded.weights, original.weights));
    REQUIRE(same_bits(loaded.bias, original.bias));
    REQUIRE(same_bits(loaded.fixed, original.fixed));
    REQUIRE(loaded.names == original.names);
    REQUIRE(same_bits(loaded.scale, original.scale));
}

// Values that need all 17 significant digits, signed zero, subnormals and the extremes.
ExampleModel make_example_model() {
    using doubles = std::numeric_limits<double>;
    using floats = std::numeric_limits<float>;
    ExampleModel model;
    model.weights.resize(3, 4);
    model.weights << 0.1, 1.0 / 3.0, 1e-300, -0.0,                                   //
        doubles::denorm_min(), doubles::max(), doubles::min(), -doubles::min() / 3,  //
        std::numbers::pi, std::nextafter(1.0, 2.0), 1e300, -2.5;
    model.bias.resize(6);
    model.bias << 0.1f, 1.0f / 3.0f, floats::denorm_min(), -0.0f, floats::max(), floats::min();
    model.fixed << 2.0 / 3.0, -1e-310, 123456789.123456789, 0.2, 0.3, doubles::lowest();
    model.names = {"", "with space", "tab\tand\nnewline", "caf\xc3\xa9", "<xml & \"entities\">"};
    model.scale = -1.0 / 7.0;
    return model;
}

}  // namespace

TEST_CASE("archive format names convert both ways", "[io][model_file]") {
    for (ArchiveFormat format : all_formats) {
        REQUIRE(mlpipe::archive_format_from_string(mlpipe::to_string(format)) == format);
    }
    REQUIRE(std::string(mlpipe::to_string(ArchiveFormat::xml)) == "xml");
    REQUIRE_FALSE(mlpipe::archive_format_from_string("Binary").has_value());
    REQUIRE_FALSE(mlpipe::archive_format_from_string("").has_value());
}

TEST_CASE("a model round-trips bit-exactly in every archive format", "[io][model_file]") {
    const ExampleModel original = make_example_model();
    TempDir folder;
    for (ArchiveFormat format : all_formats) {
        DYNAMIC_SECTION("format " << mlpipe::to_string(format)) {
            const auto path = folder / (std::string("model.") + mlpipe::to_string(format));
            mlpipe::save(original, path, format);
            require_identical(mlpipe::load<ExampleModel>(path), original);

            const std::string bytes = mlpipe::save_to_string(original, format);
            REQUIRE(bytes == read_bytes(path));  // the file is exactly the in-memory form
            require_identical(mlpipe::load_from_string<ExampleModel>(bytes), original);
        }
    }
}

TEST_CASE("the Eigen shim handles empty, row-major, bounded and array types", "[io][model_file][eigen]") {
    test_models::ShapesModel original;
    original.row_major.resize(2, 3);
    original.row_major << 1, 2, 3, 4, 5, 6;
    original.row_vector.resize(4);
    original.row_vector << 0.5, -0.25, 1e-20, 7;
    original.array.resize(3, 2);
    original.array << 1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f;
    original.fixed_ints << -7, 0, 2147483647;
    original.bounded.resize(2, 4);
    original.bounded.setConstant(0.125);

    for (ArchiveFormat format : all_formats) {
        DYNAMIC_SECTION("format " << mlpipe::to_string(format)) {
            const auto loaded =
                mlpipe::load_from_string<test_models::ShapesModel>(mlpipe::save_to_string(original, format));
            REQUIRE(loaded.empty.size() == 0);
            REQUIRE(loaded.no_rows.rows() == 0);
            REQUIRE(loaded.no_rows.cols() == 5);
            REQUIRE(loaded.row_major == original.row_major);
            REQUIRE(loaded.row_vector == original.row_vector);
            REQUIRE((loaded.array == original.array).all());
            REQUIRE(loaded.fixed_ints == original.fixed_ints);
            REQUIRE(loaded.bounded == original.bounded);
        }
    }

    SECTION("coefficients are stored column-major whatever the storage order") {
        // A row-major matrix and its column-major equal serialise to the same text payload.
        Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major(2, 3);
        row_major << 1, 2, 3, 4, 5, 6;
        const Eigen::MatrixXi column_major = row_major;
        std::ostringstream from_row_major;
        std::ostringstream from_column_major;
        {
            boost::archive::text_oarchive archive(from_row_major, boost::archive::no_header);
            archive << boost::serialization::make_nvp("m", row_major);
        }
        {
            boost::archive::text_oarchive archive(from_column_major, boost::archive::no_header);
            archive << boost::serialization::make_nvp("m", column_major);
        }
        REQUIRE(from_row_major.str() == from_column_major.str());
        REQUIRE_THAT(from_column_major.str(), Catch::Contains("2 3 1 4 2 5 3 6"));
    }
}

TEST_CASE("NaN and infinity: binary keeps the bits, text and XML refuse to save", "[io][model_file]") {
    test_models::SingleMatrixModel original;
    original.matrix.resize(1, 4);
    original.matrix << std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity(), std::bit_cast<double>(std::uint64_t{0x7ff8000000000123});

    const auto loaded = mlpipe::load_from_string<test_models::SingleMatrixModel>(mlpipe::save_to_string(original));
    REQUIRE(same_bits(loaded.matrix, original.matrix));

    // Boost 1.74 writes "nan"/"inf" in text and XML archives but cannot read them back, so save
    // refuses instead of writing a file that load would reject.
    TempDir folder;
    for (ArchiveFormat format : {ArchiveFormat::text, ArchiveFormat::xml}) {
        REQUIRE_THROWS_WITH(mlpipe::save_to_string(original, format), Catch::Contains("cannot store NaN"));
        const auto path = folder / "nan.txt";
        REQUIRE_THROWS_AS(mlpipe::save(original, path, format), model_file_error);
        REQUIRE(folder.entries().empty());
    }
}

TEST_CASE("truncated files are rejected before deserialising", "[io][model_file]") {
    TempDir folder;
    const auto good_path = folder / "good.model";
    mlpipe::save(make_example_model(), good_path);
    const std::string good = read_bytes(good_path);
    const std::size_t payload_at = payload_offset(good);
    REQUIRE(payload_at < good.size());

    const std::size_t cut_points[] = {
        3,                                            // inside the magic
        8,                                            // right after the magic
        10,                                           // inside the envelope version
        type_length_offset + 6,                       // inside the model type name
        library_version_length_offset(good) + 5,      // inside the library version
        payload_length_offset(good) + 3,              // inside the payload length
        payload_at,                                   // whole envelope, no payload
        payload_at + (good.size() - payload_at) / 2,  // inside the payload
        good.size() - 1,                              // last byte missing
    };
    for (std::size_t cut : cut_points) {
        DYNAMIC_SECTION("cut at byte " << cut) {
            const auto path = folder / "cut.model";
            write_bytes(path, good.substr(0, cut));
            REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(path), Catch::Contains("truncated"));
            REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(path), Catch::Contains(path.string()));
            REQUIRE_THROWS_AS(mlpipe::inspect_model_file(path), model_file_error);
        }
    }
}

TEST_CASE("an empty file is reported as truncated", "[io][model_file]") {
    TempDir folder;
    const auto path = folder / "empty.model";
    write_bytes(path, "");
    REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(path), Catch::Contains("truncated: the file is empty"));
    REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(path), Catch::Contains(path.string()));
}

TEST_CASE("a missing or unreadable file names the file and the system error", "[io][model_file]") {
    TempDir folder;
    const auto missing = folder / "missing.model";
    REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(missing), Catch::Contains("No such file or directory"));
    REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(missing), Catch::Contains(missing.string()));
    REQUIRE_THROWS_WITH(mlpipe::inspect_model_file(missing), Catch::Contains("cannot open model file"));
    REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(folder.path()), Catch::Contains("Is a directory"));
}

TEST_CASE("a file that is not an mlpipe model file says so", "[io][model_file]") {
    TempDir folder;
    const std::string good = mlpipe::save_to_string(make_example_model());
    const auto path = folder / "bad.model";

    for (std::size_t position : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
        std::string flipped = good;
        flipped[position] = static_cast<char>(flipped[position] ^ 0x20);
        write_bytes(path, flipped);
        REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(path), Catch::Contains("not an mlpipe model file"));
    }
    write_bytes(path, "x,y\n1,2\n");
    REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(path), Catch::Contains("not an mlpipe model file"));
    write_bytes(path, "ab");  // shorter than the magic, but clearly not ours
    REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(path), Catch::Contains("not an mlpipe model file"));

    // "\n" turned into "\r\n" by a text-mode copy.
    std::string mangled = good;
    mangled.insert(7, "\r");
    write_bytes(path, mangled);
    REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(path), Catch::Contains("line endings were converted"));
}

TEST_CASE("a corrupted payload byte gives a checksum error", "[io][model_file]") {
    for (ArchiveFormat format : all_formats) {
        DYNAMIC_SECTION("format " << mlpipe::to_string(format)) {
            std::string bytes = mlpipe::save_to_string(make_example_model(), format);
            const std::size_t payload_at = payload_offset(bytes);
            for (std::size_t position : {payload_at, payload_at + (bytes.size() - payload_at) / 2, bytes.size() - 1}) {
                std::string corrupted = bytes;
                corrupted[position] = static_cast<char>(corrupted[position] ^ 0x01);
                REQUIRE_THROWS_WITH(mlpipe::load_from_string<ExampleModel>(corrupted, "flipped.model"),
                                    Catch::Contains("flipped.model: corrupted: checksum mismatch"));
            }
        }
    }
}

TEST_CASE("a file holding another model type names both types", "[io][model_file]") {
    TempDir folder;
    const auto path = folder / "other.model";
    mlpipe::save(test_models::OtherModel{}, path);
    REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(path), Catch::Contains("'test_models::OtherModel'") &&
                                                              Catch::Contains("'test_models::ExampleModel'") &&
                                                              Catch::Contains(path.string()));
}

TEST_CASE("trailing bytes after the payload are rejected", "[io][model_file]") {
    TempDir folder;
    const auto path = folder / "trailing.model";
    write_bytes(path, mlpipe::save_to_string(make_example_model()) + "garbage");
    REQUIRE_THROWS_WITH(mlpipe::load<ExampleModel>(path), Catch::Contains("7 trailing bytes"));
}

TEST_CASE("corrupt envelope fields are named", "[io][model_file]") {
    const std::string good = mlpipe::save_to_string(make_example_model());

    std::string bytes = good;
    set_u32(bytes, version_offset, 2);
    REQUIRE_THROWS_WITH(mlpipe::load_from_string<ExampleModel>(bytes),
                        Catch::Contains("unsupported model file envelope version 2"));

    bytes = good;
    bytes[format_offset] = 9;
    REQUIRE_THROWS_WITH(mlpipe::load_from_string<ExampleModel>(bytes),
                        Catch::Contains("unknown archive format code 9"));

    bytes = good;
    set_u32(bytes, type_length_offset, 0xfffffff0u);
    REQUIRE_THROWS_WITH(mlpipe::load_from_string<ExampleModel>(bytes),
                        Catch::Contains("model type name length 4294967280 exceeds"));

    bytes = good;
    set_u32(bytes, library_version_length_offset(good), 1u << 20);
    REQUIRE_THROWS_WITH(mlpipe::load_from_string<ExampleModel>(bytes),
                        Catch::Contains("library version length 1048576 exceeds"));

    bytes = good;
    set_u64(bytes, payload_length_offset(good), std::uint64_t{1} << 62);
    REQUIRE_THROWS_WITH(mlpipe::load_from_string<ExampleModel>(bytes), Catch::Contains("truncated"));

    bytes = good;
    set_u64(bytes, payload_length_offset(good), good.size() - payload_offset(good) - 1);
    REQUIRE_THROWS_WITH(mlpipe::load_from_string<ExampleModel>(bytes), Catch::Contains("1 trailing bytes"));
}

TEST_CASE("a payload that passes the checksum but does not deserialise", "[io][model_file]") {
    for (ArchiveFormat format : all_formats) {
        DYNAMIC_SECTION("format " << mlpipe::to_string(format)) {
            const std::string good = mlpipe::save_to_string(make_example_model(), format);
            const std::string payload = good.substr(payload_offset(good));
            // Cut the archive in half, keeping the envelope consistent with it.
            const std::string half = with_payload(good, payload.substr(0, payload.size() / 2));
            REQUIRE_THROWS_WITH(mlpipe::load_from_string<ExampleModel>(half, "half.model"),
                                Catch::Contains("half.model: cannot read test_models::ExampleModel") &&
                                    Catch::Contains(mlpipe::to_string(format)));
            const std::string junk = with_payload(good, "this is not an archive, just a long sentence");
            REQUIRE_THROWS_WITH(mlpipe::load_from_string<ExampleModel>(junk),
                                Catch::Contains("does not start with a Boost"));
            REQUIRE_THROWS_WITH(mlpipe::load_from_string<ExampleModel>(with_payload(good, "")),
                                Catch::Contains("does not start with a Boost"));
        }
    }

    SECTION("XML without its closing tag (would terminate inside Boost's destructor)") {
        const std::string good = mlpipe::save_to_string(make_example_model(), ArchiveFormat::xml);
        std::string payload = good.substr(payload_offset(good));
        payload.resize(payload.rfind("</boost_serialization>") + 5);
        REQUIRE_THROWS_WITH(mlpipe::load_from_string<ExampleModel>(with_payload(good, payload)),
                            Catch::Contains("does not end with </boost_serialization>"));
    }
}

TEST_CASE("absurd Eigen dimensions in a valid envelope give model_file_error", "[io][model_file][eigen]") {
    using test_models::FixedMatrixModel;
    using test_models::ForgedModel;
    using test_models::SingleMatrixModel;
    struct Case {
        std::int64_t rows;
        std::int64_t cols;
        const char* message;
    };
    const Case cases[] = {
        {std::int64_t{1} << 40, std::int64_t{1} << 40, "the file is corrupt"},
        {std::numeric_limits<std::int64_t>::max(), 2, "the file is corrupt"},
        {2, std::numeric_limits<std::int64_t>::max(), "the file is corrupt"},
        {-1, 3, "negative size"},
        {3, std::numeric_limits<std::int64_t>::min(), "negative size"},
    };
    for (ArchiveFormat format : all_formats) {
        for (const Case& forged : cases) {
            DYNAMIC_SECTION(mlpipe::to_string(format) << " " << forged.rows << "x" << forged.cols) {
                ForgedModel<SingleMatrixModel> liar;
                liar.matrix.rows = forged.rows;
                liar.matrix.cols = forged.cols;
                const std::string bytes = mlpipe::save_to_string(liar, format);
                REQUIRE_THROWS_WITH(mlpipe::load_from_string<SingleMatrixModel>(bytes, "forged.model"),
                                    Catch::Contains("forged.model: cannot read") &&
                                        Catch::Contains("Eigen matrix in archive has dimensions") &&
                                        Catch::Contains(forged.message));
            }
        }

        DYNAMIC_SECTION(mlpipe::to_string(format) << " fixed-size mismatch") {
            ForgedModel<FixedMatrixModel> liar;
            liar.matrix.rows = 3;
            liar.matrix.cols = 2;
            REQUIRE_THROWS_WITH(mlpipe::load_from_string<FixedMatrixModel>(mlpipe::save_to_string(liar, format)),
                                Catch::Contains("dimensions 3x2, but the type is fixed at 2x3"));
        }

        DYNAMIC_SECTION(mlpipe::to_string(format) << " plausible dimensions, coefficients missing") {
            ForgedModel<SingleMatrixModel> liar;
            liar.matrix.rows = 1000;
            liar.matrix.cols = 1000;
            REQUIRE_THROWS_AS(mlpipe::load_from_string<SingleMatrixModel>(mlpipe::save_to_string(liar, format)),
                              model_file_error);
        }
    }
}

TEST_CASE("saving into a missing folder fails and creates nothing", "[io][model_file]") {
    TempDir folder;
    const auto path = folder / "no-such-folder" / "model.bin";
    REQUIRE_THROWS_WITH(mlpipe::save(make_example_model(), path),
                        Catch::Contains(path.string()) && Catch::Contains("No such file or directory"));
    REQUIRE(folder.entries().empty());
}

TEST_CASE("saving over an existing file replaces it and leaves no temporary file", "[io][model_file]") {
    TempDir folder;
    const auto path = folder / "model.bin";
    write_bytes(path, "an older file that is not even a model");

    ExampleModel first = make_example_model();
    mlpipe::save(first, path);
    ExampleModel second = first;
    second.scale = 42.0;
    second.names = {"replaced"};
    mlpipe::save(second, path, ArchiveFormat::text);

    require_identical(mlpipe::load<ExampleModel>(path), second);
    REQUIRE(folder.entries() == std::set<std::string>{"model.bin"});
}

TEST_CASE("a failed rename removes the temporary file", "[io][model_file]") {
    TempDir folder;
    const auto path = folder / "occupied";
    std::filesystem::create_directory(path);
    std::filesystem::create_directory(path / "child");  // a non-empty folder cannot be renamed over
    REQUIRE_THROWS_WITH(mlpipe::save(make_example_model(), path),
                        Catch::Contains(path.string()) && Catch::Contains("cannot save model file"));
    REQUIRE(folder.entries() == std::set<std::string>{"occupied"});
}

TEST_CASE("an unknown archive format value is refused on save", "[io][model_file]") {
    TempDir folder;
    const auto path = folder / "model.bin";
    REQUIRE_THROWS_WITH(mlpipe::save(make_example_model(), path, static_cast<ArchiveFormat>(7)),
                        Catch::Contains("unknown archive format code 7"));
    REQUIRE(folder.entries().empty());
}

TEST_CASE("inspect_model_file reports the envelope", "[io][model_file]") {
    TempDir folder;
    for (ArchiveFormat format : all_formats) {
        DYNAMIC_SECTION("format " << mlpipe::to_string(format)) {
            const auto path = folder / "model";
            mlpipe::save(make_example_model(), path, format);
            const std::string bytes = read_bytes(path);

            const mlpipe::ModelFileInfo info = mlpipe::inspect_model_file(path);
            REQUIRE(info.format_version == 1);
            REQUIRE(info.format == format);
            REQUIRE(info.model_type == "test_models::ExampleModel");
            REQUIRE(info.library_version == mlpipe::version_string);
            REQUIRE(info.payload_size == bytes.size() - payload_offset(bytes));
        }
    }
}
