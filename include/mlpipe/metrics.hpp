#pragma once
// Classification metrics as scikit-learn 1.2.1 computes them. Not part of core.hpp: include
// this (or one header of metrics/) where you evaluate a model.

#include <mlpipe/metrics/accuracy.hpp>
#include <mlpipe/metrics/classification_report.hpp>
#include <mlpipe/metrics/confusion_matrix.hpp>
#include <mlpipe/metrics/labels_view.hpp>
#include <mlpipe/metrics/log_loss.hpp>
#include <mlpipe/metrics/precision_recall.hpp>
#include <mlpipe/metrics/roc_auc.hpp>
