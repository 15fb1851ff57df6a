#!/usr/bin/python3
"""The scikit-learn training script that bench/compare_sklearn measures mlpipe-sagemaker against.

What a data scientist's SageMaker script-mode entry point does with this data: read every
CSV file of the train channel with pandas, fit ColumnTransformer([("num", StandardScaler(),
numeric), ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)]) followed by
LogisticRegression(solver="lbfgs", C=1, max_iter=100, tol=1e-4), save the pipeline with
joblib.dump to the model folder, and evaluate it on the test channel. Then, for the
comparison only, it writes --results (JSON: n_iter, converged, test accuracy, classes, the
coefficients by feature name in the order numeric then one-hot, the intercept, the seconds
of each phase) and --predictions (the predicted test labels, one per line).

Paths default to SageMaker's environment (SM_CHANNEL_TRAIN, SM_CHANNEL_TEST, SM_MODEL_DIR,
SM_OUTPUT_DATA_DIR), as in script mode. Run it with Debian's Python, which has
scikit-learn (python3-sklearn):

    /usr/bin/python3 bench/sklearn_train.py --train DIR --test DIR --model-dir DIR \\
        --target y --numeric x00,x01 --categorical cat0,cat1 --results r.json --predictions p.txt
"""

import argparse
import glob
import json
import os
import sys
import time
import warnings

STARTED = time.perf_counter()

import joblib  # noqa: E402  (imports are timed as part of the script, as they would be)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402


def read_channel(folder):
    files = sorted(glob.glob(os.path.join(folder, "*.csv")))
    if not files:
        sys.exit("sklearn_train: no .csv file in %s" % folder)
    frames = [pd.read_csv(path) for path in files]
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def names(text):
    return [n.strip() for n in text.split(",") if n.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    parser.add_argument("--test", default=os.environ.get("SM_CHANNEL_TEST", "/opt/ml/input/data/test"))
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--output-data-dir", default=os.environ.get("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data"))
    parser.add_argument("--target", default="y")
    parser.add_argument("--numeric", required=True, help="comma-separated numeric columns")
    parser.add_argument("--categorical", required=True, help="comma-separated categorical columns")
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--max-iter", type=int, default=100)
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument("--results", help="JSON file for bench/compare_sklearn (default: OUTPUT_DATA_DIR/results.json)")
    parser.add_argument("--predictions", help="the test predictions, one per line (default: "
                                              "OUTPUT_DATA_DIR/predictions.txt)")
    args = parser.parse_args()
    numeric, categorical = names(args.numeric), names(args.categorical)
    seconds = {"imports": time.perf_counter() - STARTED}

    t = time.perf_counter()
    train = read_channel(args.train)
    X, y = train[numeric + categorical], train[args.target]
    seconds["read_train"] = time.perf_counter() - t

    model = Pipeline([
        ("preprocess", ColumnTransformer([("num", StandardScaler(), numeric),
                                          ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)])),
        ("classifier", LogisticRegression(solver="lbfgs", C=args.C, max_iter=args.max_iter, tol=args.tol)),
    ])
    t = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y)
    seconds["fit"] = time.perf_counter() - t
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    classifier = model.named_steps["classifier"]
    n_iter = int(np.max(classifier.n_iter_))
    print("fit: n_iter=%d, converged=%s, %.3f s" % (n_iter, "yes" if converged else "no", seconds["fit"]), flush=True)

    t = time.perf_counter()
    os.makedirs(args.model_dir, exist_ok=True)
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
    seconds["save"] = time.perf_counter() - t

    t = time.perf_counter()
    test = read_channel(args.test)
    predicted = model.predict(test[numeric + categorical])
    accuracy = float(np.mean(predicted == test[args.target].to_numpy()))
    seconds["test"] = time.perf_counter() - t
    print("test:accuracy=%.4f;" % accuracy, flush=True)

    # For the comparison (not part of a real job's work, but cheap): coefficients and predictions.
    output_dir = args.output_data_dir
    results_path = args.results or os.path.join(output_dir, "results.json")
    predictions_path = args.predictions or os.path.join(output_dir, "predictions.txt")
    for path in (results_path, predictions_path):
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
    feature_names = [name.split("__", 1)[1] for name in model.named_steps["preprocess"].get_feature_names_out()]
    with open(predictions_path, "w") as out:
        out.write("\n".join(str(p) for p in predicted.tolist()) + "\n")
    results = {
        "sklearn": sklearn.__version__, "pandas": pd.__version__, "numpy": np.__version__,
        "rows": int(len(train)), "test_rows": int(len(test)), "n_iter": n_iter, "converged": converged,
        "test_accuracy": accuracy, "classes": [str(c) for c in classifier.classes_.tolist()],
        "feature_names": feature_names, "coef": classifier.coef_.tolist(), "intercept": classifier.intercept_.tolist(),
        "seconds": seconds,
    }
    with open(results_path, "w") as out:
        json.dump(results, out)
    print("done in %.3f s" % (time.perf_counter() - STARTED), flush=True)


if __name__ == "__main__":
    main()
