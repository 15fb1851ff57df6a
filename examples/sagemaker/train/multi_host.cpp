// The launcher of a multi-host training job (multi_host.hpp says what it does).

#include "multi_host.hpp"

#include "../common/text.hpp"
#include "rank_communicator.hpp"
#include "stop_signal.hpp"

#include <mlpipe/io/atomic_file.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

extern char** environ;

namespace mlpipe::sagemaker {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Log = std::function<void(const std::string&)>;

constexpr double ssh_command_seconds = 60;  // a one-line command over SSH (a signal, reading a file)

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }
Clock::time_point after_seconds(double seconds) {
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}
void pause_briefly(int milliseconds) { std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds)); }

double seconds_from_env(const char* name, double fallback) {
    const std::string text = env(name);
    if (text.empty()) return fallback;
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !(value > 0))
        throw error(std::string(name) + " is " + quoted_excerpt(text) + ", not a number of seconds > 0");
    return value;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The last lines of a tool's output, for a message.
std::string tail_of(const fs::path& path) {
    std::string text = read_text(path);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.size() > 600) text = "..." + text.substr(text.size() - 600);
    return text.empty() ? "it printed nothing" : text;
}

// A child process: started with posix_spawnp, stdin from /dev/null, stdout and stderr to
// `output` when given (else this program's). Killed when the guard goes out of scope.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv, const fs::path& output = {}) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        if (!output.empty()) {
            posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            posix_spawn_file_actions_adddup2(&actions, 1, 2);
        }
        std::vector<char*> args;
        for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        const int failed = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (failed != 0) {
            pid_ = -1;
            throw error("cannot start " + quoted_excerpt(argv[0]) + ": " + std::strerror(failed));
        }
    }
    ~ChildProcess() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        for (int i = 0; i < 50 && !poll_exit(); ++i) pause_briefly(100);
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // The exit code once it ended (128 + N for signal N), or nothing while it runs.
    std::optional<int> poll_exit() {
        if (pid_ <= 0) return exit_code_;
        int status = 0;
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == 0) return std::nullopt;
        exit_code_ = done < 0 ? 255 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        pid_ = -1;
        return exit_code_;
    }
    // Waits until it ends; with a deadline, kills it there and returns nothing. With
    // `forward_stop`, SIGTERM or SIGINT to this program is passed on once (mpirun passes it
    // to the ranks); without, a stop does not touch the child (a short ssh command that tells
    // another host how the job ended must still run). `tick` runs every 50 ms while it waits,
    // and once after it ended.
    std::optional<int> wait(std::optional<Clock::time_point> deadline = std::nullopt,
                            const std::function<void()>& tick = {}, bool forward_stop = false) {
        bool forwarded = !forward_stop;
        for (;;) {
            if (auto code = poll_exit()) {
                if (tick) tick();
                return code;
            }
            if (tick) tick();
            if (deadline && Clock::now() >= *deadline) {
                ::kill(pid_, SIGKILL);
                int status = 0;
                ::waitpid(pid_, &status, 0);
                pid_ = -1;
                return std::nullopt;
            }
            if (stop_requested() && !forwarded) {
                ::kill(pid_, SIGTERM);
                forwarded = true;
            }
            pause_briefly(50);
        }
    }

    void signal(int number) const {
        if (pid_ > 0) ::kill(pid_, number);
    }

private:
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

// "" when a TCP connection to host:port opens within `timeout_ms`, else why not.
std::string probe_tcp(const std::string& host, int port, int timeout_ms) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int resolved = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (resolved != 0) return "its name does not resolve (" + std::string(::gai_strerror(resolved)) + ")";
    std::string why = "no address";
    for (addrinfo* address = found; address; address = address->ai_next) {
        const int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            why = std::strerror(errno);
            continue;
        }
        int result = ::connect(fd, address->ai_addr, address->ai_addrlen);
        if (result != 0 && errno == EINPROGRESS) {
            pollfd waiting{fd, POLLOUT, 0};
            result = ::poll(&waiting, 1, timeout_ms);
            if (result == 0) {
                why = "no answer within " + std::to_string(timeout_ms) + " ms";
                result = -1;
            } else if (result > 0) {
                int error_code = 0;
                socklen_t length = sizeof error_code;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error_code, &length);
                if (error_code != 0) why = std::strerror(error_code);
                result = error_code == 0 ? 0 : -1;
            } else {
                why = std::strerror(errno);
            }
        } else if (result != 0) {
            why = std::strerror(errno);
        }
        ::close(fd);
        if (result == 0) {
            ::freeaddrinfo(found);
            return "";
        }
    }
    ::freeaddrinfo(found);
    return why;
}

std::string shell_quoted(const std::string& text) {
    std::string quoted = "'";
    for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// mpirun's lines that say which rank, on which host, ended how ("mpirun noticed that
// process rank 1 with PID 22878 on node algo-2 exited on signal 9 (Killed).").
std::string mpirun_notice(const fs::path& log) {
    std::istringstream lines(read_text(log));
    std::string line, notice;
    while (std::getline(lines, line))
        if (line.find(" on node ") != std::string::npos && notice.size() < 600) notice += " " + line;
    return notice.empty() ? "; the first host's log holds mpirun's messages" : "; mpirun:" + notice;
}

fs::path self_path() { return fs::read_symlink("/proc/self/exe"); }

// The SSH client's options: the image's own key, no questions asked (the hosts of a job are
// fresh machines of one private network, with no known_hosts), errors only.
std::vector<std::string> ssh_options(const MultiHostSettings& settings) {
    return {"-p", std::to_string(settings.ssh_port),
            "-i", (settings.ssh_dir / "id_ed25519").string(),
            "-o", "IdentitiesOnly=yes",
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "BatchMode=yes",
            "-o", "LogLevel=ERROR",
            "-o", "ConnectTimeout=10"};
}

// Runs `remote` (a program and its arguments) on `host` over SSH; its output goes to
// `output`. The exit code, or nothing when it did not end within ssh_command_seconds.
std::optional<int> run_over_ssh(const MultiHostSettings& settings, const std::string& host,
                                const std::vector<std::string>& remote, const fs::path& output) {
    std::vector<std::string> argv{settings.ssh};
    for (auto& option : ssh_options(settings)) argv.push_back(std::move(option));
    argv.push_back(host);
    std::string command;
    for (const auto& part : remote) command += (command.empty() ? "" : " ") + shell_quoted(part);
    argv.push_back(command);
    ChildProcess ssh(argv, output);
    return ssh.wait(after_seconds(ssh_command_seconds));
}

void check_ssh_files(const MultiHostSettings& settings) {
    // mpirun passes the ssh options on as one space-separated setting (plm_rsh_args).
    if (settings.ssh_dir.string().find_first_of(" \t\n") != std::string::npos)
        throw error("MLPIPE_SSH_DIR " + quoted_excerpt(settings.ssh_dir.string()) +
                    " holds a space, which mpirun's ssh options cannot carry; use a folder without one");
    for (const char* name : {"id_ed25519", "authorized_keys", "ssh_host_ed25519_key"}) {
        const fs::path path = settings.ssh_dir / name;
        if (!fs::exists(path))
            throw error("a multi-host job needs the SSH file " + path.string() +
                        ", which this image lacks (examples/sagemaker/Dockerfile makes the key pair and the host key; "
                        "MLPIPE_SSH_DIR names another folder)");
    }
}

// The IPv4 address of the network interface `name`, if this host has it.
std::optional<std::string> interface_address(const std::string& name) {
    ifaddrs* interfaces = nullptr;
    if (name.empty() || ::getifaddrs(&interfaces) != 0) return std::nullopt;
    std::optional<std::string> found;
    for (ifaddrs* entry = interfaces; entry && !found; entry = entry->ifa_next) {
        if (!entry->ifa_addr || entry->ifa_addr->sa_family != AF_INET || name != entry->ifa_name) continue;
        char text[INET_ADDRSTRLEN] = {};
        if (::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr, text, sizeof text))
            found = text;
    }
    ::freeifaddrs(interfaces);
    return found;
}

// This host's SSH server, so that the first host's mpirun can start a rank here (and the
// first host's own, as mpirun may reach its own host by name too): on the job's network
// interface only, when resourceconfig.json names one this host has. Its log goes to the
// state folder; the guard stops it.
std::unique_ptr<ChildProcess> start_ssh_server(const MultiHostSettings& settings, const std::string& interface,
                                               const Log& log) {
    fs::create_directories("/run/sshd");  // sshd's privilege-separation folder
    const fs::path server_log = settings.state_dir / "sshd.log";
    const std::optional<std::string> address = interface_address(interface);
    if (!interface.empty() && !address)
        log("multi-host: this host has no IPv4 address on the interface " + interface +
            " (network_interface_name); the SSH server listens on every interface");
    // -D: in the foreground, as this program's child; -e: its log to stderr (the log file).
    std::vector<std::string> argv{settings.sshd, "-D", "-e"};
    argv.insert(argv.end(), {"-p", std::to_string(settings.ssh_port)});
    argv.insert(argv.end(), {"-h", (settings.ssh_dir / "ssh_host_ed25519_key").string()});
    const std::vector<std::string> options{"AuthorizedKeysFile=" + (settings.ssh_dir / "authorized_keys").string(),
                                           "PidFile=none",
                                           "PasswordAuthentication=no",
                                           "KbdInteractiveAuthentication=no",
                                           "PermitRootLogin=prohibit-password",
                                           "UseDNS=no"};
    for (const auto& option : options) argv.insert(argv.end(), {"-o", option});
    if (address) argv.insert(argv.end(), {"-o", "ListenAddress=" + *address});
    const std::string probed = address.value_or("127.0.0.1");
    auto server = std::make_unique<ChildProcess>(argv, server_log);
    const auto deadline = after_seconds(10);
    std::string why;
    while (Clock::now() < deadline) {
        if (auto code = server->poll_exit())
            throw error("the SSH server (" + settings.sshd + ") ended at once with status " + std::to_string(*code) +
                        ": " + tail_of(server_log));
        why = probe_tcp(probed, settings.ssh_port, 500);
        if (why.empty()) {
            log("multi-host: SSH server listening on port " + std::to_string(settings.ssh_port) +
                (address ? " of " + *address + " (" + interface + ")" : std::string(" of every interface")));
            return server;
        }
        pause_briefly(100);
    }
    throw error("the SSH server (" + settings.sshd + ") does not answer on port " + std::to_string(settings.ssh_port) +
                " of this host after 10 s (" + why + "): " + tail_of(server_log));
}

std::optional<std::string> read_signal(const MultiHostSettings& settings, const std::string& name) {
    const fs::path path = settings.state_dir / name;
    if (!fs::exists(path)) return std::nullopt;
    std::string text = read_text(path);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

// Why the job failed, when this host's rank wrote nothing: another host's reason, else the
// host mpirun saw a rank end on, else the hosts whose rank recorded no end (killed, crashed)
// or never started.
std::string reason_from_other_hosts(const Layout& layout, const ResourceConfig& resources,
                                    const MultiHostSettings& settings, const std::vector<std::string>& others,
                                    int status, const fs::path& mpirun_log) {
    for (const auto& host : others) {
        const fs::path output = settings.state_dir / ("failure-" + host + ".txt");
        if (run_over_ssh(settings, host, {"cat", layout.failure_file().string()}, output) == 0)
            return "the job failed on host " + host + ": " + tail_of(output);
    }
    // "... process rank 1 with PID 22878 on node algo-2 exited on signal 9 (Killed)."
    std::istringstream lines(read_text(mpirun_log));
    for (std::string line; std::getline(lines, line);) {
        const std::size_t node = line.find(" on node ");
        if (node == std::string::npos) continue;
        std::istringstream rest(line.substr(node + 9));
        std::string host;
        rest >> host;
        if (std::find(resources.hosts.begin(), resources.hosts.end(), host) != resources.hosts.end())
            return "training failed: the rank on host " + host + " ended without finishing";
    }
    std::vector<std::string> silent, absent;
    for (const auto& host : resources.hosts) {
        std::optional<std::string> state;
        if (host == resources.current_host) {
            state = read_signal(settings, "rank");
        } else {
            const fs::path output = settings.state_dir / ("rank-" + host + ".txt");
            if (run_over_ssh(settings, host, {"cat", (settings.state_dir / "rank").string()}, output) == 0)
                state = tail_of(output);
        }
        if (!state)
            absent.push_back(host);
        else if (state->starts_with("running"))
            silent.push_back(host);
    }
    if (!silent.empty())
        return "training failed: the rank on host " + join_at_most(silent) +
               " ended without finishing (killed, or crashed: it recorded no end)";
    if (!absent.empty()) return "training failed: the rank on host " + join_at_most(absent) + " never started";
    return "training failed: the MPI job ended with status " + std::to_string(status) + " and no host wrote a reason";
}

// The first host: every other host answers, learns that the job starts, then mpirun.
int run_first_host(const Layout& layout, const ResourceConfig& resources, const std::vector<std::string>& train_args,
                   const MultiHostSettings& settings, const Log& log) {
    std::vector<std::string> others;
    for (const auto& host : resources.hosts)
        if (host != resources.current_host) others.push_back(host);

    // 1. Every other host's SSH server answers, within the bound.
    const auto start = Clock::now();
    const auto deadline = after_seconds(settings.host_wait_seconds);
    std::vector<std::string> waiting = others;
    std::string last_why;
    while (!waiting.empty()) {
        throw_if_stop_requested();
        std::vector<std::string> still;
        for (const auto& host : waiting) {
            const std::string why = probe_tcp(host, settings.ssh_port, 1000);
            if (why.empty()) {
                log("multi-host: host " + host + " answers on port " + std::to_string(settings.ssh_port) + " after " +
                    fixed(seconds_since(start), 1) + " s");
            } else {
                still.push_back(host);
                last_why = why;
            }
        }
        waiting = still;
        if (waiting.empty()) break;
        if (Clock::now() >= deadline)
            throw error("host " + quoted_excerpt(waiting.front()) +
                        (waiting.size() > 1 ? " (and " + std::to_string(waiting.size() - 1) + " more)" : "") +
                        " did not answer on port " + std::to_string(settings.ssh_port) + " within " +
                        fixed(settings.host_wait_seconds, 0) + " s (last: " + last_why +
                        "); every host of the job must run this image's train command (MLPIPE_HOST_WAIT_SECONDS sets "
                        "the wait)");
        pause_briefly(1000);
    }

    // 2. Each of them can be reached over SSH, and learns that the job is starting.
    throw_if_stop_requested();
    const std::string program = self_path().string();
    for (const auto& host : others) {
        const fs::path output = settings.state_dir / ("ssh-" + host + ".log");
        const auto code = run_over_ssh(settings, host, {program, "multi-host-signal", "running", "1"}, output);
        if (code != 0)
            throw error("cannot run a command on host " + quoted_excerpt(host) + " over SSH (" +
                        (code ? "status " + std::to_string(*code) : "no answer within 60 s") + "): " + tail_of(output));
    }
    throw_if_stop_requested();

    // 3. mpirun: one rank per host, in the order of `hosts` (rank r on hosts[r]; the ranks
    // check it). Only the job's network interface, when resourceconfig.json names one.
    std::string host_slots;
    for (const auto& host : resources.hosts) host_slots += (host_slots.empty() ? "" : ",") + host + ":1";
    std::string rsh_args;
    for (const auto& option : ssh_options(settings)) rsh_args += (rsh_args.empty() ? "" : " ") + option;
    std::vector<std::string> argv{settings.mpirun, "--allow-run-as-root",
                                  "-np",           std::to_string(resources.hosts.size()),
                                  "--host",        host_slots,
                                  "--map-by",      "slot",
                                  "--bind-to",     "none",
                                  "--mca",         "plm_rsh_agent",
                                  settings.ssh,    "--mca",
                                  "plm_rsh_args",  rsh_args};
    if (!resources.network_interface.empty())
        for (const char* component : {"btl_tcp_if_include", "oob_tcp_if_include"})
            argv.insert(argv.end(), {"--mca", component, resources.network_interface});
    // GLIBC_TUNABLES and MLPIPE_HUGE_PAGES: the heap and pages this host's program runs with
    // (cpu_check.cpp, step 3), so that a remote rank neither execs itself again nor ignores the
    // user's settings.
    for (const char* variable : {"PATH", "LD_LIBRARY_PATH", "SAGEMAKER_CONTAINER_LOG_LEVEL", "SM_NUM_CPUS",
                                 "GLIBC_TUNABLES", "MLPIPE_HUGE_PAGES"})
        if (std::getenv(variable)) argv.insert(argv.end(), {"-x", variable});
    // Every rank runs `program`, the build this host runs (cpu_check.cpp may have started a
    // wider one in place of the installed path), and none hands over to another: the ranks'
    // sums round alike only when their builds are one. (train checks it.)
    argv.insert(argv.end(), {"-x", "MLPIPE_CPU_DISPATCH=0"});
    argv.insert(argv.end(), {program, "train"});
    argv.insert(argv.end(), train_args.begin(), train_args.end());
    argv.insert(argv.end(), {"--as-mpi-rank", "true"});
    log("multi-host: starting " + std::to_string(resources.hosts.size()) + " ranks: " + settings.mpirun + " -np " +
        std::to_string(resources.hosts.size()) + " --host " + host_slots +
        (resources.network_interface.empty() ? "" : " (interface " + resources.network_interface + ")"));
    // mpirun's output (every rank's log) goes to a file, copied to this program's output as it
    // grows, so that a failure can quote mpirun's own words on which rank ended how. While it
    // runs, the other hosts' SSH ports are probed in turn: a host that vanishes without a word
    // (a lost machine, a cut network) would leave the ranks waiting in their next sum, so after
    // lost_host_seconds of silence mpirun is stopped.
    const fs::path mpirun_log = settings.state_dir / "mpirun.log";
    std::string lost_host;
    int status = 0;
    {
        ChildProcess mpirun(argv, mpirun_log);
        std::ifstream relay;
        std::string chunk(1 << 16, '\0');
        std::vector<Clock::time_point> last_answer(others.size(), Clock::now()),
            last_probe(others.size(), Clock::now());
        std::size_t next_host = 0;
        std::optional<Clock::time_point> stopping;  // when mpirun was told to stop for a lost host
        status = *mpirun.wait(
            std::nullopt,
            [&] {
                if (!relay.is_open()) relay.open(mpirun_log, std::ios::binary);
                if (relay.is_open()) {
                    relay.clear();
                    while (relay.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || relay.gcount() > 0)
                        std::cout.write(chunk.data(), relay.gcount());
                    std::cout.flush();
                }
                if (others.empty()) return;
                if (stopping) {
                    if (seconds_since(*stopping) > 5) mpirun.signal(SIGKILL);  // it may wait for the lost host
                    return;
                }
                const std::size_t h = next_host++ % others.size();
                if (seconds_since(last_probe[h]) < 5) return;
                last_probe[h] = Clock::now();
                if (probe_tcp(others[h], settings.ssh_port, 500).empty()) {
                    last_answer[h] = Clock::now();
                } else if (seconds_since(last_answer[h]) >= settings.lost_host_seconds) {
                    lost_host = others[h];
                    log("multi-host: host " + lost_host + " has not answered for " +
                        fixed(settings.lost_host_seconds, 0) + " s; stopping the MPI job");
                    mpirun.signal(SIGTERM);
                    stopping = Clock::now();
                }
            },
            /*forward_stop=*/true);
    }
    log("multi-host: the MPI job ended with status " + std::to_string(status));
    if (!lost_host.empty() && status == 0) status = 1;

    // 4. A failed job leaves a reason here: this host's rank wrote it, or else one found by
    // asking the others (before step 5, while their SSH servers still run).
    if (status != 0 && (!lost_host.empty() || !fs::exists(layout.failure_file()))) {
        const std::string reason =
            !lost_host.empty()
                ? "training failed: lost host " + lost_host + ": its SSH port did not answer for " +
                      fixed(settings.lost_host_seconds, 0) + " s while the job ran (MLPIPE_LOST_HOST_SECONDS)"
                : reason_from_other_hosts(layout, resources, settings, others, status, mpirun_log);
        write_file_atomically(layout.failure_file(), reason + mpirun_notice(mpirun_log) + "\n");
    }

    // 5. The other hosts exit with the job's status (a lost host would not hear it).
    for (const auto& host : others) {
        if (host == lost_host) continue;
        const fs::path output = settings.state_dir / ("ssh-" + host + ".log");
        if (run_over_ssh(settings, host, {program, "multi-host-signal", "status", std::to_string(status)}, output) != 0)
            log("multi-host: could not tell host " + host + " that the job ended (" + tail_of(output) +
                "); it gives up on its own once this host stops answering");
    }
    return status;
}

// Every other host: serve SSH until the first host says how the job ended.
int run_other_host(const Layout& layout, const ResourceConfig& resources, const MultiHostSettings& settings,
                   const Log& log) {
    const std::string& first = resources.hosts.front();
    // The first host waits up to host_wait_seconds for every host, then logs in to each in
    // turn (each login bounded by ssh_command_seconds). Its SSH port is probed meanwhile: a
    // first host silent for host_wait_seconds is given up sooner.
    const double start_bound =
        settings.host_wait_seconds + static_cast<double>(resources.hosts.size()) * ssh_command_seconds + 60;
    const auto start = Clock::now();
    auto first_answered = Clock::now();
    auto next_probe = Clock::now();
    log("multi-host: waiting for the first host " + first + " to start the job");
    while (!read_signal(settings, "running")) {
        throw_if_stop_requested();
        if (Clock::now() >= next_probe) {
            next_probe = after_seconds(5);
            if (probe_tcp(first, settings.ssh_port, 1000).empty()) first_answered = Clock::now();
        }
        const bool silent = seconds_since(first_answered) >= settings.host_wait_seconds;
        if (silent || seconds_since(start) >= start_bound)
            throw error("the first host " + quoted_excerpt(first) + " did not start the job within " +
                        fixed(seconds_since(start), 0) + " s (it never logged in to this host over SSH" +
                        (silent ? "; its SSH port has not answered for " + fixed(settings.host_wait_seconds, 0) + " s"
                                : std::string()) +
                        "); its own log says why");
        pause_briefly(200);
    }
    log("multi-host: the first host " + first + " started the job; this host runs a rank");

    // A stop (SageMaker stops every host of the job alike) does not end this wait at once:
    // this program may be the container's main process, and its end would kill the rank here
    // mid-iteration. The first host passes the stop to every rank through mpirun; this host
    // waits a bounded while longer for the job's status.
    constexpr double stop_grace_seconds = 60;
    std::optional<Clock::time_point> stopped;
    auto last_answer = Clock::now();
    next_probe = Clock::now();
    for (;;) {
        if (stop_requested() && !stopped) {
            stopped = Clock::now();
            log("multi-host: " + stop_signal_name() + ": waiting up to " + fixed(stop_grace_seconds, 0) +
                " s for the ranks to stop and the first host to say so");
        }
        if (stopped && seconds_since(*stopped) >= stop_grace_seconds) throw_if_stop_requested();
        if (const auto status = read_signal(settings, "status")) {
            int code = 1;
            std::from_chars(status->data(), status->data() + status->size(), code);
            log("multi-host: the job ended with status " + std::to_string(code) + " (told by " + first + ")");
            if (code != 0 && !fs::exists(layout.failure_file()))
                write_file_atomically(layout.failure_file(), "training failed: the MPI job run from the first host " +
                                                                 first + " ended with status " + std::to_string(code) +
                                                                 "; the first host's failure says why\n");
            return code;
        }
        if (Clock::now() >= next_probe) {
            next_probe = after_seconds(5);
            if (probe_tcp(first, settings.ssh_port, 2000).empty()) {
                last_answer = Clock::now();
            } else if (seconds_since(last_answer) >= settings.lost_host_seconds) {
                throw error("lost the first host " + quoted_excerpt(first) + ": its SSH port has not answered for " +
                            fixed(settings.lost_host_seconds, 0) + " s, so the job cannot end well");
            }
        }
        pause_briefly(200);
    }
}

}  // namespace

MultiHostSettings multi_host_settings_from_env() {
    MultiHostSettings settings;
    if (auto dir = env("MLPIPE_SSH_DIR"); !dir.empty()) settings.ssh_dir = dir;
    if (auto port = env("MLPIPE_SSH_PORT"); !port.empty()) {
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), settings.ssh_port);
        if (ec != std::errc() || end != port.data() + port.size() || settings.ssh_port < 1 || settings.ssh_port > 65535)
            throw error("MLPIPE_SSH_PORT is " + quoted_excerpt(port) + ", not a port number");
    }
    if (auto sshd = env("MLPIPE_SSHD"); !sshd.empty()) settings.sshd = sshd;
    if (auto ssh = env("MLPIPE_SSH"); !ssh.empty()) settings.ssh = ssh;
    if (auto mpirun = env("MLPIPE_MPIRUN"); !mpirun.empty()) settings.mpirun = mpirun;
    settings.host_wait_seconds = seconds_from_env("MLPIPE_HOST_WAIT_SECONDS", settings.host_wait_seconds);
    settings.lost_host_seconds = seconds_from_env("MLPIPE_LOST_HOST_SECONDS", settings.lost_host_seconds);
    return settings;
}

int run_multi_host_job(const Layout& layout, const ResourceConfig& resources,
                       const std::vector<std::string>& train_args, const MultiHostSettings& settings, const Log& log) {
    if (!built_with_mpi()) join_mpi_job();  // throws the error that says how to build one
    log("multi-host: " + std::to_string(resources.hosts.size()) + " hosts, this one " + resources.current_host +
        (resources.current_host == resources.hosts.front() ? " (the first: it runs mpirun)" : " (runs a rank)"));
    // A state folder left by an earlier job must not tell this one that it already ended.
    check_ssh_files(settings);
    fs::remove_all(settings.state_dir);
    fs::create_directories(settings.state_dir);
    const auto server = start_ssh_server(settings, resources.network_interface, log);
    if (resources.current_host == resources.hosts.front())
        return run_first_host(layout, resources, train_args, settings, log);
    return run_other_host(layout, resources, settings, log);
}

void record_rank_state(const std::string& state) noexcept {
    try {
        const MultiHostSettings settings;
        fs::create_directories(settings.state_dir);
        write_file_atomically(settings.state_dir / "rank", state + "\n");
    } catch (...) {
        // Only a failure's explanation depends on it.
    }
}

int multi_host_signal_main(const std::vector<std::string>& args) {
    if (args.size() != 2 || (args[0] != "running" && args[0] != "status")) {
        std::cerr << "usage: mlpipe-sagemaker multi-host-signal running|status VALUE\n"
                     "(run by a multi-host training job's first host on the others, over SSH)\n";
        return 2;
    }
    try {
        const MultiHostSettings settings;
        fs::create_directories(settings.state_dir);
        write_file_atomically(settings.state_dir / args[0], args[1] + "\n");
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "multi-host-signal: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace mlpipe::sagemaker
