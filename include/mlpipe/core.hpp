#pragma once
// The library without persistence: Frame, reading CSV, the pipeline steps and Pipeline.
// Includes no Boost header and no POSIX file header, so it compiles fast; <mlpipe/mlpipe.hpp>
// adds save/load and write_csv (or include <mlpipe/io/csv_writer.hpp> alone).

#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>
#include <mlpipe/frame/eigen.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/frame/label.hpp>
#include <mlpipe/frame/schema.hpp>
#include <mlpipe/io/csv.hpp>
#include <mlpipe/linear_model/logistic_regression.hpp>
#include <mlpipe/optim/lbfgs.hpp>
#include <mlpipe/pipeline/concepts.hpp>
#include <mlpipe/pipeline/pipeline.hpp>
#include <mlpipe/preprocessing/one_hot_encoder.hpp>
#include <mlpipe/preprocessing/simple_imputer.hpp>
#include <mlpipe/preprocessing/standard_scaler.hpp>
#include <mlpipe/version.hpp>
