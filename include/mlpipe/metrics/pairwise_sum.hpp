#pragma once
// numpy's summation order (pairwise, eight running sums per block of up to 128), so that the
// means and sums of the metrics round as scikit-learn's do, not only to within n ulps.

#include <cstddef>
#include <span>

namespace mlpipe::detail {

inline double pairwise_sum(std::span<const double> values) noexcept {
    const std::size_t n = values.size();
    if (n < 8) {
        double sum = 0.0;
        for (double v : values) sum += v;
        return sum;
    }
    if (n <= 128) {
        double r[8];
        for (std::size_t j = 0; j < 8; ++j) r[j] = values[j];
        std::size_t i = 8;
        for (; i < n - n % 8; i += 8)
            for (std::size_t j = 0; j < 8; ++j) r[j] += values[i + j];
        double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; ++i) sum += values[i];
        return sum;
    }
    std::size_t half = n / 2;
    half -= half % 8;
    return pairwise_sum(values.first(half)) + pairwise_sum(values.subspan(half));
}

// np.mean.
inline double mean(std::span<const double> values) noexcept {
    return pairwise_sum(values) / static_cast<double>(values.size());
}

}  // namespace mlpipe::detail
