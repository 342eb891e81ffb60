"""Charts (plotly figures, saved as catalog datasets) and the HTML report.

Every daily report loads plotly.js from ``../plotly.min.js``, saved once in the
monitoring folder (``monitoring_plotly_js``): the folder opens without any
network access and a day's report is ~100 KB rather than ~4.7 MB.
"""

from __future__ import annotations

import html
import logging
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .daily_charts import daily_drift_chart, daily_performance_chart
from .drift import PREDICTION
from .params import MonitoringParams

logger = logging.getLogger(__name__)

#: Where a daily report (``dt=YYYY-MM-DD/monitoring_report.html``) finds plotly.js.
PLOTLY_JS_SRC = "../plotly.min.js"
#: Performance metrics that are counts (printed as integers).
COUNT_METRICS = {"labels_matched"}

STATUS_COLOURS = {"GREEN": "#2e7d32", "AMBER": "#f9a825", "RED": "#c62828"}
FLAG_COLOURS = {"ok": "#90a4ae", "warning": "#f9a825", "critical": "#c62828"}


def psi_chart(drift_report: pd.DataFrame, params: MonitoringParams) -> go.Figure:
    """Horizontal bars of PSI per column with the warning/critical thresholds."""
    report = drift_report.sort_values("psi")
    figure = go.Figure(
        go.Bar(
            x=report["psi"],
            y=report["feature"],
            orientation="h",
            marker_color=[FLAG_COLOURS[flag] for flag in report["flag"]],
            customdata=report[
                ["n_current", "psi_noise_floor", "warning_at", "critical_at"]
            ].to_numpy(),
            hovertemplate="%{y}: PSI %{x:.3f}<br>rows %{customdata[0]}, "
            "noise %{customdata[1]:.3f}, warning at %{customdata[2]:.3f}, critical at "
            "%{customdata[3]:.3f}<extra></extra>",
            name="PSI",
        )
    )
    for column, symbol in (("warning_at", "line-ns-open"), ("critical_at", "line-ns")):
        figure.add_trace(
            go.Scatter(
                x=report[column],
                y=report["feature"],
                mode="markers",
                marker={"symbol": symbol, "size": 14, "color": "#455a64"},
                name=column.replace("_at", " level (calibrated, floored)"),
            )
        )
    figure.update_layout(
        title=f"PSI against the training reference ({drift_report['run_date'].iloc[0]})",
        xaxis_title="PSI",
        yaxis_title="feature (largest PSI on top)",
        height=max(320, 22 * len(report) + 120),
        margin={"l": 200},
    )
    return figure


def distribution_chart(
    drift_report: pd.DataFrame, drift_buckets: pd.DataFrame, params: MonitoringParams
) -> go.Figure:
    """Reference vs current shares per bucket for the prediction and the worst features."""
    n_worst = params.report.n_worst_features
    worst = drift_report.loc[drift_report["feature"] != PREDICTION, "feature"].head(n_worst)
    names = [PREDICTION, *worst]
    figure = make_subplots(rows=len(names), cols=1, subplot_titles=names, vertical_spacing=0.08)
    psi = drift_report.set_index("feature")["psi"]
    for row, name in enumerate(names, start=1):
        buckets = drift_buckets.loc[drift_buckets["feature"] == name]
        buckets = buckets.loc[(buckets["reference_share"] > 0) | (buckets["current_share"] > 0)]
        for column, colour, label in (
            ("reference_share", "#90a4ae", "reference"),
            ("current_share", "#1565c0", "current window"),
        ):
            figure.add_trace(
                go.Bar(
                    x=buckets["bucket"],
                    y=buckets[column],
                    name=label,
                    marker_color=colour,
                    legendgroup=label,
                    showlegend=row == 1,
                ),
                row=row,
                col=1,
            )
        figure.layout.annotations[row - 1].text = f"{name} (PSI {psi.get(name, np.nan):.3f})"
    figure.update_layout(
        title="Distributions: prediction and the most drifted features",
        barmode="group",
        height=260 * len(names) + 80,
    )
    figure.update_xaxes(title_text="bucket", title_standoff=4)
    figure.update_yaxes(tickformat=".0%", title_text="share of rows")
    return figure


def predicted_vs_actual_chart(matched: pd.DataFrame) -> go.Figure:
    """Predicted vs real user score for the labels matched in the window."""
    rows = matched.loc[matched["match"] != "unmatched"]
    figure = go.Figure()
    if rows.empty:
        figure.add_annotation(
            text="No labels matched in this window yet (normal: they take 7-14 days).",
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
    else:
        figure.add_trace(
            go.Scatter(
                x=rows["real_user_score"],
                y=rows["predicted_user_score"],
                mode="markers",
                marker={"size": 6, "opacity": 0.6},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": rows["prediction_upper"] - rows["predicted_user_score"],
                    "arrayminus": rows["predicted_user_score"] - rows["prediction_lower"],
                    "thickness": 0.5,
                    "color": "#b0bec5",
                },
                text=rows["id"],
                name="matched labels",
            )
        )
        figure.add_trace(
            go.Scatter(x=[0, 10], y=[0, 10], mode="lines", name="perfect", line_dash="dot")
        )
    figure.update_layout(
        title=f"Predicted vs real user score ({len(rows)} matched labels, 80 % intervals)",
        xaxis={"title": "real user score", "range": [0, 10]},
        yaxis={"title": "predicted user score", "range": [0, 10]},
        height=480,
    )
    return figure


def history_chart(history: pd.DataFrame) -> go.Figure:
    """Trends over run dates: PSI (max feature, prediction), MAE realised/estimated, status."""
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        subplot_titles=("PSI", "MAE (realised vs estimated vs training baseline)"),
    )
    dates = history["run_date"]
    for column, name in (
        ("max_feature_psi", "max feature PSI"),
        ("prediction_psi", "prediction PSI"),
    ):
        figure.add_trace(
            go.Scatter(x=dates, y=history[column], mode="lines+markers", name=name), row=1, col=1
        )
    figure.add_trace(
        go.Scatter(
            x=dates,
            y=history["max_feature_psi"],
            mode="markers",
            marker={"size": 12, "color": [STATUS_COLOURS[s] for s in history["status"]]},
            name="status",
            text=history["status"],
            hovertemplate="%{x}: %{text}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    for column, name in (
        ("mae", "realised MAE"),
        ("estimated_mae_unlabelled", "estimated MAE (unlabelled)"),
        ("baseline_mae", "training CV MAE"),
    ):
        figure.add_trace(
            go.Scatter(x=dates, y=history[column], mode="lines+markers", name=name), row=2, col=1
        )
    figure.update_xaxes(title_text="run_date", row=2, col=1)
    figure.update_yaxes(title_text="PSI", row=1, col=1)
    figure.update_yaxes(title_text="MAE", row=2, col=1)
    figure.update_layout(title="Monitoring history", height=560)
    return figure


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#263238}
h1{margin-bottom:.2rem} .badge{display:inline-block;padding:.3rem .9rem;border-radius:.4rem;
color:#fff;font-weight:700;font-size:1.3rem} table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #cfd8dc;padding:.25rem .6rem;text-align:right;font-size:.9rem}
th{background:#eceff1} td:first-child,th:first-child{text-align:left}
.warning{background:#fff8e1} .critical{background:#ffebee} .muted{color:#78909c}
"""


def _number(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if isinstance(value, float | np.floating):
        return f"{value:.{digits}f}"
    return html.escape(str(value))


def _cell(record: dict[str, Any], column: str) -> str:
    value = record[column]
    integer = column in {"rows", "n_current", "n_reference", "labels"} or (
        column == "value" and record.get("metric") in COUNT_METRICS
    )
    if integer and value is not None and not (isinstance(value, float) and np.isnan(value)):
        return str(int(value))
    return _number(value)


def _table(frame: pd.DataFrame, columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for row in frame[columns].itertuples(index=False):
        record = dict(zip(columns, row, strict=True))
        css = record.get("flag", "ok")
        cells = "".join(f"<td>{_cell(record, c)}</td>" for c in columns)
        body.append(f'<tr class="{html.escape(str(css))}">{cells}</tr>')
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def render_report(
    monitoring_status: dict[str, Any],
    drift_report: pd.DataFrame,
    performance_report: pd.DataFrame,
    figures: list[go.Figure],
) -> str:
    """One HTML page loading plotly.js from the monitoring folder (no network needed)."""
    status = monitoring_status["status"]
    reasons = monitoring_status["reasons"] or ["all checks within thresholds"]
    charts = [
        figure.to_html(full_html=False, include_plotlyjs=False, config={"responsive": True})
        for figure in figures
    ]
    window = monitoring_status["window"]
    perf = monitoring_status["performance"]
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>user-score monitoring {monitoring_status['run_date']}</title>",
        f"<style>{_CSS}</style>",
        f"<script src='{PLOTLY_JS_SRC}' charset='utf-8'></script></head><body>",
        f"<h1>user-score monitoring — {monitoring_status['run_date']}</h1>",
        f"<p class='muted'>window {window['start']} … {window['end']}; "
        f"{monitoring_status['rows']['predictions_in_window']} predictions; model "
        f"{html.escape(', '.join(monitoring_status['model_version']['predictions']))} "
        f"(reference {html.escape(monitoring_status['model_version']['reference'])})</p>",
        f"<p><span class='badge' style='background:{STATUS_COLOURS[status]}'>{status}</span> "
        f"&nbsp; recommended action: <b>{monitoring_status['recommended_action']}</b> "
        "(see docs/runbook.md)</p>",
        f"<p><b>{html.escape(monitoring_status['drift'].get('headline', ''))}</b></p>",
        "<ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in reasons) + "</ul>",
        f"<h2>Performance</h2><p>{html.escape(perf['message'])}</p>",
        _table(
            performance_report,
            ["metric", "value", "baseline", "change", "relative_change", "flag", "rows", "note"],
        ),
        "<p class='muted'>change = value - baseline in the metric's unit; relative_change = "
        "value / baseline - 1. MAE baselines are the MAE expected for the rows' novelty cells "
        "(case mix, see docs/runbook.md).</p>",
        "<h2>Drift (PSI)</h2>",
        _table(
            drift_report,
            [
                "feature",
                "root",
                "kind",
                "psi",
                "warning_at",
                "critical_at",
                "flag",
                "n_current",
                "psi_noise_floor",
                "psi_two_sided",
                "missing_share",
                "unseen_share",
            ],
        ),
        *[f"<div>{chart}</div>" for chart in charts],
        "</body></html>",
    ]
    return "\n".join(parts)


def build_report(
    monitoring_status: dict[str, Any],
    drift_report: pd.DataFrame,
    drift_buckets: pd.DataFrame,
    drift_by_day: pd.DataFrame,
    performance_report: pd.DataFrame,
    performance_by_day: pd.DataFrame,
    matched_labels: pd.DataFrame,
    monitoring_history: pd.DataFrame,
    params: MonitoringParams,
) -> tuple[go.Figure, go.Figure, go.Figure, go.Figure, go.Figure, go.Figure, str, str]:
    """Every chart as its own dataset (kedro viz previews them), the HTML report, plotly.js."""
    figures = (
        psi_chart(drift_report, params),
        distribution_chart(drift_report, drift_buckets, params),
        predicted_vs_actual_chart(matched_labels),
        history_chart(monitoring_history),
        daily_drift_chart(drift_by_day),
        daily_performance_chart(performance_by_day),
    )
    shown = [figures[4], figures[5], figures[0], figures[1], figures[2], figures[3]]
    page = render_report(monitoring_status, drift_report, performance_report, shown)
    logger.info(
        "monitoring report: %d KB of HTML (plotly.js: %s)", len(page) // 1024, PLOTLY_JS_SRC
    )
    # Imported here: plotly.offline imports IPython, ~0.4 s at every `kedro` start-up.
    from plotly.offline import get_plotlyjs

    return (*figures, page, get_plotlyjs())
