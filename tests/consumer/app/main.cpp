// A tiny program as a user of mlpipe writes it, built by an outside CMake project that gets
// mlpipe through find_package (find_package/CMakeLists.txt) or add_subdirectory
// (add_subdirectory/CMakeLists.txt). Fits a pipeline, saves it, loads it back and checks that
// the loaded model predicts as the original. Prints "consumer ok" and returns 0 on success.
//
//   app [model-file]   (default: a file in the system's temporary directory)
#include <mlpipe/mlpipe.hpp>

#include <cmath>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using Model = mlpipe::Pipeline<mlpipe::OneHotEncoder, mlpipe::StandardScaler, mlpipe::LogisticRegression>;

// 20 rows, a categorical and two numeric columns; the label depends on both kinds, with some
// overlap so the classes are not perfectly separable.
void make_data(mlpipe::Frame& X, mlpipe::Frame& y) {
    const std::vector<std::string> colour = {"red",   "green", "blue",  "red",   "green", "blue", "red",
                                             "green", "blue",  "red",   "green", "blue",  "red",  "green",
                                             "blue",  "red",   "green", "blue",  "red",   "green"};
    std::vector<double> width, height;
    std::vector<std::string> label;
    for (int i = 0; i < 20; ++i) {
        width.push_back(1.0 + 0.37 * i + (i % 3 == 0 ? 0.8 : 0.0));
        height.push_back(100.0 + 7.5 * ((i * 7) % 11));
        const double score =
            0.6 * width.back() - 0.02 * height.back() + (colour[static_cast<std::size_t>(i)] == "red" ? 1.0 : 0.0);
        label.push_back(score > 1.4 || i == 3 ? "big" : "small");
    }
    X.add_categorical("colour", colour);
    X.add_numeric("width", width);
    X.add_numeric("height", height);
    y.add_categorical("size", label);
}

int run(const std::filesystem::path& path) {
    mlpipe::Frame X, y;
    make_data(X, y);

    Model model{mlpipe::OneHotEncoder{{.columns = {"colour"}}},
                mlpipe::StandardScaler{{.columns = {"width", "height"}}},
                mlpipe::LogisticRegression{{.C = 1.0, .max_iter = 100}}};
    model.fit(X, y);
    const auto predicted = model.predict(X).to_strings();
    const auto proba = model.predict_proba(X);
    std::cout << "fitted: train accuracy " << model.score(X, y) << ", classes " << model.classes().size() << '\n';

    mlpipe::save(model, path);
    const Model loaded = mlpipe::load<Model>(path);
    std::filesystem::remove(path);

    const auto loaded_predicted = loaded.predict(X).to_strings();
    const auto loaded_proba = loaded.predict_proba(X);
    if (loaded_predicted != predicted) {
        std::cerr << "FAILED: the loaded model predicts other labels than the original\n";
        return 1;
    }
    if (loaded_proba.rows() != proba.rows() || loaded_proba.cols() != proba.cols() ||
        (loaded_proba - proba).cwiseAbs().maxCoeff() > 1e-12) {
        std::cerr << "FAILED: the loaded model's probabilities differ from the original's\n";
        return 1;
    }
    std::cout << "saved and loaded " << path.string() << ": same predictions on " << predicted.size() << " rows\n";
    std::cout << "consumer ok\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::filesystem::path path = argc > 1 ? std::filesystem::path(argv[1])
                                                    : std::filesystem::temp_directory_path() /
                                                          ("mlpipe_consumer_" + std::to_string(::getpid()) + ".model");
        return run(path);
    } catch (const mlpipe::error& e) {
        std::cerr << "error: " << e.what() << '\n';
    } catch (const std::exception& e) {
        std::cerr << "unexpected exception: " << e.what() << '\n';
    }
    return 1;
}
