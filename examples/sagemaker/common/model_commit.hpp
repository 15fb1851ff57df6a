#pragma once
// Writing the model folder's files (model.mlpipe and metadata.json) as one unit, so that a
// SIGKILL at any moment leaves the old pair or the new pair, never a mix (README.md,
// "SageMaker").
//
// Two renames can never be atomic together, so the commit goes through a small record:
//   1. each new file is written to a temporary file beside its target (<name>.tmp-<pid>-<random>)
//      and fsynced (ModelCommit::add); nothing the readers look at has changed yet;
//   2. the commit record model-commit.json, naming every rename (temporary -> target) with the
//      size and CRC-32 of each new file (for people; recovery needs only the names), is written
//      to a temporary file, fsynced and renamed into place, then the folder is fsynced: the
//      COMMIT POINT;
//   3. the renames are done in order, and the folder is fsynced;
//   4. the record is removed (and the folder fsynced).
// Recovery (recover_model_folder), run by `train` at every start and meant for `serve` before
// it loads the model: a record in place is rolled forward (the renames not yet done are
// done: the new pair is completed), then the record is removed; temporary files of the model
// folder's names left by a killed run (including a half-written record's) are removed, so
// anything written before the commit point is rolled back. Seen after recovery, the folder
// holds the old pair or the new pair. An flock on the folder keeps a recovery from running
// while another process commits.
//
// Test hook: MLPIPE_TEST_KILL_AT=<n> (n = 1..commit_kill_points) makes the process SIGKILL
// itself at step n of a commit; without that variable nothing happens.

#include "layout.hpp"

#include <mlpipe/error.hpp>
#include <mlpipe/io/atomic_file.hpp>
#include <mlpipe/io/model_file.hpp>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <exception>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace mlpipe::sagemaker {

inline constexpr const char* commit_record_name = "model-commit.json";
inline constexpr int commit_kill_points = 8;  // the steps of MLPIPE_TEST_KILL_AT

// What recover_model_folder found and did.
struct ModelFolderRecovery {
    bool completed_commit = false;     // a commit record was rolled forward: the new pair is in place
    bool discarded_record = false;     // an unreadable commit record was removed (nothing had been renamed)
    std::vector<std::string> removed;  // stale temporary files removed (names)

    bool changed_anything() const { return completed_commit || discarded_record || !removed.empty(); }
};

namespace detail::model_commit {

inline constexpr const char* record_format = "mlpipe model commit 1";

// TEST HOOK, for the kill tests only: MLPIPE_TEST_KILL_AT=<step> makes the process SIGKILL
// itself when the commit reaches that step. Read once; unset (always, outside tests) it
// does nothing.
inline void test_hook_kill_at(int step) {
    static const int kill_at = [] {
        const char* value = std::getenv("MLPIPE_TEST_KILL_AT");
        return value ? std::atoi(value) : 0;
    }();
    if (kill_at == step) ::kill(::getpid(), SIGKILL);
}

inline std::string crc_text(std::uint32_t crc) {
    char text[16];
    std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(crc));
    return text;
}

// An exclusive flock on the folder while it lives (best effort: without one, no lock).
class FolderLock {
public:
    explicit FolderLock(const std::filesystem::path& dir)
        : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        if (fd_ >= 0)
            while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
            }
    }
    ~FolderLock() {
        if (fd_ >= 0) ::close(fd_);  // releases the lock
    }
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;

private:
    int fd_;
};

inline void sync_folder(const std::filesystem::path& dir) {
    mlpipe::detail::atomic_file::sync_directory_best_effort(dir);
}

inline bool is_plain_name(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
           name.find('\0') == std::string::npos;
}

}  // namespace detail::model_commit

// The temporary files of `names` (<name>.tmp-..., as write_file_atomically and
// write_temporary_file name them) in `dir`, removed: those a killed run left behind. Returns
// their names. Only for folders no other process is writing (the model folder: under its lock).
inline std::vector<std::string> remove_stale_temporaries(const std::filesystem::path& dir,
                                                   const std::vector<std::string>& names) {
    std::vector<std::string> removed;
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) return removed;
    for (const auto& entry : it) {
        const std::string file = entry.path().filename().string();
        for (const auto& name : names) {
            if (!file.starts_with(name + std::string(temporary_file_marker))) continue;
            std::error_code ignored;
            if (entry.is_directory(ignored)) continue;
            if (std::filesystem::remove(entry.path(), ignored)) removed.push_back(file);
        }
    }
    if (!removed.empty()) detail::model_commit::sync_folder(dir);
    return removed;
}

namespace detail::model_commit {

struct Rename {
    std::string from;  // the temporary file's name
    std::string to;    // the target's name
};

// The renames of a record, or nothing when it is unreadable or not one of ours.
inline std::optional<std::vector<Rename>> parse_record(const std::string& text) {
    const nlohmann::json record = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object()) return std::nullopt;
    const auto format = record.find("format");
    if (format == record.end() || !format->is_string() || format->get<std::string>() != record_format)
        return std::nullopt;
    const auto renames = record.find("renames");
    if (renames == record.end() || !renames->is_array() || renames->empty()) return std::nullopt;
    std::vector<Rename> out;
    for (const auto& item : *renames) {
        if (!item.is_object() || !item.contains("from") || !item.contains("to") || !item["from"].is_string() ||
            !item["to"].is_string())
            return std::nullopt;
        Rename rename{item["from"].get<std::string>(), item["to"].get<std::string>()};
        if (!is_plain_name(rename.from) || !is_plain_name(rename.to) ||
            !rename.from.starts_with(rename.to + std::string(temporary_file_marker)))
            return std::nullopt;
        out.push_back(std::move(rename));
    }
    return out;
}

// recover_model_folder without taking the lock (the caller holds it).
inline ModelFolderRecovery recover_locked(const std::filesystem::path& dir) {
    ModelFolderRecovery recovery;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return recovery;
    const std::filesystem::path record_path = dir / commit_record_name;
    if (std::filesystem::exists(record_path, ec)) {
        std::string text;
        {
            std::ifstream in(record_path, std::ios::binary);
            if (!in)
                throw mlpipe::error(record_path.string() + ": cannot read the commit record of an interrupted commit");
            text.assign(std::istreambuf_iterator<char>(in), {});
        }
        const auto renames = parse_record(text);
        if (renames) {
            // Roll forward: the record was complete (it is renamed into place only then), so
            // every new file was complete too.
            for (const auto& rename : *renames) {
                const std::filesystem::path from = dir / rename.from, to = dir / rename.to;
                if (std::filesystem::exists(from, ec)) {
                    std::filesystem::rename(from, to, ec);
                    if (ec)
                        throw mlpipe::error(to.string() + ": cannot complete the interrupted commit (" +
                                            record_path.string() + "): renaming " + rename.from + ": " +
                                            ec.message());
                } else if (!std::filesystem::exists(to, ec)) {
                    throw mlpipe::error("cannot complete the interrupted commit of " + record_path.string() + ": " +
                                        rename.to + " and its new version " + rename.from +
                                        " are both missing; remove the record and train again");
                }
            }
            sync_folder(dir);
            recovery.completed_commit = true;
        } else {
            // Not a complete record of ours (it is renamed into place only when complete, so
            // this is damage, not a kill): nothing was renamed after it, so drop it.
            recovery.discarded_record = true;
        }
        std::filesystem::remove(record_path, ec);
        if (ec)
            throw mlpipe::error(record_path.string() + ": cannot remove the commit record: " + ec.message());
        sync_folder(dir);
    }
    recovery.removed = remove_stale_temporaries(dir, {model_file_name, metadata_file_name, commit_record_name});
    return recovery;
}

}  // namespace detail::model_commit

// Brings a model folder that a killed `train` may have left mid-commit back to one whole
// pair (see the top of this file): rolls a commit record forward, removes stale temporary
// files. Call it before reading model.mlpipe or metadata.json (`train` does at start; `serve`
// should before loading). Writes nothing when there is nothing to do, so it works on a
// read-only folder that needs no recovery; a folder that does not exist is left alone.
// Throws mlpipe::error when an interrupted commit cannot be completed.
inline ModelFolderRecovery recover_model_folder(const std::filesystem::path& model_dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(model_dir, ec)) return {};
    detail::model_commit::FolderLock lock(model_dir);
    return detail::model_commit::recover_locked(model_dir);
}

// A log line about a recovery, or "" when it changed nothing.
inline std::string describe_recovery(const std::filesystem::path& model_dir, const ModelFolderRecovery& recovery) {
    if (!recovery.changed_anything()) return "";
    std::string text = "model folder " + model_dir.string() + ":";
    if (recovery.completed_commit) text += " completed the commit of a run killed while committing;";
    if (recovery.discarded_record) text += " removed an unreadable commit record;";
    if (!recovery.removed.empty()) {
        text += " removed " + std::to_string(recovery.removed.size()) + " stale temporary file(s) (" +
                recovery.removed.front() + (recovery.removed.size() > 1 ? ", ..." : "") + ");";
    }
    text.pop_back();
    return text;
}

// Writes files of the model folder as one unit: add() each file (written to a temporary
// file), then commit(). Destroyed without a commit, it removes its temporary files.
class ModelCommit {
public:
    // Creates the folder, takes its lock (held until destruction) and recovers it.
    explicit ModelCommit(std::filesystem::path dir) : dir_(std::move(dir)) {
        std::filesystem::create_directories(dir_);
        lock_.emplace(dir_);
        detail::model_commit::recover_locked(dir_);
    }
    ~ModelCommit() {
        if (committed_) return;
        for (const auto& file : files_) ::unlink((dir_ / file.temporary).c_str());
    }
    ModelCommit(const ModelCommit&) = delete;
    ModelCommit& operator=(const ModelCommit&) = delete;

    // Writes the new `name` to a temporary file beside it (fsynced). Throws when the target is
    // a directory, or on a write error.
    void add(const std::string& name, std::string_view bytes) {
        const std::filesystem::path target = dir_ / name;
        std::error_code ec;
        if (std::filesystem::is_directory(target, ec))
            throw mlpipe::error(target.string() + " is a directory, expected a file");
        const std::filesystem::path temporary = write_temporary_file(target, bytes);
        files_.push_back({name, temporary.filename().string(), bytes.size(),
                          mlpipe::detail::model_file::crc32_of(bytes)});
        detail::model_commit::test_hook_kill_at(static_cast<int>(files_.size()));  // steps 1, 2
    }

    // The commit record, the renames, the record's removal (the steps at the top of this file).
    void commit() {
        using detail::model_commit::sync_folder;
        using detail::model_commit::test_hook_kill_at;
        nlohmann::json renames = nlohmann::json::array();
        for (const auto& file : files_)
            renames.push_back({{"from", file.temporary},
                               {"to", file.name},
                               {"bytes", file.bytes},
                               {"crc32", detail::model_commit::crc_text(file.crc32)}});
        const std::string record_text =
            nlohmann::json{{"format", detail::model_commit::record_format}, {"renames", renames}}.dump(2) + "\n";
        const std::filesystem::path record = dir_ / commit_record_name;

        sync_folder(dir_);  // the temporary files' names are durable before the record names them
        const std::filesystem::path record_temporary = write_temporary_file(record, record_text);
        test_hook_kill_at(3);
        std::error_code ec;
        std::filesystem::rename(record_temporary, record, ec);
        if (ec) {
            ::unlink(record_temporary.c_str());
            throw mlpipe::error(record.string() + ": cannot write the commit record: " + ec.message());
        }
        sync_folder(dir_);
        // The commit point: from here on, recovery completes the new pair.
        committed_ = true;
        test_hook_kill_at(4);
        try {
            for (std::size_t i = 0; i < files_.size(); ++i) {
                std::filesystem::rename(dir_ / files_[i].temporary, dir_ / files_[i].name, ec);
                if (ec)
                    throw mlpipe::error((dir_ / files_[i].name).string() + ": cannot rename the new version over it: " +
                                        ec.message());
                test_hook_kill_at(5 + static_cast<int>(i));  // steps 5, 6
            }
            sync_folder(dir_);
            test_hook_kill_at(7);
            std::filesystem::remove(record, ec);
            if (ec)
                throw mlpipe::error(record.string() + ": cannot remove the commit record: " + ec.message());
            test_hook_kill_at(8);
            sync_folder(dir_);
        } catch (const std::exception&) {
            // Past the commit point: try to complete through recovery. When that works the
            // new pair is in place; when it fails too, the first error is reported and the
            // record stays for the next start's recovery.
            const std::exception_ptr first = std::current_exception();
            try {
                detail::model_commit::recover_locked(dir_);
            } catch (const std::exception&) {
                std::rethrow_exception(first);
            }
        }
    }

private:
    struct File {
        std::string name;
        std::string temporary;  // name of the temporary file in dir_
        std::size_t bytes;
        std::uint32_t crc32;
    };
    std::filesystem::path dir_;
    std::optional<detail::model_commit::FolderLock> lock_;
    std::vector<File> files_;
    bool committed_ = false;
};

}  // namespace mlpipe::sagemaker
