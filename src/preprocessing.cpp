// mlpipe::precompiled: the non-template member functions of OneHotEncoder, SimpleImputer and
// StandardScaler, compiled once. Their users compile with MLPIPE_PRECOMPILED, so their
// translation units only declare these functions (detail/compiled.hpp).

#include <mlpipe/preprocessing/one_hot_encoder_impl.hpp>
#include <mlpipe/preprocessing/simple_imputer_impl.hpp>
#include <mlpipe/preprocessing/standard_scaler_impl.hpp>
