// Writes the model seeds of fuzz/corpus: for fuzz_model_bytes, a small real model file in
// each archive format; for fuzz_model_payload, its payloads (a format byte, then the Boost
// archive). Usage: fuzz_make_seeds <fuzz/corpus>

#include "small_model.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
        return 2;
    }
    const std::filesystem::path corpus = argv[1];
    const auto model = mlpipe::fuzz::small_model();
    const struct {
        mlpipe::ArchiveFormat format;
        const char* name;
        char code;
    } formats[] = {{mlpipe::ArchiveFormat::binary, "binary", 0}, {mlpipe::ArchiveFormat::text, "text", 1},
                   {mlpipe::ArchiveFormat::xml, "xml", 2}};
    auto write = [](const std::filesystem::path& path, const std::string& bytes) {
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    };
    for (const auto& format : formats) {
        const std::string file = mlpipe::save_to_string(model, format.format);
        write(corpus / "fuzz_model_bytes" / (std::string("penguins-") + format.name + ".mlpipe"), file);
        write(corpus / "fuzz_model_payload" / (std::string("penguins-") + format.name),
              format.code + mlpipe::fuzz::split_model_file(file).payload);
    }
    return 0;
}
