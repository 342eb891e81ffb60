"""Plotly charts of the training run (previewed in kedro viz, embedded nowhere else)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .evaluation import TARGET
from .params import PROTOCOL_LABELS


def _first_repeat(oof_predictions: pd.DataFrame, training_rows: pd.DataFrame) -> pd.DataFrame:
    first = oof_predictions[oof_predictions["repeat"] == oof_predictions["repeat"].min()]
    frame = first.merge(
        training_rows[["game_id", "title", "platform", "release_year"]], on="game_id", how="left"
    )
    frame["residual"] = frame[TARGET] - frame["oof_prediction"]
    return frame


def plot_predicted_vs_actual(
    oof_predictions: pd.DataFrame, training_rows: pd.DataFrame
) -> go.Figure:
    """Out-of-fold prediction vs actual user score (protocol (a), first repeat)."""
    frame = _first_repeat(oof_predictions, training_rows)
    figure = go.Figure(
        go.Scatter(
            x=frame[TARGET],
            y=frame["oof_prediction"],
            mode="markers",
            marker={"size": 6, "opacity": 0.6},
            text=frame["title"] + " (" + frame["platform"] + ")",
            hovertemplate="%{text}<br>actual %{x:.1f}<br>predicted %{y:.2f}<extra></extra>",
            name="games",
        )
    )
    figure.add_trace(
        go.Scatter(x=[0, 10], y=[0, 10], mode="lines", name="perfect", line={"dash": "dash"})
    )
    figure.update_layout(
        title="Out-of-fold predicted vs actual user score (grouped CV)",
        xaxis_title="actual user_score",
        yaxis_title="predicted user_score",
        template="plotly_white",
    )
    return figure


def plot_residuals(oof_predictions: pd.DataFrame, training_rows: pd.DataFrame) -> go.Figure:
    """Out-of-fold residuals (actual - predicted) by release year and by platform, sorted."""
    frame = _first_repeat(oof_predictions, training_rows)
    frame["year"] = frame["release_year"].map(lambda v: "unknown" if pd.isna(v) else str(int(v)))
    years = sorted(frame["year"].unique(), key=lambda year: (year == "unknown", year))
    platforms = sorted(frame["platform"].astype(str).unique())
    figure = make_subplots(rows=1, cols=2, subplot_titles=("by release year", "by platform"))
    figure.add_trace(go.Box(x=frame["year"], y=frame["residual"], name="year"), row=1, col=1)
    figure.add_trace(go.Box(x=frame["platform"], y=frame["residual"], name="platform"), 1, 2)
    figure.update_xaxes(
        title_text="release year", categoryorder="array", categoryarray=years, row=1, col=1
    )
    figure.update_xaxes(
        title_text="platform", categoryorder="array", categoryarray=platforms, row=1, col=2
    )
    figure.update_layout(
        title="Out-of-fold residuals (actual - predicted)",
        showlegend=False,
        template="plotly_white",
    )
    figure.update_yaxes(title_text="residual (user-score points)")
    return figure


def plot_feature_drivers(feature_drivers: pd.DataFrame) -> go.Figure:
    """Mean |contribution| per input feature (SHAP for LightGBM, exact for linear parts)."""
    top = feature_drivers.head(15).iloc[::-1]
    figure = go.Figure(
        go.Bar(
            x=top["mean_abs_contribution"],
            y=top["feature"],
            orientation="h",
            customdata=np.stack([top["share"], top["description"]], axis=-1),
            hovertemplate="%{y}: %{x:.3f} points (%{customdata[0]:.0%})<br>%{customdata[1]}"
            "<extra></extra>",
        )
    )
    figure.update_layout(
        title="What drives the predicted user score (mean |contribution|, points)",
        xaxis_title="mean absolute contribution to the prediction (user-score points)",
        yaxis_title="input feature (largest at the top)",
        template="plotly_white",
    )
    return figure


def plot_protocol_comparison(training_metrics: dict[str, Any]) -> go.Figure:
    """MAE of every candidate under every protocol (lower is better; the chosen one marked).

    Candidates are sorted by their selection score (mean MAE over the selection
    protocols), best first; one without a score goes last.
    """
    chosen = training_metrics["chosen_model"]
    scores = training_metrics.get("selection", {}).get("scores", {})

    def rank(name: str) -> tuple[float, str]:
        return (scores.get(name, {}).get("score", float("inf")), name)

    figure = go.Figure()
    for protocol, result in training_metrics["protocols"].items():
        names = sorted(result["candidates"], key=rank)
        figure.add_trace(
            go.Bar(
                name=f"({PROTOCOL_LABELS[protocol]}) {protocol}",
                x=[f"{n} *" if n == chosen else n for n in names],
                y=[result["candidates"][n]["mae"] for n in names],
                hovertemplate="%{x}: MAE %{y:.3f}<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="group",
        title=f"MAE per candidate and protocol (* = chosen: {chosen})",
        xaxis_title="candidate (best selection score first)",
        yaxis_title="MAE (user-score points)",
        template="plotly_white",
    )
    return figure
