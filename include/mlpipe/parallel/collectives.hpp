#pragma once
// What a distributed fit builds on a Communicator: every rank's numbers or texts, and
// on_every_rank, which makes a local step fail on every rank when it fails on one, so that no
// rank is left waiting in a later collective for a rank that gave up.

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/parallel/communicator.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe::collective {

MLPIPE_INLINE std::string pack_numbers(std::span<const double> values);
MLPIPE_INLINE std::vector<double> unpack_numbers(std::string_view bytes);
// Each text as its length (8 bytes) and its bytes.
MLPIPE_INLINE std::string pack_texts(const std::vector<std::string>& texts);
MLPIPE_INLINE std::vector<std::string> unpack_texts(std::string_view bytes);

// Every rank's numbers, in rank order.
MLPIPE_INLINE std::vector<std::vector<double>> gather_numbers(const Communicator& comm, std::span<const double> values);
// Every rank's texts, in rank order.
MLPIPE_INLINE std::vector<std::vector<std::string>> gather_texts(const Communicator& comm,
                                                                 const std::vector<std::string>& texts);

// on_every_rank below, with `local` behind a function pointer: the error handling is compiled
// once, not for every lambda.
MLPIPE_INLINE void on_every_rank_erased(const Communicator& comm, void (*run)(void*), void* local);

// Runs `local` on this rank and agrees on the outcome with the others (a collective: every
// rank must call it). When `local` throws on any rank, every rank throws the error of the
// lowest failing rank, as the type it had (data_error, parameter_error, model_file_error; any
// other as mlpipe::error), its message led by "rank r of n: ". One process: `local` runs as
// it is.
template <class Local>
void on_every_rank(const Communicator& comm, Local&& local) {
    if (comm.size() == 1) {
        local();
        return;
    }
    auto call = [&local] { local(); };  // a lambda whatever `local` is (a function, a const functor)
    on_every_rank_erased(
        comm, [](void* erased) { (*static_cast<decltype(call)*>(erased))(); }, &call);
}

// Throws on every rank unless every rank holds the same texts (column names, kinds): `what`
// names them in the message.
MLPIPE_INLINE void check_same_everywhere(const Communicator& comm, const std::vector<std::string>& texts,
                                         const std::string& who, const std::string& what);

}  // namespace mlpipe::collective

#ifndef MLPIPE_PRECOMPILED
#include <mlpipe/parallel/collectives_impl.hpp>
#endif
