#pragma once
// A model's payload written with Boost's binary, text and XML output archives and read with the
// bounded input archives of io/bounded_archive.hpp: the definitions of model_file.hpp's
// serialise_payload and deserialise_payload, which any model type instantiates. The serialize
// functions of the model's types come from elsewhere (serialization/*.hpp for mlpipe's).
//
// model_file.hpp includes it in a header-only build. With mlpipe::precompiled, the stock
// pipelines' archive code comes compiled from the library, and a file that saves or loads
// another model type includes <mlpipe/io/model_archive.hpp>, which includes this header.

#include <istream>
#include <locale>
#include <sstream>
#include <string>
#include <string_view>

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/basic_archive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <boost/archive/xml_oarchive.hpp>
#include <boost/serialization/nvp.hpp>

#include "mlpipe/error.hpp"
#include "mlpipe/io/bounded_archive.hpp"
#include "mlpipe/io/model_file.hpp"

namespace mlpipe::detail::model_file {

// Every model type's archive code is visible from here on.
template <class Model>
    requires true
inline constexpr bool archive_code_visible<Model> = true;

template <class Model>
std::string serialise_payload(const Model& model, ArchiveFormat format) {
    std::ostringstream stream;
    // Numbers must not pick up the global locale (a "," decimal point would not read back elsewhere).
    stream.imbue(std::locale::classic());
    {  // The archive writes its trailer (XML closing tags) in its destructor.
        switch (format) {
            case ArchiveFormat::binary: {
                boost::archive::binary_oarchive archive(stream);
                archive << boost::serialization::make_nvp("model", model);
                break;
            }
            case ArchiveFormat::text: {
                boost::archive::text_oarchive archive(stream);
                archive << boost::serialization::make_nvp("model", model);
                break;
            }
            case ArchiveFormat::xml: {
                boost::archive::xml_oarchive archive(stream);
                archive << boost::serialization::make_nvp("model", model);
                break;
            }
        }
    }
    if (!stream) throw model_file_error("writing the archive to memory failed");
    return std::move(stream).str();
}

// Checks the framing Boost reads before we get control, for a clearer message than the archive
// would give. With a valid CRC these fail only for files not written by mlpipe.
inline void check_archive_framing(std::string_view payload, ArchiveFormat format) {
    const std::string signature = boost::archive::BOOST_ARCHIVE_SIGNATURE();
    std::string expected_start;
    switch (format) {
        case ArchiveFormat::binary: {
            // Native size_t, as binary_oarchive writes it (binary archives are not portable anyway).
            const std::size_t length = signature.size();
            expected_start.assign(reinterpret_cast<const char*>(&length), sizeof length);
            expected_start += signature;
            break;
        }
        case ArchiveFormat::text:
            expected_start = std::to_string(signature.size()) + " " + signature;
            break;
        case ArchiveFormat::xml:
            expected_start = "<?xml";
            break;
    }
    if (payload.substr(0, expected_start.size()) != expected_start) {
        throw model_file_error("the payload does not start with a Boost " + std::string(to_string(format)) +
                               " archive header");
    }
    if (format == ArchiveFormat::xml) {
        constexpr std::string_view closing_tag = "</boost_serialization>";
        const std::size_t last = payload.find_last_not_of(" \t\r\n");
        if (last == std::string_view::npos || last + 1 < closing_tag.size() ||
            payload.substr(last + 1 - closing_tag.size(), closing_tag.size()) != closing_tag) {
            throw model_file_error("the XML archive does not end with " + std::string(closing_tag));
        }
    }
}

template <class Model>
void deserialise_payload(std::string_view payload, ArchiveFormat format, Model& model) {
    check_archive_framing(payload, format);
    MemoryReadBuffer buffer(payload);
    std::istream stream(&buffer);
    stream.imbue(std::locale::classic());
    switch (format) {
        case ArchiveFormat::binary: {
            BoundedBinaryIArchive archive(buffer);
            archive >> boost::serialization::make_nvp("model", model);
            break;
        }
        case ArchiveFormat::text: {
            BoundedTextIArchive archive(stream, buffer);
            archive >> boost::serialization::make_nvp("model", model);
            break;
        }
        case ArchiveFormat::xml: {
            BoundedXmlIArchive archive(stream, buffer);
            archive >> boost::serialization::make_nvp("model", model);
            archive.finish();
            break;
        }
    }
}

}  // namespace mlpipe::detail::model_file
