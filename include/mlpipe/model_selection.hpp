#pragma once
// Splitting data, cross-validation and grid search, as scikit-learn's model_selection:
// train_test_split, KFold, StratifiedKFold, cross_val_score, GridSearchCV (same rows and folds
// for the same random_state), and get_params / set_params, which the search uses.
// Not part of <mlpipe/core.hpp>: include it where it is used.

#include <mlpipe/frame/rows.hpp>
#include <mlpipe/model_selection/cross_val_score.hpp>
#include <mlpipe/model_selection/grid_search.hpp>
#include <mlpipe/model_selection/kfold.hpp>
#include <mlpipe/model_selection/numpy_random.hpp>
#include <mlpipe/model_selection/train_test_split.hpp>
#include <mlpipe/pipeline/params.hpp>
