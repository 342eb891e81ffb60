"""The per-day view of the window: drift per feature per day, MAE per day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .drift import PREDICTION

#: ok -> 0, warning -> 1, critical -> 2 (the heatmap's colour).
FLAG_LEVEL = {"ok": 0, "warning": 1, "critical": 2}


def daily_drift_chart(drift_by_day: pd.DataFrame) -> go.Figure:
    """Heatmap, features x days: colour = flag, text = PSI, hover = the day's alert levels."""
    figure = go.Figure()
    if drift_by_day.empty:
        return figure.update_layout(title="Drift per day: no window day with predictions")
    order = drift_by_day.groupby("feature")["psi"].max().sort_values(ascending=True).index.tolist()
    order = [name for name in order if name != PREDICTION] + [PREDICTION]
    level = drift_by_day.pivot(index="feature", columns="day", values="flag").reindex(order)
    psi = drift_by_day.pivot(index="feature", columns="day", values="psi").reindex(order)
    warning = drift_by_day.pivot(index="feature", columns="day", values="warning_at").reindex(order)
    rows = drift_by_day.pivot(index="feature", columns="day", values="n_current").reindex(order)
    figure.add_trace(
        go.Heatmap(
            z=level.map(lambda flag: FLAG_LEVEL.get(flag, np.nan)).to_numpy(dtype="float64"),
            x=list(level.columns),
            y=order,
            zmin=0,
            zmax=2,
            colorscale=[[0, "#eceff1"], [0.5, "#f9a825"], [1, "#c62828"]],
            showscale=False,
            text=psi.round(3).astype(str).to_numpy(),
            texttemplate="%{text}",
            customdata=np.dstack([warning.to_numpy(), rows.to_numpy()]),
            hovertemplate="%{y} on %{x}: PSI %{text}<br>warning at %{customdata[0]:.3f}, "
            "%{customdata[1]} rows<extra></extra>",
        )
    )
    figure.update_layout(
        title="Drift per feature per day (PSI; amber = warning, red = critical at that day's "
        "row count)",
        xaxis_title="scoring day",
        yaxis_title="feature",
        height=max(360, 24 * len(order) + 140),
        margin={"l": 200},
    )
    return figure


def daily_performance_chart(performance_by_day: pd.DataFrame) -> go.Figure:
    """Estimated MAE per day with its band, the case-mix expected MAE, realised MAE."""
    figure = go.Figure()
    days = performance_by_day["day"]
    band = performance_by_day["band"].fillna(0.0)
    estimated = performance_by_day["estimated_mae"]
    figure.add_trace(
        go.Scatter(
            x=list(days) + list(days[::-1]),
            y=list(estimated + band) + list((estimated - band)[::-1]),
            fill="toself",
            fillcolor="rgba(21,101,192,0.15)",
            line={"width": 0},
            hoverinfo="skip",
            name="estimate +/- the estimator's own error",
        )
    )
    for column, name, style in (
        ("estimated_mae", "estimated MAE", {"color": "#1565c0"}),
        ("expected_mae", "expected for the day's mix (case-mix baseline)", {"dash": "dot"}),
        ("realised_mae", "realised MAE (labels arrived)", {"color": "#2e7d32"}),
    ):
        figure.add_trace(
            go.Scatter(
                x=days,
                y=performance_by_day[column],
                mode="lines+markers",
                name=name,
                line=style,
                customdata=performance_by_day[["rows", "labels"]].to_numpy(),
                hovertemplate="%{x}: %{y:.3f} (%{customdata[0]} rows, %{customdata[1]} labels)"
                "<extra></extra>",
            )
        )
    window = performance_by_day.loc[performance_by_day["in_window"].astype(bool), "day"]
    if len(window):
        figure.add_vrect(
            x0=window.iloc[0], x1=window.iloc[-1], fillcolor="#eceff1", opacity=0.5, line_width=0
        )
    figure.update_layout(
        title="MAE per scoring day (shaded: the window; realised MAE once labels arrive)",
        xaxis_title="scoring day",
        yaxis_title="MAE (user-score points)",
        height=420,
        hovermode="x unified",
    )
    return figure
