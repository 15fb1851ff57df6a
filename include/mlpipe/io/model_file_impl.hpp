#pragma once
// The definitions of model_file.hpp's functions that do not depend on the model type: the
// envelope, its checksum, reading the file. Included by model_file.hpp in a header-only build,
// compiled once in mlpipe::precompiled (src/model_file.cpp).

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include <boost/crc.hpp>

#include "mlpipe/detail/text.hpp"
#include "mlpipe/error.hpp"
#include "mlpipe/io/model_file.hpp"
#include "mlpipe/version.hpp"

namespace mlpipe::detail::model_file {

using detail::errno_text;

MLPIPE_INLINE std::uint32_t crc32_of(std::string_view bytes) {
    boost::crc_32_type crc;
    crc.process_bytes(bytes.data(), bytes.size());
    return crc.checksum();
}

inline std::string hex32(std::uint32_t value) {
    char text[11];
    std::snprintf(text, sizeof text, "0x%08x", static_cast<unsigned>(value));
    return text;
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

MLPIPE_INLINE Envelope parse_envelope(std::string_view file_bytes, const std::string& source,
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

MLPIPE_INLINE void check_can_save(ArchiveFormat format, const std::string& type_name, const std::string& destination) {
    if (!is_known_format(static_cast<std::uint8_t>(format))) {
        throw model_file_error(destination + ": cannot save model: unknown archive format code " +
                               std::to_string(static_cast<unsigned>(format)));
    }
    if (type_name.size() > max_type_name_length) {
        throw model_file_error(destination + ": cannot save model: type name longer than " +
                               std::to_string(max_type_name_length) + " bytes");
    }
}

MLPIPE_INLINE std::string envelope_bytes(ArchiveFormat format, const std::string& type_name, std::string_view payload) {
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

MLPIPE_INLINE std::string read_whole_file(const std::filesystem::path& path) {
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

}  // namespace mlpipe::detail::model_file
