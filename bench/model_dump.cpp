// mlpipe_model_dump: what bench/compare_sklearn needs from a model that `mlpipe-sagemaker
// train` wrote, which metadata.json does not hold: the coefficients, and the model's
// predictions on a CSV file.
//
//   mlpipe_model_dump MODEL_FILE [--predict CSV --target NAME --out FILE]
//
// prints one JSON object to stdout: classes, feature_names (numeric columns, then the
// one-hot columns as column_level, as scikit-learn's ColumnTransformer names them without
// the num__/cat__ prefixes), coef (one row per class row of the model: one for binary),
// intercept, n_iter and evaluations (objective passes). With --predict, reads CSV (header row; the column NAME, the target,
// is dropped when present), predicts every row and writes the labels, one per line, to FILE.
// Not timed by compare_sklearn: train's own evaluation of the test channel is.

#include "../examples/sagemaker/common/layout.hpp"  // the Model type that train writes and serve loads

#include <mlpipe/mlpipe.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string json_number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::cerr << "usage: mlpipe_model_dump MODEL_FILE [--predict CSV --target NAME --out FILE]\n";
        return args.empty() ? 2 : 0;
    }
    std::string model_file = args[0], predict_csv, target, out_file;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const bool has_value = i + 1 < args.size();
        if (args[i] == "--predict" && has_value) predict_csv = args[++i];
        else if (args[i] == "--target" && has_value) target = args[++i];
        else if (args[i] == "--out" && has_value) out_file = args[++i];
        else {
            std::cerr << "mlpipe_model_dump: unexpected argument '" << args[i] << "'\n";
            return 2;
        }
    }
    if (!predict_csv.empty() && out_file.empty()) {
        std::cerr << "mlpipe_model_dump: --predict needs --out\n";
        return 2;
    }
    try {
        using Model = mlpipe::sagemaker::Model;
        const Model model = mlpipe::load<Model>(model_file);
        const auto& classifier = model.final_step();

        std::string json = "{\"classes\": [";
        for (std::size_t k = 0; k < classifier.classes().size(); ++k)
            json += (k ? ", " : "") + json_string(classifier.classes()[k].to_string());
        json += "], \"feature_names\": [";
        const auto names = classifier.feature_names_out();
        for (std::size_t j = 0; j < names.size(); ++j) json += (j ? ", " : "") + json_string(names[j]);
        json += "], \"coef\": [";
        const auto& coef = classifier.coef();
        for (Eigen::Index k = 0; k < coef.rows(); ++k) {
            json += k ? ", [" : "[";
            for (Eigen::Index j = 0; j < coef.cols(); ++j) json += (j ? ", " : "") + json_number(coef(k, j));
            json += "]";
        }
        json += "], \"intercept\": [";
        for (Eigen::Index k = 0; k < classifier.intercept().size(); ++k)
            json += (k ? ", " : "") + json_number(classifier.intercept()(k));
        json += "], \"n_iter\": " + std::to_string(classifier.n_iter());
        // Objective evaluations (loss + gradient passes over the rows) the fit took in all.
        const auto& history = classifier.history();
        json += ", \"evaluations\": " + std::to_string(history.empty() ? 0 : history.back().evaluations);

        if (!predict_csv.empty()) {
            const mlpipe::Frame table = mlpipe::read_csv(predict_csv);
            std::vector<mlpipe::Column> columns;
            for (const auto& column : table)
                if (column.name() != target) columns.push_back(column);
            const mlpipe::Frame X(std::move(columns));
            const auto labels = model.predict(X);
            std::ofstream out(out_file);
            for (const auto& label : labels) out << label.to_string() << '\n';
            out.close();
            if (!out) throw mlpipe::error("writing " + out_file + " failed");
            json += ", \"predicted_rows\": " + std::to_string(labels.size());
        }
        std::cout << json << "}\n";
    } catch (const std::exception& e) {
        std::cerr << "mlpipe_model_dump: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
