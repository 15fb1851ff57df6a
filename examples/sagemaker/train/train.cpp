// mlpipe-sagemaker train: the training job (README.md, "SageMaker").
//
// Reads the job's configuration and the train channel, fits the Model, evaluates it on the
// optional validation and test channels, then writes evaluation.json and report.html to the
// output data folder and metadata.json and model.mlpipe to the model folder. Every channel
// is read and checked before the fit, so that a bad test file fails the job in seconds, not
// after hours; the model is written last, only when everything else worked (write_outputs).
// On failure the reason goes to the failure file and stderr, and the exit code is non-zero.

#include "channels.hpp"
#include "../common/command_line.hpp"
#include "../common/commands.hpp"
#include "container_config.hpp"
#include "../common/glibc_malloc.hpp"
#include "hyperparameters.hpp"
#include "../common/instruction_set.hpp"
#include "../common/json_text.hpp"
#include "../common/layout.hpp"
#include "../common/logging.hpp"
#include "../common/message_limits.hpp"
#include "metrics.hpp"
#include "multi_host.hpp"
#include "../common/model_commit.hpp"
#include "../common/model_types.hpp"
#include "../common/prediction.hpp"
#include "rank_communicator.hpp"
#include "report.hpp"
#include "stop_signal.hpp"
#include "../common/text.hpp"

#include <mlpipe/io/atomic_file.hpp>
#include <mlpipe/mlpipe.hpp>
#include <mlpipe/parallel/collectives.hpp>
#include <mlpipe/parallel/thread_pool.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#if MLPIPE_SAGEMAKER_GLIBC_MALLOC
#include <malloc.h>
#include <unistd.h>
#endif

#ifndef MLPIPE_GIT_COMMIT
#define MLPIPE_GIT_COMMIT ""
#endif

namespace mlpipe::sagemaker {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int exit_error = 1;
constexpr int exit_usage = 2;

// What leads every log line: in a multi-host job, "[host] ", as mpirun gathers every rank's
// lines into the first host's log.
std::string& log_prefix() {
    static std::string prefix;
    return prefix;
}

// Flushed line by line: CloudWatch (and the tests) read the log while the job runs. Lines
// quote column names and class labels from the data, so they are made valid UTF-8 and cut
// at max_log_line_bytes.
void log_at(LogLevel level, const std::string& line, bool always = false) {
    if (always || log_enabled(level))
        write_log_line(std::cout, level, valid_utf8(bounded(log_prefix() + line, max_log_line_bytes)), always);
}
void log(const std::string& line) { log_at(LogLevel::info, line); }

void print_usage(std::ostream& out) {
    out << "usage: mlpipe-sagemaker train [--root DIR] [--HYPERPARAMETER VALUE ...]\n"
           "Fits the pipeline on the 'train' channel (DIR/input/data/train, default DIR /opt/ml) and\n"
           "writes DIR/model/model.mlpipe and metadata.json; evaluates on the 'validation' and 'test'\n"
           "channels when present (DIR/output/data/evaluation.json and report.html).\n"
           "Hyperparameters come from DIR/input/config/hyperparameters.json (or SM_HPS), overridden by\n"
           "the command line; dashes and underscores in names are the same:\n"
        << hyperparameter_help()
        << "Metrics are logged one per line as <channel>:<metric>=<value>; for SageMaker's\n"
           "MetricDefinitions, e.g. {'Name': 'test:accuracy', 'Regex': 'test:accuracy=([0-9.]+);'}.\n";
}

struct TrainArguments {
    std::filesystem::path root = "/opt/ml";
    bool root_given = false;
    bool help = false;
    bool as_mpi_rank = false;  // a rank of a multi-host job, started by the first host's mpirun
    std::vector<HyperparameterValue> hyperparameters;  // from the command line
};

TrainArguments parse_train_arguments(const std::vector<std::string>& args) {
    const CommandLine command_line = parse_command_line(args);
    TrainArguments parsed;
    parsed.help = command_line.help;
    for (const auto& option : command_line.options) {
        if (option.key == "root") {
            parsed.root = option.value;
            parsed.root_given = true;
        } else if (option.key == "as-mpi-rank") {
            parsed.as_mpi_rank = option.value == "true";
        } else {
            parsed.hyperparameters.push_back(decode_hyperparameter(option.key, option.value, "command line"));
        }
    }
    return parsed;
}

// The --root of a command line that failed to parse, so the failure file still lands there.
std::filesystem::path root_of_bad_command_line(const std::vector<std::string>& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--root" && i + 1 < args.size()) return args[i + 1];
        if (args[i].starts_with("--root=")) return args[i].substr(7);
    }
    return "/opt/ml";
}

// The SM_* variables of the script-mode toolkits count only when no --root was given, as
// in Layout.
std::string toolkit_env(const TrainArguments& arguments, const char* name) {
    return arguments.root_given ? std::string() : env(name);
}

std::vector<std::string> label_texts(const std::vector<Label>& labels) {
    std::vector<std::string> out;
    for (const auto& label : labels) out.push_back(label.to_string());
    return out;
}

std::string utc_timestamp() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buffer;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// ---------------------------------------------------------------------------------------
// Job configuration
// ---------------------------------------------------------------------------------------

// The job's hosts: more than one makes a multi-host job (multi_host.hpp).
ResourceConfig check_resources(const Layout& layout, const TrainArguments& arguments) {
    std::optional<json> config = read_json_file(layout.resource_config_file());
    std::string source = layout.resource_config_file().string();
    if (!config) {
        const std::string hosts = toolkit_env(arguments, "SM_HOSTS");
        const std::string current = toolkit_env(arguments, "SM_CURRENT_HOST");
        if (hosts.empty() && current.empty()) {
            log("resources: no resourceconfig.json, training on this machine");
            return {};
        }
        config = json{{"current_host", current}, {"hosts", parse_json_text(hosts, "SM_HOSTS").value_or(json::array())}};
        source = "SM_HOSTS";
    }
    const ResourceConfig resources = parse_resource_config(*config, source);
    log("resources: current host " + (resources.current_host.empty() ? "(not named)" : resources.current_host) +
        ", hosts: " + (resources.hosts.empty() ? "(not listed)" : join_at_most(resources.hosts)));
    check_multi_host(resources, source);
    return resources;
}

// The channels this program reads.
constexpr const char* used_channels[] = {"train", "validation", "test"};

// How the files of every channel are read: with a header row, or (ContentType
// text/csv;label_size=1) without one, the label first. The channels of a job must agree: a
// model's columns are named by the header or by position (x0, x1, ...), not both. A channel
// that inputdataconfig.json does not describe, but whose folder exists, reads with a header
// row, as without inputdataconfig.json.
struct InputConfig {
    ChannelFormat format = ChannelFormat::header_row;
    std::string train_distribution;  // S3DistributionType of the train channel; "" when not given
};

InputConfig check_input_data_config(const Layout& layout) {
    const auto config = read_json_file(layout.input_data_config_file());
    if (!config) {
        log("channels: no inputdataconfig.json, reading the channel folders as they are (CSV with a header row)");
        return {};
    }
    const auto channels = parse_input_data_config(*config, layout.input_data_config_file().string());
    for (const auto& channel : channels) {
        const bool used =
            std::find(std::begin(used_channels), std::end(used_channels), channel.name) != std::end(used_channels);
        log("channel " + channel.name + ": ContentType " +
            (channel.content_type.empty() ? "(not set)" : channel.content_type) + ", " +
            (channel.input_mode.empty() ? "File" : channel.input_mode) + " mode" +
            (channel.distribution.empty() ? "" : ", " + channel.distribution) +
            (channel.label_first ? " (no header row; the label first, the features x0, x1, ...)" : "") +
            (used ? "" : " (not used: this program reads train, validation and test)"));
    }

    struct Described {
        std::string name;
        bool label_first;
        std::string how;  // for messages
    };
    std::vector<Described> read;
    for (const std::string name : used_channels) {
        const auto it = std::find_if(channels.begin(), channels.end(), [&](const auto& c) { return c.name == name; });
        if (it != channels.end()) {
            read.push_back({name, it->label_first,
                            it->content_type.empty()
                                ? "no ContentType (read with a header row)"
                                : "ContentType " + quoted_excerpt(it->content_type) +
                                      (it->label_first ? " (no header row, the label first)" : " (a header row)")});
        } else if (std::filesystem::is_directory(layout.channel_dir(name))) {
            read.push_back({name, false, "no entry in inputdataconfig.json (read with a header row)"});
        }
    }
    for (const auto& channel : read)
        if (channel.label_first != read.front().label_first)
            throw error("the channels '" + read.front().name + "' and '" + channel.name +
                        "' disagree on how their files name the columns: '" + read.front().name + "' has " +
                        read.front().how + ", '" + channel.name + "' has " + channel.how +
                        "; give every channel the same ContentType (text/csv;label_size=1 for files without a "
                        "header row, the label first; text/csv for files with a header row)");
    InputConfig input;
    input.format = !read.empty() && read.front().label_first ? ChannelFormat::label_first : ChannelFormat::header_row;
    for (const auto& channel : channels)
        if (channel.name == "train") input.train_distribution = channel.distribution;
    return input;
}

// n-jobs when given, else the instance's vCPUs (SM_NUM_CPUS, set by the script-mode
// toolkits), else every core the machine has.
void resolve_threads(TrainingSettings& settings, const TrainArguments& arguments) {
    std::string source = "the n-jobs hyperparameter";
    if (settings.n_jobs) {
        settings.classifier.n_jobs = *settings.n_jobs;
    } else if (const std::string cpus = toolkit_env(arguments, "SM_NUM_CPUS"); !cpus.empty()) {
        int value = 0;
        const auto [end, ec] = std::from_chars(cpus.data(), cpus.data() + cpus.size(), value);
        if (ec != std::errc() || end != cpus.data() + cpus.size() || value < 1)
            throw parameter_error("SM_NUM_CPUS is " + excerpt(cpus) + ", not a whole number >= 1");
        settings.classifier.n_jobs = value;
        source = "SM_NUM_CPUS";
    } else {
        settings.classifier.n_jobs = -1;
        source = "every core of this machine";
    }
    log("threads: " + std::to_string(resolve_n_jobs(settings.classifier.n_jobs)) + " (" + source + ")");
}

// The backend hyperparameter, automatic resolved: which one fits, and why.
void log_backend(const TrainingSettings& settings) {
    const BackendChoice chosen = choose_backend(settings.classifier.backend);
    log("backend: " + std::string(to_string(chosen.backend)) + " (" + chosen.reason + ")");
}

struct Hyperparameters {
    TrainingSettings settings;
    json given;     // as received, by source, for the metadata
    json reserved;  // SageMaker's own keys (sagemaker_*, _tuning_objective_metric), by source
};

Hyperparameters read_hyperparameters(const Layout& layout, const TrainArguments& arguments) {
    std::vector<HyperparameterValue> values;
    if (const auto file = read_json_file(layout.hyperparameters_file())) {
        values = decode_hyperparameters(*file, "hyperparameters.json");
    } else if (const auto hps = parse_json_text(toolkit_env(arguments, "SM_HPS"), "SM_HPS")) {
        values = decode_hyperparameters(*hps, "SM_HPS");
    }
    values.insert(values.end(), arguments.hyperparameters.begin(), arguments.hyperparameters.end());

    std::vector<std::string> skipped;
    Hyperparameters hyperparameters{resolve_hyperparameters(values, skipped), json::object(), json::object()};
    resolve_threads(hyperparameters.settings, arguments);
    log_backend(hyperparameters.settings);
    if (!skipped.empty()) log("hyperparameters: ignoring SageMaker's own " + join_at_most(skipped));
    for (const auto& h : values)
        (is_sagemaker_key(h.key) ? hyperparameters.reserved : hyperparameters.given)[h.source][h.key] = h.text;
    log("hyperparameters given: " +
        (hyperparameters.given.empty() ? std::string("none (defaults)") : json_text(hyperparameters.given)));
    return hyperparameters;
}

// ---------------------------------------------------------------------------------------
// Features
// ---------------------------------------------------------------------------------------

struct Features {
    std::vector<std::string> categorical;
    std::vector<std::string> numerical;
    std::vector<std::string> columns;  // the model's input columns, in the order of the data
    std::vector<std::string> unused;   // columns of the data the model does not read
    bool inferred = false;
};

Features resolve_features(const Frame& X, const TrainingSettings& settings, const std::string& target) {
    Features features;
    features.inferred = !settings.categorical_features && !settings.numerical_features;
    if (features.inferred) {
        for (const auto& column : X)
            (column.is_numeric() ? features.numerical : features.categorical).push_back(column.name());
    } else {
        features.categorical = settings.categorical_features.value_or(std::vector<std::string>{});
        features.numerical = settings.numerical_features.value_or(std::vector<std::string>{});
    }

    std::vector<std::string> problems;
    std::map<std::string, std::string> listed;  // column -> hyperparameter listing it
    auto check = [&](const std::vector<std::string>& names, const std::string& hyperparameter) {
        for (const auto& name : names) {
            if (name == target) {
                problems.push_back(hyperparameter + " lists the target column " + quoted_excerpt(name));
            } else if (!X.contains(name)) {
                problems.push_back(hyperparameter + " lists " + quoted_excerpt(name) +
                                   ", which is not a column of the training data" +
                                   bounded_did_you_mean(name, X.names()) + "; columns: " + quoted_names(X.names()));
            } else if (auto [it, inserted] = listed.try_emplace(name, hyperparameter); !inserted) {
                problems.push_back("column " + quoted_excerpt(name) + " is listed twice (" + it->second + " and " +
                                   hyperparameter + ")");
            }
        }
    };
    check(features.categorical, "categorical-features");
    check(features.numerical, "numerical-features");
    for (const auto& name : features.numerical) {
        if (!X.contains(name) || X.column(name).is_numeric()) continue;
        const Column& column = X.column(name);
        std::string example;
        for (auto code : column.codes())
            if (code >= 0) {
                example = column.dictionary()[static_cast<std::size_t>(code)];
                break;
            }
        problems.push_back("numerical-features lists " + quoted_excerpt(name) + ", but it holds text (e.g. " +
                           quoted_excerpt(example) + "); list it in categorical-features or fix the values");
    }
    if (!problems.empty()) throw parameter_error(join_at_most(problems, max_listed_items, "\n"));
    if (features.categorical.empty() && features.numerical.empty())
        throw parameter_error("no features: categorical-features and numerical-features are both empty");

    for (const auto& name : X.names()) (listed.contains(name) ? features.columns : features.unused).push_back(name);
    return features;
}

// The rows must be complete in the labels, and in the columns the model reads as numbers
// unless impute-numerical fills them.
void require_complete(const ChannelData& data, const std::vector<std::string>& numerical, bool imputed,
                      std::size_t threads) {
    const std::vector<std::string> checked = imputed ? std::vector<std::string>{} : numerical;
    // One vectorised pass per column, the columns on the pool; the row is looked for only on failure.
    std::vector<std::size_t> missing(checked.size());
    ThreadPool::shared().run(
        checked.size(), [&](std::size_t c) { missing[c] = data.X.column(checked[c]).count_missing(); }, threads);
    for (std::size_t c = 0; c < checked.size(); ++c) {
        const std::string& name = checked[c];
        const Column& column = data.X.column(name);
        if (missing[c] == 0) continue;
        for (std::size_t i = 0; i < column.size(); ++i)
            if (column.is_missing(i))
                throw data_error("numerical feature " + quoted_excerpt(name) + " has a missing value at " +
                                 data.describe_row(i) +
                                 "; drop or fill incomplete rows first (mlpipe-sagemaker prepare drops them), or "
                                 "set the hyperparameter impute-numerical (mean, median or constant:<number>)");
    }
    const Column& labels = data.y[0];
    if (labels.count_missing() == 0) return;
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels.is_missing(i))
            throw data_error("the label (" + quoted_excerpt(labels.name()) + ") is missing at " + data.describe_row(i) +
                             "; every row needs a label");
}

void log_channel(const ChannelData& data) {
    for (const auto& file : data.files)
        log("channel " + data.name + ": read " + file.name + " (" + file.role +
            "): " + std::to_string(file.rows) + " rows, " + std::to_string(file.columns) + " columns, " +
            std::to_string(file.bytes) + " bytes");
    log("channel " + data.name + ": " + std::to_string(data.X.rows()) + " rows, " + std::to_string(data.X.cols()) +
        " feature columns, target '" + data.y[0].name() + "'");
}

// ---------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------

ClassificationMetrics evaluate(const AnyModel& model, const ChannelData& data, const std::vector<std::string>& columns) {
    const Frame X = select_columns(data.X, columns);
    const auto& classes = classifier_of(model).classes();
    const Column& target = data.y[0];
    const std::vector<std::int32_t> truth = label_indices(target, classes);
    for (std::size_t i = 0; i < truth.size(); ++i)
        if (truth[i] < 0) {
            const Label label = target.is_numeric()
                                    ? Label(target.value(i))
                                    : Label(target.dictionary()[static_cast<std::size_t>(target.codes()[i])]);
            throw data_error("the label " + quoted_excerpt(label.to_string()) + " at " + data.describe_row(i) +
                             " never occurs in the training data (classes: " + join_at_most(label_texts(classes)) +
                             ")");
        }
    // Labels and probabilities from one pass through the pipeline, with serve's bits (of a
    // binary model, the second class's probabilities alone).
    const Predictions predicted = predict_for_metrics(model, X);
    return classification_metrics(truth, predicted.class_codes, predicted.probabilities, label_texts(classes));
}

// ---------------------------------------------------------------------------------------
// The job
// ---------------------------------------------------------------------------------------

// What the job read, learned and measured: the contents of the files written at the end.
struct TrainingRun {
    Hyperparameters hyperparameters;
    ChannelFormat format = ChannelFormat::header_row;  // of every channel (check_input_data_config)
    ChannelData train;
    std::vector<ChannelData> evaluation_data;  // validation and test, when given
    Features features;
    std::string target;
    AnyModel model;
    double fit_seconds = 0;
    std::vector<std::pair<std::string, ClassificationMetrics>> evaluations;  // (channel, metrics), train first

    // A multi-host job's ranks (one per host) fit together; rank 0 evaluates and writes.
    const Communicator* communicator = &single_process();
    std::vector<std::string> hosts;           // of the ranks, in rank order; empty on one host
    std::vector<std::size_t> rows_per_host;   // the training rows each rank read
    std::size_t train_rows = 0;               // over every rank
    std::map<Label, std::size_t> class_count;  // over every rank
    json other_input_files = json::array();   // the files the other ranks read (rank 0 keeps them)

    const LogisticRegression& classifier() const { return classifier_of(model); }
    const TrainingSettings& settings() const { return hyperparameters.settings; }
};

// The label column's name in text/csv;label_size=1 channels, whose files name no column: the
// 'target' hyperparameter when given, else "label". It cannot be a feature's name (x0, x1, ...).
std::string label_first_target(const TrainingSettings& settings) {
    if (settings.target.empty()) return "label";
    const std::string& name = settings.target;
    if (name.size() > 1 && name.starts_with(label_first_feature_prefix) &&
        name.find_first_not_of("0123456789", 1) == std::string::npos)
        throw parameter_error("the target " + quoted_excerpt(name) +
                              " is the name of a feature: with ContentType text/csv;label_size=1 the first "
                              "column is the label and the features are named x0, x1, ...; leave 'target' out "
                              "(the label is then named 'label') or give it another name");
    return name;
}

ChannelData read_train_channel(const Layout& layout, const TrainingSettings& settings, ChannelFormat format) {
    const std::filesystem::path dir = layout.channel_dir("train");
    if (!std::filesystem::is_directory(dir))
        throw error("no training data: the 'train' channel folder " + dir.string() +
                    " does not exist; give the job a channel named 'train' holding CSV files (X_train.csv + "
                    "y_train.csv, or files with a target column named by the 'target' hyperparameter)");
    const std::string target = format == ChannelFormat::label_first ? label_first_target(settings) : settings.target;
    ChannelData train = read_channel("train", dir, target, {}, log, settings.dtype, format);
    log_channel(train);
    if (train.X.rows() == 0) throw data_error("the 'train' channel's files hold no data rows");
    return train;
}

// The validation and test channels that exist, read with the training columns' kinds.
std::vector<ChannelData> read_evaluation_channels(const Layout& layout, const TrainingRun& run, std::string& phase) {
    ColumnKinds training_kinds;
    for (const auto& name : run.features.columns) training_kinds[name] = run.train.X.column(name).kind();
    training_kinds[run.target] = run.train.y[0].kind();
    std::vector<ChannelData> channels;
    for (const std::string channel : {"validation", "test"}) {
        phase = "reading the '" + channel + "' channel";
        const std::filesystem::path dir = layout.channel_dir(channel);
        if (!std::filesystem::is_directory(dir)) {
            log("channel " + channel + ": none (" + dir.string() + " does not exist)");
            continue;
        }
        ChannelData data =
            read_channel(channel, dir, run.target, training_kinds, log, run.settings().dtype, run.format);
        log_channel(data);
        if (run.format == ChannelFormat::label_first && data.X.cols() != run.train.X.cols())
            throw data_error("the '" + channel + "' channel's rows have " + std::to_string(data.X.cols() + 1) +
                             " fields, the 'train' channel's " + std::to_string(run.train.X.cols() + 1) +
                             "; with text/csv;label_size=1 the columns are known by position (the label, then "
                             "x0, x1, ...), so every channel needs the same columns in the same order");
        std::vector<std::string> missing;
        for (const auto& name : run.features.columns)
            if (!data.X.contains(name)) missing.push_back(name);
        if (!missing.empty())
            throw data_error("the '" + channel + "' channel lacks the feature column(s) " + quoted_names(missing) +
                             " that the model reads");
        require_complete(data, run.features.numerical, run.settings().impute_numerical.enabled,
                         resolve_n_jobs(run.settings().classifier.n_jobs));
        channels.push_back(std::move(data));
    }
    return channels;
}

std::map<Label, std::size_t> class_counts(const ChannelData& data) {
    const EncodedLabels encoded = encode_labels(data.y[0]);
    std::vector<std::size_t> per_class(encoded.classes.size(), 0);
    for (const std::int32_t c : encoded.index) ++per_class[static_cast<std::size_t>(c)];
    std::map<Label, std::size_t> counts;
    for (std::size_t c = 0; c < per_class.size(); ++c) counts.emplace(encoded.classes[c], per_class[c]);
    return counts;
}

// The first max_listed_items classes with their counts, then "and N more".
std::string describe_class_counts(const std::map<Label, std::size_t>& counts) {
    std::vector<std::string> items;
    for (const auto& [label, count] : counts) {
        if (items.size() == max_listed_items) break;
        items.push_back(label.to_string() + " (" + std::to_string(count) + " rows)");
    }
    return join(items) +
           (counts.size() > items.size() ? " and " + std::to_string(counts.size() - items.size()) + " more" : "");
}

// The notebook's pipeline, after a SimpleImputer for each kind of feature column that the
// hyperparameters impute (and that has columns: an imputer given no columns would take every
// column it can).
AnyModel build_model(const TrainingSettings& settings, const Features& features) {
    const OneHotEncoder encoder{{.columns = features.categorical,
                                 .handle_unknown = settings.handle_unknown,
                                 .min_frequency = settings.min_frequency,
                                 .max_categories = settings.max_categories}};
    const StandardScaler scaler{{.columns = features.numerical}};
    const LogisticRegression classifier{settings.classifier};
    auto imputer = [](const Imputation& imputation, const std::vector<std::string>& columns) {
        return SimpleImputer{{.columns = columns, .strategy = imputation.strategy, .fill_value = imputation.fill_value}};
    };
    std::vector<SimpleImputer> imputers;
    if (settings.impute_numerical.enabled && !features.numerical.empty())
        imputers.push_back(imputer(settings.impute_numerical, features.numerical));
    if (settings.impute_categorical.enabled && !features.categorical.empty())
        imputers.push_back(imputer(settings.impute_categorical, features.categorical));
    if (imputers.size() == 2) return TwoImputerModel{imputers[0], imputers[1], encoder, scaler, classifier};
    if (imputers.size() == 1) return ImputingModel{imputers[0], encoder, scaler, classifier};
    return Model{encoder, scaler, classifier};
}

// What the imputers filled the holes with, by column (metadata.json).
json imputation_json(const TrainingRun& run) {
    json fills = json::object();
    for (const SimpleImputer* imputer : imputers_of(run.model))
        for (const auto& s : imputer->statistics()) {
            if (!s.has_value) fills[s.column] = nullptr;
            else if (s.kind == ColumnKind::numeric) fills[s.column] = s.number;
            else fills[s.column] = s.category;
        }
    return {{"numerical", imputation_text(run.settings().impute_numerical)},
            {"categorical", imputation_text(run.settings().impute_categorical)},
            {"fill_values", fills}};
}

void fit_model(TrainingRun& run) {
    const TrainingSettings& settings = run.settings();
    const Communicator& comm = *run.communicator;
    if (comm.size() == 1) log("classes: " + describe_class_counts(class_counts(run.train)));
    run.model = build_model(settings, run.features);
    // An imputer drops a column with no value to take a fill value from (as scikit-learn does),
    // which would leave the model without a feature it was told to use. (In a multi-host job,
    // no value on any host: the counts are summed, so every rank decides alike.)
    // Every rank sums the same columns and throws alike, so wrapping it in on_every_rank is
    // safe; it marks the failure as one every rank saw (is_agreed_failure).
    collective::on_every_rank(comm, [&] {
        for (const auto& [imputation, columns] : {std::pair{settings.impute_numerical, run.features.numerical},
                                                  std::pair{settings.impute_categorical, run.features.categorical}}) {
            if (!imputation.enabled || imputation.strategy == ImputeStrategy::constant) continue;
            std::vector<double> values(columns.size());
            for (std::size_t c = 0; c < columns.size(); ++c) {
                const Column& column = run.train.X.column(columns[c]);
                values[c] = static_cast<double>(column.size() - column.count_missing());
            }
            comm.sum(values);
            for (std::size_t c = 0; c < columns.size(); ++c)
                if (values[c] == 0)
                    throw data_error("feature " + quoted_excerpt(columns[c]) + " has no value in the 'train' channel, so " +
                                     imputation_text(imputation) +
                                     " has nothing to fill it from; drop the column or impute it with constant:<value>");
        }
    });
    // A categorical feature may hold numbers (codes): its constant must then be a number too.
    collective::on_every_rank(comm, [&] {
        if (!settings.impute_categorical.enabled || settings.impute_categorical.strategy != ImputeStrategy::constant)
            return;
        double number = 0;
        const bool is_number = parse_double(settings.impute_categorical.fill_value, number);
        for (const auto& name : run.features.categorical)
            if (run.train.X.column(name).is_numeric() && !is_number)
                throw parameter_error("impute-categorical = " + imputation_text(settings.impute_categorical) +
                                      ", but the categorical feature " + quoted_excerpt(name) +
                                      " holds numbers; give a number as the constant");
    });
    if (settings.impute_numerical.enabled || settings.impute_categorical.enabled)
        log("imputation: numerical features " + imputation_text(settings.impute_numerical) +
            ", categorical features " + imputation_text(settings.impute_categorical) + " (" +
            type_name_of(run.model) + ")");
    classifier_of(run.model).set_progress_callback([verbose = settings.verbose](const optim::IterationReport& report) {
        // Every iteration: with the verbose hyperparameter, or at SAGEMAKER_CONTAINER_LOG_LEVEL DEBUG.
        if (verbose || log_enabled(LogLevel::debug))
            log_at(verbose ? LogLevel::info : LogLevel::debug, "iteration " + std::to_string(report.iteration) + ": loss=" + significant(report.objective, 10) +
                " max|gradient|=" + significant(report.gradient_max, 4));
        return !stop_requested();  // false ends the solver after this iteration (StopReason::cancelled)
    });
    const Frame X = select_columns(run.train.X, run.features.columns);
    const auto& options = settings.classifier;
    log("fitting: LogisticRegression (" + std::string(to_string(options.solver)) + ", C=" + significant(options.C) +
        ", max-iter=" + std::to_string(options.max_iter) + ", tol=" + significant(options.tol) +
        ", penalty=" + to_string(options.penalty) +
        (options.l1_ratio ? ", l1-ratio=" + significant(*options.l1_ratio) : std::string()) +
        (options.solver == Solver::sag || options.solver == Solver::saga
             ? ", random-state=" + std::to_string(options.random_state)
             : std::string()) +
        ", class-weight=" + to_string(settings.classifier.class_weight) + ", match-sklearn=" +
        to_string(settings.classifier.match_sklearn) + ") on " + std::to_string(X.rows()) + " rows" +
        (comm.size() > 1 ? " of this host, with " + std::to_string(comm.size() - 1) + " other host(s)" : "") +
        (settings.dtype == NumericType::float32 ? ", numeric columns stored as float32" : ""));
    const auto fit_start = Clock::now();
    std::visit(
        [&](auto& model) {
            if (comm.size() == 1) model.fit(X, run.train.y);
            else model.fit(X, run.train.y, {}, comm);
        },
        run.model);
    run.fit_seconds = seconds_since(fit_start);
    const LogisticRegression& classifier = run.classifier();
    // automatic, on a device that could not take the fit: where it ran instead, and why.
    if (const BackendChoice& ran = classifier.fit_backend(); ran.fell_back)
        log_at(LogLevel::warning, "backend: " + std::string(to_string(ran.backend)) + " (" + ran.reason + ")");
    if (stop_requested()) {  // the solver ended early: nothing has been written yet
        log("fit: stopped by " + stop_signal_name() + " after " + std::to_string(classifier.n_iter()) +
            " iterations (" + optim::to_string(classifier.stop_reason()) + ")");
        if (comm.size() == 1) throw_if_stop_requested();
    }
    // In a multi-host job the ranks agreed to stop after the same iteration when a signal
    // reached any of them, so they can fail together, naming the host that was stopped.
    if (comm.size() > 1 && classifier.stop_reason() == optim::StopReason::cancelled)
        collective::on_every_rank(comm, [] { throw_if_stop_requested(); });
    log("fit: n_iter=" + std::to_string(classifier.n_iter()) +
        ", converged=" + (classifier.converged() ? "yes" : "no") + " (" + optim::to_string(classifier.stop_reason()) +
        "), " + significant(run.fit_seconds, 3) + " s");
    if (!classifier.converged())
        log_at(LogLevel::warning, "the solver did not converge within max-iter=" + std::to_string(settings.classifier.max_iter) +
            "; the model is written anyway. Raise max-iter, or loosen tol, for a converged fit");
}

// Metrics on the training rows (accuracy and log loss logged) and on each evaluation channel
// (every metric logged, and the confusion matrix).
void evaluate_model(TrainingRun& run, std::string& phase) {
    phase = "evaluating the model on the training data";
    run.evaluations.emplace_back("train", evaluate(run.model, run.train, run.features.columns));
    for (const auto& [name, value] : metric_values(run.evaluations.back().second))
        if (name == "accuracy" || name == "log_loss") log_at(LogLevel::info, metric_line("train", name, value), true);
    for (const auto& data : run.evaluation_data) {
        phase = "evaluating the model on the '" + data.name + "' channel";
        run.evaluations.emplace_back(data.name, evaluate(run.model, data, run.features.columns));
        const ClassificationMetrics& m = run.evaluations.back().second;
        for (const auto& [name, value] : metric_values(m)) log_at(LogLevel::info, metric_line(data.name, name, value), true);
        if (m.classes.size() > max_listed_items) {
            log(data.name + ": confusion matrix of " + std::to_string(m.classes.size()) +
                " classes: in evaluation.json (logged for at most " + std::to_string(max_listed_items) + ")");
            continue;
        }
        log(data.name + ": confusion matrix (rows: true " + join(m.classes, "/") + "; columns: predicted)");
        for (std::size_t t = 0; t < m.classes.size(); ++t) {
            std::string row;
            for (auto count : m.confusion[t]) row += " " + std::to_string(count);
            log("  " + m.classes[t] + ":" + row);
        }
    }
}

// A CRC-32 as metadata.json writes it: 8 lower-case hex digits, as '%08x' % zlib.crc32(data).
std::string crc32_text(std::uint32_t crc) {
    char text[16];
    std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(crc));
    return text;
}

// The files this rank read (every channel's on one host; in a multi-host job, rank 0 adds
// those of the other ranks, each named with its host).
json input_files_json(const TrainingRun& run) {
    std::vector<const ChannelData*> channels{&run.train};
    for (const auto& data : run.evaluation_data) channels.push_back(&data);
    json files = json::array();
    for (const ChannelData* data : channels) {
        for (const auto& file : data->files) {
            files.push_back({{"channel", file.channel},
                             {"name", file.name},
                             {"role", file.role},
                             {"bytes", file.bytes},
                             {"rows", file.rows},
                             {"crc32", crc32_text(file.crc32)}});
            if (!run.hosts.empty()) files.back()["host"] = run.hosts[0];
        }
    }
    for (const auto& file : run.other_input_files) files.push_back(file);
    return files;
}

// A multi-host job's hosts, in rank order, with the training rows each fitted on.
json hosts_json(const TrainingRun& run) {
    json hosts = json::array();
    for (std::size_t r = 0; r < run.hosts.size(); ++r)
        hosts.push_back({{"host", run.hosts[r]}, {"rank", r}, {"train_rows", run.rows_per_host[r]}});
    return hosts;
}

json input_columns_json(const TrainingRun& run) {
    const auto& categorical = run.features.categorical;
    json columns = json::array();
    for (const auto& name : run.features.columns) {
        const bool is_categorical = std::find(categorical.begin(), categorical.end(), name) != categorical.end();
        columns.push_back({{"name", name},
                           {"kind", to_string(run.train.X.column(name).kind())},
                           {"role", is_categorical ? "categorical feature" : "numerical feature"}});
    }
    return columns;
}

json classes_json(const TrainingRun& run) {
    json classes = json::array();
    for (const auto& label : run.classifier().classes())
        classes.push_back(label.is_number() ? json(label.number()) : json(label.text()));
    return classes;
}

json metrics_json(const TrainingRun& run) {
    json metrics = json::object();
    for (const auto& [channel, m] : run.evaluations) metrics[channel] = to_json(m);
    return metrics;
}

// metadata.json: links the model to the code (version, commit), the data (files and their
// checksums, columns) and the settings that made it.
json training_metadata(const TrainingRun& run, std::size_t model_bytes, std::uint32_t model_crc32, double job_seconds) {
    const LogisticRegression& classifier = run.classifier();
    const TrainingSettings& settings = run.settings();
    json counts = json::object();
    for (const auto& [label, count] : run.class_count) counts[label.to_string()] = count;
    return {
        {"created_at", utc_timestamp()},
        {"library",
         {{"name", "mlpipe"},
          {"version", version_string},
          {"git_commit", MLPIPE_GIT_COMMIT},
          {"instruction_set", compiled_instruction_set()}}},
        {"model",
         {{"file", model_file_name},
          {"type", type_name_of(run.model)},
          {"archive_format", mlpipe::to_string(settings.archive_format)},
          {"bytes", model_bytes},
          {"crc32", crc32_text(model_crc32)}}},
        {"hyperparameters",
         effective_hyperparameters(settings, run.features.categorical, run.features.numerical, run.target)},
        {"hyperparameters_given", run.hyperparameters.given},
        {"hyperparameters_reserved", run.hyperparameters.reserved},
        {"features_inferred", run.features.inferred},
        {"checksum_algorithm", "CRC-32 (ISO-HDLC, as zlib.crc32 and Python's binascii.crc32), hex"},
        {"input_files", input_files_json(run)},
        {"hosts", hosts_json(run)},
        {"input_columns", input_columns_json(run)},
        {"unused_columns", run.features.unused},
        {"target", {{"name", run.target}, {"kind", to_string(run.train.y[0].kind())}}},
        {"feature_names", classifier.feature_names_out()},
        {"imputation", imputation_json(run)},
        {"classes", classes_json(run)},
        {"class_counts", counts},
        {"training",
         {{"rows", run.train_rows},
          {"rows_in_train_metrics", run.train.X.rows()},  // fewer than rows in a multi-host job: the first host's
          {"n_iter", classifier.n_iter()},
          {"converged", classifier.converged()},
          {"stop_reason", optim::to_string(classifier.stop_reason())},
          {"objective", classifier.objective()},
          {"fit_seconds", run.fit_seconds},
          {"job_seconds", job_seconds}}},
        {"metrics", metrics_json(run)},
    };
}

TrainingReport training_report(const TrainingRun& run, const json& metadata) {
    const LogisticRegression& classifier = run.classifier();
    const std::string git_commit = MLPIPE_GIT_COMMIT;
    std::vector<std::string> hyperparameters;
    for (const auto& [name, value] : metadata["hyperparameters"].items())
        hyperparameters.push_back(name + "=" + (value.is_string() ? value.get<std::string>() : json_text(value)));
    TrainingReport report;
    report.title = "Training report: LogisticRegression on " + run.target;
    report.facts = {
        {"created", metadata["created_at"].get<std::string>()},
        {"mlpipe", std::string(version_string) + (git_commit.empty() ? "" : " (" + git_commit + ")")},
        {"training rows", std::to_string(run.train_rows) +
                              (run.hosts.empty() ? "" : " (on " + std::to_string(run.hosts.size()) + " hosts)")},
        {"target", run.target},
        {"classes", describe_class_counts(run.class_count)},
        {"categorical features", run.features.categorical.empty() ? "none" : join(run.features.categorical)},
        {"numerical features", run.features.numerical.empty() ? "none" : join(run.features.numerical)},
        {"hyperparameters", join(hyperparameters)},
        {"solver", std::string(to_string(classifier.options().solver)) + ", penalty " +
                       to_string(classifier.options().penalty) +
                       (classifier.options().l1_ratio ? " (l1-ratio " + significant(*classifier.options().l1_ratio) + ")"
                                                      : std::string())},
        {"iterations", std::to_string(classifier.n_iter())},
        {"converged",
         std::string(classifier.converged() ? "yes" : "no") + " (" + optim::to_string(classifier.stop_reason()) + ")"},
        {"fit time", significant(run.fit_seconds, 3) + " s"},
    };
    report.history = classifier.history();
    report.evaluations = run.evaluations;
    return report;
}

// The order of the outputs, so that a failure never leaves a model without the rest:
//   1. everything is built in memory first: the model file's bytes (and their CRC-32, which
//      metadata.json records), metadata.json, evaluation.json and report.html (JSON with
//      invalid UTF-8 replaced, never thrown on);
//   2. evaluation.json and report.html are written (each atomically);
//   3. model.mlpipe and metadata.json are written as one unit (ModelCommit, common/model_commit.hpp):
//      both to temporary files, then a commit record, the two renames, the record removed.
//      A failure or a kill before the record leaves the old pair; after it, the next start's
//      recovery (or serve's) completes the new pair.
// Only the writes themselves (a full disk, a read-only folder) can fail after step 1.
void write_outputs(const Layout& layout, const TrainingRun& run, Clock::time_point job_start, std::string& phase) {
    phase = "preparing the outputs";
    const ArchiveFormat format = run.settings().archive_format;
    const std::string model_bytes = save_to_string(run.model, format);
    const std::uint32_t model_crc32 = mlpipe::detail::model_file::crc32_of(model_bytes);  // of the bytes written
    const json metadata = training_metadata(run, model_bytes.size(), model_crc32, seconds_since(job_start));
    const std::string metadata_text = json_text(metadata, 2) + "\n";
    json evaluation = metadata["metrics"];
    evaluation["classes"] = metadata["classes"];
    const std::string evaluation_text = json_text(evaluation, 2) + "\n";
    const std::string report_html = training_report_html(training_report(run, metadata));

    phase = "writing the evaluation";
    const std::filesystem::path output_dir = layout.output_data_dir();
    std::filesystem::create_directories(output_dir);
    write_file_atomically(output_dir / "evaluation.json", evaluation_text);
    write_file_atomically(output_dir / "report.html", report_html);
    log("wrote " + (output_dir / "evaluation.json").string() + " and " + (output_dir / "report.html").string());

    phase = "writing the model";
    const std::filesystem::path model_dir = layout.model_dir();
    ModelCommit commit(model_dir);
    commit.add(model_file_name, model_bytes);
    phase = "writing the model's metadata";
    commit.add(metadata_file_name, metadata_text);
    phase = "committing the model and its metadata";
    commit.commit();
    log("wrote " + (model_dir / metadata_file_name).string() + " and " + (model_dir / model_file_name).string() +
        " (" + std::to_string(model_bytes.size()) + " bytes, CRC-32 " + crc32_text(model_crc32) + ", " +
        mlpipe::to_string(format) + " archive)");
}

// A run killed earlier may have left the model folder mid-commit (completed here: the new
// pair) and temporary files in the model and output folders (removed).
void recover_earlier_run(const Layout& layout) {
    const std::string model_line = describe_recovery(layout.model_dir(), recover_model_folder(layout.model_dir()));
    if (!model_line.empty()) log(model_line);
    std::vector<std::string> removed =
        remove_stale_temporaries(layout.output_data_dir(), {"evaluation.json", "report.html"});
    for (const auto& name : remove_stale_temporaries(layout.output_dir(), {"failure"})) removed.push_back(name);
    if (!removed.empty())
        log("output folder: removed " + std::to_string(removed.size()) + " stale temporary file(s) of a killed run (" +
            join_at_most(removed, 3) + ")");
}

// A rank of a multi-host job: the hosts of the ranks (gathered in rank order at the start)
// must be resourceconfig.json's hosts in its order (mpirun places rank r on hosts[r]).
void check_rank_placement(const Communicator& comm, const ResourceConfig& resources,
                          const std::vector<std::string>& hosts) {
    collective::on_every_rank(comm, [&] {
        if (resources.hosts.size() != hosts.size())
            throw error("mpirun started " + std::to_string(hosts.size()) + " ranks for " +
                        std::to_string(resources.hosts.size()) + " hosts");
        for (std::size_t r = 0; r < hosts.size(); ++r)
            if (hosts[r] != resources.hosts[r])
                throw error("mpirun placed rank " + std::to_string(r) + " on host " + quoted_excerpt(hosts[r]) +
                            ", not on " + quoted_excerpt(resources.hosts[r]));
    });
}

// A rank's share of the train channel. ShardedByS3Key gave each host its own files: the
// rank keeps them all. Otherwise (FullyReplicated, the default) every host holds every row,
// and rank r keeps the r-th of `size` contiguous, near-equal ranges.
void keep_rank_rows(ChannelData& train, const std::string& distribution, const Communicator& comm) {
    if (distribution == "ShardedByS3Key") {
        log("train rows: the " + std::to_string(train.X.rows()) + " rows of this host's files (ShardedByS3Key)");
        return;
    }
    const std::size_t rows = train.X.rows(), ranks = static_cast<std::size_t>(comm.size()),
                      rank = static_cast<std::size_t>(comm.rank());
    const std::size_t first = rows * rank / ranks, last = rows * (rank + 1) / ranks;
    std::vector<std::size_t> kept(last - first);
    for (std::size_t i = 0; i < kept.size(); ++i) kept[i] = first + i;
    train.X = take_rows(train.X, kept);
    train.y = take_rows(train.y, kept);
    train.row_offset = first;
    log("train rows: rows " + std::to_string(first + 1) + " to " + std::to_string(last) + " of the " +
        std::to_string(rows) + " every host holds (" + (distribution.empty() ? "FullyReplicated" : distribution) +
        "; ShardedByS3Key would give each host only its own files to read)");
}

// After the fit: the class counts and training rows of every rank, and the files they read.
void gather_training_facts(TrainingRun& run, const Communicator& comm) {
    const auto& classes = run.classifier().classes();
    const std::vector<std::int32_t> index = label_indices(run.train.y[0], classes);
    std::vector<double> counts(classes.size() + 1, 0.0);  // per class, then the rows
    for (const std::int32_t c : index) counts[static_cast<std::size_t>(c)] += 1;
    counts.back() = static_cast<double>(run.train.X.rows());
    comm.sum(counts);
    run.class_count.clear();
    for (std::size_t c = 0; c < classes.size(); ++c) run.class_count.emplace(classes[c], static_cast<std::size_t>(counts[c]));
    run.train_rows = static_cast<std::size_t>(counts.back());
    if (comm.size() == 1) return;
    const json mine = {{"rows", run.train.X.rows()}, {"files", input_files_json(run)}};
    const std::vector<std::string> all = comm.allgather(json_text(mine));
    for (std::size_t r = 0; r < all.size(); ++r) {
        const json theirs = json::parse(all[r]);
        run.rows_per_host.push_back(theirs["rows"].get<std::size_t>());
        if (r == 0) continue;
        for (json file : theirs["files"]) {
            file["host"] = run.hosts[r];
            run.other_input_files.push_back(std::move(file));
        }
    }
}

// A training job is one process that reads, fits and evaluates once, each step freeing
// buffers of a few MB (a reader's pieces, a pass's partial sums, a prediction's scores) just
// before the next step asks for as many. glibc maps a block from 128 KiB up on its own (the
// threshold rising to the largest such block freed) and gives memory back to the kernel when
// the heap's free top passes twice the threshold, so many such buffers were new memory, a page
// fault per 4 KiB: 12 us a page on the Zen 5 VM we measured (the 100,000-row test channel's
// scores took 10 ms instead of 3-5). Blocks up to 32 MiB (glibc's largest threshold) are taken
// from the heap instead, and the heap is never trimmed, so freed memory is used again. Larger
// blocks are still mapped on their own; read_csv's windows and columns of 3 MiB or more are
// its own mappings in huge pages. A threshold the user set (GLIBC_TUNABLES, or glibc's older
// MALLOC_*_ variables) is left to rule. (The heap's pages are asked for as the program starts:
// cpu_check.cpp, step 3.)
#if MLPIPE_SAGEMAKER_GLIBC_MALLOC
bool user_set_malloc_thresholds() {
    const std::string tunables = env("GLIBC_TUNABLES");
    return tunables.find("glibc.malloc.mmap_threshold") != std::string::npos ||
           tunables.find("glibc.malloc.trim_threshold") != std::string::npos ||
           std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr || std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr;
}

// Whether freed blocks are kept for reuse: set once, as train starts.
bool& malloc_keeps_freed_blocks() {
    static bool keeps = false;
    return keeps;
}
#endif

void keep_freed_memory_for_reuse() {
#if MLPIPE_SAGEMAKER_GLIBC_MALLOC
    if (user_set_malloc_thresholds()) return;
    const bool mapped = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
    const bool trimmed = mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max()) == 1;
    malloc_keeps_freed_blocks() = mapped && trimmed;
#endif
}

// The log's account of malloc's settings.
std::string describe_malloc() {
#if MLPIPE_SAGEMAKER_GLIBC_MALLOC
    const std::string tunables = env("GLIBC_TUNABLES");
    std::string text = tunables.find("glibc.malloc.hugetlb=1") != std::string::npos
                           ? "malloc's heap in transparent huge pages"
                           : "malloc's heap in " + std::to_string(sysconf(_SC_PAGESIZE) / 1024) + " KiB pages";
    if (!tunables.empty()) text += " (GLIBC_TUNABLES=" + tunables + ")";
    if (malloc_keeps_freed_blocks()) text += ", freed blocks up to 32 MiB kept for reuse";
    return text;
#else
    return "malloc is not glibc's here (a sanitizer's, or another C library's): its settings are its own";
#endif
}

// One host, or one rank of a multi-host job (`rank`). On the first start of a multi-host job
// it hands over to the launcher (multi_host.hpp), which starts the ranks. Returns the exit code.
int run_training(const Layout& layout, const TrainArguments& arguments, const std::vector<std::string>& args,
                 std::string& phase, const RankCommunicator* rank, std::vector<std::string>& rank_hosts) {
    const auto job_start = Clock::now();
    const std::string git_commit = MLPIPE_GIT_COMMIT;
    log(std::string("mlpipe-sagemaker train: mlpipe ") + version_string +
        (git_commit.empty() ? "" : " (commit " + git_commit + ")") + ", root " + layout.root().string() +
        (rank ? ", " + rank->communicator().describe() : ""));
    log("instruction set: " + describe_instruction_set());
    log("memory: " + describe_malloc());

    phase = "checking the model folder for an interrupted run";
    recover_earlier_run(layout);

    TrainingRun run;
    const Communicator& comm = rank ? rank->communicator() : single_process();
    run.communicator = &comm;
    ResourceConfig resources;
    InputConfig input;
    if (rank) {
        // The ranks' hosts, for failure messages from the first check on (check_rank_placement
        // checks them against the job's host list later).
        std::string host;
        try {
            if (const auto config = read_json_file(layout.resource_config_file()))
                host = parse_resource_config(*config, "resourceconfig.json").current_host;
        } catch (const std::exception&) {
            // the check below reports it, on every rank
        }
        rank_hosts = comm.allgather(host);
    }
    // Every check before the fit runs on every rank and fails on all of them together
    // (collective::on_every_rank), so that no rank waits for one that gave up.
    collective::on_every_rank(comm, [&] {
        phase = "reading the job configuration";
        resources = check_resources(layout, arguments);
        input = check_input_data_config(layout);
        run.format = input.format;
        phase = "reading the hyperparameters";
        run.hyperparameters = read_hyperparameters(layout, arguments);
        throw_if_stop_requested();
        if (rank && resources.hosts.size() < 2)
            throw error("started as a rank of a multi-host job, but the job has one host");
    });
    if (!rank && resources.hosts.size() > 1) {
        phase = "running a multi-host job";
        return run_multi_host_job(layout, resources, args, multi_host_settings_from_env(),
                                  [](const std::string& line) { log(line); });
    }
    if (rank) {
        phase = "checking where mpirun placed the ranks";
        check_rank_placement(comm, resources, rank_hosts);
        run.hosts = rank_hosts;
        log_prefix() = "[" + resources.current_host + "] ";
    }

    collective::on_every_rank(comm, [&] {
        phase = "reading the 'train' channel";
        run.train = read_train_channel(layout, run.settings(), run.format);
        if (comm.size() > 1) keep_rank_rows(run.train, input.train_distribution, comm);
        run.target = run.train.y[0].name();

        phase = "choosing the features";
        run.features = resolve_features(run.train.X, run.settings(), run.target);
        log("features: categorical " +
            (run.features.categorical.empty() ? "none" : join_at_most(run.features.categorical)) + "; numerical " +
            (run.features.numerical.empty() ? "none" : join_at_most(run.features.numerical)) +
            (run.features.inferred ? " (inferred from the column kinds)" : ""));
        if (!run.features.unused.empty()) log("features: not using the columns " + join_at_most(run.features.unused));
        require_complete(run.train, run.features.numerical, run.settings().impute_numerical.enabled,
                         resolve_n_jobs(run.settings().classifier.n_jobs));

        // Every rank ends with the same model; rank 0 alone evaluates and writes it.
        if (comm.rank() == 0) run.evaluation_data = read_evaluation_channels(layout, run, phase);
        throw_if_stop_requested();
    });
    if (comm.size() > 1) {
        // Features inferred from the column kinds could differ between the ranks' rows.
        // So could the instruction set each rank's program was built for (its sums round alike
        // only at one vector width): the ranks must run one build.
        std::vector<std::string> plan{"instruction set " + std::string(compiled_instruction_set()),
                                      "target " + run.target};
        for (const auto& name : run.features.categorical) plan.push_back("categorical " + name);
        for (const auto& name : run.features.numerical) plan.push_back("numerical " + name);
        // (Wrapped so that the failure reads as agreed: see is_agreed_failure.)
        collective::on_every_rank(comm, [&] {
            collective::check_same_everywhere(comm, plan, "train", "the instruction set, the target and the features");
        });
    }

    phase = "fitting the model";
    fit_model(run);
    gather_training_facts(run, comm);
    if (comm.size() > 1) log("classes: " + describe_class_counts(run.class_count) + " over every host");
    throw_if_stop_requested();
    if (comm.rank() != 0) {
        log("the model is fitted; the first host (" + run.hosts[0] + ") evaluates and writes it");
        return 0;
    }

    evaluate_model(run, phase);
    // Nothing is written before this point, and the model is written last: a stop never
    // leaves a model behind.
    throw_if_stop_requested();
    write_outputs(layout, run, job_start, phase);
    log("training finished in " + fixed(seconds_since(job_start), 3) + " s");
    return 0;
}

// What to do about an error, by kind; the message itself says what and where.
std::string advice_for(const std::exception& e) {
    if (dynamic_cast<const csv_error*>(&e))
        return "Fix the CSV file at that place: every row needs as many fields as the header, and a field "
               "holding a comma or a quote must be quoted.";
    if (dynamic_cast<const parameter_error*>(&e))
        return "Fix the hyperparameters of the training job (estimator hyperparameters, hyperparameters.json "
               "or --name value).";
    if (dynamic_cast<const data_error*>(&e)) return "Fix the channel's data.";
    return "";
}

// The failure file is what SageMaker shows (its first 1024 characters): the reason first.
// The message may quote the data (a label, a CSV field), so it is made valid UTF-8, and cut
// at max_failure_bytes.
void report_failure(const std::filesystem::path& failure_file, const std::string& reason) {
    const std::string message = valid_utf8(bounded(reason, max_failure_bytes));
    write_log_line(std::cerr, LogLevel::error, message);
    try {
        std::filesystem::create_directories(failure_file.parent_path());
        write_file_atomically(failure_file, message + "\n");
    } catch (const std::exception& e) {
        std::cerr << "(could not write the failure file " << failure_file.string() << ": " << e.what() << ")\n";
    }
}

// Errors that collective::on_every_rank made every rank throw lead with "rank r of n: ".
bool is_agreed_failure(const std::string& what, int size) {
    const std::size_t of = what.find(" of " + std::to_string(size) + ": ");
    return what.starts_with("rank ") && of != std::string::npos && of > 5 &&
           what.find_first_not_of("0123456789", 5) == of;
}

// "rank r of n: ..." -> "host H (rank r of n): ...", so that the failure names the host.
std::string name_the_host(const std::string& what, const std::vector<std::string>& hosts) {
    if (!what.starts_with("rank ")) return what;
    std::size_t rank = 0;
    const auto [end, ec] = std::from_chars(what.data() + 5, what.data() + what.size(), rank);
    if (ec != std::errc() || rank >= hosts.size() || hosts[rank].empty()) return what;
    const std::size_t colon = what.find(':', static_cast<std::size_t>(end - what.data()));
    if (colon == std::string::npos) return what;
    return "host " + hosts[rank] + " (" + what.substr(0, colon) + ")" + what.substr(colon);
}

}  // namespace

int train_main(const std::vector<std::string>& args) {
    install_stop_handlers();
    keep_freed_memory_for_reuse();
    TrainArguments arguments;
    try {
        arguments = parse_train_arguments(args);
    } catch (const usage_error& e) {
        const Layout layout(root_of_bad_command_line(args), true);
        report_failure(layout.failure_file(), std::string("training failed: bad command line: ") + e.what() +
                                                  "\nRun 'mlpipe-sagemaker train --help' for the options.");
        return exit_usage;
    }
    if (arguments.help) {
        print_usage(std::cout);
        return 0;
    }

    const Layout layout(arguments.root, arguments.root_given);
    std::error_code ignored;
    std::filesystem::remove(layout.failure_file(), ignored);  // a stale reason must not outlive a new run
    if (const std::string level = env(log_level_variable); !level.empty()) {
        const auto threshold = parse_log_level(level);
        if (!threshold) {
            report_failure(layout.failure_file(), "training failed: " + std::string(log_level_variable) + " is " +
                                                      quoted_excerpt(level) + ": expected " + log_level_choices);
            return exit_error;
        }
        log_threshold() = *threshold;
    }
    std::string phase = "starting";
    // A rank of a multi-host job (started by the first host's mpirun) joins the MPI job first.
    std::unique_ptr<RankCommunicator> rank;
    std::vector<std::string> rank_hosts;  // the hosts of the ranks, once known
    // A rank records how it ended, so that the first host can tell a rank that was killed
    // (SIGKILL, a crash) from one that mpirun stopped after it (SIGTERM, seen here even while
    // the rank waits inside MPI for the one that is gone).
    std::jthread watch_for_stop;
    if (arguments.as_mpi_rank) record_rank_state("running");  // from its start: killed inside MPI_Init counts too
    if (arguments.as_mpi_rank)
        watch_for_stop = std::jthread([](std::stop_token done) {
            while (!done.stop_requested()) {
                if (stop_requested()) {
                    record_rank_state("stopped by " + stop_signal_name());
                    return;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        });
    if (arguments.as_mpi_rank) {
        try {
            rank = join_mpi_job();
        } catch (const std::exception& e) {
            report_failure(layout.failure_file(), std::string("training failed while joining the MPI job: ") + e.what());
            return exit_error;
        }
    }
    auto ended = [&](int code) {
        if (rank) record_rank_state("exited " + std::to_string(code));
        return code;
    };
    try {
        return ended(run_training(layout, arguments, args, phase, rank.get(), rank_hosts));
    } catch (const stopped_by_signal&) {
        report_failure(layout.failure_file(), "training stopped by " + stop_signal_name() +
                                                  " before the model was written (while " + phase + ")");
        if (rank) rank->abort(ended(stop_exit_code()));  // the other ranks may be waiting for this one
        return stop_exit_code();
    } catch (const std::exception& e) {
        const std::string advice = advice_for(e);
        const std::string what = e.what();
        const bool agreed = rank && is_agreed_failure(what, rank->communicator().size());
        // This rank's phase says nothing of a failure that another rank found.
        const bool found_here = !agreed || what.starts_with("rank " + std::to_string(rank->communicator().rank()) + " ");
        report_failure(layout.failure_file(), "training failed" + (found_here ? " while " + phase : std::string()) +
                                                  ": " + (rank ? name_the_host(what, rank_hosts) : what) +
                                                  (advice.empty() ? "" : "\n" + advice));
        // A failure every rank agreed on ends each rank alone; any other might leave the
        // others waiting for this rank in the solver, so it ends the whole job.
        if (rank && !agreed) rank->abort(ended(exit_error));
        // A stop that reached this rank ends it as a stop, even when the ranks agreed on it.
        return ended(stop_requested() ? stop_exit_code() : exit_error);
    }
}

}  // namespace mlpipe::sagemaker
