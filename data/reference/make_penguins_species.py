"""Makes data/reference/penguins_species: a multiclass problem with categorical features
(predict species from island, sex and the four measurements), fitted with scikit-learn
the way ../README.md describes for the other sets. Run with Debian's python3-sklearn
(1.2.1): python3 make_penguins_species.py  (from this folder). Not run by the tests."""
import json
import pathlib

import numpy as np
import pandas as pd
import sklearn
import scipy
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

here = pathlib.Path(__file__).parent
out = here / "penguins_species"
raw = pd.read_csv(here.parent / "penguins.csv")
df = raw.drop(columns=["year"]).dropna().drop_duplicates().reset_index(drop=True)
cat = ["island", "sex"]
num = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
X = df[cat + num]
y = df["species"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
for sub in ("train", "test"):
    (out / sub).mkdir(parents=True, exist_ok=True)
X_train.to_csv(out / "train/X_train.csv", index=False)
y_train.to_csv(out / "train/y_train.csv", index=False)
X_test.to_csv(out / "test/X_test.csv", index=False)
y_test.to_csv(out / "test/y_test.csv", index=False)


def fit(clf):
    pre = ColumnTransformer([("num", StandardScaler(), num),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])
    pipe = Pipeline([("pre", pre), ("clf", clf)]).fit(X_train, y_train)
    return pipe


pipe = fit(LogisticRegression())
tight = fit(LogisticRegression(solver="newton-cg", tol=1e-8, max_iter=10000))
lr, lrt = pipe.named_steps["clf"], tight.named_steps["clf"]
pre = pipe.named_steps["pre"]
ref = {
    "dataset": "penguins_species",
    "source": "data/penguins.csv (CC0); dropna + drop_duplicates; make_penguins_species.py",
    "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
    "split": {"test_size": 0.2, "random_state": 42},
    "task": "multiclass (3) with categorical features",
    "n_train": len(X_train), "n_test": len(X_test),
    "numerical_features": num, "categorical_features": cat,
    "feature_names_out": list(pre.get_feature_names_out()),
    "scaler": {k: getattr(pre.named_transformers_["num"], k).tolist() for k in ("mean_", "var_", "scale_")},
    "encoder": {"categories_": [c.tolist() for c in pre.named_transformers_["cat"].categories_]},
    "classes_": lr.classes_.tolist(),
    "coef_": lr.coef_.tolist(), "intercept_": lr.intercept_.tolist(), "n_iter_": lr.n_iter_.tolist(),
    # sklearn 1.2.1's L-BFGS objective: summed log loss + ||coef||^2 / (2C)
    "objective": float(log_loss(y_train, pipe.predict_proba(X_train), normalize=False, labels=lr.classes_)
                       + 0.5 * np.sum(lr.coef_ ** 2)),
    "test_accuracy": float(pipe.score(X_test, y_test)),
    "test": {"predictions": pipe.predict(X_test).tolist(),
             "predict_proba": pipe.predict_proba(X_test).tolist(),
             "decision_function": pipe.decision_function(X_test).tolist()},
    "tight": {"solver": "newton-cg", "tol": 1e-8, "coef_": lrt.coef_.tolist(),
              "intercept_": lrt.intercept_.tolist(),
              "test_predict_proba": tight.predict_proba(X_test).tolist()},
}
(out / "reference.json").write_text(json.dumps(ref, indent=1))
print("n_iter", lr.n_iter_, "classes", lr.classes_, "rows", len(X_train), len(X_test))
