#pragma once
// The training job's hyperparameters: decoding what SageMaker hands over, checking each
// value, and the settings they give.
//
// SageMaker writes every value of hyperparameters.json as a string, either plain text
// (`0.5`, `True`, `species,island`) or JSON-encoded text (`"\"abc\""`, `["a","b"]`),
// depending on the client. Each string is decoded as JSON when it is valid JSON and kept
// as text otherwise; real JSON numbers, booleans and lists are accepted too. Names may be
// written with dashes or underscores (max-iter = max_iter).

#include "../common/json_text.hpp"
#include "../common/message_limits.hpp"
#include "../common/text.hpp"

#include <mlpipe/core.hpp>
#include <mlpipe/io/model_file.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace mlpipe::sagemaker {

// How one kind of feature column has its missing values filled (impute-numerical,
// impute-categorical): not at all (the default), or by the library's SimpleImputer.
struct Imputation {
    bool enabled = false;
    ImputeStrategy strategy = ImputeStrategy::mean;
    std::string fill_value{};  // constant's value (a number's text for numerical features)
    friend bool operator==(const Imputation&, const Imputation&) = default;
};

// As the hyperparameter is written: none, mean, median, most_frequent or constant:<value>.
inline std::string imputation_text(const Imputation& imputation) {
    if (!imputation.enabled) return "none";
    if (imputation.strategy == ImputeStrategy::constant) return "constant:" + imputation.fill_value;
    return to_string(imputation.strategy);
}

struct TrainingSettings {
    std::optional<std::vector<std::string>> categorical_features;  // nullopt: not given
    std::optional<std::vector<std::string>> numerical_features;    // nullopt: not given
    std::string target;                                            // "": not given
    LogisticRegression::Options classifier{.backend = Backend::automatic};  // the backend hyperparameter's default
    // ignore: an endpoint answers rows with a category never seen in training.
    HandleUnknown handle_unknown = HandleUnknown::ignore;
    // Rare categories grouped into one "infrequent" column, as scikit-learn's OneHotEncoder.
    std::optional<MinFrequency> min_frequency{};   // nullopt: no minimum
    std::optional<std::int64_t> max_categories{};  // nullopt: no bound
    ArchiveFormat archive_format = ArchiveFormat::binary;
    bool verbose = false;
    std::optional<int> n_jobs;  // nullopt: not given (SM_NUM_CPUS when set, else every core)
    // How the channels' numeric feature columns are stored (the target stays float64).
    NumericType dtype = NumericType::float64;
    Imputation impute_numerical{};    // none: a missing number fails the job and a request
    Imputation impute_categorical{};  // none: a missing category is a category of its own
};

// One hyperparameter as received.
struct HyperparameterValue {
    std::string key;       // as written by the client
    nlohmann::json value;  // decoded
    std::string text;      // the text before decoding (for messages, and for text-valued settings)
    std::string source;    // where it came from, for messages
};

namespace detail::hyperparameters {

// Thrown by the value parsers; the caller adds the key, value and source.
struct bad_value {
    std::string reason;
};

inline double to_number(const HyperparameterValue& h) {
    if (h.value.is_number()) return h.value.get<double>();
    if (h.value.is_string()) {
        double number = 0;
        if (parse_double(trim(h.value.get_ref<const std::string&>()), number)) return number;
    }
    throw bad_value{"not a number"};
}

inline double positive_number(const HyperparameterValue& h) {
    const double number = to_number(h);
    if (!std::isfinite(number) || number <= 0) throw bad_value{"must be a positive number"};
    return number;
}

inline double non_negative_number(const HyperparameterValue& h) {
    const double number = to_number(h);
    if (!std::isfinite(number) || number < 0) throw bad_value{"must be a number >= 0"};
    return number;
}

// A seed: a whole number in [0, 2^64 - 1], written as a JSON number or as text (text keeps
// every digit of seeds above 2^53).
inline std::uint64_t seed(const HyperparameterValue& h) {
    if (h.value.is_number_unsigned()) return h.value.get<std::uint64_t>();
    if (h.value.is_number_integer()) throw bad_value{"must be a whole number >= 0"};
    const std::string text(trim(h.value.is_string() ? h.value.get_ref<const std::string&>() : h.text));
    std::uint64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size())
        throw bad_value{"must be a whole number between 0 and 18446744073709551615"};
    return number;
}

inline double unit_interval(const HyperparameterValue& h) {
    const double number = to_number(h);
    if (!(number >= 0 && number <= 1)) throw bad_value{"must be a number in [0, 1]"};
    return number;
}

inline std::vector<std::string> names_of(const auto& values) {
    std::vector<std::string> names;
    for (auto v : values) names.emplace_back(to_string(v));
    return names;
}

inline int positive_integer(const HyperparameterValue& h) {
    const double number = to_number(h);
    if (!std::isfinite(number) || number != std::floor(number)) throw bad_value{"must be a whole number"};
    if (number < 1 || number > std::numeric_limits<int>::max())
        throw bad_value{"must be between 1 and " + std::to_string(std::numeric_limits<int>::max())};
    return static_cast<int>(number);
}

// scikit-learn's n_jobs: n >= 1 threads, -1 every core, -2 all but one, ...; 0 means nothing.
inline int n_jobs(const HyperparameterValue& h) {
    const double number = to_number(h);
    if (!std::isfinite(number) || number != std::floor(number)) throw bad_value{"must be a whole number"};
    if (number == 0 || number < -1024 || number > 1024)
        throw bad_value{"must be a number of threads from 1 to 1024, or -1 for every core (-2 all but one, ...)"};
    return static_cast<int>(number);
}

inline bool to_bool(const HyperparameterValue& h) {
    if (h.value.is_boolean()) return h.value.get<bool>();
    if (h.value.is_number_integer() && (h.value == 0 || h.value == 1)) return h.value == 1;
    const std::string text = to_lower(trim(h.text));
    if (text == "true") return true;
    if (text == "false") return false;
    throw bad_value{"must be true or false"};
}

// Text settings take the decoded string, or the raw text when the value decoded to
// something else (target = 2007 names the column "2007").
inline std::string to_text(const HyperparameterValue& h) {
    return std::string(trim(h.value.is_string() ? h.value.get_ref<const std::string&>() : h.text));
}

// impute-numerical: none | mean | median | constant:<number>; impute-categorical:
// none | most_frequent | constant:<text>.
inline Imputation imputation(const HyperparameterValue& h, bool numerical) {
    const std::string text(trim(h.value.is_string() ? h.value.get_ref<const std::string&>() : h.text));
    const std::string lower = to_lower(text);
    const std::string choices =
        numerical ? "none, mean, median or constant:<number>" : "none, most_frequent or constant:<text>";
    if (lower == "none") return {};
    if (numerical && lower == "mean") return {.enabled = true, .strategy = ImputeStrategy::mean};
    if (numerical && lower == "median") return {.enabled = true, .strategy = ImputeStrategy::median};
    if (!numerical && (lower == "most_frequent" || lower == "most-frequent"))
        return {.enabled = true, .strategy = ImputeStrategy::most_frequent};
    if (lower.starts_with("constant:")) {
        const std::string value(trim(std::string_view(text).substr(9)));
        if (value.empty()) throw bad_value{"constant: needs a value after the colon"};
        double number = 0;
        if (numerical && (!parse_double(value, number) || !std::isfinite(number)))
            throw bad_value{"the constant for numerical features must be a finite number"};
        return {.enabled = true, .strategy = ImputeStrategy::constant, .fill_value = value};
    }
    throw bad_value{"not supported; choices: " + choices};
}

// min-frequency as scikit-learn's: a whole number >= 1 is a count of rows, a number strictly
// between 0 and 1 a share of the rows; "none" (or null) is no minimum.
inline std::optional<MinFrequency> min_frequency(const HyperparameterValue& h) {
    if (h.value.is_null() || to_lower(to_text(h)) == "none") return std::nullopt;
    const double number = to_number(h);
    if (number > 0 && number < 1) return MinFrequency::fraction(number);
    if (number >= 1 && number == std::floor(number) && number <= 9.0e15)
        return MinFrequency::count(static_cast<std::int64_t>(number));
    throw bad_value{"must be none, a whole number of rows >= 1, or a share of the rows between 0 and 1"};
}

// max-categories: a whole number >= 1 of output columns per categorical feature (the
// infrequent column included), or "none".
inline std::optional<std::int64_t> max_categories(const HyperparameterValue& h) {
    if (h.value.is_null() || to_lower(to_text(h)) == "none") return std::nullopt;
    const double number = to_number(h);
    if (!(number >= 1 && number == std::floor(number) && number <= 9.0e15))
        throw bad_value{"must be none or a whole number >= 1"};
    return static_cast<std::int64_t>(number);
}

inline std::string non_empty_text(const HyperparameterValue& h) {
    std::string text = to_text(h);
    if (text.empty()) throw bad_value{"must not be empty"};
    return text;
}

inline std::string choice(const HyperparameterValue& h, const std::vector<std::string>& choices) {
    const std::string text = to_lower(to_text(h));
    for (const auto& c : choices)
        if (text == c) return c;
    throw bad_value{"not supported; choices: " + join(choices, ", ")};
}

// A JSON list of names, or one comma-separated string; empty is allowed.
inline std::vector<std::string> name_list(const HyperparameterValue& h) {
    if (h.value.is_array()) {
        std::vector<std::string> names;
        for (const auto& item : h.value) {
            if (!item.is_string()) throw bad_value{"a JSON list here must hold column names as strings"};
            const std::string_view name = trim(item.get_ref<const std::string&>());
            if (!name.empty()) names.emplace_back(name);
        }
        return names;
    }
    if (h.value.is_null()) return {};
    return split_list(to_text(h));
}

inline std::string normalized_key(std::string_view key) {
    std::string out(trim(key));
    for (char& c : out)
        if (c == '_') c = '-';
    return out;
}

}  // namespace detail::hyperparameters

// Decodes one received value (see the top of this file).
inline HyperparameterValue decode_hyperparameter(std::string key, const nlohmann::json& raw, std::string source) {
    HyperparameterValue h{std::move(key), raw, raw.is_string() ? raw.get<std::string>() : json_text(raw),
                          std::move(source)};
    if (raw.is_string()) {
        // Too deep a nesting is kept as text (it is no value of ours, and dump would recurse).
        nlohmann::json decoded = nesting_deeper_than(h.text, max_json_nesting)
                                     ? nlohmann::json(nlohmann::json::value_t::discarded)
                                     : nlohmann::json::parse(h.text, nullptr, /*allow_exceptions=*/false);
        h.value = decoded.is_discarded() ? nlohmann::json(h.text) : std::move(decoded);
    }
    return h;
}

// The entries of a hyperparameters object (hyperparameters.json or SM_HPS).
inline std::vector<HyperparameterValue> decode_hyperparameters(const nlohmann::json& object,
                                                               const std::string& source) {
    if (!object.is_object())
        throw parameter_error(source + " must hold a JSON object of hyperparameters, not a " +
                              std::string(object.type_name()));
    std::vector<HyperparameterValue> out;
    for (const auto& [key, value] : object.items()) out.push_back(decode_hyperparameter(key, value, source));
    return out;
}

struct HyperparameterSpec {
    std::string name;
    std::string default_value;
    std::string description;
    std::function<void(const HyperparameterValue&, TrainingSettings&)> apply;
};

inline const std::vector<HyperparameterSpec>& hyperparameter_specs() {
    using namespace detail::hyperparameters;
    static const std::vector<HyperparameterSpec> specs = {
        {"categorical-features", "inferred",
         "columns to one-hot encode (comma-separated or a JSON list; may be empty). When this and "
         "numerical-features are both absent, every non-numeric column but the target",
         [](const auto& h, auto& s) { s.categorical_features = name_list(h); }},
        {"numerical-features", "inferred",
         "columns to standardise (comma-separated or a JSON list; may be empty). When this and "
         "categorical-features are both absent, every numeric column but the target",
         [](const auto& h, auto& s) { s.numerical_features = name_list(h); }},
        {"target", "the y*.csv column; 'label' for text/csv;label_size=1",
         "the label column; required when the channel holds no y*.csv file. With ContentType "
         "text/csv;label_size=1 (no header row, the label first, the features x0, x1, ...) the name "
         "given to the label column",
         [](const auto& h, auto& s) { s.target = non_empty_text(h); }},
        {"C", "1.0", "inverse of the regularisation strength, a positive number",
         [](const auto& h, auto& s) { s.classifier.C = positive_number(h); }},
        {"max-iter", "100", "largest number of solver iterations (epochs for sag and saga), a whole number >= 1",
         [](const auto& h, auto& s) { s.classifier.max_iter = positive_integer(h); }},
        {"tol", "1e-4", "stop when the largest absolute gradient entry is <= tol (sag, saga: the largest relative change "
         "of a weight over an epoch), a number >= 0",
         [](const auto& h, auto& s) { s.classifier.tol = non_negative_number(h); }},
        {"class-weight", "none", "none | balanced (weights inversely proportional to class frequencies)",
         [](const auto& h, auto& s) {
             s.classifier.class_weight =
                 choice(h, {"none", "balanced"}) == "balanced" ? ClassWeight::balanced : ClassWeight::none;
         }},
        {"handle-unknown", "ignore",
         "ignore | error | infrequent_if_exist: what the model does with a category unseen in training "
         "(infrequent_if_exist: counts it as the feature's infrequent category when it has one, else ignores it)",
         [](const auto& h, auto& s) {
             HyperparameterValue underscored = h;  // infrequent-if-exist is accepted too
             if (underscored.value.is_string()) {
                 std::string text = underscored.value.get<std::string>();
                 std::replace(text.begin(), text.end(), '-', '_');
                 underscored.value = text;
             }
             const std::string chosen = choice(underscored, {"ignore", "error", "infrequent_if_exist"});
             s.handle_unknown = chosen == "ignore"  ? HandleUnknown::ignore
                                : chosen == "error" ? HandleUnknown::error
                                                    : HandleUnknown::infrequent_if_exist;
         }},
        {"min-frequency", "none",
         "categories seen in fewer training rows are grouped into one infrequent category per feature "
         "(<feature>_infrequent_sklearn): a whole number of rows >= 1, a share of the rows between 0 and 1, "
         "or none",
         [](const auto& h, auto& s) { s.min_frequency = min_frequency(h); }},
        {"max-categories", "none",
         "at most this many output columns per categorical feature, the infrequent one included (the rarest "
         "categories are grouped): a whole number >= 1 (1 groups nothing, as in scikit-learn 1.2), or none",
         [](const auto& h, auto& s) { s.max_categories = max_categories(h); }},
        {"solver", "lbfgs",
         "lbfgs | newton-cg | newton-cholesky | sag | saga: the optimiser, as scikit-learn's "
         "(newton-cholesky for many rows and few features; sag and saga for many rows; saga for l1 and "
         "elasticnet)",
         [](const auto& h, auto& s) {
             HyperparameterValue dashed = h;  // newton_cg is accepted as newton-cg
             if (dashed.value.is_string()) {
                 std::string text = dashed.value.get<std::string>();
                 std::replace(text.begin(), text.end(), '_', '-');
                 dashed.value = text;
             }
             s.classifier.solver = *solver_from_string(choice(dashed, names_of(all_solvers)));
         }},
        {"backend", "automatic",
         "cpu | blas | cuda | automatic: where the fit runs. automatic takes cuda when a GPU is there, else "
         "blas when this build has it, else cpu (the log says which and why); the model is the same to rounding",
         [](const auto& h, auto& s) {
             const Backend backend = *backend_from_string(choice(h, names_of(all_backends)));
             check_backend(backend, "hyperparameter backend");  // not in this build: names the CMake option
             s.classifier.backend = backend;
         }},
        {"archive-format", "binary", "binary | text | xml: the archive inside the model file",
         [](const auto& h, auto& s) {
             s.archive_format = *archive_format_from_string(choice(h, {"binary", "text", "xml"}));
         }},
        {"match-sklearn", "latest", "latest | 1.2: which scikit-learn's loss scaling and stopping rule to follow",
         [](const auto& h, auto& s) {
             s.classifier.match_sklearn =
                 choice(h, {"latest", "1.2"}) == "1.2" ? SklearnVersion::v1_2 : SklearnVersion::latest;
         }},
        {"penalty", "l2", "l2 | none | l1 | elasticnet (l1 and elasticnet need solver saga)",
         [](const auto& h, auto& s) {
             s.classifier.penalty = *penalty_from_string(choice(h, names_of(all_penalties)));
         }},
        {"l1-ratio", "unset", "elasticnet's mix of l1 in [0, 1] (1 = pure l1); required by penalty elasticnet and "
         "refused with any other",
         [](const auto& h, auto& s) {
             // null is unset, as metadata.json records it, so its hyperparameters can be given again
             if (h.value.is_null()) s.classifier.l1_ratio.reset();
             else s.classifier.l1_ratio = unit_interval(h);
         }},
        {"random-state", "0", "seed of sag and saga's row order, a whole number >= 0: same seed, same model",
         [](const auto& h, auto& s) { s.classifier.random_state = seed(h); }},
        {"n-jobs", "SM_NUM_CPUS, else every core",
         "threads for fitting and evaluating, as scikit-learn's n_jobs: n >= 1, or -1 for every core (-2 all "
         "but one, ...). The model is the same, bit for bit, whatever the number",
         [](const auto& h, auto& s) { s.n_jobs = n_jobs(h); }},
        {"dtype", "float64",
         "float64 | float32: how numeric feature columns are stored while training. float32 halves their "
         "memory and the bytes each pass reads; the fit still computes in double, on values rounded to float32",
         [](const auto& h, auto& s) {
             s.dtype = choice(h, {"float64", "float32"}) == "float32" ? NumericType::float32 : NumericType::float64;
         }},
        {"impute-numerical", "none",
         "none | mean | median | constant:<number>: fills the missing values of the numerical features, in "
         "training and at the endpoint (an empty CSV field, a JSON null); none: a missing number fails the job "
         "and the request",
         [](const auto& h, auto& s) { s.impute_numerical = imputation(h, true); }},
        {"impute-categorical", "none",
         "none | most_frequent | constant:<text>: fills the missing values of the categorical features, in "
         "training and at the endpoint; none: a missing value is a category of its own",
         [](const auto& h, auto& s) { s.impute_categorical = imputation(h, false); }},
        {"verbose", "false", "true | false: log the loss and largest gradient entry of every iteration",
         [](const auto& h, auto& s) { s.verbose = to_bool(h); }},
    };
    return specs;
}

inline std::vector<std::string> hyperparameter_names() {
    std::vector<std::string> names;
    for (const auto& spec : hyperparameter_specs()) names.push_back(spec.name);
    return names;
}

// SageMaker reserves keys that begin with `_` or `sagemaker_`: the SDK adds
// sagemaker_program, sagemaker_region, ..., and a hyperparameter tuning job adds
// _tuning_objective_metric. They are not ours to check or train with.
inline bool is_sagemaker_key(std::string_view key) {
    key = trim(key);
    return key.starts_with("_") || key.starts_with("sagemaker_") || key.starts_with("sagemaker-");
}

// The settings from the received values, later entries overriding earlier ones (pass the
// file's values before the command line's). Every bad value is reported at once, each
// naming its key; SageMaker's reserved keys (is_sagemaker_key) are skipped and listed in `skipped`.
inline TrainingSettings resolve_hyperparameters(const std::vector<HyperparameterValue>& given,
                                                std::vector<std::string>& skipped) {
    using namespace detail::hyperparameters;
    std::vector<std::string> problems;
    std::map<std::string, const HyperparameterValue*> winners;  // by normalized name
    for (const auto& h : given) {
        if (is_sagemaker_key(h.key)) {
            skipped.push_back(h.key);
            continue;
        }
        const std::string name = normalized_key(h.key);
        auto known = std::find_if(hyperparameter_specs().begin(), hyperparameter_specs().end(),
                                  [&](const HyperparameterSpec& spec) { return spec.name == name; });
        if (known == hyperparameter_specs().end()) {
            problems.push_back("unknown hyperparameter " + quoted_excerpt(h.key) + " (" + h.source + ")" +
                               bounded_did_you_mean(name, hyperparameter_names()) +
                               "; known: " + join(hyperparameter_names(), ", "));
            continue;
        }
        auto [it, inserted] = winners.try_emplace(name, &h);
        if (!inserted && it->second->source == h.source && it->second->key != h.key)
            problems.push_back("hyperparameter '" + name + "' is given twice in " + h.source + ", as " +
                               quoted_excerpt(it->second->key) + " and as " + quoted_excerpt(h.key) + "; keep one");
        it->second = &h;
    }

    TrainingSettings settings;
    for (const auto& spec : hyperparameter_specs()) {
        auto winner = winners.find(spec.name);
        if (winner == winners.end()) continue;
        const HyperparameterValue& h = *winner->second;
        try {
            spec.apply(h, settings);
        } catch (const bad_value& bad) {
            problems.push_back("hyperparameter " + quoted_excerpt(h.key) + " = " + quoted_excerpt(h.text) + " (" +
                               h.source + "): " + bad.reason + " (" + spec.name + ": " + spec.description + ")");
        }
    }
    if (problems.empty()) {
        // Values that are each valid may still not go together (penalty l1 with solver lbfgs).
        try {
            LogisticRegression check{settings.classifier};
        } catch (const parameter_error& bad) {
            problems.push_back(std::string("hyperparameters that do not go together: ") + bad.what() +
                               " (see solver, penalty and l1-ratio)");
        }
        // The library ignores l1_ratio without elasticnet, as scikit-learn (which warns); a
        // job that sets it would record a setting that had no effect, so it is refused here.
        if (settings.classifier.l1_ratio && settings.classifier.penalty != Penalty::elasticnet)
            problems.push_back(std::string("hyperparameter 'l1-ratio' is used only with penalty elasticnet, and "
                                           "penalty is ") +
                               to_string(settings.classifier.penalty) + "; remove l1-ratio or set penalty elasticnet");
    }
    if (!problems.empty()) throw parameter_error(join_at_most(problems, max_listed_items, "\n"));
    return settings;
}

inline const char* to_string(ClassWeight weight) noexcept {
    return weight == ClassWeight::balanced ? "balanced" : "none";
}
inline const char* to_string(HandleUnknown handling) noexcept {
    switch (handling) {
        case HandleUnknown::ignore: return "ignore";
        case HandleUnknown::infrequent_if_exist: return "infrequent_if_exist";
        case HandleUnknown::error: break;
    }
    return "error";
}

// The settings in effect, under the hyperparameters' names (features as resolved by the caller).
inline nlohmann::json effective_hyperparameters(const TrainingSettings& s, const std::vector<std::string>& categorical,
                                                const std::vector<std::string>& numerical, const std::string& target) {
    return {
        {"categorical-features", categorical},
        {"numerical-features", numerical},
        {"target", target},
        {"C", s.classifier.C},
        {"max-iter", s.classifier.max_iter},
        {"tol", s.classifier.tol},
        {"class-weight", to_string(s.classifier.class_weight)},
        {"handle-unknown", to_string(s.handle_unknown)},
        {"min-frequency", s.min_frequency ? nlohmann::json(s.min_frequency->kind == MinFrequency::Kind::count
                                                               ? nlohmann::json(s.min_frequency->rows)
                                                               : nlohmann::json(s.min_frequency->share))
                                          : nlohmann::json(nullptr)},
        {"max-categories", s.max_categories ? nlohmann::json(*s.max_categories) : nlohmann::json(nullptr)},
        {"solver", to_string(s.classifier.solver)},
        {"backend", to_string(s.classifier.backend)},
        {"archive-format", mlpipe::to_string(s.archive_format)},
        {"match-sklearn", to_string(s.classifier.match_sklearn)},
        {"penalty", to_string(s.classifier.penalty)},
        {"l1-ratio", s.classifier.l1_ratio ? nlohmann::json(*s.classifier.l1_ratio) : nlohmann::json(nullptr)},
        {"random-state", s.classifier.random_state},
        {"n-jobs", s.classifier.n_jobs},
        {"dtype", mlpipe::to_string(s.dtype)},
        {"impute-numerical", imputation_text(s.impute_numerical)},
        {"impute-categorical", imputation_text(s.impute_categorical)},
        {"verbose", s.verbose},
    };
}

// One line per hyperparameter, for --help.
inline std::string hyperparameter_help() {
    std::string out;
    for (const auto& spec : hyperparameter_specs())
        out += "  --" + spec.name + " (default " + spec.default_value + "): " + spec.description + "\n";
    return out;
}

}  // namespace mlpipe::sagemaker
