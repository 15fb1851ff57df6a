#!/usr/bin/env python3
"""Draw the time and the peak memory of the training job against the training rows, both
trainers, log-log, as an SVG written by hand (Python standard library only, as
bench/plot_suboptimality.py).

Input: the JSON file of bench/compare_sklearn --json. Each point is the median over the
runs of one trainer at one row count: wall time of the whole process (left panel) and its
peak resident memory (right panel). A dashed grey line through mlpipe's first point shows
what cost proportional to the rows would be. Row counts where a trainer did not run or
failed have no point, and are named under the figure.

    bench/compare_sklearn --rows 100k,1M,10M --json /tmp/scale.json
    bench/plot_training_scale.py /tmp/scale.json -o bench/training_scale.svg
    bench/plot_training_scale.py /tmp/small.json /tmp/10M.json -o bench/training_scale.svg   # runs merged
"""

import argparse
import json
import math
import sys

TRAINERS = [  # key in the JSON, legend, colour (Okabe-Ito), marker
    ("mlpipe", "mlpipe-sagemaker train", "#0072B2", "circle"),
    ("sklearn", "scikit-learn script", "#D55E00", "square"),
]
FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"


def escape(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def rows_label(n):
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            value = n / size
            return ("%g" % value) + suffix
    return "%d" % n


def value_label(v):
    if v >= 1000:
        return "{:,}".format(int(round(v)))
    if v >= 10:
        return "%.0f" % v
    if v >= 1:
        return "%.1f" % v
    return "%.2g" % v


def tick_label(v):
    if v >= 1:
        return "{:,}".format(int(round(v)))
    return ("%.10f" % v).rstrip("0")


def marker(kind, x, y, colour, r=4.0):
    if kind == "circle":
        return '<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"/>' % (x, y, r, colour)
    return '<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>' % (x - r, y - r, 2 * r, 2 * r, colour)


def series(results, key, field):
    """[(rows, value)] for one trainer, the row counts where it ran."""
    out = []
    for result in results:
        summary = result.get(key)
        if summary and summary.get("ok"):
            out.append((result["rows"], summary[field]))
    return out


def panel(results, field, title, unit, x0, y0, width, height):
    lines = {key: series(results, key, field) for key, _, _, _ in TRAINERS}
    values = [v for pts in lines.values() for _, v in pts]
    all_rows = sorted({r["rows"] for r in results})
    parts = ['<g font-family="%s">' % FONT]
    left, right, top, bottom = x0 + 66, x0 + width - 16, y0 + 34, y0 + height - 44
    parts.append('<text x="%.1f" y="%.1f" font-size="13" font-weight="bold">%s</text>' % (left, y0 + 16,
                                                                                          escape(title)))
    if not values:
        parts.append('<text x="%.1f" y="%.1f" font-size="12">no data</text></g>' % (left, (top + bottom) / 2))
        return "\n".join(parts)

    # Axis ranges: the data with a margin (a fraction of a decade), not rounded to decades.
    x_low = math.log10(min(all_rows)) - 0.3
    x_high = math.log10(max(all_rows)) + 0.3
    y_low = math.log10(min(values)) - 0.25
    y_high = math.log10(max(values)) + 0.3

    def X(n):
        return left + (math.log10(n) - x_low) / (x_high - x_low) * (right - left)

    def Y(v):
        return bottom - (math.log10(v) - y_low) / (y_high - y_low) * (bottom - top)

    parts.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="white" stroke="#444" '
                 'stroke-width="1"/>' % (left, top, right - left, bottom - top))
    for e in range(math.floor(y_low), math.ceil(y_high) + 1):
        for m in (1, 2, 5):
            v = m * 10.0 ** e
            if not (y_low <= math.log10(v) <= y_high):
                continue
            y = Y(v)
            grid = "#e3e3e3" if m == 1 else "#f2f2f2"
            parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>' % (left, y, right, y, grid))
            parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444"/>' % (
                left - (4 if m == 1 else 2), y, left, y))
            if m == 1 or y_high - y_low <= 2.5:
                parts.append('<text x="%.1f" y="%.1f" text-anchor="end" font-size="11">%s</text>' % (
                    left - 7, y + 4, tick_label(v)))
    for e in range(math.ceil(x_low), math.floor(x_high) + 1):
        x = X(10.0 ** e)
        parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e3e3"/>' % (x, top, x, bottom))
        parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444"/>' % (x, bottom, x, bottom + 4))
        parts.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11">%s</text>' % (
            x, bottom + 16, rows_label(10 ** e)))
    parts.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12">training rows</text>' % (
        (left + right) / 2, bottom + 34))
    parts.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12" transform="rotate(-90 %.1f %.1f)">'
                 '%s</text>' % (x0 + 14, (top + bottom) / 2, x0 + 14, (top + bottom) / 2, escape(unit)))

    clip = "clip_" + field
    parts.append('<clipPath id="%s"><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"/></clipPath>' % (
        clip, left, top, right - left, bottom - top))
    parts.append('<g clip-path="url(#%s)">' % clip)
    ours = lines["mlpipe"]
    if ours:  # cost proportional to the rows, through mlpipe's first point
        n0, v0 = ours[0]
        n1 = 10.0 ** x_high
        parts.append('<path d="M%.1f %.1fL%.1f %.1f" stroke="#999" stroke-width="1.2" stroke-dasharray="5 4" '
                     'fill="none"/>' % (X(n0), Y(v0), X(n1), Y(v0 * n1 / n0)))
    for key, _, colour, kind in TRAINERS:
        points = lines[key]
        if not points:
            continue
        path = " ".join(("M" if i == 0 else "L") + "%.1f %.1f" % (X(n), Y(v)) for i, (n, v) in enumerate(points))
        parts.append('<path d="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"/>' % (path,
                                                                                                         colour))
        for n, v in points:
            parts.append(marker(kind, X(n), Y(v), colour))
    parts.append("</g>")
    for key, _, colour, _ in TRAINERS:  # values beside the points: sklearn above, mlpipe below
        for n, v in lines[key]:
            dy = -9 if key == "sklearn" else 17
            parts.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10.5" fill="%s">%s</text>' % (
                X(n), Y(v) + dy, colour, value_label(v)))
    parts.append("</g>")
    return "\n".join(parts)


def legend(x, y):
    parts = ['<g font-family="%s" font-size="12">' % FONT]
    for _, name, colour, kind in TRAINERS:
        parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>' % (
            x, y, x + 26, y, colour))
        parts.append(marker(kind, x + 13, y, colour))
        parts.append('<text x="%.1f" y="%.1f">%s</text>' % (x + 32, y + 4, escape(name)))
        x += 50 + 6.8 * len(name)
    parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999" stroke-width="1.2" '
                 'stroke-dasharray="5 4"/>' % (x, y, x + 26, y))
    parts.append('<text x="%.1f" y="%.1f">proportional to the rows</text>' % (x + 32, y + 4))
    parts.append("</g>")
    return "\n".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", help="JSON file(s) written by bench/compare_sklearn --json; the "
                                                   "row counts of several files are drawn together (a later file "
                                                   "wins for a row count given twice)")
    parser.add_argument("-o", "--output", default="training_scale.svg", help="SVG file to write")
    parser.add_argument("--title", default=None, help="title of the figure")
    args = parser.parse_args()

    by_rows, data = {}, {}
    for path in args.results:
        with open(path) as f:
            data = json.load(f)
        for result in data["results"]:
            by_rows[result["rows"]] = result
    results = [by_rows[n] for n in sorted(by_rows)]
    if not results:
        sys.exit("plot_training_scale: no results in %s" % ", ".join(args.results))
    runs = {}  # runs per row count, from the runs each median was taken over
    for r in results:
        s = r.get("mlpipe") or {}
        runs[r["rows"]] = len(s.get("runs", [])) or data.get("repeat", 1)
    counts = sorted(set(runs.values()))
    if len(counts) == 1:
        runs_text = "median of %d run(s)" % counts[0]
    else:
        common = max(counts, key=lambda c: sum(1 for v in runs.values() if v == c))
        runs_text = "median of %d runs (%s)" % (common, ", ".join(
            "%s rows: %d" % (rows_label(n), c) for n, c in runs.items() if c != common))
    panel_w, panel_h = 450, 330
    head, foot = 62, 52
    width, height = 2 * panel_w, head + panel_h + foot
    title = args.title or "Training job, mlpipe vs scikit-learn: time and peak memory against rows"
    extra = data.get("extra_hyperparameters") or {}
    subtitle = ("20 numeric + 5 categorical (10 levels) columns, binary; LogisticRegression lbfgs, C = 1, "
                "max-iter 100; %s; %s CPUs%s"
                % (runs_text, data.get("cpus", "?"),
                   "; " + ", ".join("%s=%s" % kv for kv in extra.items()) if extra else ""))
    svg = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">' % (
               width, height, width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%.1f" y="24" text-anchor="middle" font-family="%s" font-size="16" font-weight="bold">%s</text>'
           % (width / 2, FONT, escape(title)),
           '<text x="%.1f" y="44" text-anchor="middle" font-family="%s" font-size="12" fill="#333">%s</text>'
           % (width / 2, FONT, escape(subtitle))]
    svg.append(panel(results, "wall_s", "Wall time of the job", "seconds (whole process)", 0, head, panel_w,
                     panel_h))
    svg.append(panel(results, "peak_mib", "Peak memory of the job", "MiB (peak resident set)", panel_w, head,
                     panel_w, panel_h))
    legend_width = sum(50 + 6.8 * len(name) for _, name, _, _ in TRAINERS) + 32 + 6.8 * 24
    svg.append(legend((width - legend_width) / 2, height - foot + 18))
    missing = []
    for r in results:
        for key, name, _, _ in TRAINERS:
            s = r.get(key)
            if not s or not s.get("ok"):
                why = r.get("sklearn_skipped") if key == "sklearn" and r.get("sklearn_skipped") else (
                    "failed" if s else "not run")
                missing.append("%s at %s rows: %s" % (name, rows_label(r["rows"]), why))
    if missing:
        svg.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-family="%s" font-size="11" fill="#555">%s'
                   '</text>' % (width / 2, height - 10, FONT, escape("; ".join(missing))))
    svg.append("</svg>")
    with open(args.output, "w") as out:
        out.write("\n".join(svg) + "\n")
    print("wrote %s" % args.output, file=sys.stderr)


if __name__ == "__main__":
    main()
