#pragma once
// One named, typed column of a Frame.
//
// numeric:     contiguous doubles, or floats when stored as float32 (half the memory and
//              half the bytes per pass; the model still computes in its own type); NaN
//              marks a missing value.
// categorical: dictionary codes (-1 = missing) plus the dictionary, in order of first
//              appearance (encoders sort categories themselves, as sklearn does). Codes are
//              stored in the narrowest integer type that holds the dictionary (codes.hpp).
// one_hot:     the output of OneHotEncoder for one input column, kept as one code per row
//              (-1 = the all-zero row: an ignored unknown or a dropped category) plus the
//              names of the output categories. It stands for width() dense 0/1 columns
//              without materialising them.

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/frame/codes.hpp>
#include <mlpipe/error.hpp>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mlpipe {

namespace detail::csv {
class ColumnBuilder;  // read_csv's: the one maker of Column::AllFinite
}

enum class ColumnKind : std::uint8_t { numeric = 0, categorical = 1, one_hot = 2 };

// How a numeric column stores its values (numpy's dtype): float64 is the default and what
// sklearn parity needs; float32 halves the memory of large training data.
enum class NumericType : std::uint8_t { float64 = 0, float32 = 1 };

inline const char* to_string(NumericType type) noexcept { return type == NumericType::float32 ? "float32" : "float64"; }

MLPIPE_INLINE const char* to_string(ColumnKind kind) noexcept;

class Column {
public:
    Column() = default;
    Column(const Column&) = default;
    Column& operator=(const Column&) = default;
    // A moved-from Column is an empty numeric column (its storage null, as unused storage is).
    Column(Column&& other) noexcept
        : name_(std::move(other.name_)),
          kind_(std::exchange(other.kind_, ColumnKind::numeric)),
          values_(std::exchange(other.values_, Stored<double>{})),
          floats_(std::exchange(other.floats_, Stored<float>{})),
          codes_owner_(std::move(other.codes_owner_)),
          codes_(std::exchange(other.codes_, CodeView{})),
          dictionary_(std::move(other.dictionary_)) {}
    Column& operator=(Column&& other) noexcept {
        if (this != &other) {
            name_ = std::move(other.name_);
            kind_ = std::exchange(other.kind_, ColumnKind::numeric);
            values_ = std::exchange(other.values_, Stored<double>{});
            floats_ = std::exchange(other.floats_, Stored<float>{});
            codes_owner_ = std::move(other.codes_owner_);
            codes_ = std::exchange(other.codes_, CodeView{});
            dictionary_ = std::move(other.dictionary_);
        }
        return *this;
    }
    ~Column() = default;

    static Column numeric(std::string name, std::vector<double> values) {
        Column c(std::move(name), ColumnKind::numeric);
        c.values_ = share(std::move(values));
        return c;
    }

    // A numeric column stored as float32 (its own name: numeric("x", {1.0, 2.0}) stays unambiguous).
    static Column numeric_f32(std::string name, std::vector<float> values) {
        Column c(std::move(name), ColumnKind::numeric);
        c.floats_ = share(std::move(values));
        return c;
    }

    // A numeric column whose maker has checked that every value is finite (no NaN, so nothing
    // missing, and no infinity). The checks for such values (count_missing, a model's fit and
    // predict) then skip its pass over the rows. read_csv makes its numeric columns so when
    // every field parsed as a finite number. Only its column builder can make the tag, since
    // release builds take the promise unchecked (debug builds check it).
    class AllFinite {
        AllFinite() = default;
        friend class detail::csv::ColumnBuilder;
    };
    static Column numeric(std::string name, std::vector<double> values, AllFinite) {
        Column c = numeric(std::move(name), std::move(values));
        c.values_.finite = c.check_all_finite();
        return c;
    }
    static Column numeric_f32(std::string name, std::vector<float> values, AllFinite) {
        Column c = numeric_f32(std::move(name), std::move(values));
        c.floats_.finite = c.check_all_finite();
        return c;
    }

    // A numeric column over values someone else owns, without copying them: `owner` keeps
    // `values` alive and unchanged, and the column (and every Frame and copy that shares it)
    // holds a reference to it. frame_from_xtensor uses these for arrays it can read in place.
    static Column numeric_view(std::string name, std::span<const double> values, std::shared_ptr<const void> owner);
    static Column numeric_f32_view(std::string name, std::span<const float> values,
                                   std::shared_ptr<const void> owner);
    // The same, with the AllFinite promise (read_csv's columns, in buffers of its own).
    static Column numeric_view(std::string name, std::span<const double> values, std::shared_ptr<const void> owner,
                               AllFinite) {
        Column c = numeric_view(std::move(name), values, std::move(owner));
        c.values_.finite = c.check_all_finite();
        return c;
    }
    static Column numeric_f32_view(std::string name, std::span<const float> values,
                                   std::shared_ptr<const void> owner, AllFinite) {
        Column c = numeric_f32_view(std::move(name), values, std::move(owner));
        c.floats_.finite = c.check_all_finite();
        return c;
    }

    // Codes index into dictionary; -1 is a missing value. They are kept in the narrowest
    // type that holds the dictionary, converted when given wider (or narrower).
    static Column categorical(std::string name, std::vector<std::int32_t> codes,
                              std::vector<std::string> dictionary);
    // Codes already narrow: kept as they are when their type is the narrowest.
    template <CodeInteger T>
        requires(!std::is_same_v<T, std::int32_t>)
    static Column categorical(std::string name, std::vector<T> codes, std::vector<std::string> dictionary) {
        return with_codes(std::move(name), ColumnKind::categorical, std::move(codes), std::move(dictionary));
    }

    static Column categorical(std::string name, const std::vector<std::string>& values);

    static Column categorical(std::string name, const std::vector<std::optional<std::string>>& values);

    // So that categorical("c", {"a", "b"}) picks the plain strings.
    static Column categorical(std::string name, std::initializer_list<std::string> values) {
        return categorical(std::move(name), std::vector<std::string>(values));
    }

    static Column one_hot(std::string name, std::vector<std::int32_t> codes,
                          std::vector<std::string> categories);
    template <CodeInteger T>
        requires(!std::is_same_v<T, std::int32_t>)
    static Column one_hot(std::string name, std::vector<T> codes, std::vector<std::string> categories) {
        return with_codes(std::move(name), ColumnKind::one_hot, std::move(codes), std::move(categories));
    }

    const std::string& name() const noexcept { return name_; }
    ColumnKind kind() const noexcept { return kind_; }
    bool is_numeric() const noexcept { return kind_ == ColumnKind::numeric; }
    bool is_categorical() const noexcept { return kind_ == ColumnKind::categorical; }
    bool is_one_hot() const noexcept { return kind_ == ColumnKind::one_hot; }

    std::size_t size() const noexcept {
        return is_numeric() ? (floats_ ? floats_.data.size() : values_.data.size()) : codes_.size();
    }

    // A numeric column made as AllFinite (or a copy of one): every value is finite. False
    // says nothing either way.
    bool known_finite() const noexcept { return is_numeric() && (floats_ ? floats_.finite : values_.finite); }

    // float64 unless a numeric column stores float32.
    NumericType numeric_type() const noexcept { return floats_ ? NumericType::float32 : NumericType::float64; }
    bool is_float32() const noexcept { return static_cast<bool>(floats_); }

    // Number of model features this column stands for: 1 for numeric, the number of
    // output categories for one_hot, 0 for categorical (it must be encoded first).
    std::size_t width() const noexcept {
        switch (kind_) {
            case ColumnKind::numeric: return 1;
            case ColumnKind::one_hot: return dictionary_ ? dictionary_->size() : 0;
            case ColumnKind::categorical: return 0;
        }
        return 0;
    }

    // The values of a float64 numeric column. A float32 column has values_f32(); code that
    // takes either uses visit_values or value(row).
    std::span<const double> values() const {
        require(ColumnKind::numeric, "values()");
        if (floats_)
            throw data_error("column '" + name_ + "' stores float32 values, so values() (float64) is not available; "
                             "use values_f32() or visit_values()");
        return values_.data;
    }
    std::span<const float> values_f32() const {
        require(ColumnKind::numeric, "values_f32()");
        if (!floats_)
            throw data_error("column '" + name_ + "' stores float64 values, so values_f32() is not available; "
                             "use values() or visit_values()");
        return floats_.data;
    }
    // f(std::span<const double>) or f(std::span<const float>), as the column stores them.
    template <class F>
    decltype(auto) visit_values(F&& f) const {
        require(ColumnKind::numeric, "visit_values()");
        if (floats_) return std::forward<F>(f)(floats_.data);
        return std::forward<F>(f)(values_.data);
    }
    // One value of a numeric column, whatever it stores, as a double.
    double value(std::size_t row) const {
        require(ColumnKind::numeric, "value()");
        if (row >= size())
            throw std::out_of_range("column '" + name_ + "': row " + std::to_string(row) + " of " +
                                    std::to_string(size()));
        return floats_ ? static_cast<double>(floats_.data[row]) : values_.data[row];
    }
    // A float64 copy of a numeric column (the column itself when it is float64).
    Column to_float64() const;
    // The codes of a categorical or one-hot column, each read as int32 whatever it is stored as.
    CodeView codes() const {
        if (is_numeric()) require(ColumnKind::categorical, "codes()");
        return codes_;
    }
    // The integer type the codes are stored in: the narrowest that holds the dictionary.
    CodeType code_type() const {
        if (is_numeric()) require(ColumnKind::categorical, "code_type()");
        return codes_.type();
    }
    // f(std::span<const T>) with T the stored code type (int8_t, int16_t or int32_t), for
    // loops over every row that should not convert each code.
    template <class F>
    decltype(auto) visit_codes(F&& f) const {
        return codes().visit(std::forward<F>(f));
    }
    const std::vector<std::string>& dictionary() const {
        if (is_numeric()) require(ColumnKind::categorical, "dictionary()");
        static const std::vector<std::string> none;
        return dictionary_ ? *dictionary_ : none;
    }

    bool is_missing(std::size_t row) const {
        return is_numeric() ? std::isnan(value(row)) : (is_categorical() && codes_.at(row) < 0);
    }

    std::size_t count_missing() const noexcept;

private:
    Column(std::string name, ColumnKind kind) : name_(std::move(name)), kind_(kind) {}

    // Assigns codes to strings in order of first appearance.
    class DictionaryBuilder {
    public:
        explicit DictionaryBuilder(std::vector<std::string>& dictionary) : dictionary_(dictionary) {}
        std::int32_t code(const std::string& value) {
            auto [it, inserted] = index_.try_emplace(value, static_cast<std::int32_t>(dictionary_.size()));
            if (inserted) dictionary_.push_back(value);
            return it->second;
        }

    private:
        std::vector<std::string>& dictionary_;
        std::unordered_map<std::string, std::int32_t> index_;
    };

    void require(ColumnKind wanted, const char* what) const {
        if (kind_ != wanted)
            throw data_error("column '" + name_ + "' is " + to_string(kind_) + ", so " + what +
                             " is not available (it needs a " + to_string(wanted) + " column)");
    }

    // A categorical or one-hot column of these codes and dictionary (set_codes checks them).
    template <CodeInteger T>
    static Column with_codes(std::string name, ColumnKind kind, std::vector<T> codes,
                             std::vector<std::string> dictionary) {
        Column c(std::move(name), kind);
        c.set_codes(std::move(codes), dictionary.size());
        c.dictionary_ = share(std::move(dictionary));
        return c;
    }

    // Checks that every code is -1 or a dictionary index, then stores the codes in the
    // narrowest type that holds the dictionary.
    template <CodeInteger T>
    void set_codes(std::vector<T> codes, std::size_t dictionary_size);
    [[noreturn]] void bad_code(std::int64_t code, std::size_t row, std::size_t dictionary_size) const;

    // Numeric values and what keeps them alive: a vector of the column's own, or a caller's
    // array (numeric_view). Empty (no owner) for the storage a column does not use.
    template <class T>
    struct Stored {
        std::shared_ptr<const void> owner;
        std::span<const T> data;
        bool finite = false;  // every value known finite (values never change once stored)
        explicit operator bool() const noexcept { return owner != nullptr; }
    };

    // True: the AllFinite makers' promise, checked in debug builds only.
    bool check_all_finite() const noexcept {
#ifndef NDEBUG
        visit_values([](auto values) {
            for (auto v : values) assert(std::isfinite(v) && "Column::numeric(..., AllFinite) got a non-finite value");
        });
#endif
        return true;
    }

    static std::shared_ptr<const void> require_owner(std::shared_ptr<const void> owner, const std::string& name);

    std::string name_;
    ColumnKind kind_ = ColumnKind::numeric;
    template <class T>
    static std::shared_ptr<const std::vector<T>> share_vector(std::vector<T> data) {
        return std::make_shared<const std::vector<T>>(std::move(data));
    }
    static Stored<double> share(std::vector<double> data) {
        auto owned = share_vector(std::move(data));
        const std::span<const double> view(*owned);
        return {std::move(owned), view};
    }
    static Stored<float> share(std::vector<float> data) {
        auto owned = share_vector(std::move(data));
        const std::span<const float> view(*owned);
        return {std::move(owned), view};
    }
    static std::shared_ptr<const std::vector<std::string>> share(std::vector<std::string> data) {
        return share_vector(std::move(data));
    }

    // Shared and never changed after construction: copying a Column, or a Frame, copies
    // pointers, not data (a pipeline's intermediate frames and a selection of columns cost
    // no memory for the columns they pass through unchanged).
    // Storage a column does not use is empty and owns nothing (not a shared empty vector:
    // copying and destroying columns, which a request's pipeline does dozens of times, then
    // touches no reference count that every thread shares).
    Stored<double> values_;
    Stored<float> floats_;  // set instead of values_ for a float32 column
    std::shared_ptr<const void> codes_owner_;  // the vector codes_ views
    CodeView codes_;
    std::shared_ptr<const std::vector<std::string>> dictionary_;
};

template <CodeInteger T>
void Column::set_codes(std::vector<T> codes, std::size_t dictionary_size) {
    // A vectorised count first (the codes are nearly always valid); the row only on failure.
    // The limit saturates at T's largest value: the count then flags that code too, and the
    // exact loop accepts it when the dictionary is larger.
    const auto limit = static_cast<T>(
        std::min<std::size_t>(dictionary_size, static_cast<std::size_t>(std::numeric_limits<T>::max())));
    std::size_t outside = 0;
    for (const T code : codes) outside += static_cast<std::size_t>((code < -1) | (code >= limit));
    if (outside != 0)
        for (std::size_t i = 0; i < codes.size(); ++i)
            if (codes[i] < -1 || static_cast<std::int64_t>(codes[i]) >= static_cast<std::int64_t>(dictionary_size))
                bad_code(codes[i], i, dictionary_size);
    with_code_type(narrowest_code_type(dictionary_size), [&]<class Narrow>() {
        std::shared_ptr<const std::vector<Narrow>> stored;
        if constexpr (std::is_same_v<Narrow, T>) {
            stored = share_vector(std::move(codes));
        } else {
            // Each code fits: it is below the dictionary's size, which Narrow holds.
            std::vector<Narrow> narrowed(codes.size());
            for (std::size_t i = 0; i < codes.size(); ++i) narrowed[i] = static_cast<Narrow>(codes[i]);
            codes = {};
            stored = share_vector(std::move(narrowed));
        }
        codes_ = CodeView(std::span<const Narrow>(*stored));
        codes_owner_ = std::move(stored);
    });
}

}  // namespace mlpipe

// The definitions of the functions declared above: compiled here in a header-only build, taken
// from mlpipe::precompiled (src/frame.cpp) when it is linked.
#ifndef MLPIPE_PRECOMPILED
#include <mlpipe/frame/column_impl.hpp>
#endif
