#pragma once
// From fields to column values. Each piece of a window is parsed on its own into piece
// columns (numbers as doubles; text as codes into the piece's own dictionary, in order of
// first appearance), then the pieces are appended in file order to the column builders,
// whose dictionaries therefore list values in order of first appearance in the file, as a
// one-pass reader would.

#include <mlpipe/detail/huge_page_allocator.hpp>
#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/codes.hpp>
#include <mlpipe/frame/column.hpp>
#include <mlpipe/io/csv_simd_numbers.hpp>
#include <mlpipe/io/csv_tokenizer.hpp>

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace mlpipe::detail::csv {

// Equality for the short texts of CSV fields: no library call for the common lengths.
inline bool same_text(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    if (a.size() > 16) return std::memcmp(a.data(), b.data(), a.size()) == 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) return false;
    return true;
}

class MissingTokens {
public:
    explicit MissingTokens(std::span<const std::string> tokens) {
        tokens_.reserve(tokens.size());
        for (const auto& token : tokens) {
            const std::string_view trimmed = trim(token);
            tokens_.emplace_back(trimmed);
            lengths_ |= trimmed.size() < 64 ? std::uint64_t{1} << trimmed.size() : 0;
            long_tokens_ |= trimmed.size() >= 64;
        }
    }
    // `value` must already be trimmed.
    bool contains(std::string_view value) const noexcept {
        if (value.size() < 64 && (lengths_ & (std::uint64_t{1} << value.size())) == 0 && !long_tokens_) return false;
        for (const auto& token : tokens_)
            if (same_text(value, token)) return true;
        return false;
    }
    const std::vector<std::string>& tokens() const noexcept { return tokens_; }

private:
    std::vector<std::string> tokens_;  // a handful, so a linear scan beats hashing
    std::uint64_t lengths_ = 0;        // bit n: some token has n characters
    bool long_tokens_ = false;
};

// The common number shapes, [+-]digits[.digits][(e|E)[+-]digits] with at most 19 digits,
// whose value is exact as m * 10^e or m / 10^e with m <= 2^53 and |e| <= 22: then one
// multiplication or division rounds correctly (Clinger's fast path, the one fast_float and
// from_chars take first), so the result is parse_double's to the bit. Returns the end of the
// number, or nullptr to leave the text to parse_double.
inline const char* parse_plain_number_scalar(const char* p, const char* end, double& value) noexcept {
#if FLT_EVAL_METHOD == 0
    static constexpr double powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    bool negative = false;
    if (p < end && (*p == '-' || *p == '+')) {
        negative = *p == '-';
        ++p;
    }
    std::uint64_t mantissa = 0;
    const char* digits_start = p;
    while (p < end && static_cast<unsigned>(*p - '0') < 10) mantissa = mantissa * 10 + static_cast<unsigned>(*p++ - '0');
    std::size_t digits = static_cast<std::size_t>(p - digits_start);
    int exponent = 0;
    if (p < end && *p == '.') {
        const char* fraction_start = ++p;
        while (p < end && static_cast<unsigned>(*p - '0') < 10)
            mantissa = mantissa * 10 + static_cast<unsigned>(*p++ - '0');
        exponent = -static_cast<int>(p - fraction_start);
        digits += static_cast<std::size_t>(p - fraction_start);
    }
    if (digits == 0 || digits > 19) return nullptr;
    if (p < end && (*p == 'e' || *p == 'E')) {
        ++p;
        bool exponent_negative = false;
        if (p < end && (*p == '-' || *p == '+')) exponent_negative = *p++ == '-';
        const char* exponent_start = p;
        int written = 0;
        while (p < end && static_cast<unsigned>(*p - '0') < 10 && p - exponent_start < 4)
            written = written * 10 + (*p++ - '0');
        if (p == exponent_start || (p < end && static_cast<unsigned>(*p - '0') < 10)) return nullptr;
        exponent += exponent_negative ? -written : written;
    }
    if (mantissa > (std::uint64_t{1} << 53) || exponent < -22 || exponent > 22) return nullptr;
    double result = static_cast<double>(mantissa);
    result = exponent < 0 ? result / powers[-exponent] : result * powers[exponent];
    value = negative ? -result : result;
    return p;
#else
    (void)p;
    (void)end;
    (void)value;
    return nullptr;
#endif
}

// Eight bytes of text as one little-endian word (the first character lowest).
inline std::uint64_t load_word(const char* p) noexcept {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
    return word;
}

// How many of the word's characters, from the first, are digits (0 to 8), without a branch
// per character: a byte is flagged when it is below '0' (the subtraction borrows) or above
// '9' (adding 0x76 carries into its top bit); borrows and carries only move to later bytes.
inline unsigned leading_digits(std::uint64_t word) noexcept {
    const std::uint64_t shifted = word - 0x3030303030303030ULL;
    const std::uint64_t flagged = (shifted | (shifted + 0x7676767676767676ULL)) & 0x8080808080808080ULL;
    return flagged == 0 ? 8 : static_cast<unsigned>(std::countr_zero(flagged)) / 8;
}

// The value of the digits in a word that holds up to eight digit characters in its high
// bytes and zeros below them (leading zeros), as simdjson and fast_float compute it.
inline std::uint32_t digits_value(std::uint64_t word) noexcept {
    word = (word & 0x0F0F0F0F0F0F0F0FULL) * 2561 >> 8;
    word = (word & 0x00FF00FF00FF00FFULL) * 6553601 >> 16;
    return static_cast<std::uint32_t>((word & 0x0000FFFF0000FFFFULL) * 42949672960001ULL >> 32);
}

// parse_plain_number_scalar's numbers, read eight characters at a time when 18 characters
// can be read from `p`: [+-]digits[.digits] with at most 7 digits on each side (CSV data as
// written with 6 to 15 significant digits) takes no branch per character.
inline const char* parse_plain_number(const char* p, const char* end, double& value) noexcept {
#if FLT_EVAL_METHOD == 0
    static constexpr double powers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    static constexpr std::uint64_t integer_powers[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
    if (end - p >= 18) {
        const char* cursor = p;
        const bool negative = *cursor == '-';
        cursor += negative || *cursor == '+';
        const std::uint64_t word = load_word(cursor);
        const unsigned integer_digits = leading_digits(word);
        if (integer_digits < 8) {
            const std::uint64_t integer = integer_digits == 0 ? 0 : digits_value(word << (8 * (8 - integer_digits)));
            cursor += integer_digits;
            unsigned fraction_digits = 0;
            std::uint64_t fraction = 0;
            bool ok = true;
            if (*cursor == '.') {
                const std::uint64_t fraction_word = load_word(cursor + 1);
                fraction_digits = leading_digits(fraction_word);
                ok = fraction_digits < 8;
                if (fraction_digits > 0 && ok) fraction = digits_value(fraction_word << (8 * (8 - fraction_digits)));
                cursor += 1 + fraction_digits;
            }
            if (ok && integer_digits + fraction_digits > 0 && *cursor != 'e' && *cursor != 'E') {
                // At most 14 digits: below 2^53, so exact as a double.
                double result = static_cast<double>(integer * integer_powers[fraction_digits] + fraction);
                if (fraction_digits > 0) result /= powers[fraction_digits];
                value = negative ? -result : result;
                return cursor;
            }
        }
    }
#endif
    return parse_plain_number_scalar(p, end, value);
}

// Room for `more` elements, growing geometrically, with huge pages for a large buffer.
template <class T, class Allocator>
void make_room(std::vector<T, Allocator>& values, std::size_t more) {
    if (values.capacity() - values.size() >= more) return;
    values.reserve(std::max(values.size() + more, 2 * values.capacity()));
    if constexpr (std::is_same_v<Allocator, std::allocator<T>>)
        advise_huge_pages(values.data(), values.capacity() * sizeof(T));
}

// How a column's fields are stored while a window is parsed.
enum class Sink : unsigned char {
    number,         // inferred numeric so far: text makes the piece flag saw_text
    forced_number,  // options.column_kinds says numeric: text is an error
    text,           // categorical
};

// Hash of a short text; the dictionary takes its top bits.
inline std::uint64_t hash_text(std::string_view text) noexcept {
    constexpr std::uint64_t multiplier = 0x9E3779B97F4A7C15ULL;
    std::uint64_t hash = text.size();
    const char* p = text.data();
    std::size_t n = text.size();
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        hash = (hash ^ word) * multiplier;
        hash ^= hash >> 29;
    }
    std::uint64_t word = 0;  // the last bytes, gathered by shifts (a small memcpy would stall the load)
    for (std::size_t i = 0; i < n; ++i) word |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    hash = (hash ^ word) * multiplier;
    return (hash ^ (hash >> 31)) * multiplier;
}

// Bytes [0, n) of p, n in [sizeof(Half), 2 sizeof(Half)], as the low bytes of a word (the
// first lowest): two loads of Half, overlapping, none past p + n.
template <class Half>
std::uint64_t overlapping_loads(const unsigned char* p, std::size_t n) noexcept {
    Half low, high;
    std::memcpy(&low, p, sizeof(Half));
    std::memcpy(&high, p + n - sizeof(Half), sizeof(Half));
    if constexpr (std::endian::native == std::endian::big) {
        if constexpr (sizeof(Half) == 4) {
            low = __builtin_bswap32(low);
            high = __builtin_bswap32(high);
        } else {
            low = __builtin_bswap16(low);
            high = __builtin_bswap16(high);
        }
    }
    return low | std::uint64_t{high} << (8 * (n - sizeof(Half)));
}

// A text of at most 7 bytes as one word: its bytes (the first lowest), and its length in the
// top byte, so that two such texts are equal exactly when their words are.
inline std::uint64_t packed_short_text(std::string_view text) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    const std::uint64_t bytes = n >= 4   ? overlapping_loads<std::uint32_t>(p, n)
                                : n >= 2 ? overlapping_loads<std::uint16_t>(p, n)
                                : n == 1 ? std::uint64_t{p[0]}
                                         : 0;
    return bytes | std::uint64_t{n} << 56;
}

// Codes for distinct texts, in order of first appearance. Open addressing: a column has
// few distinct values as a rule, and this lookup is per field. A piece's dictionary keeps
// views (into the window or the piece's unescaped strings); a column's keeps the texts.
// Each slot holds a key beside its code: a short text's packed word, which settles equality
// without reading the entry (category labels are short as a rule), else the text's hash
// with the top byte set, which an entry's text must then confirm.
template <class Text>
class TextDictionary {
public:
    void clear() {
        entries_.clear();
        if (!slots_.empty()) std::fill(slots_.begin(), slots_.end(), Slot{});
    }

    void reserve(std::size_t count) { entries_.reserve(count); }

    // The lookup, small enough to be inlined into the parse loop; a new text goes to add().
    std::int32_t code(std::string_view text) {
        const std::uint64_t key = key_of(text);
        if (!slots_.empty()) {
            for (std::size_t slot = slot_of(key);; slot = (slot + 1) & (slots_.size() - 1)) {
                const Slot& s = slots_[slot];
                if (s.code < 0) break;
                if (s.key == key && (key < long_key_bit || same_text(entries_[static_cast<std::size_t>(s.code)], text)))
                    return s.code;
            }
        }
        return add(text, key);
    }

    const std::vector<Text>& entries() const noexcept { return entries_; }
    // The entries, moved out; the dictionary is empty afterwards.
    std::vector<Text> take() {
        std::vector<Text> out = std::move(entries_);
        entries_.clear();
        slots_.clear();
        return out;
    }

private:
    struct Slot {
        std::uint64_t key = 0;
        std::int32_t code = -1;  // -1 = empty
    };
    static constexpr std::uint64_t long_key_bit = std::uint64_t{0xFF} << 56;

    // A table at most a quarter full: few probes, so few mispredicted branches.
    [[gnu::noinline]] std::int32_t add(std::string_view text, std::uint64_t key) {
        if (4 * (entries_.size() + 1) > slots_.size()) grow();
        std::size_t slot = slot_of(key);
        while (slots_[slot].code >= 0) slot = (slot + 1) & (slots_.size() - 1);
        const auto code = static_cast<std::int32_t>(entries_.size());
        slots_[slot] = Slot{key, code};
        entries_.emplace_back(text);
        return code;
    }

    static std::uint64_t key_of(std::string_view text) noexcept {
        return text.size() <= 7 ? packed_short_text(text) : hash_text(text) | long_key_bit;
    }
    std::size_t slot_of(std::uint64_t key) const noexcept {
        const std::uint64_t mixed = (key ^ (key >> 29)) * 0x9E3779B97F4A7C15ULL;
        return static_cast<std::size_t>(mixed >> shift_);
    }

    void grow() {
        slots_.assign(std::max<std::size_t>(32, slots_.size() * 2), Slot{});
        shift_ = 64;
        for (std::size_t size = slots_.size(); size > 1; size /= 2) --shift_;
        for (std::size_t code = 0; code < entries_.size(); ++code) {
            const std::uint64_t key = key_of(entries_[code]);
            std::size_t slot = slot_of(key);
            while (slots_[slot].code >= 0) slot = (slot + 1) & (slots_.size() - 1);
            slots_[slot] = Slot{key, static_cast<std::int32_t>(code)};
        }
    }

    std::vector<Text> entries_;
    std::vector<Slot> slots_;
    unsigned shift_ = 64;  // 64 - log2(slots)
};

using PieceDictionary = TextDictionary<std::string_view>;

struct PieceColumn {
    HugePageVector<double> values;     // Sink::number and forced_number (the column's own when it is the first piece)
    std::vector<std::int32_t> codes;   // Sink::text, into `dictionary`; -1 = missing
    PieceDictionary dictionary;
    bool saw_number = false;           // a value that is a number, not a missing token
    bool saw_text = false;             // Sink::number met text: the column is categorical
    bool non_finite = false;           // a value stored that is NaN (missing, not a number) or infinite
    // Sink::forced_number: the piece's first non-number. Behind a pointer: a request body's
    // piece has a PieceColumn per field, and an inline ScanError made their array larger
    // than the allocator's per-thread cache takes (1 KiB for six columns).
    std::unique_ptr<ScanError> bad_value;
};

// One piece's parse: its columns, or the first error in it.
struct Piece {
    std::vector<PieceColumn> columns;
    StableStrings unescaped;  // fields with "" escapes, viewed by the dictionaries
    std::size_t rows = 0;
    std::size_t lines = 0;  // line ends consumed, including those inside quotes
    std::optional<ScanError> error;
    bool incomplete = false;  // the text ended inside a record

    void reset(std::size_t column_count) {
        columns.resize(column_count);
        for (auto& column : columns) {
            column.values.clear();
            column.codes.clear();
            column.dictionary.clear();
            column.saw_number = column.saw_text = column.non_finite = false;
            column.bad_value.reset();
        }
        unescaped.clear();
        rows = lines = 0;
        error.reset();
        incomplete = false;
    }
};

// What a piece parse needs to know, the same for every piece of a window.
struct ParsePlan {
    explicit ParsePlan(char delimiter_ = ',')
        : delimiter(delimiter_), number_fast_path(std::string_view("0123456789.+-eE").find(delimiter_) == std::string_view::npos) {
        for (const char c : {delimiter, '\n', '\r', '"', ' ', '\t'}) not_plain[static_cast<unsigned char>(c)] = true;
    }
    char delimiter;
    // parse_plain_number reads on over characters of numbers, so not when one is the delimiter.
    bool number_fast_path;
    const MissingTokens* missing = nullptr;
    std::vector<Sink> sinks;  // one per column
    bool plain_numbers_may_be_missing = false;  // a missing token such as "-999" looks like a number
    // Characters that end a plain field (one with nothing to trim, unquote or check) or make
    // it something else.
    bool not_plain[256] = {};
};

inline void store_number(PieceColumn& column, Sink sink, const Field& field, std::size_t field_index,
                         const MissingTokens& missing) {
    const std::string_view value = field.quoted ? trim(field.text) : field.text;
    if (missing.contains(value)) {
        column.values.push_back(std::numeric_limits<double>::quiet_NaN());
        column.non_finite = true;
        return;
    }
    double number = 0.0;
    if (detail::parse_double(value, number)) {
        column.values.push_back(number);
        column.saw_number = true;
        column.non_finite = column.non_finite || !std::isfinite(number);  // "inf", "nan", 1e999
        return;
    }
    column.values.push_back(std::numeric_limits<double>::quiet_NaN());
    column.non_finite = true;
    if (sink == Sink::number) {
        column.saw_text = true;
    } else if (!column.bad_value) {
        column.bad_value = std::make_unique<ScanError>(ScanError{
            field.line, field_index + 1,
            "value " + excerpt(field.text) + " is not a number, and this column must be numeric", 0});
    }
}

inline void store_text(PieceColumn& column, const Field& field, const MissingTokens& missing) {
    const std::string_view value = field.quoted ? trim(field.text) : field.text;
    column.codes.push_back(missing.contains(value) ? -1 : column.dictionary.code(field.text));
}

// The reader's use of parse_four_plain_numbers: where four numeric columns follow one another,
// their fields are tried as one group. A piece whose groups keep failing (numbers with
// exponents or more than 15 digits, missing values) stops trying, so such files pay little.
struct FourNumbers {
    explicit FourNumbers(const ParsePlan& plan) noexcept
        : enabled(plan.number_fast_path && !plan.plain_numbers_may_be_missing && simd_numbers_supported()) {}

    // The end of the fourth field and values filled, or nullptr.
    const char* try_at(std::size_t field_index, const Scanner& scanner, const ParsePlan& plan) noexcept {
        if (!enabled || field_index + 4 > plan.sinks.size() || plan.sinks[field_index + 1] == Sink::text ||
            plan.sinks[field_index + 2] == Sink::text || plan.sinks[field_index + 3] == Sink::text ||
            scanner.end() - scanner.cursor() < four_numbers_reach)
            return nullptr;
        const char* end = parse_four_plain_numbers(scanner.cursor(), plan.delimiter, values);
        if (end != nullptr) {
            ++hits;
        } else if (++misses > 32 + hits / 4) {
            enabled = false;
        }
        return end;
    }

    double values[4] = {};
    bool enabled;
    std::size_t hits = 0, misses = 0;
};

// Parses the records of `text` into `piece` (reset first); errors end the parse and are
// kept in the piece, so the reader can report the first one in file order.
inline void parse_piece(Piece& piece, std::string_view text, PartEnd end, const ParsePlan& plan) {
    const std::size_t column_count = plan.sinks.size();
    piece.reset(column_count);
    Scanner scanner(text, plan.delimiter, end, piece.unescaped);
    const MissingTokens& missing = *plan.missing;
    FourNumbers four_numbers(plan);
    try {
        while (scanner.start_record()) {
            const std::size_t record_line = scanner.line();
            std::size_t field_index = 0;
            while (true) {
                if (field_index < column_count) {
                    PieceColumn& column = piece.columns[field_index];
                    const Sink sink = plan.sinks[field_index];
                    if (sink == Sink::text) {
                        const char* start = scanner.cursor();
                        const char* stop = start;
                        while (stop < scanner.end() && !plan.not_plain[static_cast<unsigned char>(*stop)]) ++stop;
                        if (stop != start && scanner.is_field_end(stop)) {
                            const std::string_view value(start, static_cast<std::size_t>(stop - start));
                            column.codes.push_back(missing.contains(value) ? -1 : column.dictionary.code(value));
                            scanner.move_to(stop);
                        } else {
                            store_text(column, scanner.read_field(field_index), missing);
                        }
                    } else if (const char* four_end = four_numbers.try_at(field_index, scanner, plan)) {
                        for (std::size_t k = 0; k < 4; ++k) {
                            PieceColumn& target = piece.columns[field_index + k];
                            target.values.push_back(four_numbers.values[k]);
                            target.saw_number = true;
                        }
                        scanner.move_to(four_end);
                        field_index += 3;
                    } else {
                        double number = 0.0;
                        const char* start = scanner.cursor();
                        const char* stop = plan.number_fast_path ? parse_plain_number(start, scanner.end(), number) : nullptr;
                        if (stop != nullptr && scanner.is_field_end(stop) &&
                            !(plan.plain_numbers_may_be_missing &&
                              missing.contains(std::string_view(start, static_cast<std::size_t>(stop - start))))) {
                            column.values.push_back(number);
                            column.saw_number = true;
                            scanner.move_to(stop);
                        } else {
                            store_number(column, sink, scanner.read_field(field_index), field_index, missing);
                        }
                    }
                } else {
                    (void)scanner.read_field(field_index, false);  // an extra field: counted, checked, dropped
                }
                ++field_index;
                if (scanner.end_field()) break;
            }
            if (field_index != column_count)
                throw ScanError{record_line, field_index > column_count ? column_count + 1 : 0, "", field_index};
            ++piece.rows;
        }
        piece.lines = scanner.line() - 1;
    } catch (ScanError& failure) {
        piece.error = std::move(failure);
    } catch (const NeedMoreText&) {
        piece.incomplete = true;
    }
}

// A categorical column's codes as they are read, stored in the narrowest type that holds its
// dictionary so far (int8 for up to 128 entries, as the finished Column keeps them): a file's
// codes are never held as int32 and then copied narrow. The buffer is widened, once per type,
// when the dictionary outgrows it.
class CodeBuffer {
public:
    std::size_t size() const noexcept {
        return with_code_type(type_, [&]<class T>() { return codes<T>().size(); });
    }
    void reserve(std::size_t rows) {
        with_code_type(type_, [&]<class T>() { make_room(codes<T>(), rows - std::min(rows, codes<T>().size())); });
    }
    // Ready for codes into a dictionary of `categories` entries.
    void hold(std::size_t categories) {
        const CodeType wanted = narrowest_code_type(categories);
        if (static_cast<unsigned>(wanted) <= static_cast<unsigned>(type_)) return;
        with_code_type(type_, [&]<class From>() {
            with_code_type(wanted, [&]<class To>() {
                std::vector<From>& from = codes<From>();
                std::vector<To>& to = codes<To>();
                make_room(to, from.capacity());  // the rows reserved so far
                to.assign(from.begin(), from.end());
                std::vector<From>().swap(from);
            });
        });
        type_ = wanted;
    }
    void append_missing(std::size_t rows) {
        with_code_type(type_, [&]<class T>() { codes<T>().resize(codes<T>().size() + rows, T{-1}); });
    }
    // Appends a piece's codes, each mapped through `remap` (-1 stays -1), or as they are
    // without one; hold() must have made room for the largest.
    void append(const std::vector<std::int32_t>& piece, const std::vector<std::int32_t>* remap) {
        with_code_type(type_, [&]<class T>() {
            std::vector<T>& out = codes<T>();
            const std::size_t start = out.size();
            make_room(out, piece.size());
            out.resize(start + piece.size());
            T* next = out.data() + start;
            if (remap == nullptr)
                for (const std::int32_t code : piece) *next++ = static_cast<T>(code);
            else
                for (const std::int32_t code : piece)
                    *next++ = static_cast<T>(code < 0 ? -1 : (*remap)[static_cast<std::size_t>(code)]);
        });
    }
    Column finish(const std::string& name, std::vector<std::string> dictionary) {
        return with_code_type(type_, [&]<class T>() {
            return Column::categorical(name, std::move(codes<T>()), std::move(dictionary));
        });
    }

private:
    template <class T>
    std::vector<T>& codes() noexcept {
        if constexpr (std::is_same_v<T, std::int8_t>) return int8_;
        else if constexpr (std::is_same_v<T, std::int16_t>) return int16_;
        else return int32_;
    }
    template <class T>
    const std::vector<T>& codes() const noexcept {
        return const_cast<CodeBuffer&>(*this).codes<T>();
    }

    CodeType type_ = CodeType::int8;
    std::vector<std::int8_t> int8_;
    std::vector<std::int16_t> int16_;
    std::vector<std::int32_t> int32_;
};

// One column of the result, appended to piece by piece. Kept small, as a wide file has one
// per field of its header: the dictionary state exists only for a categorical column, and
// the name is given at finish() (the reader holds the names).
class ColumnBuilder {
public:
    // float32: a numeric result stores floats (each parsed number rounded to the nearest).
    explicit ColumnBuilder(Sink sink, bool float32 = false) : sink_(sink), float32_(float32) {
        if (sink_ == Sink::text) text_ = std::make_unique<TextState>();
    }

    Sink sink() const noexcept { return sink_; }
    bool has_number() const noexcept { return has_number_; }
    std::size_t rows() const noexcept {
        return sink_ == Sink::text ? text_->codes.size() : float32_ ? floats_.size() : values_.size();
    }
    const ScanError* bad_value() const noexcept { return bad_value_.get(); }
    // The first row (0-based) whose finite number is too large for float32, and that number.
    const std::optional<std::pair<std::size_t, double>>& float32_overflow() const noexcept { return overflow_; }

    void reserve(std::size_t rows) {
        if (sink_ == Sink::text) text_->codes.reserve(rows);
        else if (float32_) make_room(floats_, rows - std::min(rows, floats_.size()));
        else make_room(values_, rows - std::min(rows, values_.size()));
    }

    // A numeric column that has held only missing values so far becomes categorical: every
    // earlier row is a missing code.
    void become_text() {
        const std::size_t missing = rows();
        HugePageVector<double>().swap(values_);
        HugePageVector<float>().swap(floats_);
        sink_ = Sink::text;
        if (!text_) text_ = std::make_unique<TextState>();
        text_->codes.append_missing(missing);
    }

    // Appends a piece parsed with this column's current sink; `first_line` is the absolute
    // line of the piece's first line. The piece's values may be taken rather than copied (into
    // a column that is still empty), so the piece is to be reset before reuse.
    void append(PieceColumn& piece, std::size_t first_line) {
        if (sink_ != Sink::text) {
            if (float32_) {
                const std::size_t start = floats_.size();
                make_room(floats_, piece.values.size());
                floats_.resize(start + piece.values.size());
                float* out = floats_.data() + start;
                for (const double v : piece.values) *out++ = static_cast<float>(v);
                if (!overflow_)
                    for (std::size_t k = 0; k < piece.values.size(); ++k)
                        if (std::isinf(floats_[start + k]) && std::isfinite(piece.values[k])) {
                            overflow_.emplace(start + k, piece.values[k]);
                            break;
                        }
            } else if (values_.empty() && values_.capacity() < piece.values.size()) {
                values_.swap(piece.values);  // the first piece: no copy (a request body is one piece)
            } else {
                make_room(values_, piece.values.size());
                values_.insert(values_.end(), piece.values.begin(), piece.values.end());
            }
            has_number_ = has_number_ || piece.saw_number;
            non_finite_ = non_finite_ || piece.non_finite;
            if (!bad_value_ && piece.bad_value) {
                bad_value_ = std::make_unique<ScanError>(*piece.bad_value);
                bad_value_->line += first_line - 1;
            }
            return;
        }
        TextState& text = *text_;
        const auto& entries = piece.dictionary.entries();
        if (text.dictionary.entries().empty()) {
            // No value so far (every earlier code missing): the piece's codes are the column's,
            // in the same order of first appearance, so no remap is built (a request body is
            // one piece).
            text.dictionary.reserve(entries.size());
            for (const std::string_view entry : entries) (void)text.dictionary.code(entry);
            text.codes.hold(entries.size());
            text.codes.append(piece.codes, nullptr);
            return;
        }
        text.remap.resize(entries.size());
        for (std::size_t i = 0; i < entries.size(); ++i) text.remap[i] = text.dictionary.code(entries[i]);
        text.codes.hold(text.dictionary.entries().size());
        text.codes.append(piece.codes, &text.remap);
    }

    Column finish(const std::string& name) {
        if (sink_ != Sink::text) {
            // Every field a finite number: the column says so, and the checks for missing and
            // infinite values skip it. (A float32 overflow is an error before this.)
            if (float32_) return finish_numbers(name, std::move(floats_));
            return finish_numbers(name, std::move(values_));
        }
        Column column = text_->codes.finish(name, text_->dictionary.take());
        text_.reset();
        return column;
    }

private:
    template <class T>
    Column finish_numbers(const std::string& name, HugePageVector<T> values) const {
        auto owner = std::make_shared<const HugePageVector<T>>(std::move(values));
        const std::span<const T> view(*owner);
        if constexpr (std::is_same_v<T, float>) {
            if (non_finite_ || overflow_) return Column::numeric_f32_view(name, view, std::move(owner));
            return Column::numeric_f32_view(name, view, std::move(owner), Column::AllFinite{});
        } else {
            if (non_finite_) return Column::numeric_view(name, view, std::move(owner));
            return Column::numeric_view(name, view, std::move(owner), Column::AllFinite{});
        }
    }

    struct TextState {
        TextDictionary<std::string> dictionary;  // the column's codes
        std::vector<std::int32_t> remap;         // piece code -> column code
        CodeBuffer codes;
    };

    Sink sink_;
    bool float32_ = false;
    bool has_number_ = false;
    bool non_finite_ = false;  // a NaN or infinite value appended
    // In huge pages when large: a column is new memory, filled once, front to back.
    HugePageVector<double> values_;
    HugePageVector<float> floats_;  // instead of values_ when float32_
    std::optional<std::pair<std::size_t, double>> overflow_;
    std::unique_ptr<TextState> text_;         // Sink::text only
    std::unique_ptr<ScanError> bad_value_;  // the first non-number of a forced-numeric column
};

}  // namespace mlpipe::detail::csv
