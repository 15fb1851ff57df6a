#pragma once
// The processes that share one fit (docs/distributed.md). A distributed fit runs the same
// code on every process ("rank"), each on its own rows; what needs all the rows (a scaler's
// statistics, the categories, the loss and gradient) goes through a Communicator. Two exist:
// SingleProcess (the default: one rank, every operation returns its input) and
// MpiCommunicator (<mlpipe/parallel/mpi_communicator.hpp>, CMake option MLPIPE_WITH_MPI).
//
// The interface is virtual: its calls are a few per solver iteration, never per row, and it
// keeps MPI's header out of everything but the one file that implements it.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe {

class Communicator {
public:
    virtual ~Communicator() = default;

    virtual int rank() const noexcept = 0;  // 0 .. size() - 1
    virtual int size() const noexcept = 0;

    // values := the element-wise sum of every rank's values, on every rank. The ranks' values
    // are added in an order fixed by the number of ranks alone (never the order in which they
    // arrive), so every rank gets the same bits, at every run.
    virtual void sum(std::span<double> values) const = 0;
    virtual void sum(std::span<float> values) const = 0;

    // Every rank's bytes, in rank order, on every rank.
    virtual std::vector<std::string> allgather(std::string_view bytes) const = 0;

    // bytes := root's bytes, on every rank.
    virtual void broadcast(std::string& bytes, int root) const = 0;

    // For logs: "1 process", "MPI rank 1 of 3".
    virtual std::string describe() const = 0;

protected:
    Communicator() = default;
    Communicator(const Communicator&) = default;
    Communicator& operator=(const Communicator&) = default;
};

// One process: the data are all here.
class SingleProcess final : public Communicator {
public:
    int rank() const noexcept override { return 0; }
    int size() const noexcept override { return 1; }
    void sum(std::span<double>) const override {}
    void sum(std::span<float>) const override {}
    std::vector<std::string> allgather(std::string_view bytes) const override { return {std::string(bytes)}; }
    void broadcast(std::string&, int) const override {}
    std::string describe() const override { return "1 process"; }
};

// The communicator of a fit that is given none.
inline const Communicator& single_process() noexcept {
    static const SingleProcess instance;
    return instance;
}

}  // namespace mlpipe
