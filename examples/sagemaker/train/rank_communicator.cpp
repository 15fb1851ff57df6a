// The one file of the programs that includes mpi.h (rank_communicator.hpp says why).

#include "rank_communicator.hpp"

#include <mlpipe/error.hpp>

#if MLPIPE_WITH_MPI
#include <mlpipe/parallel/mpi_communicator.hpp>
#endif

namespace mlpipe::sagemaker {

#if MLPIPE_WITH_MPI

bool built_with_mpi() noexcept { return true; }

namespace {
class MpiRank final : public RankCommunicator {
public:
    const Communicator& communicator() const override { return communicator_; }
    [[noreturn]] void abort(int code) const override { communicator_.abort(code); }

private:
    MpiSession session_;  // first: MPI is initialised before, and finalised after, the communicator
    MpiCommunicator communicator_;
};
}  // namespace

std::unique_ptr<RankCommunicator> join_mpi_job() { return std::make_unique<MpiRank>(); }

#else

bool built_with_mpi() noexcept { return false; }

std::unique_ptr<RankCommunicator> join_mpi_job() {
    throw error(
        "this mlpipe-sagemaker was built without MPI (CMake option MLPIPE_WITH_MPI), so it cannot run a "
        "multi-host training job; build the image with examples/sagemaker/Dockerfile, which enables it");
}

#endif

}  // namespace mlpipe::sagemaker
