#pragma once
// The MPI communicator: one rank per MPI process (mpirun -np N), Open MPI or any MPI 3 library.
// Needs the CMake target mlpipe::mpi (option MLPIPE_WITH_MPI; Debian: libopenmpi-dev), which
// links MPI; nothing else in mlpipe includes <mpi.h>.
//
//   int main(int argc, char** argv) {
//       mlpipe::MpiSession session(argc, argv);      // MPI_Init ... MPI_Finalize
//       mlpipe::MpiCommunicator world;               // MPI_COMM_WORLD
//       pipeline.fit(my_rows, my_labels, {}, world);  // every rank, its own rows
//   }
//
// sum() adds the ranks' values along a binomial tree fixed by the number of ranks (rank r
// takes in r + 1, r + 2, r + 4, ... in that order) and broadcasts rank 0's result, so every
// rank gets the same bits at every run; MPI_Allreduce promises neither. Its cost is about
// 2 log2(ranks) messages of the vector's size, as a tree allreduce's.
//
// MPI is asked for MPI_THREAD_FUNNELED: only the thread that started MPI (the MpiSession's)
// may call a distributed fit; mlpipe's worker threads never talk to MPI. An MPI error aborts the job (MPI's default handler), so no rank waits forever
// for a peer that is gone: mpirun then ends every process and reports which one failed.

#include <mlpipe/error.hpp>
#include <mlpipe/parallel/communicator.hpp>

#include <mpi.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe {

// MPI_Init_thread on construction (unless MPI is already initialised) and MPI_Finalize on
// destruction (only when this session initialised it).
class MpiSession {
public:
    MpiSession() : MpiSession(nullptr, nullptr) {}
    MpiSession(int& argc, char**& argv) : MpiSession(&argc, &argv) {}
    ~MpiSession() {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (owns_ && !finalized) MPI_Finalize();
    }
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

private:
    MpiSession(int* argc, char*** argv) {
        int initialized = 0;
        MPI_Initialized(&initialized);
        if (initialized) return;
        int provided = 0;
        if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            throw error("MPI_Init_thread failed: is this program started by mpirun, with an MPI library installed?");
        if (provided < MPI_THREAD_FUNNELED) {
            MPI_Finalize();
            throw error("the MPI library offers no MPI_THREAD_FUNNELED: mlpipe's fit runs worker threads");
        }
        owns_ = true;
    }
    bool owns_ = false;
};

class MpiCommunicator final : public Communicator {
public:
    // A duplicate of `communicator`, so that mlpipe's messages never meet the program's own.
    explicit MpiCommunicator(MPI_Comm communicator = MPI_COMM_WORLD) {
        MPI_Comm_dup(communicator, &comm_);
        MPI_Comm_rank(comm_, &rank_);
        MPI_Comm_size(comm_, &size_);
    }
    ~MpiCommunicator() override {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (!finalized) MPI_Comm_free(&comm_);
    }
    MpiCommunicator(const MpiCommunicator&) = delete;
    MpiCommunicator& operator=(const MpiCommunicator&) = delete;

    int rank() const noexcept override { return rank_; }
    int size() const noexcept override { return size_; }

    void sum(std::span<double> values) const override { tree_sum(values, MPI_DOUBLE); }
    void sum(std::span<float> values) const override { tree_sum(values, MPI_FLOAT); }

    std::vector<std::string> allgather(std::string_view bytes) const override {
        const long long mine = static_cast<long long>(bytes.size());
        std::vector<long long> sizes(static_cast<std::size_t>(size_));
        MPI_Allgather(&mine, 1, MPI_LONG_LONG, sizes.data(), 1, MPI_LONG_LONG, comm_);
        std::vector<int> counts(sizes.size()), offsets(sizes.size());
        long long total = 0;
        for (std::size_t r = 0; r < sizes.size(); ++r) {
            offsets[r] = static_cast<int>(total);
            counts[r] = static_cast<int>(sizes[r]);
            total += sizes[r];
            if (total > INT_MAX)  // every rank sees the same sizes, so every rank throws here
                throw error("MpiCommunicator.allgather: the ranks send " + std::to_string(total) +
                            " bytes in all, more than MPI's int counts allow");
        }
        std::string joined(static_cast<std::size_t>(total), '\0');
        MPI_Allgatherv(bytes.data(), static_cast<int>(mine), MPI_CHAR, joined.data(), counts.data(), offsets.data(),
                       MPI_CHAR, comm_);
        std::vector<std::string> out;
        for (std::size_t r = 0; r < sizes.size(); ++r)
            out.push_back(joined.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(counts[r])));
        return out;
    }

    void broadcast(std::string& bytes, int root) const override {
        long long length = static_cast<long long>(bytes.size());
        MPI_Bcast(&length, 1, MPI_LONG_LONG, root, comm_);
        if (length > INT_MAX)
            throw error("MpiCommunicator.broadcast: " + std::to_string(length) +
                        " bytes, more than MPI's int counts allow");
        bytes.resize(static_cast<std::size_t>(length));
        MPI_Bcast(bytes.data(), static_cast<int>(length), MPI_CHAR, root, comm_);
    }

    std::string describe() const override {
        return "MPI rank " + std::to_string(rank_) + " of " + std::to_string(size_);
    }

    // Ends every rank of the job (MPI_Abort), for a program that cannot go on.
    [[noreturn]] void abort(int code) const {
        MPI_Abort(comm_, code);
        std::abort();  // MPI_Abort does not return; this tells the compiler so
    }

private:
    template <class T>
    void tree_sum(std::span<T> values, MPI_Datatype type) const {
        if (size_ == 1 || values.empty()) return;
        if (values.size() > static_cast<std::size_t>(INT_MAX))
            throw error("MpiCommunicator.sum: " + std::to_string(values.size()) +
                        " values, more than MPI's int counts allow");
        const int count = static_cast<int>(values.size());
        constexpr int tag = 1;
        std::vector<T> incoming(values.size());
        for (int step = 1; step < size_; step *= 2) {
            if (rank_ % (2 * step) != 0) {  // hand the partial sum down the tree, and wait for the result
                MPI_Send(values.data(), count, type, rank_ - step, tag, comm_);
                break;
            }
            if (rank_ + step < size_) {
                MPI_Recv(incoming.data(), count, type, rank_ + step, tag, comm_, MPI_STATUS_IGNORE);
                for (std::size_t i = 0; i < values.size(); ++i) values[i] += incoming[i];
            }
        }
        MPI_Bcast(values.data(), count, type, 0, comm_);
    }

    MPI_Comm comm_ = MPI_COMM_NULL;
    int rank_ = 0;
    int size_ = 1;
};

}  // namespace mlpipe
