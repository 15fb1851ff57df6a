#pragma once
// Helpers shared by the fuzz targets (fuzz/README.md).

#include <mlpipe/frame/frame.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace mlpipe::fuzz {

// Stops the run with a message: libFuzzer saves the input as a crash.
[[noreturn]] inline void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
    std::abort();
}

// Bit-identical values (NaN equals NaN; the reader writes one quiet NaN).
inline bool same_values(std::span<const double> a, std::span<const double> b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// The empty string when equal, else what differs first.
inline std::string difference(const Frame& a, const Frame& b) {
    if (a.cols() != b.cols()) return "column count " + std::to_string(a.cols()) + " vs " + std::to_string(b.cols());
    if (a.rows() != b.rows()) return "row count " + std::to_string(a.rows()) + " vs " + std::to_string(b.rows());
    for (std::size_t j = 0; j < a.cols(); ++j) {
        const Column& x = a[j];
        const Column& y = b[j];
        const std::string where = "column " + std::to_string(j + 1) + ": ";
        if (x.name() != y.name()) return where + "name";
        if (x.kind() != y.kind()) return where + "kind";
        if (x.is_numeric()) {
            if (!same_values(x.values(), y.values())) return where + "values";
        } else {
            const auto cx = x.codes();
            const auto cy = y.codes();
            if (cx.size() != cy.size() || !std::equal(cx.begin(), cx.end(), cy.begin())) return where + "codes";
            if (x.dictionary() != y.dictionary()) return where + "dictionary";
        }
    }
    return {};
}

// Reads the fuzzer's bytes from the front, one value at a time; zeros once exhausted.
class Bytes {
public:
    Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    std::uint8_t byte() { return size_ > 0 ? (--size_, *data_++) : 0; }
    std::string_view rest() const { return {reinterpret_cast<const char*>(data_), size_}; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
};

}  // namespace mlpipe::fuzz
