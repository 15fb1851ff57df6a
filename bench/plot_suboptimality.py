#!/usr/bin/env python3
"""Draw suboptimality f - f* against time, one line per solver and one panel per shape, as an
SVG written by hand (Python standard library only), the way benchopt draws its
logistic-regression benchmarks.

Input: the JSON file of bench/compare_solvers --json, whose runs of our solvers carry the
histories printed by mlpipe_solver_run (objective and seconds since the solver started, per
iteration; sag and saga: per epoch). f* on each shape is the lowest objective our code
computed there: any iterate of any solver, or the tight newton-cg reference fit. Values of
f - f* below --floor are drawn at the floor.

    bench/plot_suboptimality.py /tmp/solvers.json -o bench/suboptimality.svg [--xscale log|linear]
"""

import argparse
import json
import math
import sys

COLOURS = {  # Okabe-Ito, readable by colour-blind readers
    "lbfgs": "#0072B2",
    "newton-cg": "#E69F00",
    "newton-cholesky": "#009E73",
    "sag": "#CC79A7",
    "saga": "#D55E00",
}
MARKERS = {"lbfgs": "circle", "newton-cg": "square", "newton-cholesky": "diamond", "sag": "triangle",
           "saga": "down"}
FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"


def escape(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def power_of_ten(exponent, x, y, anchor="end", size=11):
    """10 with a real superscript exponent (a minus sign, not a hyphen)."""
    sign = "\u2212" if exponent < 0 else ""
    return ('<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%d">10<tspan dy="-5" font-size="%d">%s%d</tspan>'
            '</text>' % (x, y, anchor, size, size - 3, sign, abs(exponent)))


def plain_value(value):
    """0.001, 0.01, 0.1, 1, 10, 100 -- the time axis reads better in seconds."""
    if value >= 1:
        return "%d" % round(value)
    return ("%.10f" % value).rstrip("0")


def marker(kind, x, y, colour, r=3.2):
    if kind == "circle":
        return '<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"/>' % (x, y, r, colour)
    if kind == "square":
        return '<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>' % (x - r, y - r, 2 * r, 2 * r, colour)
    if kind == "diamond":
        d = r * 1.35
        return '<path d="M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ" fill="%s"/>' % (
            x, y - d, x + d, y, x, y + d, x - d, y, colour)
    if kind == "triangle":
        d = r * 1.3
        return '<path d="M%.1f %.1fL%.1f %.1fL%.1f %.1fZ" fill="%s"/>' % (x, y - d, x + d, y + d * 0.8, x - d,
                                                                         y + d * 0.8, colour)
    d = r * 1.3
    return '<path d="M%.1f %.1fL%.1f %.1fL%.1f %.1fZ" fill="%s"/>' % (x, y + d, x + d, y - d * 0.8, x - d,
                                                                     y - d * 0.8, colour)


def curves(shape, floor):
    """Per solver: [(seconds, f - f*)], f* the lowest objective seen on the shape."""
    runs = {name: run for name, run in shape["ours"].items() if run.get("ok") and run.get("history")}
    values = [f for run in runs.values() for _, _, f, _ in run["history"]]
    values += [run["objective"] for run in runs.values()]
    reference = shape.get("reference") or {}
    if reference.get("ok"):
        values.append(reference["objective"])
        values += [f for _, _, f, _ in reference.get("history", [])]
    if not values:
        return {}, None
    f_star = min(values)
    out = {}
    for name, run in runs.items():
        points = [(0.0, run["initial_objective"] - f_star)] if run.get("initial_objective") is not None else []
        points += [(seconds, f - f_star) for _, seconds, f, _ in run["history"]]
        out[name] = [(t, max(gap, floor)) for t, gap in points]
    return out, f_star


def panel_title(shape):
    """'20,000 rows × (20 numeric + 5 × 10 one-hot), binary'"""
    numeric, categorical, levels = shape.get("numeric"), shape.get("categorical"), shape.get("levels")
    if numeric is None:
        columns = "%s features" % "{:,}".format(shape["features"])
    else:
        blocks = (["%d numeric" % numeric] if numeric else []) + (
            ["%d \u00d7 %d one-hot" % (categorical, levels)] if categorical else [])
        columns = " + ".join(blocks)
        columns = "(%s)" % columns if len(blocks) > 1 else columns
    kind = "binary" if shape["classes"] == 2 else "%d classes" % shape["classes"]
    return "%s rows \u00d7 %s, %s" % ("{:,}".format(shape["rows"]), columns, kind)


def panel(shape, x0, y0, width, height, floor, xscale):
    lines, f_star = curves(shape, floor)
    parts = ['<g font-family="%s">' % FONT]
    left, right, top, bottom = x0 + 62, x0 + width - 12, y0 + 40, y0 + height - 42
    parts.append('<text x="%.1f" y="%.1f" font-size="13"><tspan font-weight="bold">%s:</tspan> %s</text>' % (
        left, y0 + 15, escape(shape["id"]), escape(panel_title(shape))))
    if not lines:
        parts.append('<text x="%.1f" y="%.1f" font-size="12">no history</text></g>' % (left, (top + bottom) / 2))
        return "\n".join(parts)

    gaps = [g for pts in lines.values() for _, g in pts]
    y_high = math.ceil(math.log10(max(gaps)) + 1e-9)
    y_low = math.floor(math.log10(floor) + 1e-9)
    times = [t for pts in lines.values() for t, _ in pts if (t > 0 or xscale == "linear")]
    if xscale == "log":
        x_low = math.floor(math.log10(min(times)))
        x_high = math.ceil(math.log10(max(times)))
        if x_high == x_low:
            x_high += 1
    else:
        x_low, x_high = 0.0, max(times) * 1.02

    def X(t):
        if xscale == "log":
            t = max(t, 10 ** x_low)
            return left + (math.log10(t) - x_low) / (x_high - x_low) * (right - left)
        return left + (t - x_low) / (x_high - x_low) * (right - left)

    def Y(gap):
        return bottom - (math.log10(gap) - y_low) / (y_high - y_low) * (bottom - top)

    parts.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="white" stroke="#444" '
                 'stroke-width="1"/>' % (left, top, right - left, bottom - top))
    # y: decades, labelled every second one when there are many.
    step = 1 if y_high - y_low <= 8 else 2
    for e in range(y_low, y_high + 1):
        y = Y(10.0 ** e)
        parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e3e3"/>' % (left, y, right, y))
        parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444"/>' % (left - 4, y, left, y))
        if (e - y_low) % step == 0 or e == y_high:
            parts.append(power_of_ten(e, left - 7, y + 4))
    # x: decades of seconds (log) or round steps (linear).
    if xscale == "log":
        ticks = [10.0 ** e for e in range(int(x_low), int(x_high) + 1)]
    else:
        raw = x_high / 5
        magnitude = 10 ** math.floor(math.log10(raw))
        unit = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw))
        ticks = [i * unit for i in range(int(x_high / unit) + 1)]
    for t in ticks:
        x = X(t)
        parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e3e3"/>' % (x, top, x, bottom))
        parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444"/>' % (x, bottom, x, bottom + 4))
        label = plain_value(t) if xscale == "log" else ("%g" % round(t, 6))
        parts.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11">%s</text>' % (x, bottom + 16,
                                                                                                 label))
    parts.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12">time (s)</text>' % (
        (left + right) / 2, bottom + 33))
    parts.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12" transform="rotate(-90 %.1f %.1f)">'
                 'f \u2212 f*</text>' % (x0 + 14, (top + bottom) / 2, x0 + 14, (top + bottom) / 2))

    parts.append('<clipPath id="clip%s"><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"/></clipPath>' % (
        shape["id"], left, top - 4, right - left + 4, bottom - top + 8))
    parts.append('<g clip-path="url(#clip%s)">' % shape["id"])
    for name in COLOURS:
        if name not in lines:
            continue
        points = [(t, g) for t, g in lines[name] if t > 0 or xscale == "linear"]
        if not points:
            continue
        colour = COLOURS[name]
        path = " ".join(("M" if i == 0 else "L") + "%.1f %.1f" % (X(t), Y(g)) for i, (t, g) in enumerate(points))
        parts.append('<path d="%s" fill="none" stroke="%s" stroke-width="1.8" stroke-linejoin="round"/>' % (
            path, colour))
        every = max(1, len(points) // 12)
        for i, (t, g) in enumerate(points):
            if i % every == 0 or i == len(points) - 1:
                parts.append(marker(MARKERS[name], X(t), Y(g), colour))
    parts.append("</g>")
    parts.append('<text x="%.1f" y="%.1f" text-anchor="end" font-size="10" fill="#555">f* = %.12g</text>' % (
        right, top - 5, f_star))
    parts.append("</g>")
    return "\n".join(parts)


def legend(names, x, y):
    parts = ['<g font-family="%s" font-size="12">' % FONT]
    for name in names:
        colour = COLOURS[name]
        parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.8"/>' % (
            x, y, x + 26, y, colour))
        parts.append(marker(MARKERS[name], x + 13, y, colour))
        parts.append('<text x="%.1f" y="%.1f">%s</text>' % (x + 32, y + 4, escape(name)))
        x += 44 + 7.2 * len(name)
    parts.append("</g>")
    return "\n".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", help="JSON file written by bench/compare_solvers --json")
    parser.add_argument("-o", "--output", default="suboptimality.svg", help="SVG file to write")
    parser.add_argument("--xscale", choices=("log", "linear"), default="log",
                        help="time axis (default log: the solvers' times span decades)")
    parser.add_argument("--floor", type=float, default=1e-14, help="smallest f - f* drawn (default 1e-14)")
    parser.add_argument("--title", default=None, help="title of the figure")
    args = parser.parse_args()

    with open(args.results) as f:
        results = json.load(f)
    shapes = results["shapes"]
    if not shapes:
        sys.exit("plot_suboptimality: no shapes in %s" % args.results)
    columns = 2 if len(shapes) > 1 else 1
    rows = (len(shapes) + columns - 1) // columns
    panel_w, panel_h = 450, 300
    head, foot = 58, 46
    width, height = columns * panel_w, head + rows * panel_h + foot
    title = args.title or "Logistic regression (L2, C = 1): suboptimality against time"
    subtitle = ("mlpipe's solvers to max |gradient| \u2264 %g (sag, saga: relative weight change \u2264 %g); "
                "one thread; f* = lowest objective seen" % (results.get("tol", 1e-6), results.get("sag_tol", 1e-5)))

    svg = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">' % (
               width, height, width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%.1f" y="24" text-anchor="middle" font-family="%s" font-size="16" font-weight="bold">%s</text>'
           % (width / 2, FONT, escape(title)),
           '<text x="%.1f" y="44" text-anchor="middle" font-family="%s" font-size="12" fill="#333">%s</text>'
           % (width / 2, FONT, escape(subtitle))]
    for i, shape in enumerate(shapes):
        svg.append(panel(shape, (i % columns) * panel_w, head + (i // columns) * panel_h, panel_w, panel_h,
                         args.floor, args.xscale))
    names = [n for n in COLOURS if any(n in s["ours"] and s["ours"][n].get("ok") for s in shapes)]
    legend_width = sum(44 + 7.2 * len(n) for n in names)
    svg.append(legend(names, (width - legend_width) / 2, height - foot / 2))
    svg.append("</svg>")
    with open(args.output, "w") as out:
        out.write("\n".join(svg) + "\n")
    print("wrote %s" % args.output, file=sys.stderr)


if __name__ == "__main__":
    main()
