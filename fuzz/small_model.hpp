#pragma once
// A real model for the fuzz targets: the SageMaker container's pipeline (OneHotEncoder,
// StandardScaler, LogisticRegression) fitted on a few penguins rows held here, so the targets
// need no data file; and the layout of a model file's envelope (io/model_file.hpp), read
// from a file the library saved, so a payload can be rewrapped with a valid length and CRC.

#include "fuzz_common.hpp"

#include <mlpipe/mlpipe.hpp>

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlpipe::fuzz {

using Model = Pipeline<OneHotEncoder, StandardScaler, LogisticRegression>;

inline constexpr std::string_view penguins_rows =
    "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex\n"
    "Adelie,Torgersen,39.1,18.7,181,3750,male\n"
    "Adelie,Torgersen,39.5,17.4,186,3800,female\n"
    "Adelie,Dream,37.2,18.1,178,3900,male\n"
    "Adelie,Dream,36.5,18,182,3150,female\n"
    "Adelie,Biscoe,37.7,18.7,180,3600,male\n"
    "Adelie,Biscoe,35.9,19.2,189,3800,female\n"
    "Chinstrap,Dream,46.5,17.9,192,3500,female\n"
    "Chinstrap,Dream,50,19.5,196,3900,male\n"
    "Chinstrap,Dream,51.3,19.2,193,3650,male\n"
    "Chinstrap,Dream,45.4,18.7,188,3525,female\n"
    "Gentoo,Biscoe,46.1,13.2,211,4500,female\n"
    "Gentoo,Biscoe,50,16.3,230,5700,male\n"
    "Gentoo,Biscoe,48.7,14.1,210,4450,female\n"
    "Gentoo,Biscoe,50,15.2,218,5700,male\n";

// The features of penguins_rows (every column but "sex").
inline Frame penguins_features() {
    CsvOptions options;
    options.n_threads = 1;
    const Frame rows = parse_csv(penguins_rows, options);
    std::vector<Column> columns;
    for (const auto& column : rows)
        if (column.name() != "sex") columns.push_back(column);
    return Frame(std::move(columns));
}

inline Model small_model() {
    CsvOptions options;
    options.n_threads = 1;
    const Frame rows = parse_csv(penguins_rows, options);
    Model model{OneHotEncoder{{.columns = {"species", "island"}, .handle_unknown = HandleUnknown::ignore}},
                StandardScaler{{.columns = {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"}}},
                LogisticRegression{{.C = 1.0, .max_iter = 100, .n_jobs = 1}}};
    model.fit(penguins_features(), Frame({rows.column("sex")}));
    return model;
}

// A model file cut in two: the envelope before the payload length, and the payload.
struct SplitFile {
    std::string head;     // magic, version, format, type name, library version
    std::string payload;  // the Boost archive
};

inline std::uint32_t read_u32(std::string_view bytes, std::size_t at) {
    std::uint32_t value = 0;
    for (int i = 3; i >= 0; --i) value = value << 8 | static_cast<unsigned char>(bytes.at(at + static_cast<std::size_t>(i)));
    return value;
}

// The layout documented in io/model_file.hpp: 8 magic, u32 version, u8 format + 3 reserved,
// u32 length + type name, u32 length + library version, u64 payload length, u32 CRC, payload.
inline SplitFile split_model_file(std::string_view file) {
    std::size_t at = 8 + 4 + 4;
    at += 4 + read_u32(file, at);
    at += 4 + read_u32(file, at);
    if (at + 12 > file.size()) fail("split_model_file: not a model file");
    return SplitFile{std::string(file.substr(0, at)), std::string(file.substr(at + 12))};
}

// `head` + a valid length and CRC-32 + `payload`.
inline std::string wrap_payload(std::string_view head, std::string_view payload) {
    std::string file(head);
    const std::uint64_t size = payload.size();
    for (int i = 0; i < 8; ++i) file += static_cast<char>(size >> (8 * i) & 0xFF);
    std::uint32_t crc = static_cast<std::uint32_t>(
        ::crc32_z(0, reinterpret_cast<const Bytef*>(payload.data()), payload.size()));
    for (int i = 0; i < 4; ++i) file += static_cast<char>(crc >> (8 * i) & 0xFF);
    file += payload;
    return file;
}

// Uses a loaded model as the container does; mlpipe::error is an answer, not a finding.
inline void exercise(const Model& model, const Frame& records) {
    try {
        (void)model.predict(records);
        (void)model.predict_proba(records);
        (void)model.classes();
    } catch (const mlpipe::error&) {
    }
}

}  // namespace mlpipe::fuzz
