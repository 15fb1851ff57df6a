// The Palmer penguins, end to end with mlpipe: read the CSV files, fit
// OneHotEncoder -> StandardScaler -> LogisticRegression to predict a penguin's sex, report the
// test accuracy, save the fitted pipeline to a model file, load it back and predict with it.
//
//   penguins_example [data-folder [model-file]]
//
// data-folder holds train/X_train.csv, train/y_train.csv, test/X_test.csv and test/y_test.csv
// (default: the project's data/reference/penguins); model-file defaults to a file in the
// system's temporary directory, removed at the end.
#include <mlpipe/mlpipe.hpp>

#include <algorithm>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#ifndef MLPIPE_PENGUINS_DATA_DIR
#define MLPIPE_PENGUINS_DATA_DIR "data/reference/penguins"
#endif

namespace fs = std::filesystem;

using Model = mlpipe::Pipeline<mlpipe::OneHotEncoder, mlpipe::StandardScaler, mlpipe::LogisticRegression>;

namespace {

// The labels of a one-column target Frame, as text.
std::vector<std::string> label_texts(const mlpipe::Frame& y) {
    std::vector<std::string> out;
    for (const auto& label : mlpipe::labels_of(y[0])) out.push_back(label.to_string());
    return out;
}

int run(const fs::path& data, const fs::path& model_path, bool remove_model_file) {
    const mlpipe::Frame X_train = mlpipe::read_csv(data / "train" / "X_train.csv");
    const mlpipe::Frame y_train = mlpipe::read_csv(data / "train" / "y_train.csv");
    const mlpipe::Frame X_test = mlpipe::read_csv(data / "test" / "X_test.csv");
    const mlpipe::Frame y_test = mlpipe::read_csv(data / "test" / "y_test.csv");
    std::cout << "mlpipe " << mlpipe::version_string << ": penguins example\n"
              << "data: " << data.string() << " (train " << X_train.rows() << " rows x " << X_train.cols()
              << " columns, test " << X_test.rows() << " rows)\n";

    Model model{
        mlpipe::OneHotEncoder{{.columns = {"species", "island"}}},
        mlpipe::StandardScaler{{.columns = {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"}}},
        mlpipe::LogisticRegression{{.C = 1.0, .max_iter = 100}}};
    model.fit(X_train, y_train);

    const auto& classifier = model.final_step();
    std::cout << "fit: n_iter = " << classifier.n_iter() << ", converged = " << (classifier.converged() ? "yes" : "no")
              << '\n';

    const double accuracy = model.score(X_test, y_test);
    const auto correct = static_cast<std::size_t>(accuracy * static_cast<double>(X_test.rows()) + 0.5);
    std::cout << "test accuracy: " << std::fixed << std::setprecision(4) << accuracy << " (" << correct << " of "
              << X_test.rows() << ")\n";

    mlpipe::save(model, model_path);
    std::cout << "saved the model to " << model_path.string() << " (" << fs::file_size(model_path) << " bytes)\n";

    const Model loaded = mlpipe::load<Model>(model_path);
    if (remove_model_file) fs::remove(model_path);

    const auto predicted = loaded.predict(X_test).to_strings();
    const auto truth = label_texts(y_test);
    const std::size_t shown = std::min<std::size_t>(10, predicted.size());
    std::cout << "first " << shown << " test rows, predicted by the loaded model:\n"
              << "  row  predicted  true\n";
    for (std::size_t i = 0; i < shown; ++i) {
        std::cout << std::setw(5) << i << "  " << std::left << std::setw(9) << predicted[i] << "  " << truth[i]
                  << (predicted[i] == truth[i] ? "" : "  (wrong)") << std::right << '\n';
    }

    const bool same = predicted == model.predict(X_test).to_strings();
    std::cout << "loaded model predicts like the fitted one: " << (same ? "yes" : "NO") << '\n';
    return same ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const fs::path data = argc > 1 ? fs::path(argv[1]) : fs::path(MLPIPE_PENGUINS_DATA_DIR);
        const bool temporary = argc <= 2;
        const fs::path model_path =
            temporary ? fs::temp_directory_path() / ("mlpipe_penguins_" + std::to_string(::getpid()) + ".mlpipe")
                      : fs::path(argv[2]);
        return run(data, model_path, temporary);
    } catch (const mlpipe::error& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
}
