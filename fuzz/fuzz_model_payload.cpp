// libFuzzer target, structure-aware: mutates the Boost archive inside a model file while
// keeping the envelope valid, so every input reaches deserialisation (and, when it loads,
// a prediction). Without this, almost every mutation of a whole file fails the CRC check.
//
// Input: byte 0 picks the archive format (1 + byte % 3: binary, text, xml); the rest is the
// payload. The target wraps it in the envelope of a real model file of that format (magic,
// version, format, model type, library version as the library writes them) with the
// payload's true length and CRC-32, and calls load_from_string. Seeds (fuzz/corpus/
// fuzz_model_payload) are a small real model's payloads in each format.
//
// The loader checks every size against the payload left (io/bounded_archive.hpp); run with
// -rss_limit_mb=2048 -malloc_limit_mb=2048 so that a size that slips past those checks shows
// up as a finding ("malloc(...) exceeds limit") rather than exhausting the machine.

#include "small_model.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

struct Heads {
    std::array<std::string, 3> by_format;  // binary, text, xml
};

const Heads& heads() {
    static const Heads built = [] {
        const auto model = mlpipe::fuzz::small_model();
        Heads heads;
        const mlpipe::ArchiveFormat formats[] = {mlpipe::ArchiveFormat::binary, mlpipe::ArchiveFormat::text,
                                                 mlpipe::ArchiveFormat::xml};
        for (std::size_t i = 0; i < 3; ++i)
            heads.by_format[i] = mlpipe::fuzz::split_model_file(mlpipe::save_to_string(model, formats[i])).head;
        return heads;
    }();
    return built;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const mlpipe::Frame records = mlpipe::fuzz::penguins_features();
    if (size == 0) return 0;
    const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string file = mlpipe::fuzz::wrap_payload(heads().by_format[data[0] % 3], payload);
    try {
        const auto model = mlpipe::load_from_string<mlpipe::fuzz::Model>(file, "fuzz");
        mlpipe::fuzz::exercise(model, records);
    } catch (const mlpipe::error&) {  // anything else is a finding
    }
    return 0;
}
