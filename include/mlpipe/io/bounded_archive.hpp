#pragma once
// Boost's binary, text and XML input archives, hardened for model files whose CRC is valid but
// whose author is not trusted. The payload is already in memory, so every size the archive reads
// (string length, collection count, Eigen coefficient count) is checked against the bytes that
// remain before anything is allocated; booleans must be 0 or 1; XML end tags are compared
// without reading past the expected name (Boost's load_end does); the XML closing tag is parsed
// where an error can be thrown, not in a destructor. Errors are model_file_error naming the field
// as a path of element names ("LogisticRegression<double>.coef").
//
// The on-disk formats are exactly Boost's: these archives read what binary_oarchive,
// text_oarchive and xml_oarchive write. Included only by io/archive_payload.hpp.
//
// Boost's archive implementation files (*.ipp, and the XML grammar built on Spirit) are in
// bounded_archive_impl.hpp, with the members of these classes that need them. Header-only,
// this header includes it; with mlpipe::precompiled the library compiles them once
// (src/archives.cpp, explicit instantiations of Boost's archive templates for these classes,
// as libboost_serialization does for its own archives): about a sixth of what including
// mlpipe.hpp costs a file (bench/compile_time.sh, README "Compile time").

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <streambuf>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive_impl.hpp>
#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/xml_iarchive.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <boost/serialization/array_optimization.hpp>
#include <boost/serialization/collection_size_type.hpp>
#include <boost/serialization/nvp.hpp>

#include "mlpipe/detail/compiled.hpp"
#include "mlpipe/error.hpp"

namespace mlpipe::detail::model_file {

// Read-only stream over bytes we already hold: the payload is not copied again, and the bytes
// not yet read are known at every point.
class MemoryReadBuffer : public std::streambuf {
public:
    explicit MemoryReadBuffer(std::string_view bytes) {
        // streambuf wants char*; get-area functions never write through it.
        char* begin = const_cast<char*>(bytes.data());
        setg(begin, begin, begin + bytes.size());
    }
    std::uint64_t remaining() const { return static_cast<std::uint64_t>(egptr() - gptr()); }
};

// The fewest bytes one element of a std::vector<T> takes in a binary archive, so a count can be
// checked before Boost resizes. Unknown class types: 1 (every mlpipe type stores some data).
template <class T>
constexpr std::uint64_t binary_min_bytes() {
    if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) return sizeof(T);
    else if constexpr (std::is_same_v<T, std::string>) return sizeof(std::size_t);  // its length
    else return 1;
}

template <class T>
struct is_std_vector : std::false_type {};
template <class T, class A>
struct is_std_vector<std::vector<T, A>> : std::true_type {};

// Bytes each element of a collection or matrix takes at least, where it does not depend on the
// type: text separates values with a space; XML wraps each in <item></item>.
inline constexpr std::uint64_t text_item_bytes = 1;
inline constexpr std::uint64_t xml_item_bytes = 13;

// What the three archives share: the field path and the checks.
class ArchiveBounds {
public:
    // item_bytes: 0 for binary archives (the element type decides), else the bytes per element.
    ArchiveBounds(const MemoryReadBuffer& buffer, std::uint64_t item_bytes)
        : buffer_(&buffer), item_bytes_(item_bytes) {
        path_.reserve(16);
    }

    std::uint64_t bytes_remaining() const { return buffer_->remaining(); }

    // Elements named "model" (the root), "item", "count" and "item_version" say nothing useful.
    std::string field() const {
        std::string out;
        for (std::size_t i = 1; i < path_.size(); ++i) {
            const std::string_view name =
                path_[i].label.empty() ? std::string_view(path_[i].name) : std::string_view(path_[i].label);
            if (name == "item" || name == "count" || name == "item_version") continue;
            if (!out.empty()) out += '.';
            out += name;
        }
        return out.empty() ? std::string("model") : out;
    }

    [[noreturn]] void refuse(const std::string& what) {
        annotated_ = true;
        throw model_file_error(field() + ": " + what);
    }

    // count elements, each binary_bytes_each bytes in a binary archive, must fit in what remains.
    void check_claim(std::uint64_t count, std::uint64_t binary_bytes_each, const char* what) {
        check(count, item_bytes_ == 0 ? binary_bytes_each : item_bytes_, what, "elements");
    }
    void check_string_length(std::uint64_t length) { check(length, 1, "string", "bytes"); }

    bool check_bool(unsigned value) {
        if (value > 1) refuse("boolean holds " + std::to_string(value) + ", not 0 or 1");
        return value == 1;
    }

    void check_collection_size(std::uint64_t count) {
        const std::uint64_t each = next_element_bytes_;
        next_element_bytes_ = 1;
        check_claim(count, each, "collection");
    }

    // Runs load with the element on the path; an error from below that does not name its field yet
    // gets this path (shims such as serialization/eigen.hpp cannot know where they are).
    template <class T, class Load>
    void load_named(const boost::serialization::nvp<T>& element, Load&& load) {
        std::string label;
        if constexpr (requires { { T::type_name() } -> std::convertible_to<std::string>; }) label = T::type_name();
        if constexpr (is_std_vector<std::remove_cv_t<T>>::value) {
            next_element_bytes_ = binary_min_bytes<typename std::remove_cv_t<T>::value_type>();
        }
        path_.push_back({element.name() != nullptr ? element.name() : "?", std::move(label)});
        try {
            load();
        } catch (const std::exception& e) {
            if (annotated_) throw;
            annotated_ = true;
            throw model_file_error(field() + ": " + e.what());
        }
        path_.pop_back();
    }

private:
    // Division, not multiplication, so that a huge count cannot overflow.
    void check(std::uint64_t count, std::uint64_t bytes_each, const char* what, const char* unit) {
        const std::uint64_t each = bytes_each > 0 ? bytes_each : 1;
        const std::uint64_t remaining = bytes_remaining();
        if (count > remaining / each) {
            refuse(std::string(what) + " claims " + std::to_string(count) + " " + unit +
                   (each > 1 ? " of at least " + std::to_string(each) + " bytes" : std::string()) + ", but only " +
                   std::to_string(remaining) + " bytes remain in the payload");
        }
    }

    struct Element {
        const char* name;
        std::string label;  // the type's name, for components
    };
    const MemoryReadBuffer* buffer_;
    std::uint64_t item_bytes_;
    bool annotated_ = false;
    std::uint64_t next_element_bytes_ = 1;
    std::vector<Element> path_;
};

// Members are public: Boost reaches them through load_access and the CRTP base classes.
class BoundedBinaryIArchive
    : public boost::archive::binary_iarchive_impl<BoundedBinaryIArchive, char, std::char_traits<char>>,
      public ArchiveBounds {
    using impl = boost::archive::binary_iarchive_impl<BoundedBinaryIArchive, char, std::char_traits<char>>;
    using primitive = boost::archive::basic_binary_iprimitive<BoundedBinaryIArchive, char, std::char_traits<char>>;

public:
    BoundedBinaryIArchive(MemoryReadBuffer& buffer, unsigned flags = 0)
        : impl(static_cast<std::streambuf&>(buffer), flags), ArchiveBounds(buffer, 0) {
        init(flags);
    }

    using primitive::load;
    void load(bool& value) {
        unsigned char raw = 0;
        this->load_binary(&raw, 1);
        value = check_bool(raw);
    }
    void load(std::string& text) {
        std::size_t length = 0;
        primitive::load(length);
        check_string_length(length);
        text.resize(length);
        if (length > 0) this->load_binary(text.data(), length);
    }

    template <class T>
    void load_override(T& value) {
        impl::load_override(value);
    }
    template <class T>
    void load_override(const boost::serialization::nvp<T>& element) {
        load_named(element, [&] { impl::load_override(element); });
    }
    void load_override(boost::serialization::collection_size_type& count) {
        impl::load_override(count);
        check_collection_size(count);
    }
};

class BoundedTextIArchive : public boost::archive::text_iarchive_impl<BoundedTextIArchive>, public ArchiveBounds {
    using impl = boost::archive::text_iarchive_impl<BoundedTextIArchive>;

public:
    BoundedTextIArchive(std::istream& stream, MemoryReadBuffer& buffer, unsigned flags = 0)
        : impl(stream, flags), ArchiveBounds(buffer, text_item_bytes) {
        if ((flags & boost::archive::no_header) == 0) init();
    }

    using impl::load;
    void load(bool& value) {
        unsigned raw = 0;
        impl::load(raw);
        value = check_bool(raw);
    }
    void load(boost::serialization::collection_size_type& count) {
        std::size_t raw = 0;
        impl::load(raw);
        check_collection_size(raw);
        count = boost::serialization::collection_size_type(raw);
    }
    // As text_iarchive_impl::load(std::string&), with the length checked before the resize.
    void load(std::string& text) {
        std::size_t length = 0;
        impl::load(length);
        this->is.get();  // the separating space
        check_string_length(length);
        text.resize(length);
        if (length > 0) this->is.read(text.data(), static_cast<std::streamsize>(length));
        if (!this->is) refuse("the string ends early");
    }

    template <class T>
    void load_override(T& value) {
        impl::load_override(value);
    }
    template <class T>
    void load_override(const boost::serialization::nvp<T>& element) {
        load_named(element, [&] { impl::load_override(element); });
    }
};

// Strings need no check here: Boost's XML grammar reads a string's characters from the payload
// itself, so it cannot outgrow it.
class BoundedXmlIArchive : public boost::archive::xml_iarchive_impl<BoundedXmlIArchive>, public ArchiveBounds {
    using impl = boost::archive::xml_iarchive_impl<BoundedXmlIArchive>;

public:
    // no_header keeps ~xml_iarchive_impl from parsing the closing tag (a throw there would
    // terminate); init() reads the header, finish() the closing tag.
    BoundedXmlIArchive(std::istream& stream, MemoryReadBuffer& buffer)
        : impl(stream, boost::archive::no_header), ArchiveBounds(buffer, xml_item_bytes) {
        init();
    }

    void finish();

    using impl::load;
    void load(bool& value) {
        unsigned raw = 0;
        impl::load(raw);
        value = check_bool(raw);
    }
    void load(boost::serialization::collection_size_type& count) {
        std::size_t raw = 0;
        impl::load(raw);
        check_collection_size(raw);
        count = boost::serialization::collection_size_type(raw);
    }

    // As basic_xml_iarchive's, with its own depth (Boost's is private) and a bounded comparison.
    void load_start(const char* name);
    void load_end(const char* name);

    template <class T>
    void load_override(T& value) {
        impl::load_override(value);
    }
    template <class T>
    void load_override(const boost::serialization::nvp<T>& element) {
        load_named(element, [&] { impl::load_override(element); });
    }

private:
    unsigned depth_ = 0;
};

}  // namespace mlpipe::detail::model_file

BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(mlpipe::detail::model_file::BoundedBinaryIArchive)
// So that models which serialise through pointers (BOOST_CLASS_EXPORT) load with these archives too.
BOOST_SERIALIZATION_REGISTER_ARCHIVE(mlpipe::detail::model_file::BoundedBinaryIArchive)
BOOST_SERIALIZATION_REGISTER_ARCHIVE(mlpipe::detail::model_file::BoundedTextIArchive)
BOOST_SERIALIZATION_REGISTER_ARCHIVE(mlpipe::detail::model_file::BoundedXmlIArchive)

#ifndef MLPIPE_PRECOMPILED
#include "mlpipe/io/bounded_archive_impl.hpp"
#endif
