#pragma once
// The pipelines `train` writes and `serve` loads. Without imputation it is the notebook's
// model (layout.hpp's Model), so its files are what earlier versions wrote and still load.
// With impute-numerical or impute-categorical, SimpleImputer steps come first: one when
// one kind of column is imputed, two (numerical, then categorical) when both are. A model
// file names its type, and serve loads whichever it holds.

#include "layout.hpp"
#include "message_limits.hpp"

#include <mlpipe/mlpipe.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace mlpipe::sagemaker {

using ImputingModel = Pipeline<SimpleImputer, OneHotEncoder, StandardScaler, LogisticRegression>;
using TwoImputerModel = Pipeline<SimpleImputer, SimpleImputer, OneHotEncoder, StandardScaler, LogisticRegression>;
using AnyModel = std::variant<Model, ImputingModel, TwoImputerModel>;

inline const LogisticRegression& classifier_of(const AnyModel& model) {
    return std::visit([](const auto& m) -> const LogisticRegression& { return m.final_step(); }, model);
}
inline LogisticRegression& classifier_of(AnyModel& model) {
    return std::visit([](auto& m) -> LogisticRegression& { return m.final_step(); }, model);
}
inline std::string type_name_of(const AnyModel& model) {
    return std::visit([](const auto& m) { return m.type_name(); }, model);
}
inline const Schema& schema_of(const AnyModel& model) {
    return std::visit([](const auto& m) -> const Schema& { return m.schema(); }, model);
}

// The imputers of a fitted model, in pipeline order (none for the notebook's model).
inline std::vector<const SimpleImputer*> imputers_of(const AnyModel& model) {
    struct Collect {
        std::vector<const SimpleImputer*> operator()(const Model&) const { return {}; }
        std::vector<const SimpleImputer*> operator()(const ImputingModel& m) const { return {&m.step<0>()}; }
        std::vector<const SimpleImputer*> operator()(const TwoImputerModel& m) const {
            return {&m.step<0>(), &m.step<1>()};
        }
    };
    return std::visit(Collect{}, model);
}

// The input columns whose missing values the model fills, so that a request may send them
// empty (a CSV field) or null (JSON); the column itself is still required.
inline std::set<std::string> imputed_columns(const AnyModel& model) {
    std::set<std::string> columns;
    for (const SimpleImputer* imputer : imputers_of(model))
        for (const auto& statistic : imputer->statistics()) columns.insert(statistic.column);
    return columns;
}

inline std::string save_to_string(const AnyModel& model, ArchiveFormat format) {
    return std::visit([&](const auto& m) { return mlpipe::save_to_string(m, format); }, model);
}

// The model in `file`, of whichever of the types above it holds; a file of any other type is
// a model_file_error naming the type it holds and the ones serve reads. The file is read once
// (it may be a pipe, or be replaced meanwhile).
inline AnyModel load_any_model(const std::filesystem::path& file) {
    const std::string bytes = read_model_file(file);
    const std::string source = file.string();
    const std::string held = inspect_model_bytes(bytes, source).model_type;
    if (held == Model::type_name()) return load_from_string<Model>(bytes, source);
    if (held == ImputingModel::type_name()) return load_from_string<ImputingModel>(bytes, source);
    if (held == TwoImputerModel::type_name()) return load_from_string<TwoImputerModel>(bytes, source);
    throw model_file_error(file.string() + " holds a " + quoted_excerpt(held) + ", which serve does not read; it reads " +
                           Model::type_name() + ", " + ImputingModel::type_name() + " and " +
                           TwoImputerModel::type_name());
}

}  // namespace mlpipe::sagemaker
