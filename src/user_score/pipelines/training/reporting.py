"""Reporting nodes of ``training``: metrics document, drivers (SHAP), charts, model card."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from user_score.features import FEATURE_DOCS
from user_score.metrics import format_metric
from user_score.model import UserScoreModel

logger = logging.getLogger(__name__)

TARGET = "user_score"
PROTOCOL_KEYS = {
    "grouped_cv": "a. grouped repeated K-fold (groups = base title)",
    "random_holdout": "b. random 80/20 split (original project)",
    "time_backtest": "c. time backtest",
}


def _model_column_source(column: str) -> str:
    """Input feature behind a column of the preprocessed LightGBM matrix."""
    if column.startswith("genre__"):
        return "genres"
    if column.startswith("franchise_"):
        return "franchise"
    if column.startswith("developer_"):
        return "developers"
    return column


def compute_feature_drivers(model: UserScoreModel, training_rows: pd.DataFrame) -> pd.DataFrame:
    """Global drivers of the prediction: mean |contribution| per input feature.

    LightGBM contributions are exact TreeSHAP values (``pred_contrib=True``);
    the ridge part's are ``coef * (x - mean x)``; the blend weights both like
    the prediction does. ``direction`` is the Spearman correlation between a
    numeric feature's value and its contribution (+: higher value, higher score).
    """
    matrix = model.transform(training_rows)
    shap = model.regressor.booster_.predict(matrix, pred_contrib=True)[:, :-1]
    boosted = pd.DataFrame(shap, columns=[_model_column_source(c) for c in matrix.columns])
    boosted = boosted.T.groupby(level=0).sum().T
    weight = model.blend_weight if model.linear is not None else 0.0
    if weight > 0:
        linear = model.linear.contributions(
            training_rows, model.linear.column_means(training_rows)
        ).reset_index(drop=True)
        linear = linear.rename(columns={"title": "base_title"})
    else:
        linear = pd.DataFrame(index=boosted.index)
    features = sorted(set(boosted.columns) | set(linear.columns))
    boosted = boosted.reindex(columns=features, fill_value=0.0)
    linear = linear.reindex(columns=features, fill_value=0.0)
    combined = (1 - weight) * boosted + weight * linear
    rows = []
    for feature in features:
        values = training_rows.get(feature, None)
        direction = np.nan
        numeric = values is not None and pd.api.types.is_numeric_dtype(values)
        if numeric and values.nunique() > 1 and combined[feature].nunique() > 1:
            numeric = pd.Series(values.astype("float64").to_numpy())
            direction = float(numeric.corr(combined[feature], method="spearman"))
        rows.append(
            {
                "feature": feature,
                "mean_abs_contribution": float(combined[feature].abs().mean()),
                "lightgbm_mean_abs_shap": float(boosted[feature].abs().mean()),
                "linear_mean_abs_contribution": float(linear[feature].abs().mean()),
                "direction": direction,
                "description": FEATURE_DOCS.get(feature, ""),
            }
        )
    drivers = pd.DataFrame(rows).sort_values("mean_abs_contribution", ascending=False)
    drivers["share"] = drivers["mean_abs_contribution"] / drivers["mean_abs_contribution"].sum()
    drivers.insert(0, "rank", np.arange(1, len(drivers) + 1))
    logger.info(
        "top drivers: %s",
        ", ".join(
            f"{row.feature} ({row.share:.0%})" for row in drivers.head(5).itertuples(index=False)
        ),
    )
    return drivers.reset_index(drop=True)


def _pass(value: float, bound: float, kind: str) -> bool:
    return bool(value <= bound) if kind == "max" else bool(value >= bound)


def build_training_metrics(
    cv_results: dict[str, Any],
    holdout_results: dict[str, Any],
    backtest_results: dict[str, Any],
    selection: dict[str, Any],
    model: UserScoreModel,
    params: dict[str, Any],
) -> dict[str, Any]:
    """One JSON document: every candidate x protocol, the choice, intervals, targets."""
    chosen = selection["chosen_model"]
    targets = params["targets"]
    cv = cv_results["candidates"][chosen]
    protocols = {
        "grouped_cv": {k: v for k, v in cv_results.items() if k != "fold_metrics"},
        "random_holdout": holdout_results,
        "time_backtest": backtest_results,
    }
    original = {}
    for key in ("grouped_cv", "random_holdout", "time_backtest"):
        metrics = protocols[key]["candidates"].get(chosen)
        if not metrics:
            continue
        mae = metrics["mae"]["mean"] if isinstance(metrics["mae"], dict) else metrics["mae"]
        r2 = metrics["r2"]["mean"] if isinstance(metrics["r2"], dict) else metrics["r2"]
        original[key] = {
            "mae": mae,
            "mae_pass": _pass(mae, float(targets["original_mae_max"]), "max"),
            "r2": r2,
            "r2_pass": _pass(r2, float(targets["original_r2_min"]), "min"),
        }
        original[key]["pass"] = original[key]["mae_pass"] and original[key]["r2_pass"]
    quality = {
        "cv_r2_mean": cv["r2"]["mean"],
        "cv_r2_min": float(targets["quality_r2_min"]),
        "r2_pass": _pass(cv["r2"]["mean"], float(targets["quality_r2_min"]), "min"),
        "cv_mae_mean": cv["mae"]["mean"],
        "cv_mae_max": float(targets["quality_mae_max"]),
        "mae_pass": _pass(cv["mae"]["mean"], float(targets["quality_mae_max"]), "max"),
    }
    quality["pass"] = quality["r2_pass"] and quality["mae_pass"]
    return {
        "model_version": model.model_version,
        "training_data_fingerprint": model.metadata["training_data_fingerprint"],
        "training_rows": model.metadata["training_rows"],
        "chosen_model": chosen,
        "selection": selection,
        "protocols": protocols,
        "interval": {
            "calibration": model.metadata["interval"],
            "coverage_random_holdout": holdout_results["interval"],
        },
        "targets": {
            "original": {
                "mae_max": float(targets["original_mae_max"]),
                "r2_min": float(targets["original_r2_min"]),
                "by_protocol": original,
            },
            "quality": quality,
        },
        "lightgbm_params": {
            k: v
            for k, v in model.metadata["lgbm_params"].items()
            if isinstance(v, int | float | str | bool) or v is None
        },
        "blend_weight": model.blend_weight,
    }


def _cv_frame(oof_predictions: pd.DataFrame, training_rows: pd.DataFrame) -> pd.DataFrame:
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
    frame = _cv_frame(oof_predictions, training_rows)
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
    """Out-of-fold residuals (actual - predicted) by release year and by platform."""
    frame = _cv_frame(oof_predictions, training_rows)
    figure = make_subplots(rows=1, cols=2, subplot_titles=("by release year", "by platform"))
    year = frame["release_year"].astype("Int64").astype(str).replace("<NA>", "unknown")
    figure.add_trace(go.Box(x=year, y=frame["residual"], name="year"), row=1, col=1)
    figure.add_trace(go.Box(x=frame["platform"], y=frame["residual"], name="platform"), 1, 2)
    figure.update_layout(
        title="Out-of-fold residuals (actual - predicted)",
        showlegend=False,
        template="plotly_white",
    )
    figure.update_yaxes(title_text="residual", row=1, col=1)
    return figure


def plot_feature_drivers(feature_drivers: pd.DataFrame) -> go.Figure:
    """Mean |contribution| per input feature (SHAP for LightGBM, exact for the ridge)."""
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
        template="plotly_white",
    )
    return figure


def render_model_card(
    training_metrics: dict[str, Any],
    feature_drivers: pd.DataFrame,
    model_input_table: pd.DataFrame,
) -> str:
    """Markdown model card written from this run's own numbers."""
    m = training_metrics
    chosen = m["chosen_model"]
    protocols = m["protocols"]
    cv, holdout, backtest = (
        protocols["grouped_cv"],
        protocols["random_holdout"],
        protocols["time_backtest"],
    )
    coverage = m["interval"]["coverage_random_holdout"]
    labelled = int(model_input_table["is_labelled"].sum())
    lines = [
        f"# Model card: user-score model `{m['model_version']}`",
        "",
        "Generated by the `training` pipeline from this run's own numbers.",
        "",
        "## Model",
        "",
        f"* Chosen: **{chosen}** (rule: {m['selection']['selection_rule']}).",
        f"* Best candidate overall by protocol (a): {m['selection']['best_candidate_overall']}.",
        f"* Ridge weight in the blend: {m['blend_weight']:.2f}; LightGBM "
        f"{m['lightgbm_params'].get('n_estimators')} trees, "
        f"{m['lightgbm_params'].get('num_leaves')} leaves "
        "(chosen by grouped inner CV with early stopping).",
        "* Inputs: the stateless features of `build_features` (docs/data_contract.md); "
        "fitted inside the artifact: vocabularies, genre multi-hot, critic-adjusted target "
        "encodings of franchise and developers, the ridge's title-word vocabulary.",
        "",
        "## Data",
        "",
        f"* {len(model_input_table)} games in `model_input_table`, {labelled} with a user "
        f"score (training rows: {m['training_rows']}, {cv['groups']} base titles).",
        f"* Training data fingerprint: `{m['training_data_fingerprint'][:16]}…`.",
        "",
        "## Evaluation",
        "",
        f"Protocol (a): grouped repeated K-fold, {cv['n_splits']} folds x {cv['n_repeats']} "
        f"repeats, seed {cv['seed']}, groups = `{cv['group_column']}` (ports of one game never "
        "sit on both sides). Protocol (b): random 80/20, random_state "
        f"{holdout['random_state']}. Protocol (c): train before {backtest['cutoff_year']}, "
        f"test {backtest['cutoff_year']} and later ({backtest['test_rows']} games). Every "
        "fitted statistic is fitted inside the training part only.",
        "",
        "| candidate | (a) R2 | (a) MAE | (a) RMSE | (b) R2 | (b) MAE | (c) R2 | (c) MAE |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, summary in cv["candidates"].items():
        b = holdout["candidates"].get(name, {})
        c = backtest["candidates"].get(name, {})
        marker = " (chosen)" if name == chosen else ""
        cells = [
            summary["r2"],
            summary["mae"],
            summary["rmse"],
            b.get("r2"),
            b.get("mae"),
            c.get("r2"),
            c.get("mae"),
        ]
        lines.append(
            f"| {name}{marker} | " + " | ".join(format_metric(cell) for cell in cells) + " |"
        )
    quality = m["targets"]["quality"]
    original = m["targets"]["original"]
    lines += [
        "",
        "## Targets",
        "",
        f"* Quality target, protocol (a): R2 >= {quality['cv_r2_min']} "
        f"({'PASS' if quality['r2_pass'] else 'FAIL'}: {quality['cv_r2_mean']:.3f}), "
        f"MAE <= {quality['cv_mae_max']} ({'PASS' if quality['mae_pass'] else 'FAIL'}: "
        f"{quality['cv_mae_mean']:.3f}).",
    ]
    for key, result in original["by_protocol"].items():
        lines.append(
            f"* Original targets (MAE <= {original['mae_max']}, R2 >= {original['r2_min']}) on "
            f"{PROTOCOL_KEYS[key]}: MAE {result['mae']:.3f} "
            f"({'pass' if result['mae_pass'] else 'fail'}), R2 {result['r2']:.3f} "
            f"({'pass' if result['r2_pass'] else 'fail'})."
        )
    lines += [
        "",
        "## Prediction intervals",
        "",
        f"{coverage['level']:.0%} intervals: split-conformal on out-of-fold residuals, with "
        "separate offsets for games with and without a critic score (Mondrian conformal). "
        f"Coverage on protocol (b)'s untouched test split: **{coverage['coverage']:.1%}** "
        f"(target {coverage['target']}: {'PASS' if coverage['pass'] else 'FAIL'}), mean width "
        f"{coverage['mean_width']:.2f} points.",
        "",
        "| group | coverage | mean width | n |",
        "| --- | --- | --- | --- |",
    ]
    for name, group in coverage["by_group"].items():
        lines.append(
            f"| {name} | {group['coverage']:.1%} | {group['mean_width']:.2f} | {group['n']} |"
        )
    lines += [
        "",
        "## What drives the user score",
        "",
        "Mean absolute contribution to the prediction over the training games "
        "(TreeSHAP for LightGBM, exact contributions for the ridge, blended).",
        "",
        "| rank | feature | mean abs contribution | share | direction |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in feature_drivers.head(10).itertuples(index=False):
        direction = "" if np.isnan(row.direction) else f"{row.direction:+.2f}"
        lines.append(
            f"| {row.rank} | `{row.feature}` | {row.mean_abs_contribution:.3f} | "
            f"{row.share:.0%} | {direction} |"
        )
    lines += [
        "",
        "## Limitations",
        "",
        "* Small data: a few hundred labelled games; fold-to-fold spread of R2 is large "
        "(see the ± above), so differences of 0.01 between candidates are noise.",
        "* The user score depends on things not in the data (review bombing, launch "
        "problems, number of user reviews); outliers such as apps and controversial "
        "releases are predicted near the average.",
        "* Games without a critic score are much harder to predict; their interval is wider.",
        "* Year effects extrapolate: a release after the last training year gets the latest "
        "year's effect (see protocol (c)).",
        "* Intervals are marginal: they hold on average over games like the training set, "
        "not for every individual game.",
        "",
    ]
    return "\n".join(lines)
