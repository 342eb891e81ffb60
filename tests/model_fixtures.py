"""Quick ``UserScoreModel`` artifacts for tests that need *a* model, not a tuned one."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from user_score.model import (
    INPUT_FEATURES,
    NoveltyIntervals,
    ResidualQuantiles,
    UserScoreModel,
    quantile_inputs,
)

#: Small residual quantile models for test artifacts (training's are in parameters_training.yml).
QUICK_QUANTILES: dict[str, Any] = {
    "n_estimators": 40,
    "learning_rate": 0.1,
    "num_leaves": 4,
    "min_child_samples": 20,
    "n_jobs": 1,
    "verbose": -1,
}


def with_intervals(
    model: UserScoreModel, features: pd.DataFrame, residuals: np.ndarray, method: str = "cqr"
) -> UserScoreModel:
    """``model`` with 80 % intervals per critic-score cell calibrated on ``residuals``.

    ``method``: ``cqr`` (as training deploys: residual quantiles + a correction per cell)
    or ``offsets`` (fixed offsets per cell, the format-2 intervals).
    """
    flags = model.novelty_flags(features)
    quantiles, inputs = None, None
    if method == "cqr":
        quantiles = ResidualQuantiles(0.1, dict(QUICK_QUANTILES))
        inputs = quantile_inputs(flags, features["meta_score"], model.predict_point(features))
    intervals = NoveltyIntervals.calibrate(
        residuals, flags, ["meta"], 0.8, 30, quantiles=quantiles, inputs=inputs
    )
    return model.with_intervals(intervals)


def quick_model(
    features: pd.DataFrame,
    y: pd.Series,
    residuals: np.ndarray | None = None,
    components: dict[str, dict[str, Any]] | None = None,
    weights: dict[str, float] | None = None,
    metadata: dict[str, Any] | None = None,
) -> UserScoreModel:
    """A model fitted exactly as training fits one, with a small LightGBM by default.

    ``residuals`` (one per row) calibrate its 80 % interval per critic-score
    group (:func:`with_intervals`, the deployed method), as stand-ins for the
    out-of-fold residuals training uses; None leaves the model without
    intervals (like a cross-validation fold's).
    """
    components = components or {"lightgbm": {"n_estimators": 40}}
    model = UserScoreModel.fit(
        features[INPUT_FEATURES],
        y,
        components=components,
        weights=weights or {name: 1.0 / len(components) for name in components},
        metadata=metadata,
    )
    if residuals is not None:
        with_intervals(model, features, residuals)
    return model
