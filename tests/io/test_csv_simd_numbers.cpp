// Tests for mlpipe/io/csv_simd_numbers.hpp: four plain numbers converted at once give the
// scalar parser's values to the bit, are taken exactly when all four fields are plain numbers
// of at most 15 digits in one record, and the CSV reader's results do not depend on the path.

#include <mlpipe/io/csv.hpp>
#include <mlpipe/io/csv_columns.hpp>
#include <mlpipe/io/csv_simd_numbers.hpp>

#include <catch2/catch.hpp>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace csv = mlpipe::detail::csv;

namespace {

// A field of the shapes a CSV file holds: mostly plain numbers of 1 to 18 digits, some with a
// sign, a point (leading, inner or trailing), an exponent, blanks, letters, or empty.
std::string random_field(std::mt19937& rng) {
    const auto pick = [&](unsigned n) { return static_cast<unsigned>(rng() % n); };
    std::string field;
    const unsigned sign = pick(6);
    if (sign == 0) field += '-';
    if (sign == 1) field += '+';
    const unsigned integer_digits = pick(4) == 0 ? pick(19) : pick(6);
    const unsigned fraction_digits = pick(4) == 0 ? pick(19) : pick(9);
    for (unsigned i = 0; i < integer_digits; ++i) field += static_cast<char>('0' + pick(10));
    if (pick(5) != 0) field += '.';
    for (unsigned i = 0; i < fraction_digits; ++i) field += static_cast<char>('0' + pick(10));
    switch (pick(40)) {
        case 0: field += "e5"; break;
        case 1: field.insert(0, " "); break;
        case 2: field += 'x'; break;
        case 3: field.clear(); break;
        case 4: field = "-"; break;
        case 5: field = "."; break;
        case 6: field += '.'; break;  // a second point, or a trailing one
        default: break;
    }
    return field;
}

// Whether the fast path must take a field: [+-]digits[.digits] with 1 to 15 digits.
bool plain_within_15_digits(const std::string& field) {
    std::size_t i = !field.empty() && (field[0] == '-' || field[0] == '+') ? 1 : 0;
    unsigned digits = 0, points = 0;
    for (; i < field.size(); ++i) {
        if (field[i] >= '0' && field[i] <= '9') ++digits;
        else if (field[i] == '.') ++points;
        else return false;
    }
    return digits >= 1 && digits <= 15 && points <= 1;
}

}  // namespace

TEST_CASE("four plain numbers at once: the scalar parser's bits, taken exactly for plain fields of up to 15 digits",
          "[csv][simd]") {
    if (!csv::simd_numbers_supported()) {
        WARN("this processor (or build) has no AVX2: the reader parses numbers one at a time");
        return;
    }
    std::mt19937 rng(20261203);
    std::size_t taken = 0, refused = 0;
    for (int trial = 0; trial < 200000; ++trial) {
        std::string fields[4];
        for (auto& field : fields) field = random_field(rng);
        // Separators: the delimiter, but a line end now and then (the group must then be refused
        // unless the line end follows the fourth field).
        const char delimiter = ",;\t"[trial % 3];
        char separators[4] = {delimiter, delimiter, delimiter, delimiter};
        if (rng() % 8 == 0) separators[rng() % 4] = rng() % 2 ? '\n' : '\r';
        std::string text;
        std::size_t ends[4];
        for (int k = 0; k < 4; ++k) {
            text += fields[k];
            ends[k] = text.size();
            text += separators[k];
        }
        text.append(csv::four_numbers_reach, '9');  // readable bytes after, which must not matter
        double values[4] = {1, 2, 3, 4};
        const char* end = csv::parse_four_plain_numbers(text.data(), delimiter, values);
        bool expected =
            ends[3] < 64 && separators[0] == delimiter && separators[1] == delimiter && separators[2] == delimiter;
        for (const auto& field : fields) expected = expected && plain_within_15_digits(field);
        CAPTURE(fields[0], fields[1], fields[2], fields[3], int(separators[0]), int(separators[1]),
                int(separators[2]), int(separators[3]));
        REQUIRE((end != nullptr) == expected);
        if (end == nullptr) {
            ++refused;
            continue;
        }
        ++taken;
        REQUIRE(end == text.data() + ends[3]);
        for (int k = 0; k < 4; ++k) {
            double scalar = 0;
            const std::string& field = fields[k];
            const char* scalar_end = csv::parse_plain_number_scalar(field.data(), field.data() + field.size(), scalar);
            REQUIRE(scalar_end == field.data() + field.size());
            REQUIRE(std::bit_cast<std::uint64_t>(values[k]) == std::bit_cast<std::uint64_t>(scalar));
        }
    }
    CHECK(taken > 10000);
    CHECK(refused > 10000);
}

TEST_CASE("read_csv's numbers are from_chars' to the bit, whether fields are taken four at a time or one",
          "[csv][simd]") {
    // Six numeric columns, then a text one, then two numeric: groups of four start at columns
    // 0, 1 and 2 of a record, and the records end in "\n" or "\r\n".
    std::mt19937 rng(42);
    std::string text = "a,b,c,d,e,f,t,g,h\n";
    std::vector<std::vector<std::string>> rows;
    for (int r = 0; r < 20000; ++r) {
        std::vector<std::string> row;
        for (int c = 0; c < 9; ++c) {
            std::string field;
            if (c == 6) {
                field = "t" + std::to_string(rng() % 5);
            } else {
                do field = random_field(rng);
                while (!plain_within_15_digits(field) && rng() % 16 != 0);
                double value = 0;
                const char* begin = field.data();
                if (!field.empty() && field[0] == '+') ++begin;
                const auto parsed = std::from_chars(begin, field.data() + field.size(), value);
                if (parsed.ec != std::errc() || parsed.ptr != field.data() + field.size())
                    field = "1.5";  // keep every column numeric (a missing value would be NaN)
            }
            row.push_back(field);
            text += field;
            text += c == 8 ? (r % 3 == 0 ? "\r\n" : "\n") : ",";
        }
        rows.push_back(row);
    }
    for (const std::size_t threads : {std::size_t{1}, std::size_t{2}}) {
        mlpipe::CsvOptions options;
        options.window_bytes = 64 * 1024;
        options.n_threads = threads;
        const mlpipe::Frame frame = mlpipe::parse_csv(text, options);
        const char* names[] = {"a", "b", "c", "d", "e", "f", "t", "g", "h"};
        for (int c = 0; c < 9; ++c) {
            if (c == 6) continue;
            const auto values = frame.column(names[c]).values();
            for (std::size_t r = 0; r < rows.size(); ++r) {
                const std::string& field = rows[r][static_cast<std::size_t>(c)];
                double expected = 0;
                const char* begin = field.data() + (field[0] == '+' ? 1 : 0);
                std::from_chars(begin, field.data() + field.size(), expected);
                CAPTURE(threads, c, r, field);
                REQUIRE(std::bit_cast<std::uint64_t>(values[r]) == std::bit_cast<std::uint64_t>(expected));
            }
        }
    }
}

TEST_CASE("a missing-value token that looks like a number is missing, not read four at a time", "[csv][simd]") {
    // Six numeric columns, rows long enough for the four-at-a-time path, "-999" as missing.
    std::string text = "a,b,c,d,e,f\n";
    for (int r = 0; r < 500; ++r)
        for (int c = 0; c < 6; ++c)
            text += (r % 7 == c ? std::string("-999") : std::to_string(r) + "." + std::to_string(c)) + (c == 5 ? "\n" : ",");
    mlpipe::CsvOptions options;
    options.missing_values = {"-999"};
    const mlpipe::Frame frame = mlpipe::parse_csv(text, options);
    const char* names[] = {"a", "b", "c", "d", "e", "f"};
    for (int c = 0; c < 6; ++c) {
        const auto values = frame.column(names[c]).values();
        for (std::size_t r = 0; r < 500; ++r) {
            CAPTURE(c, r);
            if (static_cast<int>(r % 7) == c)
                REQUIRE(std::isnan(values[r]));
            else
                REQUIRE(values[r] == std::stod(std::to_string(r) + "." + std::to_string(c)));
        }
    }
}
