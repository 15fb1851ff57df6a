// libFuzzer target: arbitrary bytes given to the model loader (load_from_string, the
// function load() calls on a file's bytes) as the container's model type. Mostly exercises
// the envelope checks (magic, version, format, lengths, CRC); fuzz_model_payload gets past
// the CRC. A model that loads is used for a prediction.

#include "small_model.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const mlpipe::Frame records = mlpipe::fuzz::penguins_features();
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        const auto model = mlpipe::load_from_string<mlpipe::fuzz::Model>(bytes, "fuzz");
        mlpipe::fuzz::exercise(model, records);
    } catch (const mlpipe::error&) {  // anything else is a finding
    }
    return 0;
}
