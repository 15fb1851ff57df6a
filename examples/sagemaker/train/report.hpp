#pragma once
// report.html: one self-contained page about a training run (inline CSS and SVG, no
// scripts, fonts or links), to open from the job's output: the facts of the run, the
// metrics per channel, the loss per iteration and the confusion matrices.

#include "metrics.hpp"
#include "../common/text.hpp"

#include <mlpipe/optim/result.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe::sagemaker {

struct TrainingReport {
    std::string title;
    std::vector<std::pair<std::string, std::string>> facts;  // (label, value), shown in order
    std::vector<optim::IterationReport> history;
    std::vector<std::pair<std::string, ClassificationMetrics>> evaluations;  // (channel, metrics)
};

namespace detail::report {

// HTML text, made valid UTF-8 (labels and column names come from the data).
inline std::string escape(std::string_view text) {
    std::string out;
    for (char c : valid_utf8(text)) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// A line chart of ys over the iterations 1..n; log_scale plots log10 of the values (for
// the gradient, which falls by orders of magnitude).
inline std::string line_chart(const std::string& title, const std::vector<double>& ys, bool log_scale) {
    constexpr double width = 640, height = 240, left = 80, right = 20, top = 30, bottom = 40;
    const double plot_w = width - left - right, plot_h = height - top - bottom;
    std::vector<double> values;
    for (double y : ys) values.push_back(log_scale ? std::log10(std::max(y, 1e-300)) : y);
    double lo = *std::min_element(values.begin(), values.end());
    double hi = *std::max_element(values.begin(), values.end());
    if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
        lo -= 0.5;
        hi += 0.5;
    }
    const std::size_t n = values.size();
    auto x_of = [&](std::size_t i) {
        return left + (n > 1 ? plot_w * static_cast<double>(i) / static_cast<double>(n - 1) : plot_w / 2);
    };
    auto y_of = [&](double v) { return top + plot_h * (hi - v) / (hi - lo); };

    std::string svg = "<svg viewBox=\"0 0 " + fixed(width, 0) + " " + fixed(height, 0) +
                      "\" role=\"img\" aria-label=\"" + escape(title) + "\">\n";
    svg += "<text x=\"" + fixed(left, 0) + "\" y=\"18\" class=\"chart-title\">" + escape(title) + "</text>\n";
    constexpr int y_ticks = 5;
    for (int t = 0; t < y_ticks; ++t) {
        const double v = lo + (hi - lo) * t / (y_ticks - 1);
        const std::string label = log_scale ? significant(std::pow(10.0, v), 2) : significant(v, 5);
        svg += "<line x1=\"" + fixed(left, 1) + "\" x2=\"" + fixed(width - right, 1) + "\" y1=\"" + fixed(y_of(v), 1) +
               "\" y2=\"" + fixed(y_of(v), 1) + "\" class=\"grid\"/>";
        svg += "<text x=\"" + fixed(left - 6, 1) + "\" y=\"" + fixed(y_of(v) + 4, 1) + "\" class=\"tick\" " +
               "text-anchor=\"end\">" + label + "</text>\n";
    }
    const std::size_t x_step = std::max<std::size_t>(1, (n + 9) / 10);
    for (std::size_t i = 0; i < n; i += x_step)
        svg += "<text x=\"" + fixed(x_of(i), 1) + "\" y=\"" + fixed(height - bottom + 16, 1) +
               "\" class=\"tick\" text-anchor=\"middle\">" + std::to_string(i + 1) + "</text>";
    svg += "<text x=\"" + fixed(left + plot_w / 2, 1) + "\" y=\"" + fixed(height - 4, 1) +
           "\" class=\"tick\" text-anchor=\"middle\">iteration</text>\n";
    std::string points;
    for (std::size_t i = 0; i < n; ++i) points += fixed(x_of(i), 1) + "," + fixed(y_of(values[i]), 1) + " ";
    svg += "<polyline points=\"" + points + "\" class=\"line\"/>\n";
    for (std::size_t i = 0; i < n; ++i)
        svg += "<circle cx=\"" + fixed(x_of(i), 1) + "\" cy=\"" + fixed(y_of(values[i]), 1) +
               "\" r=\"2.5\" class=\"dot\"><title>iteration " + std::to_string(i + 1) + ": " + significant(ys[i], 8) +
               "</title></circle>";
    return svg + "\n</svg>\n";
}

inline std::string metrics_table(const std::vector<std::pair<std::string, ClassificationMetrics>>& evaluations) {
    std::string html = "<table><tr><th>metric</th>";
    for (const auto& [channel, metrics] : evaluations) html += "<th>" + escape(channel) + "</th>";
    html += "</tr>\n";
    std::vector<std::string> names;
    for (const auto& [channel, metrics] : evaluations)
        for (const auto& [name, value] : metric_values(metrics))
            if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    for (const auto& name : names) {
        html += "<tr><td>" + escape(name) + "</td>";
        for (const auto& [channel, metrics] : evaluations) {
            std::string cell = "&ndash;";
            for (const auto& [metric, value] : metric_values(metrics))
                if (metric == name) cell = fixed(value, 4);
            html += "<td class=\"number\">" + cell + "</td>";
        }
        html += "</tr>\n";
    }
    return html + "</table>\n";
}

// Rows: true class; columns: predicted class. Each cell is shaded by its share of the row.
inline std::string confusion_table(const ClassificationMetrics& m) {
    std::string html = "<table class=\"confusion\"><tr><th>true \\ predicted</th>";
    for (const auto& c : m.classes) html += "<th>" + escape(c) + "</th>";
    html += "</tr>\n";
    for (std::size_t t = 0; t < m.classes.size(); ++t) {
        std::size_t row_total = 0;
        for (auto count : m.confusion[t]) row_total += count;
        html += "<tr><th>" + escape(m.classes[t]) + "</th>";
        for (std::size_t p = 0; p < m.classes.size(); ++p) {
            const std::size_t count = m.confusion[t][p];
            const double share = row_total ? static_cast<double>(count) / static_cast<double>(row_total) : 0.0;
            const char* hue = t == p ? "46,125,50" : "198,40,40";
            html += "<td class=\"number\" style=\"background: rgba(" + std::string(hue) + "," + fixed(share * 0.6, 2) +
                    ")\">" + std::to_string(count) + "</td>";
        }
        html += "</tr>\n";
    }
    return html + "</table>\n";
}

}  // namespace detail::report

inline std::string training_report_html(const TrainingReport& report) {
    using namespace detail::report;
    std::string html =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" + escape(report.title) +
        "</title>\n<style>\n"
        "body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }\n"
        "table { border-collapse: collapse; margin: 0.5em 0 1.5em; }\n"
        "th, td { border: 1px solid #ccc; padding: 0.25em 0.7em; text-align: left; }\n"
        "td.number { text-align: right; font-variant-numeric: tabular-nums; }\n"
        "svg { width: 100%; max-width: 640px; display: block; margin-bottom: 1em; }\n"
        ".chart-title { font-size: 13px; font-weight: 600; } .tick { font-size: 11px; fill: #555; }\n"
        ".grid { stroke: #e4e4e4; } .line { fill: none; stroke: #1565c0; stroke-width: 1.5; } .dot { fill: #1565c0; }\n"
        "</style></head><body>\n<h1>" +
        escape(report.title) + "</h1>\n<table>\n";
    for (const auto& [label, value] : report.facts)
        html += "<tr><th>" + escape(label) + "</th><td>" + escape(value) + "</td></tr>\n";
    html += "</table>\n<h2>Metrics</h2>\n" + metrics_table(report.evaluations);
    if (!report.evaluations.empty()) {
        const ClassificationMetrics& first = report.evaluations.front().second;
        html += "<p>" +
                escape(first.average == "binary"
                           ? "precision, recall and f1 are those of the positive class '" + first.classes.at(1) + "'."
                           : "precision, recall and f1 are macro averages over the classes.") +
                "</p>\n";
    }

    html += "<h2>Training</h2>\n";
    if (report.history.empty()) {
        html += "<p>The solver made no iteration (the starting point already met the tolerance).</p>\n";
    } else {
        std::vector<double> objective, gradient;
        for (const auto& it : report.history) {
            objective.push_back(it.objective);
            gradient.push_back(it.gradient_max);
        }
        html += line_chart("Objective (penalised log loss) per iteration", objective, false);
        html += line_chart("Largest absolute gradient entry per iteration (log scale)", gradient, true);
    }

    html += "<h2>Confusion matrices</h2>\n";
    for (const auto& [channel, metrics] : report.evaluations)
        html +=
            "<h3>" + escape(channel) + " (" + std::to_string(metrics.rows) + " rows)</h3>\n" + confusion_table(metrics);
    return html + "</body></html>\n";
}

}  // namespace mlpipe::sagemaker
