#pragma once
// Cutting rows into blocks for parallel passes. The cut depends on the row count alone, never
// on the thread count, so per-block partial sums reduced in block order give the same bits
// whatever the number of threads.

#include <algorithm>
#include <cstddef>

namespace mlpipe {

struct RowBlock {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::size_t size() const noexcept { return end - begin; }
};

// Rows [0, rows) in blocks of `block_rows` (the last one shorter).
class RowBlocks {
public:
    RowBlocks(std::size_t rows, std::size_t block_rows)
        : rows_(rows), block_rows_(std::max<std::size_t>(1, block_rows)) {}

    std::size_t count() const noexcept { return (rows_ + block_rows_ - 1) / block_rows_; }
    RowBlock operator[](std::size_t block) const noexcept {
        const std::size_t begin = block * block_rows_;
        return {begin, std::min(rows_, begin + block_rows_)};
    }

private:
    std::size_t rows_;
    std::size_t block_rows_;
};

}  // namespace mlpipe
