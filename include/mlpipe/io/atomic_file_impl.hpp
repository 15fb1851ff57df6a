#pragma once
// The definitions of atomic_file.hpp's functions: included by it in a header-only build,
// compiled once in mlpipe::precompiled (src/model_file.cpp).

#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/io/atomic_file.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

namespace mlpipe {

namespace detail::atomic_file {

using detail::errno_text;

// Owns a file descriptor; closes it if still open when leaving scope.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    // Returns close's result; the descriptor is gone either way (retrying close is unsafe on Linux).
    int close() {
        const int result = ::close(fd_);
        fd_ = -1;
        return result;
    }

private:
    int fd_;
};

inline std::string random_suffix() {
    static std::atomic<std::uint64_t> counter{0};
    std::uint64_t value =
        counter.fetch_add(1) ^ static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    try {
        std::random_device device;
        value ^= (static_cast<std::uint64_t>(device()) << 32) | device();
    } catch (...) {
        // No entropy source: the counter and clock still make clashes unlikely, and O_EXCL catches them.
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
}

MLPIPE_INLINE void sync_directory_best_effort(const std::filesystem::path& directory) {
    const std::filesystem::path which = directory.empty() ? std::filesystem::path(".") : directory;
    const int fd = ::open(which.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)::fsync(fd);
    ::close(fd);
}

}  // namespace detail::atomic_file

MLPIPE_INLINE std::filesystem::path write_temporary_file(const std::filesystem::path& target, std::string_view bytes) {
    const std::string target_text = target.string();
    const auto failure = [&](const std::string& reason) { return error(target_text + ": cannot write: " + reason); };

    std::filesystem::path temporary;
    int raw_fd = -1;
    int open_error = 0;
    for (int attempt = 0; attempt < 16 && raw_fd < 0; ++attempt) {  // retry only name clashes
        temporary = target;
        temporary += std::string(temporary_file_marker) + std::to_string(::getpid()) + "-" +
                     detail::atomic_file::random_suffix();
        raw_fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        open_error = errno;
        if (raw_fd < 0 && open_error != EEXIST) break;
    }
    if (raw_fd < 0) throw failure(detail::errno_text(open_error));
    detail::atomic_file::FileDescriptor file(raw_fd);

    // Removes the temporary file on every path that does not return it.
    struct TemporaryRemover {
        const std::filesystem::path& path;
        bool armed = true;
        ~TemporaryRemover() {
            if (armed) ::unlink(path.c_str());
        }
    } remover{temporary};

    const char* next = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        const ssize_t written = ::write(file.get(), next, left);
        if (written < 0) {
            const int write_error = errno;
            if (write_error == EINTR) continue;
            throw failure("writing " + temporary.string() + ": " + detail::errno_text(write_error));
        }
        next += written;
        left -= static_cast<std::size_t>(written);
    }
    if (::fsync(file.get()) != 0) {
        const int fsync_error = errno;
        throw failure("fsync of " + temporary.string() + ": " + detail::errno_text(fsync_error));
    }
    if (file.close() != 0) {
        const int close_error = errno;  // e.g. EIO or ENOSPC reported late by NFS
        throw failure("closing " + temporary.string() + ": " + detail::errno_text(close_error));
    }
    remover.armed = false;
    return temporary;
}

MLPIPE_INLINE void write_file_atomically(const std::filesystem::path& target, std::string_view bytes) {
    const std::filesystem::path temporary = write_temporary_file(target, bytes);
    std::error_code rename_error;
    std::filesystem::rename(temporary, target, rename_error);
    if (rename_error) {
        ::unlink(temporary.c_str());
        throw error(target.string() + ": cannot write: renaming the temporary file over it: " + rename_error.message());
    }
    detail::atomic_file::sync_directory_best_effort(target.parent_path());
}

}  // namespace mlpipe
