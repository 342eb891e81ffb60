"""What drives the prediction: mean |contribution| per input feature of the deployed model.

Each component of the point prediction is explained by its own exact method
and weighted like the prediction: TreeSHAP (``pred_contrib``) for LightGBM,
``coef * (x - mean x)`` for the ridge, ``line(x) - mean line`` for the critic
line (on ``meta_score`` for scored games, ``meta_score_missing`` for the others).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from user_score.features import FEATURE_DOCS
from user_score.model import UserScoreModel

logger = logging.getLogger(__name__)


def _model_column_source(column: str) -> str:
    """Input feature behind a column of the preprocessed LightGBM matrix."""
    if column.startswith("genre__"):
        return "genres"
    if column.startswith("franchise_"):
        return "franchise"
    if column.startswith("developer_"):
        return "developers"
    return column


def component_contributions(model: UserScoreModel, rows: pd.DataFrame) -> pd.DataFrame:
    """Per-row contribution of each input feature to the (unclipped) point prediction."""
    parts = []
    matrix = None
    for name, weight in model.weights.items():
        component = model.components[name]
        if name.startswith("lightgbm"):
            matrix = model.transform(rows) if matrix is None else matrix
            shap = component.booster_.predict(matrix, pred_contrib=True)[:, :-1]
            frame = pd.DataFrame(shap, columns=[_model_column_source(c) for c in matrix.columns])
        elif name.startswith("linear"):
            frame = component.contributions(rows, component.column_means(rows))
            frame = frame.reset_index(drop=True)
        else:  # the critic line
            line = component.predict(rows)
            centred = line - line.mean()
            missing = rows["meta_score"].isna().to_numpy()
            frame = pd.DataFrame(
                {
                    "meta_score": np.where(missing, 0.0, centred),
                    "meta_score_missing": np.where(missing, centred, 0.0),
                }
            )
        parts.append(weight * frame.T.groupby(level=0).sum().T)
    total = pd.concat(parts, axis=0, keys=range(len(parts))).groupby(level=1).sum()
    return total.fillna(0.0)


def compute_feature_drivers(model: UserScoreModel, training_rows: pd.DataFrame) -> pd.DataFrame:
    """Global drivers: mean |contribution| per input feature over the training games.

    ``direction`` is the Spearman correlation between a numeric feature's value
    and its contribution (+: higher value, higher predicted score).
    """
    combined = component_contributions(model, training_rows)
    rows = []
    for feature in combined.columns:
        values = training_rows.get(feature)
        direction = np.nan
        numeric = values is not None and pd.api.types.is_numeric_dtype(values)
        if numeric and values.nunique() > 1 and combined[feature].nunique() > 1:
            series = pd.Series(values.astype("float64").to_numpy())
            direction = float(series.corr(combined[feature], method="spearman"))
        rows.append(
            {
                "feature": feature,
                "mean_abs_contribution": float(combined[feature].abs().mean()),
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
