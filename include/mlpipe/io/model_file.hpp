#pragma once
// Saving and loading models: a Boost.Serialization archive wrapped in a small envelope that lets
// load reject a wrong, truncated or corrupted file with a clear message BEFORE deserialising.
//
// The archive code of a model type (Boost's archives) is in io/archive_payload.hpp, which
// this header includes in a header-only build. With mlpipe::precompiled it includes no Boost:
// the stock pipelines' archive code and this file's functions come compiled from the
// library, and a program that saves or loads another model type includes
// <mlpipe/io/model_archive.hpp> (a static_assert says so).
//
// File layout (integers little-endian, written byte by byte so the envelope is portable):
//   8  magic "\x89MLPIPE\n"  (a non-ASCII first byte and a '\n' catch text-mode mangling)
//   u32 envelope version (1)
//   u8  archive format (ArchiveFormat), then 3 reserved bytes written as zero, ignored on read
//   u32 length + bytes of Model::type_name()
//   u32 length + bytes of the mlpipe version that wrote the file
//   u64 payload length, u32 CRC-32 of the payload
//   payload: the Boost archive, with Boost's own header (it carries Boost's archive version).
// Binary payloads are only portable between machines with the same endianness and type sizes;
// text and XML payloads are portable.
//
// The CRC catches accidental damage, not tampering. Against a forged payload, the archives of
// io/bounded_archive.hpp check every string length, collection count and matrix size against the
// payload bytes that remain before allocating, and booleans and enums against their range; such
// a file is refused with a model_file_error naming the file and the field. The text and XML
// readers are Boost's parsers with those checks; a caller that wants only the simplest reader
// can refuse them (ModelLoadOptions::allow_text_archives).
//
// POSIX only (open/write/fsync/rename for atomic saves).

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "mlpipe/detail/compiled.hpp"
#include "mlpipe/error.hpp"
#include "mlpipe/io/atomic_file.hpp"
#include "mlpipe/version.hpp"

namespace mlpipe {

// The numeric values are stored in files: never renumber.
enum class ArchiveFormat : std::uint8_t { binary = 1, text = 2, xml = 3 };

inline const char* to_string(ArchiveFormat format) noexcept {
    switch (format) {
        case ArchiveFormat::binary:
            return "binary";
        case ArchiveFormat::text:
            return "text";
        case ArchiveFormat::xml:
            return "xml";
    }
    return "unknown";
}

inline std::optional<ArchiveFormat> archive_format_from_string(std::string_view name) noexcept {
    if (name == "binary") return ArchiveFormat::binary;
    if (name == "text") return ArchiveFormat::text;
    if (name == "xml") return ArchiveFormat::xml;
    return std::nullopt;
}

// A model can be saved if it names its type and has a Boost serialize member; loading also
// needs a default constructor (Boost fills an existing object).
template <class Model>
concept PersistableModel = std::default_initializable<Model> && requires {
    { Model::type_name() } -> std::convertible_to<std::string>;
};

struct ModelFileInfo {
    std::uint32_t format_version;  // envelope version
    ArchiveFormat format;
    std::string model_type;
    std::string library_version;  // mlpipe version that wrote the file
    std::uint64_t payload_size;   // bytes of the Boost archive
};

struct ModelLoadOptions {
    // Text and XML archives go through Boost's text parsers (with mlpipe's size checks); a loader
    // of untrusted files may accept binary archives only. Refused before the payload is parsed.
    bool allow_text_archives = true;
};

namespace detail::model_file {

inline constexpr std::array<char, 8> magic = {'\x89', 'M', 'L', 'P', 'I', 'P', 'E', '\n'};
inline constexpr std::uint32_t envelope_version = 1;
// Length limits so that a corrupt length field is reported as such, not as "truncated".
inline constexpr std::uint32_t max_type_name_length = 64 * 1024;
inline constexpr std::uint32_t max_library_version_length = 256;
// magic, version, format + reserved, two string lengths, payload length, CRC.
inline constexpr std::size_t minimum_envelope_size = 8 + 4 + 4 + 4 + 4 + 8 + 4;

inline bool is_known_format(std::uint8_t code) {
    return code >= static_cast<std::uint8_t>(ArchiveFormat::binary) &&
           code <= static_cast<std::uint8_t>(ArchiveFormat::xml);
}

// The CRC-32 of zlib and boost::crc_32_type.
MLPIPE_INLINE std::uint32_t crc32_of(std::string_view bytes);

template <class Unsigned>
void append_little_endian(std::string& out, Unsigned value) {
    for (std::size_t i = 0; i < sizeof(Unsigned); ++i) {
        out.push_back(static_cast<char>(static_cast<unsigned char>(value >> (8 * i))));
    }
}

struct Envelope {
    ModelFileInfo info;
    std::string_view payload;
};

// Validates everything except deserialisation, in the documented order. When expected_type is
// given, a different stored type is an error (checked before the payload, as its message is the
// more useful one).
MLPIPE_INLINE Envelope parse_envelope(std::string_view file_bytes, const std::string& source,
                                      const std::string* expected_type);

// Refuses an unknown format code or an over-long type name before anything is serialised.
MLPIPE_INLINE void check_can_save(ArchiveFormat format, const std::string& type_name, const std::string& destination);

// The envelope around a payload: the bytes of a model file.
MLPIPE_INLINE std::string envelope_bytes(ArchiveFormat format, const std::string& type_name, std::string_view payload);

// A file's bytes; a large file of another kind is refused after its first bytes.
MLPIPE_INLINE std::string read_whole_file(const std::filesystem::path& path);

// A model type's archive code: defined in io/archive_payload.hpp, and for the stock pipelines
// compiled in mlpipe::precompiled.
template <class Model>
std::string serialise_payload(const Model& model, ArchiveFormat format);
template <class Model>
void deserialise_payload(std::string_view payload, ArchiveFormat format, Model& model);

// Whether this translation unit can save and load Model: true once io/archive_payload.hpp is
// included (a header-only build includes it with this file), and for the stock pipelines that
// mlpipe::precompiled compiled (precompiled.hpp, which <mlpipe/mlpipe.hpp> includes).
template <class Model>
inline constexpr bool archive_code_visible = false;

template <class Model>
constexpr void check_archive_code_visible() {
    static_assert(archive_code_visible<Model>,
                  "mlpipe: saving or loading this model type needs its archive code: #include "
                  "<mlpipe/io/model_archive.hpp> (and the serialize functions of your own steps). With "
                  "mlpipe::precompiled, only the stock pipelines of <mlpipe/precompiled.hpp> come without it, "
                  "through <mlpipe/mlpipe.hpp>");
}

template <class Model>
std::string make_file_bytes(const Model& model, ArchiveFormat format, const std::string& destination) {
    check_archive_code_visible<Model>();
    const std::string type_name = Model::type_name();
    check_can_save(format, type_name, destination);
    std::string payload;
    try {
        payload = serialise_payload(model, format);
    } catch (const std::exception& e) {
        throw model_file_error(destination + ": cannot serialise " + type_name + " to a " + to_string(format) +
                               " archive: " + e.what());
    }
    // Boost 1.74 text and XML archives write NaN and infinity as "nan"/"inf" but cannot read
    // them back ("input stream error"), and Boost gives no hook to intercept every double. So a
    // text or XML payload is read back once before it is stored: never write a file that load
    // would reject. Costs a second pass, only for the (debugging-oriented) text formats.
    if (format != ArchiveFormat::binary) {
        try {
            Model read_back;
            deserialise_payload(payload, format, read_back);
        } catch (const std::exception& e) {
            throw model_file_error(destination + ": cannot save " + type_name + " in " + to_string(format) +
                                   " format: the archive does not read back (" + e.what() +
                                   "); Boost's text and XML archives cannot store NaN or infinity, "
                                   "the binary format can");
        }
    }
    return envelope_bytes(format, type_name, payload);
}

}  // namespace detail::model_file

// The whole file (envelope + payload) as bytes, for storing models somewhere other than a file.
template <PersistableModel Model>
std::string save_to_string(const Model& model, ArchiveFormat format = ArchiveFormat::binary) {
    return detail::model_file::make_file_bytes(model, format, "<memory>");
}

// Atomic: on failure the target is untouched and no temporary file is left behind.
template <PersistableModel Model>
void save(const Model& model, const std::filesystem::path& path, ArchiveFormat format = ArchiveFormat::binary) {
    const std::string bytes = detail::model_file::make_file_bytes(model, format, path.string());
    try {
        write_file_atomically(path, bytes);
    } catch (const model_file_error&) {
        throw;
    } catch (const error& failure) {
        throw model_file_error(std::string("cannot save model file: ") + failure.what());
    }
}

// source names the bytes in error messages (a file name, a database key, ...).
template <PersistableModel Model>
Model load_from_string(std::string_view bytes, const std::string& source = "<memory>",
                       const ModelLoadOptions& options = {}) {
    detail::model_file::check_archive_code_visible<Model>();
    const std::string expected_type = Model::type_name();
    const auto envelope = detail::model_file::parse_envelope(bytes, source, &expected_type);
    if (!options.allow_text_archives && envelope.info.format != ArchiveFormat::binary) {
        throw model_file_error(source + ": holds a " + to_string(envelope.info.format) +
                               " archive, and this loader accepts binary model files only "
                               "(ModelLoadOptions::allow_text_archives is false)");
    }
    Model model;
    try {
        detail::model_file::deserialise_payload(envelope.payload, envelope.info.format, model);
    } catch (const std::exception& e) {
        // Also wraps model_file_error from serialisation shims, which cannot know the file name.
        throw model_file_error(source + ": cannot read " + expected_type + " from its " +
                               to_string(envelope.info.format) + " archive: " + e.what());
    }
    return model;
}

template <PersistableModel Model>
Model load(const std::filesystem::path& path, const ModelLoadOptions& options = {}) {
    const std::string bytes = detail::model_file::read_whole_file(path);
    return load_from_string<Model>(bytes, path.string(), options);
}

// Validates the envelope, payload length and checksum without deserialising (for tooling).
inline ModelFileInfo inspect_model_bytes(std::string_view bytes, const std::string& source = "<memory>") {
    return detail::model_file::parse_envelope(bytes, source, nullptr).info;
}
inline ModelFileInfo inspect_model_file(const std::filesystem::path& path) {
    return inspect_model_bytes(detail::model_file::read_whole_file(path), path.string());
}

// A model file's bytes, read once: to inspect them and then load the type they name
// (load_from_string), where reading the file twice could see two files (or block on a pipe).
// A large file of another kind is refused after its first bytes.
inline std::string read_model_file(const std::filesystem::path& path) {
    return detail::model_file::read_whole_file(path);
}

}  // namespace mlpipe

#ifndef MLPIPE_PRECOMPILED
#include "mlpipe/io/archive_payload.hpp"
#include "mlpipe/io/model_file_impl.hpp"
#endif
