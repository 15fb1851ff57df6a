#pragma once
// Four plain numbers of a record converted at once in AVX2 lanes, for the CSV reader's numeric
// columns. Each of the four fields is checked with 16-byte compares (an optional sign, at most
// 15 digits with at most one point among them, nothing else), its digits are moved into place
// by one shuffle, the four mantissas are formed by multiply-adds of digit pairs and converted
// together, and one division by their powers of ten rounds each as parse_plain_number's
// division does: the values are the scalar parser's to the bit (a test compares them).
//
// The code is compiled for AVX2 whatever the flags (a target attribute, GCC and clang) and
// chosen at run time, so a build for any x86-64 takes it on a processor that has AVX2.
// Elsewhere (other compilers or processors, or FLT_EVAL_METHOD != 0), and for any group of
// fields it does not take, the reader parses the fields one at a time as before. (The target
// adds AVX2 to the build's instruction set: like the rest of a program, it is to be built
// with one -march throughout.)

#include <bit>
#include <cfloat>
#include <cstddef>
#include <cstdint>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && FLT_EVAL_METHOD == 0
#define MLPIPE_CSV_SIMD_NUMBERS 1
#include <immintrin.h>
#endif

namespace mlpipe::detail::csv {

// Bytes that must be readable from the first field's start.
inline constexpr std::ptrdiff_t four_numbers_reach = 96;

#if defined(MLPIPE_CSV_SIMD_NUMBERS)

// Shuffle masks that drop the point and right-align the digits of a field of n characters
// (after its sign) whose point is at `dot` (dot == n: none); 0x80 lanes become zero.
struct DigitShuffles {
    alignas(16) unsigned char mask[17][17][16];
    constexpr DigitShuffles() : mask{} {
        for (int n = 0; n <= 16; ++n)
            for (int dot = 0; dot <= 16; ++dot) {
                for (int j = 0; j < 16; ++j) mask[n][dot][j] = 0x80;
                if (dot > n) continue;
                int source[16] = {}, kept = 0;
                for (int i = 0; i < n; ++i)
                    if (i != dot) source[kept++] = i;
                for (int i = 0; i < kept; ++i) mask[n][dot][16 - kept + i] = static_cast<unsigned char>(source[i]);
            }
    }
};
inline constexpr DigitShuffles digit_shuffles{};

// Whether this processor runs AVX2 code; asked once.
inline bool simd_numbers_supported() noexcept {
    static const bool supported = __builtin_cpu_supports("avx2");
    return supported;
}

// The four fields that start at `p` (the first at p, each ended by a delimiter or line end;
// the first three by the delimiter), when each is [+-]digits[.digits] with 1 to 15 digits:
// their values in `out` and the end of the fourth (at its delimiter or line end). Else nullptr,
// and the caller parses them one at a time. four_numbers_reach bytes must be readable from p.
__attribute__((target("avx2"))) inline const char* parse_four_plain_numbers(const char* p, char delimiter,
                                                                             double out[4]) noexcept {
    static constexpr double powers[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
                                        1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16};
    // The separators among the next 64 bytes: the fields' ends.
    const __m256i delimiters = _mm256_set1_epi8(delimiter), line_feed = _mm256_set1_epi8('\n'),
                  carriage_return = _mm256_set1_epi8('\r');
    const __m256i low_bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i high_bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    const __m256i low_ends = _mm256_or_si256(_mm256_cmpeq_epi8(low_bytes, line_feed),
                                             _mm256_cmpeq_epi8(low_bytes, carriage_return));
    const __m256i high_ends = _mm256_or_si256(_mm256_cmpeq_epi8(high_bytes, line_feed),
                                              _mm256_cmpeq_epi8(high_bytes, carriage_return));
    // (A lambda would not inherit the target attribute.)
    const std::uint64_t at_delimiter =
        static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low_bytes, delimiters))) |
        std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(high_bytes, delimiters)))}
            << 32;
    const std::uint64_t at_line_end = static_cast<std::uint32_t>(_mm256_movemask_epi8(low_ends)) |
                                      std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(high_ends))} << 32;
    std::uint64_t ends = at_delimiter | at_line_end;
    if (std::popcount(ends) < 4) return nullptr;
    unsigned end[4];
    for (unsigned& e : end) {
        e = static_cast<unsigned>(std::countr_zero(ends));
        ends &= ends - 1;
    }
    // The first three fields must end at the delimiter: the four are in one record.
    if ((((at_delimiter >> end[0]) & (at_delimiter >> end[1]) & (at_delimiter >> end[2])) & 1) == 0) return nullptr;
    const unsigned start[4] = {0, end[0] + 1, end[1] + 1, end[2] + 1};

    const __m128i zero_char = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9), point = _mm_set1_epi8('.');
    __m128i digits[4];
    unsigned fraction_digits[4];
    std::uint64_t sign_bits[4];
    bool ok = true;
    for (int k = 0; k < 4; ++k) {
        const char* field = p + start[k];
        const unsigned length = end[k] - start[k];
        const bool has_sign = length > 0 && (field[0] == '-' || field[0] == '+');
        sign_bits[k] = std::uint64_t{has_sign && field[0] == '-'} << 63;
        const unsigned n = length - has_sign;  // characters after the sign (0 for an empty field)
        const __m128i text = _mm_loadu_si128(reinterpret_cast<const __m128i*>(field + has_sign));
        const __m128i values = _mm_sub_epi8(text, zero_char);
        const unsigned in_field = n >= 16 ? 0xFFFFu : (1u << n) - 1;
        const auto points = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(text, point))) & in_field;
        const auto is_digit =
            static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(values, nine), values))) & in_field;
        const unsigned dot = points != 0 ? static_cast<unsigned>(std::countr_zero(points)) : n;
        // 1 to 16 characters, all digits but at most one point, at least one digit, at most 15.
        ok &= (n - 1 < 16) & ((is_digit | points) == in_field) & ((points & (points - 1)) == 0) & (is_digit != 0) &
              (n - (points != 0) <= 15);
        const unsigned shuffle_n = n - 1 < 16 ? n : 0, shuffle_dot = dot <= shuffle_n ? dot : shuffle_n;
        digits[k] = _mm_shuffle_epi8(
            values, _mm_load_si128(reinterpret_cast<const __m128i*>(digit_shuffles.mask[shuffle_n][shuffle_dot])));
        fraction_digits[k] = points != 0 ? n - dot - 1 : 0;
    }
    if (!ok) return nullptr;
    // 16 digits a field, right-aligned with leading zeros: pairs (x10 + y), then fours (x100 + y),
    // packed to 16 bits, then eights (x10000 + y): two 8-digit halves a field, exact in int32.
    const __m256i fields01 = _mm256_set_m128i(digits[1], digits[0]), fields23 = _mm256_set_m128i(digits[3], digits[2]);
    const __m256i times10 = _mm256_set1_epi16(0x010A), times100 = _mm256_set1_epi32(0x00010064),
                  times10000 = _mm256_set1_epi32(0x00012710);
    const __m256i fours01 = _mm256_madd_epi16(_mm256_maddubs_epi16(fields01, times10), times100);
    const __m256i fours23 = _mm256_madd_epi16(_mm256_maddubs_epi16(fields23, times10), times100);
    const __m256i eights = _mm256_madd_epi16(_mm256_packus_epi32(fours01, fours23), times10000);
    // eights: [f0 high, f0 low, f2 high, f2 low | f1 high, f1 low, f3 high, f3 low]
    const __m256i ordered = _mm256_permutevar8x32_epi32(eights, _mm256_setr_epi32(0, 4, 2, 6, 1, 5, 3, 7));
    const __m256d high = _mm256_cvtepi32_pd(_mm256_castsi256_si128(ordered));
    const __m256d low = _mm256_cvtepi32_pd(_mm256_extracti128_si256(ordered, 1));
    // high x 1e8 + low: at most 15 digits, below 2^53, so exact, whether or not the compiler
    // fuses the two steps into an FMA.
    const __m256d mantissas = _mm256_add_pd(_mm256_mul_pd(high, _mm256_set1_pd(1e8)), low);
    const __m256d divisors = _mm256_setr_pd(powers[fraction_digits[0]], powers[fraction_digits[1]],
                                            powers[fraction_digits[2]], powers[fraction_digits[3]]);
    const __m256d signs = _mm256_castsi256_pd(_mm256_setr_epi64x(
        static_cast<long long>(sign_bits[0]), static_cast<long long>(sign_bits[1]),
        static_cast<long long>(sign_bits[2]), static_cast<long long>(sign_bits[3])));
    _mm256_storeu_pd(out, _mm256_xor_pd(_mm256_div_pd(mantissas, divisors), signs));
    return p + end[3];
}

#else

inline bool simd_numbers_supported() noexcept { return false; }
inline const char* parse_four_plain_numbers(const char*, char, double*) noexcept { return nullptr; }

#endif

}  // namespace mlpipe::detail::csv
