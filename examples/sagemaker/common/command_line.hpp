#pragma once
// The `--key value` (or `--key=value`) arguments of the train and prepare commands.
// SageMaker's script-mode toolkits pass hyperparameters this way, so every option takes a
// value; only --help stands alone.

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe::sagemaker {

// The command line itself is wrong (exit code 2), as opposed to its values (exit code 1).
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct CommandLineOption {
    std::string key;  // without the leading dashes
    std::string value;
};

struct CommandLine {
    bool help = false;
    std::vector<CommandLineOption> options;  // in the order given
};

inline CommandLine parse_command_line(const std::vector<std::string>& args) {
    CommandLine parsed;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h") {
            parsed.help = true;
            continue;
        }
        if (arg.size() < 3 || !arg.starts_with("--"))
            throw usage_error("unexpected argument '" + arg + "': options are written --name value");
        std::string key = arg.substr(2);
        std::string value;
        if (const auto equals = key.find('='); equals != std::string::npos) {
            value = key.substr(equals + 1);
            key.resize(equals);
        } else {
            if (i + 1 >= args.size()) throw usage_error("option --" + key + " needs a value");
            value = args[++i];
        }
        if (key.empty()) throw usage_error("unexpected argument '" + arg + "': the option has no name");
        parsed.options.push_back({std::move(key), std::move(value)});
    }
    return parsed;
}

}  // namespace mlpipe::sagemaker
