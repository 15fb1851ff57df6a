// Catch2's main for the MPI tests (mlpipe_mpi_tests): every rank of `mpirun -np N` runs every
// test, each on its own rows, so the collectives inside the fits meet. Tests must therefore
// take the same path on every rank; their checks are on what every rank holds alike. A
// failure on any rank fails mpirun, and so the CTest test.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <mlpipe/parallel/mpi_communicator.hpp>

int main(int argc, char** argv) {
    mlpipe::MpiSession session(argc, argv);
    return Catch::Session().run(argc, argv);
}
