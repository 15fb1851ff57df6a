"""Makes encoder.json: scikit-learn's OneHotEncoder on small hand-made columns and on the
penguins split, over a grid of options (categories, min_frequency, max_categories,
handle_unknown, drop). Run with Debian's python3-sklearn (1.2.1), from this folder:
/usr/bin/python3 make_encoder.py. Not run by the tests.

encoder.json holds:
- "columns": the hand-made columns, "train" (15 rows, fitted on) and "test" (7 rows),
  "kinds" (text or number); a missing value is null.
- "category_sets": explicit category lists per column ("all": every value seen at fit,
  text in an unsorted order, plus values never seen; "partial": leaves out values seen at
  fit; "unsorted": text in reverse order, numbers out of order). "auto" is sklearn's
  default.
- "runs": one encoder per hand-made column and option set. "min_frequency" is a JSON
  integer for sklearn's int (a count of rows) and a JSON float for its float (a fraction of
  the rows). Each run holds either "fit_error" (sklearn's message) or categories_,
  infrequent_categories_ (null: none for the column), drop_idx_, feature_names_out and the
  dense transform of the train and test rows ("train", "test", one list per row), or
  "test_error" when transforming the test rows fails.
- "parameter_errors": option values sklearn refuses, with its message.
- "penguins": the same kind of runs for species and island together on
  penguins/train, transforming penguins/test/X_test.csv ("test") and X_test_unknown.csv
  ("test_unknown")."""
import itertools
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.preprocessing import OneHotEncoder

warnings.simplefilter("ignore")  # sklearn warns about unknown values with drop set
here = pathlib.Path(__file__).parent
nan = np.nan

# Counts at fit: t: a 5, b 3, c 3, d 1, e 1, missing 2 (ties at the max_categories cut: b/c,
# d/e); n: -1 3, 1 5, 2.5 3, 4 2, missing 2; s: no missing at fit, missing at test; m: numbers
# without missing at fit; b: p 12, q 2, r 1 (binary once q and r are grouped); one: one value.
train = {
    "t": ["a", "b", "a", "c", None, "a", "b", "d", "c", "a", "e", "b", None, "c", "a"],
    "n": [1, 2.5, -1, 1, nan, 4, 1, 2.5, -1, nan, 1, 4, 2.5, -1, 1],
    "s": ["x", "y", "x", "z", "x", "y", "x", "z", "x", "y", "x", "z", "x", "y", "x"],
    "m": [0, 10, 0, 20, 0, 10, 0, 10, 0, 10, 0, 20, 10, 0, 10],
    "b": ["p", "p", "q", "p", "p", "r", "p", "p", "p", "q", "p", "p", "p", "p", "p"],
    "one": ["k"] * 15,
}
test = {
    "t": ["a", "b", "c", "d", "e", None, "zz"],
    "n": [-1, 1, 2.5, 4, nan, 7, 3],
    "s": ["x", "y", "z", None, "w", "x", "x"],
    "m": [0, 10, 20, nan, 30, 0, 0],
    "b": ["p", "q", "r", "s", "p", "p", "p"],
    "one": ["k", "k", "w", "k", "k", "k", "k"],
}
kinds = {"t": "text", "n": "number", "s": "text", "m": "number", "b": "text", "one": "text"}
category_sets = {
    "all": {"t": ["c", None, "a", "e", "b", "d", "f"], "n": [-1, 1, 2.5, 3, 4, None], "s": ["z", "x", "y", "w"],
            "m": [0, 10, 20, 30], "b": ["r", "q", "p"], "one": ["k", "w"]},
    "partial": {"t": ["e", "a", "f", "b"], "n": [1, 2.5, 7], "s": ["x", "y"], "m": [0, 10], "b": ["p", "q"],
                "one": ["w"]},
    "unsorted": {"t": [None, "e", "d", "c", "b", "a"], "n": [None, -1, 1, 2.5, 4], "s": ["z", "y", "x"],
                 "m": [20, 10, 0], "b": ["r", "q", "p"], "one": ["k"]},
}


def series(name, values):
    if kinds[name] == "text":
        return pd.Series([nan if v is None else v for v in values], dtype=object)
    return pd.Series([nan if v is None else v for v in values], dtype=np.float64)


def frame(columns, names):
    return pd.DataFrame({name: series(name, columns[name]) for name in names})


def sklearn_list(name, values):
    """An explicit category list as sklearn takes it: NaN for the missing value."""
    return [nan if v is None else (float(v) if kinds.get(name) == "number" else v) for v in values]


def plain(value):
    """JSON-ready: NaN as null, numpy scalars as Python ones."""
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def dense(matrix):
    return [[int(v) for v in row] for row in np.asarray(matrix)]


def encode(names, fit_frame, test_frames, categories="auto", **options):
    result = {}
    encoder = OneHotEncoder(sparse_output=False, categories=categories, **options)
    try:
        encoder.fit(fit_frame)
    except Exception as e:  # sklearn's message is what the tests compare with
        result["fit_error"] = f"{type(e).__name__}: {e}"
        return result
    result["categories_"] = [[plain(v) for v in cats] for cats in encoder.categories_]
    if encoder.max_categories is not None or encoder.min_frequency is not None:
        result["infrequent_categories_"] = [None if cats is None else [plain(v) for v in cats]
                                            for cats in encoder.infrequent_categories_]
    else:
        result["infrequent_categories_"] = None  # sklearn has no such attribute then
    result["drop_idx_"] = None if encoder.drop_idx_ is None else [plain(v) for v in encoder.drop_idx_]
    result["feature_names_out"] = list(encoder.get_feature_names_out(names))
    for key, rows in test_frames.items():
        try:
            result[key] = dense(encoder.transform(rows))
        except Exception as e:
            result[key + "_error"] = f"{type(e).__name__}: {e}"
    return result


min_frequencies = [None, 2, 0.2]  # 15 * 0.2 is exactly 3.0: counts of 3 sit on the boundary
max_categories = [None, 1, 3]
handle_unknowns = ["error", "ignore", "infrequent_if_exist"]
drops = [None, "first", "if_binary"]

runs = []
for name in train:
    fit_frame = frame(train, [name])
    test_frames = {"train": fit_frame, "test": frame(test, [name])}
    for categories in ["auto", "all", "partial", "unsorted"]:
        for min_frequency, max_cats, handle_unknown, drop in itertools.product(
                min_frequencies, max_categories, handle_unknowns, drops):
            if categories == "unsorted" and (min_frequency, max_cats) not in [(None, None), (2, 3)]:
                continue  # only the order matters here
            explicit = "auto" if categories == "auto" else [sklearn_list(name, category_sets[categories][name])]
            run = {"column": name, "categories": categories, "min_frequency": min_frequency,
                   "max_categories": max_cats, "handle_unknown": handle_unknown, "drop": drop}
            run.update(encode([name], fit_frame, test_frames, explicit, min_frequency=min_frequency,
                              max_categories=max_cats, handle_unknown=handle_unknown, drop=drop))
            runs.append(run)

parameter_errors = []
for option, value in [("min_frequency", 0), ("min_frequency", -3), ("min_frequency", 0.0),
                      ("min_frequency", 1.0), ("min_frequency", 1.5), ("min_frequency", -0.25),
                      ("max_categories", 0), ("max_categories", -2)]:
    try:
        OneHotEncoder(**{option: value}).fit(frame(train, ["t"]))
        message = None
    except Exception as e:
        message = f"{type(e).__name__}: {e}"
    parameter_errors.append({"option": option, "value": value, "error": message})

# Penguins: species (Adelie 115, Gentoo 101, Chinstrap 50) and island (Biscoe 135, Dream 98,
# Torgersen 33) on 266 training rows.
penguins = here / "penguins"
p_train = pd.read_csv(penguins / "train/X_train.csv")
p_frames = {"test": pd.read_csv(penguins / "test/X_test.csv"),
            "test_unknown": pd.read_csv(penguins / "test/X_test_unknown.csv")}
p_columns = ["species", "island"]
p_runs = []
for (min_frequency, max_cats), handle_unknown, drop in itertools.product(
        [(40, None), (0.2, None), (0.45, None), (None, 2), (40, 2)], ["ignore", "infrequent_if_exist"], drops):
    run = {"columns": p_columns, "min_frequency": min_frequency, "max_categories": max_cats,
           "handle_unknown": handle_unknown, "drop": drop}
    run.update(encode(p_columns, p_train[p_columns], {k: v[p_columns] for k, v in p_frames.items()},
                      min_frequency=min_frequency, max_categories=max_cats, handle_unknown=handle_unknown, drop=drop))
    p_runs.append(run)

result = {"sklearn_version": sklearn.__version__,
          "columns": {"train": {k: [plain(v) for v in vs] for k, vs in train.items()},
                      "test": {k: [plain(v) for v in vs] for k, vs in test.items()}, "kinds": kinds},
          "category_sets": category_sets, "runs": runs, "parameter_errors": parameter_errors,
          "penguins": {"runs": p_runs}}


def dump(value, indent=""):
    """One run per line: readable diffs without a line per matrix entry."""
    if isinstance(value, dict) and any(isinstance(v, (dict, list)) for v in value.values()) and indent.count(" ") < 2:
        items = [f'{indent} {json.dumps(k)}: {dump(v, indent + " ").lstrip()}' for k, v in value.items()]
        return indent + "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return indent + "[\n" + ",\n".join(indent + " " + json.dumps(v, separators=(",", ":"), allow_nan=False) for v in value) + \
            "\n" + indent + "]"
    return indent + json.dumps(value, separators=(",", ":"), allow_nan=False)


(here / "encoder.json").write_text(dump(result) + "\n")
json.loads((here / "encoder.json").read_text())  # still valid JSON
print("wrote", here / "encoder.json", len(runs), "runs,", len(p_runs), "penguins runs")
