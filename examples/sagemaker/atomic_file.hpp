#pragma once
// Writing a small output file (metadata, evaluation, report, failure reason) so that a
// reader never sees half of it: a temporary file in the same folder, then a rename.

#include <mlpipe/error.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include <unistd.h>

namespace mlpipe::sagemaker {

inline void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
    std::filesystem::path temp = path;
    temp += ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw error("cannot write " + path.string() + ": cannot create " + temp.string() + ": " +
                        std::strerror(errno));
        out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
        out.close();
        if (!out) {
            std::error_code ignored;
            std::filesystem::remove(temp, ignored);
            throw error("cannot write " + path.string() + ": writing " + temp.string() + " failed");
        }
    }
    std::error_code renamed;
    std::filesystem::rename(temp, path, renamed);
    if (renamed) {
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        throw error("cannot write " + path.string() + ": " + renamed.message());
    }
}

}  // namespace mlpipe::sagemaker
