"""Makes metrics.json: scikit-learn's classification metrics on the test rows of the
reference sets and on small hand-made cases that reach its edge behaviour, for
tests/metrics. Run with Debian's python3-sklearn (1.2.1), from anywhere:
/usr/bin/python3 make_metrics.py  . Not run by the tests.

The reference sets use the predictions and probabilities already stored in
<set>/reference.json ("test": predictions, predict_proba, decision_function), so the
file depends on nothing but those and y_test.csv. Every case holds its inputs (y_true,
y_pred, and where it has them proba with its classes, or a one-column score) and the
metrics of them; labels are JSON strings or numbers, as in the data."""
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, classification_report,
                             confusion_matrix, f1_score, log_loss, precision_recall_fscore_support,
                             precision_score, recall_score, roc_auc_score)

here = pathlib.Path(__file__).parent
warnings.simplefilter("ignore", UndefinedMetricWarning)  # zero_division="warn" warns, then gives 0
warnings.simplefilter("ignore", UserWarning)  # balanced_accuracy: "y_pred contains classes not in y_true"
warnings.simplefilter("ignore", RuntimeWarning)  # balanced_accuracy adjusted, one class: 0 / 0


def plain(value):
    """numpy scalars and arrays as JSON values."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def scores(y_true, y_pred, average, pos_label=1, labels=None, zero_division="warn"):
    options = dict(average=average, pos_label=pos_label, labels=labels, zero_division=zero_division)
    return {"average": average, "pos_label": pos_label, "labels": labels, "zero_division": zero_division,
            "precision": float(precision_score(y_true, y_pred, **options)),
            "recall": float(recall_score(y_true, y_pred, **options)),
            "f1": float(f1_score(y_true, y_pred, **options))}


def per_class(y_true, y_pred, labels=None, zero_division="warn"):
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, labels=labels,
                                                 zero_division=zero_division)
    labels_used = labels if labels is not None else np.unique(np.concatenate([y_true, y_pred]))
    return {"labels_given": labels, "zero_division": zero_division, "labels": plain(labels_used),
            "precision": plain(p), "recall": plain(r), "f1": plain(f), "support": plain(s)}


def case(name, y_true, y_pred, *, proba=None, classes=None, score=None, pos_labels=(), labels_options=(),
         zero_divisions=("warn",)):
    """Every metric that applies to these inputs. pos_labels: binary scores with these
    positive classes; labels_options: the labels= arguments to try besides None."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    present = np.unique(np.concatenate([y_true, y_pred]))
    out = {"name": name, "y_true": plain(y_true), "y_pred": plain(y_pred),
           "accuracy": float(accuracy_score(y_true, y_pred)),
           "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
           "balanced_accuracy_adjusted": float(balanced_accuracy_score(y_true, y_pred, adjusted=True)),
           "confusion_matrix": [{"labels_given": None, "labels": plain(present),
                                 "counts": plain(confusion_matrix(y_true, y_pred))}]}
    for labels in labels_options:
        out["confusion_matrix"].append({"labels_given": labels, "labels": labels,
                                        "counts": plain(confusion_matrix(y_true, y_pred, labels=labels))})
    out["scores"], out["per_class"] = [], []
    for zd in zero_divisions:
        for average in ("micro", "macro", "weighted"):
            out["scores"].append(scores(y_true, y_pred, average, zero_division=zd))
            for labels in labels_options:
                out["scores"].append(scores(y_true, y_pred, average, labels=labels, zero_division=zd))
        for pos_label in pos_labels:
            out["scores"].append(scores(y_true, y_pred, "binary", pos_label=pos_label, zero_division=zd))
        out["per_class"].append(per_class(y_true, y_pred, zero_division=zd))
        for labels in labels_options:
            out["per_class"].append(per_class(y_true, y_pred, labels=labels, zero_division=zd))
    out["classification_report"] = [
        {"digits": d, "zero_division": zd,
         "text": classification_report(y_true, y_pred, digits=d, zero_division=zd)}
        for d in (2, 4, 0) for zd in zero_divisions]
    if proba is not None:
        proba = np.asarray(proba, dtype=np.float64)
        out["classes"] = plain(classes)
        out["proba"] = plain(proba)
        out["log_loss"] = [
            {"eps": eps, "normalize": normalize,
             "value": float(log_loss(y_true, proba, eps=eps, normalize=normalize, labels=classes))}
            for eps in ("auto", 1e-15) for normalize in (True, False)]
        if proba.shape[1] == 2:
            out["log_loss_positive_column"] = float(log_loss(y_true, proba[:, 1], labels=classes))
        try:  # sklearn refuses a class absent from y_true, and (multiclass) rows not summing to 1
            if len(classes) == 2:
                out["roc_auc"] = float(roc_auc_score(y_true, proba[:, 1]))
            else:
                out["roc_auc"] = float(roc_auc_score(y_true, proba, multi_class="ovr", average="macro",
                                                     labels=classes))
        except ValueError as e:
            out["roc_auc_error"] = str(e)
    if score is not None:
        out["score"] = plain(np.asarray(score, dtype=np.float64))
        out["roc_auc_of_score"] = float(roc_auc_score(y_true, score))
    return out


cases = []

# The test rows of the reference sets, with the stored predictions of the default fit.
for name in ("penguins", "iris", "penguins_species"):
    ref = json.loads((here / name / "reference.json").read_text())
    y_true = pd.read_csv(here / name / "test" / "y_test.csv").iloc[:, 0].to_numpy()
    classes = ref["classes_"]
    extra = {}
    if len(classes) == 2:
        extra = {"score": ref["test"]["decision_function"], "pos_labels": (classes[0], classes[1])}
    c = case(name, y_true, ref["test"]["predictions"], proba=ref["test"]["predict_proba"], classes=classes,
             labels_options=(list(reversed(classes)), classes[:1]), zero_divisions=("warn", 0, 1), **extra)
    c["y_test_file"] = f"{name}/test/y_test.csv"
    cases.append(c)

# A class never predicted: its precision is 0/0, which zero_division decides.
cases.append(case("never_predicted", ["a", "a", "b", "b", "c", "c", "c"], ["a", "a", "a", "b", "b", "b", "a"],
                  labels_options=(["c", "a"], ["c"]), zero_divisions=("warn", 0, 1)))

# A predicted label absent from y_true: its recall is 0/0; balanced accuracy leaves it out.
cases.append(case("predicted_label_not_in_truth", ["a", "b", "a", "b", "a", "b"],
                  ["a", "b", "c", "b", "a", "c"], labels_options=(["c", "a"], ["b", "c"]),
                  zero_divisions=("warn", 0, 1)))

# Numeric 0/1 labels: pos_label's default 1 is the greater class; ties in the scores.
y01_true = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0]
y01_pred = [0, 1, 0, 0, 1, 1, 0, 1, 1, 1]
p1 = [0.1, 0.8, 0.4, 0.4, 0.9, 0.6, 0.4, 0.8, 0.55, 0.6]
cases.append(case("numeric_01", y01_true, y01_pred, proba=[[1 - p, p] for p in p1], classes=[0, 1], score=p1,
                  pos_labels=(1, 0), zero_divisions=("warn", 1)))

# Labels 1 and 2: pos_label's default 1 is the smaller class here, not classes[1].
cases.append(case("numeric_12", [1, 2, 2, 1, 2, 2], [1, 2, 1, 1, 2, 1], pos_labels=(1, 2),
                  score=[0.2, 0.7, 0.3, 0.2, 0.7, 0.5]))

# Numeric 1, 2, 3 with probabilities: one-vs-rest AUC with ties, log loss.
y123_true = [1, 2, 3, 3, 2, 1, 1, 3, 2, 2, 3, 1]
y123_pred = [1, 2, 3, 2, 2, 1, 3, 3, 2, 1, 3, 1]
p123 = [[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.1, 0.2, 0.7], [0.2, 0.5, 0.3], [0.2, 0.6, 0.2], [0.5, 0.25, 0.25],
        [0.3, 0.3, 0.4], [0.1, 0.2, 0.7], [0.25, 0.5, 0.25], [0.5, 0.25, 0.25], [0.2, 0.2, 0.6], [0.7, 0.2, 0.1]]
cases.append(case("numeric_123", y123_true, y123_pred, proba=p123, classes=[1, 2, 3],
                  labels_options=([3, 1],), zero_divisions=("warn", 1)))

# Negative labels: -1 and 1 (pos_label 1 is classes[1]).
cases.append(case("numeric_minus_one_one", [-1, 1, 1, -1, -1], [-1, 1, -1, -1, 1], pos_labels=(1, -1),
                  score=[-2.0, 1.5, 0.0, -0.5, 0.0]))

# Every score tied: AUC one half.
cases.append(case("all_scores_tied", ["n", "p", "p", "n", "p"], ["n", "n", "n", "n", "n"], pos_labels=("p",),
                  score=[0.5] * 5, zero_divisions=("warn", 1)))

# Probabilities of exactly 0 and 1, and rows that do not sum to 1 (log_loss renormalises).
cases.append(case("log_loss_zero_one", ["x", "y", "y", "x", "z"], ["x", "y", "x", "x", "y"],
                  proba=[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.5, 0.3, 0.1], [0.0, 1.0, 0.0]],
                  classes=["x", "y", "z"]))
cases.append(case("log_loss_binary_certain", [0, 1, 1, 0], [0, 1, 0, 1],
                  proba=[[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]], classes=[0, 1], pos_labels=(1,)))

# One label everywhere: pos_label 1 absent, so its precision and recall are 0/0.
cases.append(case("one_label", [0, 0, 0], [0, 0, 0], pos_labels=(1, 0), labels_options=([0, 1],),
                  zero_divisions=("warn", 0, 1), proba=[[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]], classes=[0, 1]))

# Labels whose text is wider than "weighted avg", and not ASCII (the report pads by characters).
cases.append(case("wide_names", ["Adélie", "Gentoo", "Chinstrap penguin (Pygoscelis antarcticus)", "Gentoo"],
                  ["Adélie", "Gentoo", "Adélie", "Gentoo"]))
cases.append(case("short_names", ["é", "b", "é"], ["é", "é", "é"], pos_labels=("é",)))

# A class of the probabilities that never occurs in y_true: sklearn's one-vs-rest AUC refuses it.
cases.append(case("roc_class_absent", [1, 2, 1, 2], [1, 2, 2, 2],
                  proba=[[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.1, 0.8, 0.1]], classes=[1, 2, 3]))


def nan_as_null(value):
    """NaN (balanced_accuracy adjusted with one class divides 0 by 0) is not JSON: null."""
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, list):
        return [nan_as_null(v) for v in value]
    if isinstance(value, dict):
        return {k: nan_as_null(v) for k, v in value.items()}
    return value


(here / "metrics.json").write_text(
    json.dumps(nan_as_null({"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}), indent=1,
               allow_nan=False,
               ensure_ascii=False) + "\n", encoding="utf-8")
print(len(cases), "cases:", ", ".join(c["name"] for c in cases))
