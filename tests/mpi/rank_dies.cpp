// A rank that dies while the others are in a distributed fit: the job must end with an error
// within a bounded time, never hang (CTest mpi.rank_dies runs this under
// tests/mpi/expect_job_ends.sh). The last rank exits at once, as a killed process would; the
// others block in the fit's first collective until mpirun notices and ends them.
#include "support/synthetic.hpp"

#include <mlpipe/core.hpp>
#include <mlpipe/parallel/mpi_communicator.hpp>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    mlpipe::MpiSession session(argc, argv);
    const mlpipe::MpiCommunicator world;
    const auto data = mlpipe::test::synthetic(2000, 2, 1);
    if (world.rank() == world.size() - 1) {
        std::fprintf(stderr, "rank %d: exiting in the middle of the job, on purpose\n", world.rank());
        std::_Exit(3);
    }
    auto pipeline = mlpipe::test::synthetic_pipeline<double>({});
    pipeline.fit(data.X, data.y, {}, world);
    std::puts("the fit finished without its last rank: it should not have");
    return 0;
}
