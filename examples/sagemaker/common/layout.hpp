#pragma once
// The SageMaker container's file layout (README.md, "SageMaker"), under /opt/ml or under the
// folder given with --root for local runs and tests, and the model type the programs
// train and serve.

#include <mlpipe/core.hpp>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace mlpipe::sagemaker {

namespace fs = std::filesystem;

// Pipeline trained by `train` and served by `serve`: the penguins notebook's model.
using Model = Pipeline<OneHotEncoder, StandardScaler, LogisticRegression>;

inline constexpr const char* model_file_name = "model.mlpipe";
inline constexpr const char* metadata_file_name = "metadata.json";

// Value of an environment variable, or "" when unset.
inline std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

// Paths of the contract. The SM_* variables of SageMaker's script-mode toolkits win
// when set and no --root was given (they make the same binary work under the toolkit).
class Layout {
public:
    explicit Layout(fs::path root = "/opt/ml", bool root_given = false)
        : root_(std::move(root)), root_given_(root_given) {}

    const fs::path& root() const noexcept { return root_; }
    fs::path config_dir() const { return root_ / "input" / "config"; }
    fs::path hyperparameters_file() const { return config_dir() / "hyperparameters.json"; }
    fs::path input_data_config_file() const { return config_dir() / "inputdataconfig.json"; }
    fs::path resource_config_file() const { return config_dir() / "resourceconfig.json"; }
    fs::path model_dir() const { return from_env("SM_MODEL_DIR", root_ / "model"); }
    fs::path output_dir() const { return root_ / "output"; }
    fs::path output_data_dir() const { return from_env("SM_OUTPUT_DATA_DIR", output_dir() / "data"); }
    fs::path failure_file() const { return output_dir() / "failure"; }

    // /opt/ml/input/data/<channel>, or SM_CHANNEL_<CHANNEL>.
    fs::path channel_dir(const std::string& channel) const {
        std::string variable = "SM_CHANNEL_";
        for (char c : channel) variable += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return from_env(variable.c_str(), root_ / "input" / "data" / channel);
    }

private:
    fs::path from_env(const char* variable, fs::path fallback) const {
        if (root_given_) return fallback;
        std::string value = env(variable);
        return value.empty() ? fallback : fs::path(value);
    }

    fs::path root_;
    bool root_given_;
};

}  // namespace mlpipe::sagemaker
