// mlpipe::precompiled: Boost's archive implementation for the bounded input archives that
// load model files (<mlpipe/io/bounded_archive.hpp>), compiled once, as libboost_serialization
// compiles it for Boost's own archives. Its users compile with MLPIPE_PRECOMPILED, so their
// translation units see only the archives' declarations, whatever model they load.

#include <mlpipe/io/bounded_archive_impl.hpp>

#include <string>

namespace boost::archive {

using mlpipe::detail::model_file::BoundedBinaryIArchive;
using mlpipe::detail::model_file::BoundedTextIArchive;
using mlpipe::detail::model_file::BoundedXmlIArchive;

template class detail::archive_serializer_map<BoundedBinaryIArchive>;
template class basic_binary_iarchive<BoundedBinaryIArchive>;
template class basic_binary_iprimitive<BoundedBinaryIArchive, char, std::char_traits<char>>;
template class binary_iarchive_impl<BoundedBinaryIArchive, char, std::char_traits<char>>;

template class detail::archive_serializer_map<BoundedTextIArchive>;
template class basic_text_iarchive<BoundedTextIArchive>;
template class text_iarchive_impl<BoundedTextIArchive>;

template class detail::archive_serializer_map<BoundedXmlIArchive>;
template class basic_xml_iarchive<BoundedXmlIArchive>;
template class xml_iarchive_impl<BoundedXmlIArchive>;

}  // namespace boost::archive
