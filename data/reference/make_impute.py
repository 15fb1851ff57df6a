"""Makes penguins_impute/: the penguins split with holes punched in it, and impute.json,
scikit-learn's SimpleImputer results on it. Run with Debian's python3-sklearn (1.2.1), from
this folder: /usr/bin/python3 make_impute.py. Not run by the tests.

Holes (the same in train and test): the first numeric column on every 7th row (rows 0, 7,
...), the last numeric column on every 13th row from row 3, the first categorical column on
every 11th row from row 5. Written back with pandas, so a hole is an empty field.

impute.json holds:
- "fits": the pipeline ColumnTransformer([("num", Pipeline([SimpleImputer(numeric_strategy),
  StandardScaler()]), num), ("cat", Pipeline([SimpleImputer(categorical_strategy,
  fill_value), OneHotEncoder(handle_unknown="ignore")]), cat)]) then LogisticRegression()
  with defaults, for (mean, most_frequent) and (median, constant "missing"): the imputers'
  statistics, coef, intercept, n_iter and, on the test rows, predict_proba and predictions.
- "imputers": SimpleImputer alone on the training rows, for every strategy, with and without
  add_indicator: statistics, feature_names_out and the transform of the test rows.
- "cases": small hand-made columns for the rules that the penguins rows do not reach: ties
  in most_frequent, an even count for median, a column with no observed value, the default
  fill values, a hole at transform time in a column that had none at fit."""
import json
import pathlib

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

here = pathlib.Path(__file__).parent
source = here / "penguins"
out = here / "penguins_impute"
ref = json.loads((source / "reference.json").read_text())
num, cat = ref["numerical_features"], ref["categorical_features"]


def punch(frame):
    frame = frame.copy()
    frame.loc[frame.index[0::7], num[0]] = np.nan
    frame.loc[frame.index[3::13], num[-1]] = np.nan
    frame.loc[frame.index[5::11], cat[0]] = np.nan
    return frame


X_train = punch(pd.read_csv(source / "train/X_train.csv"))
y_train = pd.read_csv(source / "train/y_train.csv")
X_test = punch(pd.read_csv(source / "test/X_test.csv"))
(out / "train").mkdir(parents=True, exist_ok=True)
(out / "test").mkdir(parents=True, exist_ok=True)
X_train.to_csv(out / "train/X_train.csv", index=False)
y_train.to_csv(out / "train/y_train.csv", index=False)
X_test.to_csv(out / "test/X_test.csv", index=False)
y = y_train.iloc[:, 0]


def plain(values):
    """JSON-ready: NaN as null, numpy scalars as Python ones."""
    result = []
    for v in values:
        if isinstance(v, (float, np.floating)):
            result.append(None if np.isnan(v) else float(v))
        elif isinstance(v, (np.integer,)):
            result.append(int(v))
        else:
            result.append(v)
    return result


def pipeline_fit(numeric_strategy, categorical_strategy, fill_value):
    num_imputer = SimpleImputer(strategy=numeric_strategy)
    cat_imputer = SimpleImputer(strategy=categorical_strategy, fill_value=fill_value)
    pre = ColumnTransformer([("num", Pipeline([("impute", num_imputer), ("scale", StandardScaler())]), num),
                             ("cat", Pipeline([("impute", cat_imputer),
                                               ("encode", OneHotEncoder(handle_unknown="ignore"))]), cat)])
    clf = LogisticRegression()
    pipe = Pipeline([("pre", pre), ("clf", clf)])
    pipe.fit(X_train, y)
    fitted_num = pipe.named_steps["pre"].named_transformers_["num"].named_steps["impute"]
    fitted_cat = pipe.named_steps["pre"].named_transformers_["cat"].named_steps["impute"]
    return {"numeric_strategy": numeric_strategy, "categorical_strategy": categorical_strategy,
            "fill_value": fill_value, "numeric_statistics": plain(fitted_num.statistics_),
            "categorical_statistics": plain(fitted_cat.statistics_),
            "feature_names_out": list(pipe.named_steps["pre"].get_feature_names_out()),
            "n_iter": int(clf.n_iter_.max()), "coef": clf.coef_.tolist(), "intercept": clf.intercept_.tolist(),
            "test_predict_proba": pipe.predict_proba(X_test).tolist(),
            "test_predictions": pipe.predict(X_test).tolist()}


def imputer_run(columns, strategy, fill_value, add_indicator, train, test):
    imputer = SimpleImputer(strategy=strategy, fill_value=fill_value, add_indicator=add_indicator)
    imputer.fit(train[columns])
    transformed = imputer.transform(test[columns])
    return {"columns": columns, "strategy": strategy, "fill_value": fill_value, "add_indicator": add_indicator,
            "statistics": plain(imputer.statistics_),
            "feature_names_out": list(imputer.get_feature_names_out()),
            # One list per output column, in output order.
            "transform": [plain(transformed[:, j]) for j in range(transformed.shape[1])]}


fits = [pipeline_fit("mean", "most_frequent", None), pipeline_fit("median", "constant", "missing")]

imputers = []
for strategy in ["mean", "median", "most_frequent", "constant"]:
    for add_indicator in [False, True]:
        imputers.append(imputer_run(num, strategy, None, add_indicator, X_train, X_test))
imputers.append(imputer_run(num, "constant", -1.5, True, X_train, X_test))
for strategy, fill_value in [("most_frequent", None), ("constant", None), ("constant", "missing")]:
    for add_indicator in [False, True]:
        imputers.append(imputer_run(cat, strategy, fill_value, add_indicator,
                                    X_train.astype({c: object for c in cat}), X_test.astype({c: object for c in cat})))

# Hand-made columns. "ties": 1 and 2 are equally frequent; "even": median of an even count;
# "empty": no value at all at fit; "full": no hole at fit, holes at transform.
small_train = pd.DataFrame({
    "ties": [2.0, 1.0, np.nan, 2.0, 1.0, 3.0],
    "even": [4.0, np.nan, 1.0, 10.0, 2.0, 7.0],
    "empty": [np.nan] * 6,
    "full": [5.0, 6.0, 6.5, 7.0, 8.0, 9.0],
    "word": pd.Series(["b", "a", np.nan, "b", "a", "c"], dtype=object),
    "none": pd.Series([np.nan] * 6, dtype=object),
})
small_test = pd.DataFrame({
    "ties": [np.nan, 4.0], "even": [np.nan, np.nan], "empty": [1.0, np.nan], "full": [np.nan, 1.0],
    "word": pd.Series([np.nan, "z"], dtype=object), "none": pd.Series(["x", np.nan], dtype=object),
})
small_numeric = ["ties", "even", "empty", "full"]
cases = {"train": {c: plain(small_train[c]) for c in small_train},
         "test": {c: plain(small_test[c]) for c in small_test}, "runs": []}
for strategy in ["mean", "median", "most_frequent", "constant"]:
    for add_indicator in [False, True]:
        cases["runs"].append(imputer_run(small_numeric, strategy, None, add_indicator, small_train, small_test))
for strategy in ["most_frequent", "constant"]:
    for add_indicator in [False, True]:
        cases["runs"].append(imputer_run(["word", "none"], strategy, None, add_indicator, small_train, small_test))

result = {"sklearn_version": sklearn.__version__, "numerical_features": num, "categorical_features": cat,
          "fits": fits, "imputers": imputers, "cases": cases}
(out / "impute.json").write_text(json.dumps(result, indent=1) + "\n")
print("wrote", out / "impute.json")
