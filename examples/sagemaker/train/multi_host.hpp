#pragma once
// A multi-host training job (instance_count > 1), as SageMaker's training toolkit runs MPI
// jobs: every host starts an SSH server; the first host (the first of resourceconfig.json's
// `hosts`, which SageMaker sorts alike on every host) waits until every other host answers,
// then runs `mpirun` over them, one rank per host, each rank `mlpipe-sagemaker train` in rank
// mode (train.cpp); the other hosts wait until the first host tells them, over SSH, that the
// job ended and with what status, and exit with it. docs/sagemaker-multi-host.md tells the
// whole story.
//
// Nothing here waits without a bound on another host: a host that never answers, a first
// host that never starts the job, a host whose SSH port goes silent while the job runs, ends
// the waiting host with a failure file naming the host. (mpirun's own run is not timed: a
// training job may take hours.)

#include "../common/layout.hpp"
#include "container_config.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace mlpipe::sagemaker {

// Where the launcher finds its tools and how long it waits; each from an environment
// variable (in parentheses), for the local simulation and for images laid out otherwise.
struct MultiHostSettings {
    std::filesystem::path ssh_dir = "/etc/mlpipe/ssh";  // (MLPIPE_SSH_DIR) id_ed25519, authorized_keys, host key
    int ssh_port = 22;                                  // (MLPIPE_SSH_PORT)
    std::string sshd = "/usr/sbin/sshd";                // (MLPIPE_SSHD)
    std::string ssh = "ssh";                            // (MLPIPE_SSH)
    std::string mpirun = "mpirun";                      // (MLPIPE_MPIRUN)
    double host_wait_seconds = 600;  // (MLPIPE_HOST_WAIT_SECONDS) for every host to answer, and for the job to start
    double lost_host_seconds = 120;  // (MLPIPE_LOST_HOST_SECONDS) a host silent this long mid-job is given up
    // Where the first host leaves this host's signals ("running", "status"): per host, as
    // each container has its own /tmp.
    std::filesystem::path state_dir = "/tmp/mlpipe-multi-host";
};

MultiHostSettings multi_host_settings_from_env();

// Runs this host's part of the job; returns the exit code of the job (the MPI job's status
// on every host). `train_args` are this command's arguments, passed on to every rank.
// Failures are written to the layout's failure file, naming the host.
int run_multi_host_job(const Layout& layout, const ResourceConfig& resources,
                       const std::vector<std::string>& train_args, const MultiHostSettings& settings,
                       const std::function<void(const std::string&)>& log);

// What a rank records on its host (the state folder's "rank"): "running" from its start
// (before it joins MPI), "stopped by SIGTERM" when a stop reaches it, "exited N" when it ends
// on its own. A rank still "running" after the job failed was
// killed or crashed: the first host then names its host.
void record_rank_state(const std::string& state) noexcept;

// `mlpipe-sagemaker multi-host-signal NAME VALUE`: what the first host runs on the others
// over SSH; writes NAME (running, status) into the state folder, atomically.
int multi_host_signal_main(const std::vector<std::string>& args);

}  // namespace mlpipe::sagemaker
