#pragma once
// Saving and loading models: a Boost.Serialization archive wrapped in a small envelope that lets
// load reject a wrong, truncated or corrupted file with a clear message BEFORE deserialising.
//
// This is the one mlpipe header that includes Boost archive implementations; component headers
// only include boost/serialization/*.hpp, so they stay cheap to include.
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

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <istream>
#include <locale>
#include <optional>
#include <random>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/basic_archive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <boost/archive/xml_oarchive.hpp>
#include <boost/crc.hpp>
#include <boost/serialization/nvp.hpp>

#include "mlpipe/detail/text.hpp"
#include "mlpipe/error.hpp"
#include "mlpipe/io/atomic_file.hpp"
#include "mlpipe/io/bounded_archive.hpp"
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

namespace detail::model_file {

inline constexpr std::array<char, 8> magic = {'\x89', 'M', 'L', 'P', 'I', 'P', 'E', '\n'};
inline constexpr std::uint32_t envelope_version = 1;
// Length limits so that a corrupt length field is reported as such, not as "truncated".
inline constexpr std::uint32_t max_type_name_length = 64 * 1024;
inline constexpr std::uint32_t max_library_version_length = 256;
// magic, version, format + reserved, two string lengths, payload length, CRC.
inline constexpr std::size_t minimum_envelope_size = 8 + 4 + 4 + 4 + 4 + 8 + 4;

using detail::errno_text;

inline bool is_known_format(std::uint8_t code) {
    return code >= static_cast<std::uint8_t>(ArchiveFormat::binary) &&
           code <= static_cast<std::uint8_t>(ArchiveFormat::xml);
}

inline std::uint32_t crc32_of(std::string_view bytes) {
    boost::crc_32_type crc;
    crc.process_bytes(bytes.data(), bytes.size());
    return crc.checksum();
}

inline std::string hex32(std::uint32_t value) {
    char text[11];
    std::snprintf(text, sizeof text, "0x%08x", static_cast<unsigned>(value));
    return text;
}

template <class Unsigned>
void append_little_endian(std::string& out, Unsigned value) {
    for (std::size_t i = 0; i < sizeof(Unsigned); ++i) {
        out.push_back(static_cast<char>(static_cast<unsigned char>(value >> (8 * i))));
    }
}

// Reads envelope fields in order; running out of bytes is reported as truncation.
class EnvelopeReader {
public:
    EnvelopeReader(std::string_view bytes, const std::string& source) : bytes_(bytes), source_(source) {}

    std::string_view take(std::size_t count, const char* field) {
        if (bytes_.size() - position_ < count) {
            throw model_file_error(source_ + ": truncated: the file ends inside the envelope (reading the " + field +
                                   ", " + std::to_string(bytes_.size()) + " bytes in total)");
        }
        const std::string_view taken = bytes_.substr(position_, count);
        position_ += count;
        return taken;
    }

    template <class Unsigned>
    Unsigned take_little_endian(const char* field) {
        const std::string_view raw = take(sizeof(Unsigned), field);
        Unsigned value = 0;
        for (std::size_t i = 0; i < sizeof(Unsigned); ++i) {
            value = static_cast<Unsigned>(value | static_cast<Unsigned>(static_cast<unsigned char>(raw[i])) << (8 * i));
        }
        return value;
    }

    std::string_view rest() const { return bytes_.substr(position_); }

private:
    std::string_view bytes_;
    const std::string& source_;
    std::size_t position_ = 0;
};

// Checks the magic against however many bytes there are, so that a short file of some other
// kind is "not an mlpipe model file" rather than "truncated".
inline void check_magic(std::string_view first_bytes, const std::string& source) {
    const std::size_t compared = std::min(first_bytes.size(), magic.size());
    if (first_bytes.substr(0, compared) == std::string_view(magic.data(), compared)) return;
    std::string hint;
    if (first_bytes.substr(0, 7) == std::string_view(magic.data(), 7) && first_bytes.size() > 7 &&
        first_bytes[7] == '\r') {
        hint = " (its line endings were converted: was it copied in text mode?)";
    }
    throw model_file_error(source + ": not an mlpipe model file (wrong magic bytes)" + hint);
}

struct Envelope {
    ModelFileInfo info;
    std::string_view payload;
};

// Validates everything except deserialisation, in the documented order. When expected_type is
// given, a different stored type is an error (checked before the payload, as its message is the
// more useful one).
inline Envelope parse_envelope(std::string_view file_bytes, const std::string& source,
                               const std::string* expected_type) {
    check_magic(file_bytes, source);
    if (file_bytes.empty()) throw model_file_error(source + ": truncated: the file is empty");
    if (file_bytes.size() < minimum_envelope_size) {
        throw model_file_error(source + ": truncated: " + std::to_string(file_bytes.size()) +
                               " bytes, shorter than the smallest mlpipe model file envelope (" +
                               std::to_string(minimum_envelope_size) + " bytes)");
    }
    EnvelopeReader reader(file_bytes, source);
    reader.take(magic.size(), "magic");

    Envelope envelope{};
    envelope.info.format_version = reader.take_little_endian<std::uint32_t>("envelope version");
    if (envelope.info.format_version != envelope_version) {
        throw model_file_error(source + ": unsupported model file envelope version " +
                               std::to_string(envelope.info.format_version) + " (mlpipe " + version_string +
                               " reads version " + std::to_string(envelope_version) + ")");
    }
    const auto format_code = reader.take_little_endian<std::uint8_t>("archive format");
    if (!is_known_format(format_code)) {
        throw model_file_error(source + ": unknown archive format code " + std::to_string(format_code) +
                               " in the envelope");
    }
    envelope.info.format = static_cast<ArchiveFormat>(format_code);
    reader.take(3, "reserved bytes");

    const auto type_length = reader.take_little_endian<std::uint32_t>("model type length");
    if (type_length > max_type_name_length) {
        throw model_file_error(source + ": corrupted envelope: model type name length " + std::to_string(type_length) +
                               " exceeds " + std::to_string(max_type_name_length));
    }
    envelope.info.model_type = std::string(reader.take(type_length, "model type name"));

    const auto version_length = reader.take_little_endian<std::uint32_t>("library version length");
    if (version_length > max_library_version_length) {
        throw model_file_error(source + ": corrupted envelope: library version length " +
                               std::to_string(version_length) + " exceeds " +
                               std::to_string(max_library_version_length));
    }
    envelope.info.library_version = std::string(reader.take(version_length, "library version"));
    envelope.info.payload_size = reader.take_little_endian<std::uint64_t>("payload length");
    const auto stored_crc = reader.take_little_endian<std::uint32_t>("payload checksum");

    if (expected_type != nullptr && envelope.info.model_type != *expected_type) {
        throw model_file_error(source + ": holds a model of type '" + envelope.info.model_type + "', but '" +
                               *expected_type + "' was requested");
    }

    envelope.payload = reader.rest();
    const std::uint64_t remaining = envelope.payload.size();
    if (envelope.info.payload_size > remaining) {
        throw model_file_error(source + ": truncated: the payload should be " +
                               std::to_string(envelope.info.payload_size) + " bytes, but only " +
                               std::to_string(remaining) + " follow the envelope");
    }
    if (envelope.info.payload_size < remaining) {
        throw model_file_error(source + ": corrupted: " + std::to_string(remaining - envelope.info.payload_size) +
                               " trailing bytes after the " + std::to_string(envelope.info.payload_size) +
                               "-byte payload");
    }
    const std::uint32_t actual_crc = crc32_of(envelope.payload);
    if (actual_crc != stored_crc) {
        throw model_file_error(source + ": corrupted: checksum mismatch (stored CRC-32 " + hex32(stored_crc) +
                               ", payload has " + hex32(actual_crc) + ")");
    }
    return envelope;
}

template <class Model>
std::string serialise_payload(const Model& model, ArchiveFormat format) {
    std::ostringstream stream;
    // Numbers must not pick up the global locale (a "," decimal point would not read back elsewhere).
    stream.imbue(std::locale::classic());
    {  // The archive writes its trailer (XML closing tags) in its destructor.
        switch (format) {
            case ArchiveFormat::binary: {
                boost::archive::binary_oarchive archive(stream);
                archive << boost::serialization::make_nvp("model", model);
                break;
            }
            case ArchiveFormat::text: {
                boost::archive::text_oarchive archive(stream);
                archive << boost::serialization::make_nvp("model", model);
                break;
            }
            case ArchiveFormat::xml: {
                boost::archive::xml_oarchive archive(stream);
                archive << boost::serialization::make_nvp("model", model);
                break;
            }
        }
    }
    if (!stream) throw model_file_error("writing the archive to memory failed");
    return std::move(stream).str();
}

// Checks the framing Boost reads before we get control, for a clearer message than the archive
// would give. With a valid CRC these fail only for files not written by mlpipe.
inline void check_archive_framing(std::string_view payload, ArchiveFormat format) {
    const std::string signature = boost::archive::BOOST_ARCHIVE_SIGNATURE();
    std::string expected_start;
    switch (format) {
        case ArchiveFormat::binary: {
            // Native size_t, as binary_oarchive writes it (binary archives are not portable anyway).
            const std::size_t length = signature.size();
            expected_start.assign(reinterpret_cast<const char*>(&length), sizeof length);
            expected_start += signature;
            break;
        }
        case ArchiveFormat::text:
            expected_start = std::to_string(signature.size()) + " " + signature;
            break;
        case ArchiveFormat::xml:
            expected_start = "<?xml";
            break;
    }
    if (payload.substr(0, expected_start.size()) != expected_start) {
        throw model_file_error("the payload does not start with a Boost " + std::string(to_string(format)) +
                               " archive header");
    }
    if (format == ArchiveFormat::xml) {
        constexpr std::string_view closing_tag = "</boost_serialization>";
        const std::size_t last = payload.find_last_not_of(" \t\r\n");
        if (last == std::string_view::npos || last + 1 < closing_tag.size() ||
            payload.substr(last + 1 - closing_tag.size(), closing_tag.size()) != closing_tag) {
            throw model_file_error("the XML archive does not end with " + std::string(closing_tag));
        }
    }
}

template <class Model>
void deserialise_payload(std::string_view payload, ArchiveFormat format, Model& model) {
    check_archive_framing(payload, format);
    MemoryReadBuffer buffer(payload);
    std::istream stream(&buffer);
    stream.imbue(std::locale::classic());
    switch (format) {
        case ArchiveFormat::binary: {
            BoundedBinaryIArchive archive(buffer);
            archive >> boost::serialization::make_nvp("model", model);
            break;
        }
        case ArchiveFormat::text: {
            BoundedTextIArchive archive(stream, buffer);
            archive >> boost::serialization::make_nvp("model", model);
            break;
        }
        case ArchiveFormat::xml: {
            BoundedXmlIArchive archive(stream, buffer);
            archive >> boost::serialization::make_nvp("model", model);
            archive.finish();
            break;
        }
    }
}

template <class Model>
std::string make_file_bytes(const Model& model, ArchiveFormat format, const std::string& destination) {
    if (!is_known_format(static_cast<std::uint8_t>(format))) {
        throw model_file_error(destination + ": cannot save model: unknown archive format code " +
                               std::to_string(static_cast<unsigned>(format)));
    }
    const std::string type_name = Model::type_name();
    if (type_name.size() > max_type_name_length) {
        throw model_file_error(destination + ": cannot save model: type name longer than " +
                               std::to_string(max_type_name_length) + " bytes");
    }
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
    const std::string_view library_version = version_string;

    std::string bytes;
    bytes.reserve(minimum_envelope_size + type_name.size() + library_version.size() + payload.size());
    bytes.append(magic.data(), magic.size());
    append_little_endian<std::uint32_t>(bytes, envelope_version);
    append_little_endian<std::uint8_t>(bytes, static_cast<std::uint8_t>(format));
    bytes.append(3, '\0');
    append_little_endian<std::uint32_t>(bytes, static_cast<std::uint32_t>(type_name.size()));
    bytes += type_name;
    append_little_endian<std::uint32_t>(bytes, static_cast<std::uint32_t>(library_version.size()));
    bytes += library_version;
    append_little_endian<std::uint64_t>(bytes, payload.size());
    append_little_endian<std::uint32_t>(bytes, crc32_of(payload));
    bytes += payload;
    return bytes;
}


inline std::string read_whole_file(const std::filesystem::path& path) {
    const std::string source = path.string();
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        const int open_error = errno;
        throw model_file_error(source + ": cannot open model file: " + errno_text(open_error));
    }
    struct Closer {
        std::FILE* file;
        ~Closer() { std::fclose(file); }
    } closer{file};

    std::string bytes;
    char chunk[64 * 1024];
    for (bool first_chunk = true;; first_chunk = false) {
        const std::size_t got = std::fread(chunk, 1, sizeof chunk, file);
        const int read_error = errno;
        if (got < sizeof chunk && std::ferror(file)) {
            throw model_file_error(source + ": cannot read model file: " + errno_text(read_error));
        }
        bytes.append(chunk, got);
        // Reject a large file of another kind without reading all of it.
        if (first_chunk) check_magic(bytes, source);
        if (got < sizeof chunk) break;
    }
    return bytes;
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

struct ModelLoadOptions {
    // Text and XML archives go through Boost's text parsers (with mlpipe's size checks); a loader
    // of untrusted files may accept binary archives only. Refused before the payload is parsed.
    bool allow_text_archives = true;
};

// source names the bytes in error messages (a file name, a database key, ...).
template <PersistableModel Model>
Model load_from_string(std::string_view bytes, const std::string& source = "<memory>",
                       const ModelLoadOptions& options = {}) {
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
