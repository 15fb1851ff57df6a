#pragma once
// Splitting data and cross-validation, as scikit-learn's model_selection: train_test_split,
// KFold, StratifiedKFold and cross_val_score (same rows and folds for the same random_state).
// Not part of <mlpipe/core.hpp>: include it where it is used.

#include <mlpipe/frame/rows.hpp>
#include <mlpipe/model_selection/cross_val_score.hpp>
#include <mlpipe/model_selection/kfold.hpp>
#include <mlpipe/model_selection/numpy_random.hpp>
#include <mlpipe/model_selection/train_test_split.hpp>
