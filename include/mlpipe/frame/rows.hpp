#pragma once
// Picking rows of a Frame (numpy's take): the building block of splits and folds.

#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace mlpipe {

// The given rows of `frame`, in the order given (a row may repeat). Every column keeps its
// kind and storage (float32 stays float32; categorical columns keep their dictionary).
inline Frame take_rows(const Frame& frame, std::span<const std::size_t> rows) {
    for (std::size_t k = 0; k < rows.size(); ++k)
        if (rows[k] >= frame.rows())
            throw data_error("take_rows: row " + std::to_string(rows[k]) + " (entry " + std::to_string(k) +
                             ") is past the frame's " + std::to_string(frame.rows()) + " rows");
    std::vector<Column> columns;
    columns.reserve(frame.cols());
    for (const auto& column : frame) {
        if (column.is_numeric()) {
            column.visit_values([&](auto stored) {
                std::vector<std::remove_const_t<typename decltype(stored)::element_type>> values;
                values.reserve(rows.size());
                for (auto row : rows) values.push_back(stored[row]);
                if constexpr (std::is_same_v<decltype(values), std::vector<float>>)
                    columns.push_back(Column::numeric_f32(column.name(), std::move(values)));
                else
                    columns.push_back(Column::numeric(column.name(), std::move(values)));
            });
            continue;
        }
        column.visit_codes([&](auto codes) {  // in the column's own code type
            std::vector<std::remove_const_t<typename decltype(codes)::element_type>> taken;
            taken.reserve(rows.size());
            for (auto row : rows) taken.push_back(codes[row]);
            columns.push_back(column.is_categorical()
                                  ? Column::categorical(column.name(), std::move(taken), column.dictionary())
                                  : Column::one_hot(column.name(), std::move(taken), column.dictionary()));
        });
    }
    return Frame(std::move(columns));
}

}  // namespace mlpipe
