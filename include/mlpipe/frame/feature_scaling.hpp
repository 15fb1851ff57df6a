#pragma once
// An affine map of numeric columns by name, feature = (x - center) / scale: what a
// StandardScaler does, handed to a step that can apply it on the fly instead of reading a
// scaled copy of the data (Pipeline folds a StandardScaler into a LogisticRegression so).

#include <functional>
#include <map>
#include <string>

namespace mlpipe {

struct FeatureScaling {
    double center = 0.0;
    double scale = 1.0;
};

using FeatureScalings = std::map<std::string, FeatureScaling, std::less<>>;

}  // namespace mlpipe
