#pragma once
// Test helpers for running mlpipe-sagemaker as a real process: a temporary folder, an
// environment to pass, and a child process with its output captured in files.

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace mlpipe::sagemaker::test {

namespace fs = std::filesystem;

// A fresh folder under the system temporary folder, removed with everything in it.
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "mlpipe-test") {
        std::random_device random;
        path_ = fs::temp_directory_path() /
                (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const noexcept { return path_; }

private:
    fs::path path_;
};

inline std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Whether the kernel offers transparent huge pages ("always [madvise] never": not "never"),
// as the program's start-up asks (cpu_check.cpp).
inline bool transparent_huge_pages_on() {
    std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string line;
    return std::getline(in, line) && line.find("[never]") == std::string::npos;
}

inline void write_text(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
}

// The environment for a child: this process's, then changed with set and remove.
class Environment {
public:
    static Environment inherited() {
        Environment env;
        for (char** entry = environ; *entry != nullptr; ++entry) {
            const std::string text = *entry;
            const auto equals = text.find('=');
            if (equals != std::string::npos) env.vars_[text.substr(0, equals)] = text.substr(equals + 1);
        }
        return env;
    }

    Environment& set(const std::string& name, const std::string& value) {
        vars_[name] = value;
        return *this;
    }

    // Removes every variable whose name starts with `prefix`, so that the caller's own
    // settings (SAGEMAKER_*, SM_*) cannot leak into a test.
    Environment& remove_prefixed(const std::string& prefix) {
        std::erase_if(vars_, [&](const auto& entry) { return entry.first.starts_with(prefix); });
        return *this;
    }

    std::vector<std::string> entries() const {
        std::vector<std::string> out;
        for (const auto& [name, value] : vars_) out.push_back(name + "=" + value);
        return out;
    }

private:
    std::map<std::string, std::string> vars_;
};

// A child process with stdout and stderr written to files. The destructor kills and
// reaps a child that is still running, so a failing test leaves no process behind.
class Process {
public:
    Process(const fs::path& program, const std::vector<std::string>& args, const Environment& env,
            const fs::path& stdout_file, const fs::path& stderr_file)
        : stdout_file_(stdout_file), stderr_file_(stderr_file) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        std::vector<std::string> argv_text{program.string()};
        argv_text.insert(argv_text.end(), args.begin(), args.end());
        const std::vector<std::string> env_text = env.entries();
        std::vector<char*> argv = pointers(argv_text);
        std::vector<char*> envp = pointers(env_text);
        const int failed = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        if (failed != 0)
            throw std::system_error(failed, std::generic_category(), "cannot start " + program.string());
    }

    ~Process() {
        if (!status_) {
            ::kill(pid_, SIGKILL);
            int ignored = 0;
            ::waitpid(pid_, &ignored, 0);
        }
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const noexcept { return pid_; }
    // Only while not reaped: afterwards the pid may belong to another process.
    void signal(int signal_number) const {
        if (!status_) ::kill(pid_, signal_number);
    }

    // The exit status as a shell reports it (the exit code, or 128 + the signal number),
    // or nothing if the process is still running after `timeout`.
    std::optional<int> wait_for(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!status_) {
            int raw = 0;
            if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
                status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
            } else if (std::chrono::steady_clock::now() >= deadline) {
                break;
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
        return status_;
    }

    std::string stdout_text() const { return read_text(stdout_file_); }
    std::string stderr_text() const { return read_text(stderr_file_); }

private:
    static std::vector<char*> pointers(const std::vector<std::string>& texts) {
        std::vector<char*> out;
        for (const auto& text : texts) out.push_back(const_cast<char*>(text.c_str()));
        out.push_back(nullptr);
        return out;
    }

    pid_t pid_ = -1;
    std::optional<int> status_;
    fs::path stdout_file_, stderr_file_;
};

}  // namespace mlpipe::sagemaker::test
