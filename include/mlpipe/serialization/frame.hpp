#pragma once
// Boost.Serialization for the frame types that fitted components keep: Schema and Label.
// Every field is a named value pair so that XML archives work.

#include <mlpipe/frame/label.hpp>
#include <mlpipe/frame/schema.hpp>

#include <boost/serialization/nvp.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <boost/serialization/version.hpp>

#include <cstdint>

namespace boost::serialization {

template <class Archive>
void serialize(Archive& archive, mlpipe::ColumnSpec& spec, unsigned /*version*/) {
    auto kind = static_cast<std::uint8_t>(spec.kind);
    archive& make_nvp("name", spec.name);
    archive& make_nvp("kind", kind);
    if (kind > static_cast<std::uint8_t>(mlpipe::ColumnKind::one_hot))
        throw mlpipe::model_file_error("column '" + spec.name + "' has an unknown kind in the model file");
    spec.kind = static_cast<mlpipe::ColumnKind>(kind);
}

template <class Archive>
void save(Archive& archive, const mlpipe::Label& label, unsigned /*version*/) {
    const bool is_number = label.is_number();
    archive << make_nvp("is_number", is_number);
    if (is_number) {
        const double number = label.number();
        archive << make_nvp("number", number);
    } else {
        archive << make_nvp("text", label.text());
    }
}

template <class Archive>
void load(Archive& archive, mlpipe::Label& label, unsigned /*version*/) {
    bool is_number = false;
    archive >> make_nvp("is_number", is_number);
    if (is_number) {
        double number = 0;
        archive >> make_nvp("number", number);
        label = mlpipe::Label(number);
    } else {
        std::string text;
        archive >> make_nvp("text", text);
        label = mlpipe::Label(std::move(text));
    }
}

template <class Archive>
void serialize(Archive& archive, mlpipe::Label& label, unsigned version) {
    split_free(archive, label, version);
}

}  // namespace boost::serialization

template <class Archive>
void mlpipe::Schema::serialize(Archive& archive, unsigned /*version*/) {
    archive& boost::serialization::make_nvp("columns", columns_);
}

BOOST_CLASS_VERSION(mlpipe::ColumnSpec, 1)
BOOST_CLASS_VERSION(mlpipe::Label, 1)
BOOST_CLASS_VERSION(mlpipe::Schema, 1)
