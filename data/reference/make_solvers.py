"""Makes <set>/solvers.json: scikit-learn fits of the reference pipeline with every solver
and penalty, for the solver tests. Run with Debian's python3-sklearn (1.2.1), from this
folder: /usr/bin/python3 make_solvers.py penguins_species  (the penguins and iris files
were made the same way). Not run by the tests.

The pipeline is the one of reference.json: ColumnTransformer([("num", StandardScaler(),
num), ("cat", OneHotEncoder(handle_unknown="ignore"), cat)]) then LogisticRegression.
Fits: newton-cg, newton-cholesky (binary problems only in 1.2.1), sag and saga with the l2
penalty and C = 1, at tol 1e-4 / max_iter 100 and at tol 1e-10 (max_iter 10000, sag and
saga 100000, random_state 0); saga with l1 (C = 0.5) and elasticnet (C = 0.5,
l1_ratio = 0.5) at tol 1e-10."""
import json
import pathlib
import sys
import time
import warnings

import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

name = sys.argv[1]
here = pathlib.Path(__file__).parent / name
ref = json.loads((here / "reference.json").read_text())
num, cat = ref["numerical_features"], ref["categorical_features"]
X_train = pd.read_csv(here / "train/X_train.csv")
y_train = pd.read_csv(here / "train/y_train.csv").iloc[:, 0]
X_test = pd.read_csv(here / "test/X_test.csv")
binary = y_train.nunique() == 2


def fit(**options):
    pre = ColumnTransformer([("num", StandardScaler(), num),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])
    clf = LogisticRegression(**options)
    pipe = Pipeline([("pre", pre), ("clf", clf)])
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return {"solver": options["solver"], "penalty": options.get("penalty", "l2"), "C": options.get("C", 1.0),
            "l1_ratio": options.get("l1_ratio"), "tol": options["tol"], "max_iter": options["max_iter"],
            "n_iter": int(clf.n_iter_.max()), "converged": bool(clf.n_iter_.max() < options["max_iter"]),
            "fit_seconds": seconds, "coef": clf.coef_.tolist(), "intercept": clf.intercept_.tolist(),
            "test_predict_proba": pipe.predict_proba(X_test).tolist(),
            "test_predictions": pipe.predict(X_test).tolist()}


fits = []
for solver in ["newton-cg", "newton-cholesky", "sag", "saga"]:
    if solver == "newton-cholesky" and not binary:
        continue
    stochastic = solver in ("sag", "saga")
    extra = {"random_state": 0} if stochastic else {}
    fits.append(fit(solver=solver, tol=1e-4, max_iter=100, **extra))
    fits.append(fit(solver=solver, tol=1e-10, max_iter=100000 if stochastic else 10000, **extra))
fits.append(fit(solver="saga", penalty="l1", C=0.5, tol=1e-10, max_iter=100000, random_state=0))
fits.append(fit(solver="saga", penalty="elasticnet", C=0.5, l1_ratio=0.5, tol=1e-10, max_iter=100000,
                random_state=0))
(here / "solvers.json").write_text(json.dumps({"sklearn": sklearn.__version__, "fits": fits}, indent=1))
for f in fits:
    print(f["solver"], f["penalty"], f["tol"], "n_iter", f["n_iter"], "converged", f["converged"])
