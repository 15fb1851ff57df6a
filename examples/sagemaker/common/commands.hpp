#pragma once
// The sub-commands of mlpipe-sagemaker, each in its own translation unit so that the
// heavy headers (HTTP server, Boost archives) are compiled once.
// args: the arguments after the sub-command name. Return: the process exit code.

#include <string>
#include <vector>

namespace mlpipe::sagemaker {

int train_main(const std::vector<std::string>& args);    // train/train.cpp
int serve_main(const std::vector<std::string>& args);    // serve/serve.cpp
int prepare_main(const std::vector<std::string>& args);  // prepare/prepare.cpp

}  // namespace mlpipe::sagemaker
