#pragma once
// Boost's archive implementation files and the members of the bounded archives
// (bounded_archive.hpp) that need them: the XML grammar, built on Spirit, is most of what a
// file that saves and loads a model costs to compile. Header-only, bounded_archive.hpp
// includes this header; mlpipe::precompiled compiles it once, in src/archives.cpp.

#include <string>
#include <string_view>

#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_binary_iarchive.ipp>
#include <boost/archive/impl/basic_binary_iprimitive.ipp>
#include <boost/archive/impl/basic_text_iarchive.ipp>
#include <boost/archive/impl/basic_xml_grammar.hpp>
#include <boost/archive/impl/basic_xml_iarchive.ipp>
#include <boost/archive/impl/text_iarchive_impl.ipp>
#include <boost/archive/impl/xml_iarchive_impl.ipp>

#include "mlpipe/detail/compiled.hpp"
#include "mlpipe/io/bounded_archive.hpp"

namespace mlpipe::detail::model_file {

MLPIPE_INLINE void BoundedXmlIArchive::finish() {
    if (!gimpl->windup(get_is())) refuse("the XML archive does not end with </boost_serialization>");
}

MLPIPE_INLINE void BoundedXmlIArchive::load_start(const char* name) {
    if (name == nullptr) return;
    if (!gimpl->parse_start_tag(get_is())) {
        boost::serialization::throw_exception(
            boost::archive::archive_exception(boost::archive::archive_exception::input_stream_error));
    }
    ++depth_;
}

MLPIPE_INLINE void BoundedXmlIArchive::load_end(const char* name) {
    if (name == nullptr) return;
    if (!gimpl->parse_end_tag(get_is())) refuse("malformed XML end tag");
    if (--depth_ == 0) return;  // Boost does not check the outermost element either
    if (gimpl->rv.object_name != std::string_view(name)) {
        refuse("XML end tag </" + gimpl->rv.object_name + "> does not close <" + name + ">");
    }
}

}  // namespace mlpipe::detail::model_file
