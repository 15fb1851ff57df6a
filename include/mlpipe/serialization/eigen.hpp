#pragma once
// The one Boost.Serialization shim for Eigen dense matrices and arrays (fixed or dynamic size,
// any scalar Boost can serialise). Every mlpipe component that stores an Eigen object uses this
// file; defining a second shim elsewhere would be an ODR clash.
//
// On-archive layout: "rows" and "cols" as std::int64_t (independent of Eigen::Index), then
// "data": the coefficients in column-major order. make_array lets binary archives write the
// block in one call instead of one call per coefficient.
//
// Only the serialization headers are included here, never an archive: core headers must not
// pull in archive implementations (only io/archive_payload.hpp does).

#include <cstddef>
#include <cstdint>
#include <string>

#include <Eigen/Core>
#include <boost/serialization/array_wrapper.hpp>
#include <boost/serialization/nvp.hpp>
#include <boost/serialization/split_free.hpp>

#include "mlpipe/error.hpp"

// Largest coefficient count a loaded matrix may have. A corrupt or hostile file could claim
// 10^18 coefficients; we refuse it before resizing instead of attempting the allocation.
// 2^31 coefficients is 16 GiB of doubles, far beyond any mlpipe model; define the macro before
// including this header to change it.
#ifndef MLPIPE_MAX_SERIALIZED_MATRIX_ELEMENTS
#define MLPIPE_MAX_SERIALIZED_MATRIX_ELEMENTS (std::int64_t{1} << 31)
#endif

namespace mlpipe::detail::eigen_serialization {

inline constexpr std::int64_t max_elements = MLPIPE_MAX_SERIALIZED_MATRIX_ELEMENTS;

inline std::string dimensions_text(std::int64_t rows, std::int64_t cols) {
    return std::to_string(rows) + "x" + std::to_string(cols);
}

// Throws model_file_error unless rows x cols is a size that PlainObject can hold and that is
// small enough to allocate. Called before any resize.
template <class PlainObject>
void check_loaded_dimensions(std::int64_t rows, std::int64_t cols) {
    constexpr int fixed_rows = PlainObject::RowsAtCompileTime;
    constexpr int fixed_cols = PlainObject::ColsAtCompileTime;
    constexpr int max_rows = PlainObject::MaxRowsAtCompileTime;
    constexpr int max_cols = PlainObject::MaxColsAtCompileTime;
    const std::string what = "Eigen matrix in archive has dimensions " + dimensions_text(rows, cols);

    if (rows < 0 || cols < 0) throw model_file_error(what + ": negative size");
    if ((fixed_rows != Eigen::Dynamic && rows != fixed_rows) || (fixed_cols != Eigen::Dynamic && cols != fixed_cols)) {
        const auto expected = [](int n) { return n == Eigen::Dynamic ? std::string("?") : std::to_string(n); };
        throw model_file_error(what + ", but the type is fixed at " + expected(fixed_rows) + "x" +
                               expected(fixed_cols));
    }
    if ((max_rows != Eigen::Dynamic && rows > max_rows) || (max_cols != Eigen::Dynamic && cols > max_cols)) {
        throw model_file_error(what + ", above the type's maximum " + std::to_string(max_rows) + "x" +
                               std::to_string(max_cols));
    }
    // Written as a division so that the product cannot overflow.
    if (rows > max_elements || cols > max_elements || (cols != 0 && rows > max_elements / cols)) {
        throw model_file_error(what + ": more than " + std::to_string(max_elements) +
                               " coefficients, the file is corrupt");
    }
}

// A column-major copy is needed only for row-major storage with both dimensions above 1;
// for vectors the two orders are the same sequence.
template <class PlainObject>
bool needs_transposed_copy(Eigen::Index rows, Eigen::Index cols) {
    return PlainObject::IsRowMajor && rows > 1 && cols > 1;
}

template <class Archive, class PlainObject>
void save_dense(Archive& archive, const PlainObject& object) {
    using Scalar = typename PlainObject::Scalar;
    const std::int64_t rows = object.rows();
    const std::int64_t cols = object.cols();
    archive << boost::serialization::make_nvp("rows", rows);
    archive << boost::serialization::make_nvp("cols", cols);
    if (needs_transposed_copy<PlainObject>(object.rows(), object.cols())) {
        const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> column_major = object.matrix();
        archive << boost::serialization::make_nvp(
            "data",
            boost::serialization::make_array(column_major.data(), static_cast<std::size_t>(column_major.size())));
    } else {
        archive << boost::serialization::make_nvp(
            "data", boost::serialization::make_array(object.data(), static_cast<std::size_t>(object.size())));
    }
}

template <class Archive, class PlainObject>
void load_dense(Archive& archive, PlainObject& object) {
    using Scalar = typename PlainObject::Scalar;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    archive >> boost::serialization::make_nvp("rows", rows);
    archive >> boost::serialization::make_nvp("cols", cols);
    check_loaded_dimensions<PlainObject>(rows, cols);
    // Archives that know the payload's remaining bytes (io/bounded_archive.hpp) refuse a count it
    // cannot hold before we allocate. rows * cols <= max_elements here, so it does not overflow.
    if constexpr (requires { archive.check_claim(std::uint64_t{}, std::uint64_t{}, ""); }) {
        archive.check_claim(static_cast<std::uint64_t>(rows) * static_cast<std::uint64_t>(cols), sizeof(Scalar),
                            "matrix");
    }
    if (needs_transposed_copy<PlainObject>(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols))) {
        Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> column_major(rows, cols);
        archive >> boost::serialization::make_nvp(
                       "data", boost::serialization::make_array(column_major.data(),
                                                                static_cast<std::size_t>(column_major.size())));
        object.resize(rows, cols);
        object.matrix() = column_major;
    } else {
        object.resize(rows, cols);
        archive >> boost::serialization::make_nvp("data", boost::serialization::make_array(
                                                              object.data(), static_cast<std::size_t>(object.size())));
    }
}

}  // namespace mlpipe::detail::eigen_serialization

// Boost looks these up in boost::serialization (its version_type argument makes ADL find them).
namespace boost::serialization {

template <class Archive, class Scalar, int Rows, int Cols, int Options, int MaxRows, int MaxCols>
void save(Archive& archive, const Eigen::Matrix<Scalar, Rows, Cols, Options, MaxRows, MaxCols>& matrix,
          const unsigned int /*version*/) {
    mlpipe::detail::eigen_serialization::save_dense(archive, matrix);
}

template <class Archive, class Scalar, int Rows, int Cols, int Options, int MaxRows, int MaxCols>
void load(Archive& archive, Eigen::Matrix<Scalar, Rows, Cols, Options, MaxRows, MaxCols>& matrix,
          const unsigned int /*version*/) {
    mlpipe::detail::eigen_serialization::load_dense(archive, matrix);
}

template <class Archive, class Scalar, int Rows, int Cols, int Options, int MaxRows, int MaxCols>
void serialize(Archive& archive, Eigen::Matrix<Scalar, Rows, Cols, Options, MaxRows, MaxCols>& matrix,
               const unsigned int version) {
    boost::serialization::split_free(archive, matrix, version);
}

// Eigen::Array: same storage, same layout.
template <class Archive, class Scalar, int Rows, int Cols, int Options, int MaxRows, int MaxCols>
void save(Archive& archive, const Eigen::Array<Scalar, Rows, Cols, Options, MaxRows, MaxCols>& array,
          const unsigned int /*version*/) {
    mlpipe::detail::eigen_serialization::save_dense(archive, array);
}

template <class Archive, class Scalar, int Rows, int Cols, int Options, int MaxRows, int MaxCols>
void load(Archive& archive, Eigen::Array<Scalar, Rows, Cols, Options, MaxRows, MaxCols>& array,
          const unsigned int /*version*/) {
    mlpipe::detail::eigen_serialization::load_dense(archive, array);
}

template <class Archive, class Scalar, int Rows, int Cols, int Options, int MaxRows, int MaxCols>
void serialize(Archive& archive, Eigen::Array<Scalar, Rows, Cols, Options, MaxRows, MaxCols>& array,
               const unsigned int version) {
    boost::serialization::split_free(archive, array, version);
}

}  // namespace boost::serialization
