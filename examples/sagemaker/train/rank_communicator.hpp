#pragma once
// The MPI side of a multi-host training job's rank processes (train/multi_host.hpp starts
// them with mpirun). Behind this small interface so that train.cpp compiles without mpi.h:
// only rank_communicator.cpp includes it, and only in builds with MLPIPE_WITH_MPI.

#include <mlpipe/parallel/communicator.hpp>

#include <memory>

namespace mlpipe::sagemaker {

// Whether this build can run as a rank of a multi-host job (built with MLPIPE_WITH_MPI).
bool built_with_mpi() noexcept;

class RankCommunicator {
public:
    virtual ~RankCommunicator() = default;
    virtual const Communicator& communicator() const = 0;
    // Ends every rank of the job (MPI_Abort): for a failure the other ranks did not see, so
    // that none of them waits for this rank forever.
    [[noreturn]] virtual void abort(int code) const = 0;
};

// Joins the MPI job this process was started in (MPI_Init_thread); finalises MPI when the
// result is destroyed. Throws mlpipe::error in a build without MPI.
std::unique_ptr<RankCommunicator> join_mpi_job();

}  // namespace mlpipe::sagemaker
