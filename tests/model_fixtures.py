"""Quick ``UserScoreModel`` artifacts for tests that need *a* model, not a tuned one."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from user_score.model import INPUT_FEATURES, NoveltyIntervals, UserScoreModel


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
    group, as stand-ins for the out-of-fold residuals training uses; None
    leaves the model without intervals (like a cross-validation fold's).
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
        flags = model.novelty_flags(features)
        model.with_intervals(NoveltyIntervals.calibrate(residuals, flags, ["meta"], 0.8, 30))
    return model
