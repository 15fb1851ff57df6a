"""Makes model_selection.json: scikit-learn 1.2.1's splits and cross-validation scores on the
reference sets, for the model_selection tests. Run with Debian's python3-sklearn, from this
folder: /usr/bin/python3 make_model_selection.py. Not run by the tests.

For each set (penguins: two classes; iris and penguins_species: three), on its training
labels (train/y_train.csv):
- "kfold": KFold(n_splits, shuffle, random_state) folds, as lists of test indices (the
  training indices are the rest, ascending);
- "stratified_kfold": the same for StratifiedKFold;
- "train_test_split": train_test_split(range(n), test_size, random_state, stratify) index
  lists, in the order scikit-learn returns them;
- "cross_val_score": cross_val_score of the reference pipeline (scaler on the numeric
  columns, one-hot encoder with handle_unknown="ignore" on the categorical ones,
  LogisticRegression()) on the training rows, with cv = 5 (StratifiedKFold without shuffle)
  and with KFold(5, shuffle=True, random_state=0): the accuracy of each fold;
- "grid_search": GridSearchCV of that pipeline (its classifier step named
  "logisticregression", as make_pipeline names it) over C in {0.01, 0.1, 1, 10} and
  fit_intercept in {true, false}, cv = 5: the candidates in order, each fold's score, mean,
  std and rank, and best_index."""
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

here = pathlib.Path(__file__).parent


def folds(splitter, X, y):
    return [test.tolist() for _, test in splitter.split(X, y)]


result = {"sklearn_version": sklearn.__version__, "sets": {}}
for name in ["penguins", "iris", "penguins_species"]:
    ref = json.loads((here / name / "reference.json").read_text())
    X = pd.read_csv(here / name / "train/X_train.csv")
    y = pd.read_csv(here / name / "train/y_train.csv").iloc[:, 0]
    n = len(y)
    entry = {"rows": n, "kfold": [], "stratified_kfold": [], "train_test_split": [], "cross_val_score": []}
    for n_splits in [2, 5, 7]:
        for shuffle, seed in [(False, None), (True, 0), (True, 42)]:
            common = {"n_splits": n_splits, "shuffle": shuffle, "random_state": seed}
            entry["kfold"].append({**common, "test_folds": folds(KFold(**common), X, y)})
            entry["stratified_kfold"].append({**common, "test_folds": folds(StratifiedKFold(**common), X, y)})
    for test_size, seed, stratify in [(0.25, 0, False), (0.2, 42, False), (30, 7, False), (0.25, 0, True),
                                      (0.2, 42, True), (0.33, 1, True), (30, 7, True)]:
        train, test = train_test_split(np.arange(n), test_size=test_size, random_state=seed,
                                       stratify=y if stratify else None)
        entry["train_test_split"].append({"test_size": test_size, "random_state": seed, "stratify": stratify,
                                          "train": train.tolist(), "test": test.tolist()})
    num, cat = ref["numerical_features"], ref["categorical_features"]
    for cv_name, cv in [("stratified5", 5), ("kfold5_shuffle0", KFold(5, shuffle=True, random_state=0))]:
        pre = ColumnTransformer([("num", StandardScaler(), num),
                                 ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])
        pipe = Pipeline([("pre", pre), ("clf", LogisticRegression())])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores = cross_val_score(pipe, X, y, cv=cv)
        entry["cross_val_score"].append({"cv": cv_name, "scores": scores.tolist()})
    pre = ColumnTransformer([("num", StandardScaler(), num), ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])
    pipe = Pipeline([("pre", pre), ("logisticregression", LogisticRegression())])
    grid = {"logisticregression__C": [0.01, 0.1, 1.0, 10.0], "logisticregression__fit_intercept": [True, False]}
    search = GridSearchCV(pipe, grid, cv=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    cv = search.cv_results_
    entry["grid_search"] = {
        "params": [{k: (bool(v) if isinstance(v, (bool, np.bool_)) else float(v)) for k, v in p.items()}
                   for p in cv["params"]],
        "split_test_scores": [[float(cv[f"split{k}_test_score"][c]) for k in range(5)] for c in range(len(cv["params"]))],
        "mean_test_score": cv["mean_test_score"].tolist(), "std_test_score": cv["std_test_score"].tolist(),
        "rank_test_score": cv["rank_test_score"].tolist(), "best_index": int(search.best_index_)}
    result["sets"][name] = entry

(here / "model_selection.json").write_text(json.dumps(result, separators=(",", ":")) + "\n")
print("wrote", here / "model_selection.json")
