// mlpipe-sagemaker: the container's ENTRYPOINT. SageMaker runs `IMAGE train` for a
// training job and `IMAGE serve` for an endpoint; `prepare` splits a raw CSV into the
// train/test channel files for local runs.

#include "common/commands.hpp"
#include "common/instruction_set.hpp"
#include "train/multi_host.hpp"

#include <mlpipe/version.hpp>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {
void usage(std::ostream& out) {
    out << "usage: mlpipe-sagemaker <command> [--root DIR] [options]\n"
           "commands:\n"
           "  train    fit the pipeline on the 'train' channel, write the model (SageMaker training job)\n"
           "  serve    answer /ping and /invocations on port 8080 or SAGEMAKER_BIND_TO_PORT (endpoint)\n"
           "  prepare  drop incomplete and duplicate rows of a CSV and split it into train/test files\n"
           "  version  print the library version\n"
           "(multi-host-signal is what a multi-host training job's first host runs on the others)\n"
           "Run 'mlpipe-sagemaker <command> --help' for a command's options.\n";
}
}  // namespace

int main(int argc, char** argv) {
    mlpipe::sagemaker::started_in_place_of();  // out of the environment before a child is started
    if (argc < 2) {
        usage(std::cerr);
        return 2;
    }
    const std::string command = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    if (command == "train") return mlpipe::sagemaker::train_main(args);
    if (command == "serve") return mlpipe::sagemaker::serve_main(args);
    if (command == "prepare") return mlpipe::sagemaker::prepare_main(args);
    if (command == "multi-host-signal") return mlpipe::sagemaker::multi_host_signal_main(args);
    if (command == "version" || command == "--version") {
        std::cout << "mlpipe " << mlpipe::version_string << "\n";
        return 0;
    }
    if (command == "--help" || command == "-h" || command == "help") {
        usage(std::cout);
        return 0;
    }
    std::cerr << "mlpipe-sagemaker: unknown command '" << command << "'\n";
    usage(std::cerr);
    return 2;
}
