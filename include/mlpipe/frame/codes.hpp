#pragma once
// Category codes in the narrowest integer type that holds them.
//
// A categorical or one-hot column stores one code per row (-1 = missing or all-zero). A
// column of up to 128 categories keeps them as int8, up to 32,768 as int16, else as int32:
// a one-hot column of ten levels is then 1 byte a row instead of 4, which is memory saved
// and bytes that every loss-and-gradient pass does not read.
//
// CodeView reads codes of any width as int32 (what most code wants: a category index);
// code that runs over every row (the design's gathers, the encoder) takes the stored type
// with visit() and is compiled for each width.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace mlpipe {

enum class CodeType : std::uint8_t { int8 = 1, int16 = 2, int32 = 4 };

// The integer types codes are stored in.
template <class T>
concept CodeInteger =
    std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::int16_t> || std::is_same_v<T, std::int32_t>;

template <CodeInteger T>
constexpr CodeType code_type_of() noexcept {
    if constexpr (std::is_same_v<T, std::int8_t>) return CodeType::int8;
    else if constexpr (std::is_same_v<T, std::int16_t>) return CodeType::int16;
    else return CodeType::int32;
}

inline const char* to_string(CodeType type) noexcept {
    switch (type) {
        case CodeType::int8: return "int8";
        case CodeType::int16: return "int16";
        case CodeType::int32: return "int32";
    }
    return "int32";
}

// The narrowest type whose codes 0 .. categories - 1 (and -1) all fit.
constexpr CodeType narrowest_code_type(std::size_t categories) noexcept {
    if (categories <= static_cast<std::size_t>(std::numeric_limits<std::int8_t>::max()) + 1) return CodeType::int8;
    if (categories <= static_cast<std::size_t>(std::numeric_limits<std::int16_t>::max()) + 1) return CodeType::int16;
    return CodeType::int32;
}

// Calls f.template operator()<T>() with T the integer type of `type`.
template <class F>
decltype(auto) with_code_type(CodeType type, F&& f) {
    switch (type) {
        case CodeType::int8: return std::forward<F>(f).template operator()<std::int8_t>();
        case CodeType::int16: return std::forward<F>(f).template operator()<std::int16_t>();
        case CodeType::int32: break;
    }
    return std::forward<F>(f).template operator()<std::int32_t>();
}

// A read-only view of codes stored as int8, int16 or int32, each read as int32.
class CodeView {
public:
    CodeView() = default;
    template <CodeInteger T>
    CodeView(std::span<const T> codes) noexcept  // NOLINT(google-explicit-constructor): a view of any width
        : data_(codes.data()), size_(codes.size()), type_(code_type_of<T>()) {}
    CodeView(const void* data, std::size_t size, CodeType type) noexcept : data_(data), size_(size), type_(type) {}

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    CodeType type() const noexcept { return type_; }
    const void* data() const noexcept { return data_; }

    std::int32_t operator[](std::size_t i) const noexcept {
        switch (type_) {
            case CodeType::int8: return static_cast<const std::int8_t*>(data_)[i];
            case CodeType::int16: return static_cast<const std::int16_t*>(data_)[i];
            case CodeType::int32: break;
        }
        return static_cast<const std::int32_t*>(data_)[i];
    }
    std::int32_t at(std::size_t i) const {
        if (i >= size_)
            throw std::out_of_range("code " + std::to_string(i) + " of " + std::to_string(size_));
        return (*this)[i];
    }

    // f(std::span<const T>) with T the stored type.
    template <class F>
    decltype(auto) visit(F&& f) const {
        return with_code_type(type_, [&]<class T>() -> decltype(auto) {
            return std::forward<F>(f)(std::span<const T>(static_cast<const T*>(data_), size_));
        });
    }

    class iterator;
    iterator begin() const noexcept;
    iterator end() const noexcept;

private:
    const void* data_ = nullptr;
    std::size_t size_ = 0;
    CodeType type_ = CodeType::int32;
};

class CodeView::iterator {
public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = std::int32_t;
    using difference_type = std::ptrdiff_t;
    using reference = std::int32_t;
    using pointer = void;

    iterator() = default;
    iterator(CodeView view, std::size_t i) noexcept : view_(view), i_(i) {}
    std::int32_t operator*() const noexcept { return view_[i_]; }
    std::int32_t operator[](difference_type n) const noexcept {
        return view_[static_cast<std::size_t>(static_cast<difference_type>(i_) + n)];
    }
    iterator& operator++() noexcept { ++i_; return *this; }
    iterator operator++(int) noexcept { auto old = *this; ++i_; return old; }
    iterator& operator--() noexcept { --i_; return *this; }
    iterator operator--(int) noexcept { auto old = *this; --i_; return old; }
    iterator& operator+=(difference_type n) noexcept {
        i_ = static_cast<std::size_t>(static_cast<difference_type>(i_) + n);
        return *this;
    }
    iterator& operator-=(difference_type n) noexcept { return *this += -n; }
    friend iterator operator+(iterator it, difference_type n) noexcept { return it += n; }
    friend iterator operator+(difference_type n, iterator it) noexcept { return it += n; }
    friend iterator operator-(iterator it, difference_type n) noexcept { return it -= n; }
    friend difference_type operator-(const iterator& a, const iterator& b) noexcept {
        return static_cast<difference_type>(a.i_) - static_cast<difference_type>(b.i_);
    }
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.i_ == b.i_; }
    friend auto operator<=>(const iterator& a, const iterator& b) noexcept { return a.i_ <=> b.i_; }

private:
    CodeView view_;  // a copy: an iterator outlives the view it came from (codes().begin())
    std::size_t i_ = 0;
};

inline CodeView::iterator CodeView::begin() const noexcept { return {*this, 0}; }
inline CodeView::iterator CodeView::end() const noexcept { return {*this, size_}; }

}  // namespace mlpipe
