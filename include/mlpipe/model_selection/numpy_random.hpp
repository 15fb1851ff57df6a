#pragma once
// numpy's legacy RandomState(seed) for the draws scikit-learn's splitters make: permutation,
// shuffle and choice without replacement. With these, a split or a fold here is the one
// scikit-learn makes with the same random_state, row for row.
//
// numpy's legacy generator is MT19937 seeded by init_genrand, which is what std::mt19937
// does with a 32-bit seed; its shuffle is Fisher-Yates from the last element down, drawing
// each index with random_interval (32-bit outputs masked to the smallest covering power of
// two, redrawn while above the bound).

#include <mlpipe/error.hpp>

#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe {

class NumpyRandomState {
public:
    explicit NumpyRandomState(std::uint32_t seed) : engine_(seed) {}

    // Uniform in [0, bound].
    std::uint32_t random_interval(std::uint32_t bound) {
        if (bound == 0) return 0;
        std::uint32_t mask = bound;
        for (int shift : {1, 2, 4, 8, 16}) mask |= mask >> shift;
        auto draw = static_cast<std::uint32_t>(engine_()) & mask;
        while (draw > bound) draw = static_cast<std::uint32_t>(engine_()) & mask;
        return draw;
    }

    // RandomState.shuffle of a one-dimensional array.
    template <class T>
    void shuffle(std::span<T> values) {
        if (values.size() > std::numeric_limits<std::uint32_t>::max())
            throw data_error("NumpyRandomState.shuffle: more than 2^32 - 1 entries");
        for (std::size_t i = values.size(); i-- > 1;)
            std::swap(values[i], values[random_interval(static_cast<std::uint32_t>(i))]);
    }
    template <class T>
    void shuffle(std::vector<T>& values) {
        shuffle(std::span<T>(values));
    }

    // RandomState.permutation(n): 0 .. n-1, shuffled.
    std::vector<std::size_t> permutation(std::size_t n) {
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        shuffle(order);
        return order;
    }

    // RandomState.permutation(values): a shuffled copy.
    template <class T>
    std::vector<T> permutation(std::vector<T> values) {
        shuffle(values);
        return values;
    }

    // RandomState.choice(values, size, replace=False): the first `size` of a permutation of
    // the positions (numpy draws the whole permutation whatever `size` is).
    template <class T>
    std::vector<T> choice_without_replacement(const std::vector<T>& values, std::size_t size) {
        if (size > values.size())
            throw data_error("NumpyRandomState.choice: cannot take " + std::to_string(size) + " of " +
                             std::to_string(values.size()) + " values without replacement");
        const std::vector<std::size_t> order = permutation(values.size());
        std::vector<T> out;
        out.reserve(size);
        for (std::size_t k = 0; k < size; ++k) out.push_back(values[order[k]]);
        return out;
    }

private:
    std::mt19937 engine_;
};

// A seed for a split without a random_state: a different split each run, as scikit-learn's
// random_state=None.
inline std::uint32_t fresh_seed() {
    std::random_device device;
    return static_cast<std::uint32_t>(device());
}

}  // namespace mlpipe
