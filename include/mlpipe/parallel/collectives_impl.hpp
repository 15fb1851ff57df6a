#pragma once
// The definitions of collectives.hpp's functions: included by it in a header-only build,
// compiled once in mlpipe::precompiled (src/frame.cpp).

#include <mlpipe/error.hpp>
#include <mlpipe/parallel/collectives.hpp>
#include <mlpipe/parallel/communicator.hpp>

#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe::collective {

MLPIPE_INLINE std::string pack_numbers(std::span<const double> values) {
    std::string bytes(values.size() * sizeof(double), '\0');
    if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
}

MLPIPE_INLINE std::vector<double> unpack_numbers(std::string_view bytes) {
    if (bytes.size() % sizeof(double) != 0)
        throw error("distributed fit: a rank sent " + std::to_string(bytes.size()) + " bytes, not a list of numbers");
    std::vector<double> values(bytes.size() / sizeof(double));
    if (!values.empty()) std::memcpy(values.data(), bytes.data(), bytes.size());
    return values;
}

// Each text as its length (8 bytes) and its bytes.
MLPIPE_INLINE std::string pack_texts(const std::vector<std::string>& texts) {
    std::string bytes;
    for (const auto& text : texts) {
        const std::uint64_t size = text.size();
        bytes.append(reinterpret_cast<const char*>(&size), sizeof size);
        bytes += text;
    }
    return bytes;
}

MLPIPE_INLINE std::vector<std::string> unpack_texts(std::string_view bytes) {
    std::vector<std::string> texts;
    while (!bytes.empty()) {
        std::uint64_t size = 0;
        if (bytes.size() < sizeof size) throw error("distributed fit: a rank sent a list of texts cut short");
        std::memcpy(&size, bytes.data(), sizeof size);
        bytes.remove_prefix(sizeof size);
        if (size > bytes.size()) throw error("distributed fit: a rank sent a list of texts cut short");
        texts.emplace_back(bytes.substr(0, size));
        bytes.remove_prefix(size);
    }
    return texts;
}

// Every rank's numbers, in rank order.
MLPIPE_INLINE std::vector<std::vector<double>> gather_numbers(const Communicator& comm, std::span<const double> values) {
    std::vector<std::vector<double>> out;
    for (const auto& bytes : comm.allgather(pack_numbers(values))) out.push_back(unpack_numbers(bytes));
    return out;
}

// Every rank's texts, in rank order.
MLPIPE_INLINE std::vector<std::vector<std::string>> gather_texts(const Communicator& comm,
                                                          const std::vector<std::string>& texts) {
    std::vector<std::vector<std::string>> out;
    for (const auto& bytes : comm.allgather(pack_texts(texts))) out.push_back(unpack_texts(bytes));
    return out;
}

// on_every_rank's work once `local` has run (or failed) on this rank: the ranks' outcomes,
// gathered, and the lowest failing rank's error thrown on every rank.
inline void agree_on_outcome(const Communicator& comm, const std::string& outcome) {
    const std::vector<std::string> outcomes = comm.allgather(outcome);
    for (std::size_t r = 0; r < outcomes.size(); ++r) {
        if (outcomes[r].empty()) continue;
        const std::string what =
            "rank " + std::to_string(r) + " of " + std::to_string(outcomes.size()) + ": " + outcomes[r].substr(1);
        switch (outcomes[r][0]) {
            case 'p':
                throw parameter_error(what);
            case 'd':
                throw data_error(what);
            case 'm':
                throw model_file_error(what);
            default:
                throw error(what);
        }
    }
}

MLPIPE_INLINE void on_every_rank_erased(const Communicator& comm, void (*run)(void*), void* local) {
    std::string outcome;  // empty: success; else a kind letter and the message
    try {
        run(local);
    } catch (const parameter_error& e) {
        outcome = std::string("p") + e.what();
    } catch (const data_error& e) {
        outcome = std::string("d") + e.what();
    } catch (const csv_error& e) {
        outcome = std::string("d") + e.what();
    } catch (const model_file_error& e) {
        outcome = std::string("m") + e.what();
    } catch (const std::bad_alloc&) {
        outcome = "eout of memory";
    } catch (const std::exception& e) {
        outcome = std::string("e") + e.what();
    }
    agree_on_outcome(comm, outcome);
}

// Throws on every rank unless every rank holds the same texts (column names, kinds): `what`
// names them in the message.
MLPIPE_INLINE void check_same_everywhere(const Communicator& comm, const std::vector<std::string>& texts,
                                  const std::string& who, const std::string& what) {
    if (comm.size() == 1) return;
    const auto all = gather_texts(comm, texts);
    for (std::size_t r = 1; r < all.size(); ++r) {
        if (all[r] == all[0]) continue;
        auto list = [](const std::vector<std::string>& items) {
            std::string joined;
            for (const auto& item : items) joined += (joined.empty() ? "" : ", ") + item;
            return "[" + joined + "]";
        };
        throw data_error(who + ": the ranks disagree on " + what + ": rank 0 has " + list(all[0]) + ", rank " +
                         std::to_string(r) + " has " + list(all[r]) +
                         " (give every rank the same columns, and the same column kinds in CsvOptions)");
    }
}

}  // namespace mlpipe::collective
