"""Performance estimation before labels arrive (direct loss estimation).

In the spirit of NannyML's DLE: a small LightGBM model learns the
*expected absolute error* of the user-score model from the game's features
and its prediction, on out-of-fold errors from training (errors the model made
on games it had not seen). Applied to a day's features and predictions, the
mean of its outputs is an estimate of that day's MAE, available weeks before
the real user scores are.

It can only see shifts that move games into regions where the model was
already less accurate (more games without a critic score, unusual platforms,
extreme predictions). A shift in the relation between features and target
(concept drift) is invisible to it; that is what the realised MAE on the
delayed labels is for, and why the report shows both side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from user_score.model import CATEGORICAL_FEATURES, NUMERIC_FEATURES

DEFAULT_ESTIMATOR_PARAMS: dict[str, Any] = {
    "n_estimators": 150,
    "learning_rate": 0.05,
    "num_leaves": 7,
    "min_child_samples": 30,
    "reg_lambda": 1.0,
    "subsample": 0.8,
    "subsample_freq": 1,
    "random_state": 42,
    "n_jobs": 1,
    "verbose": -1,
}


def estimator_matrix(
    features: pd.DataFrame, predicted: pd.Series | np.ndarray, categories: dict[str, list[str]]
) -> pd.DataFrame:
    """Numeric features, categorical codes (unseen -> own code) and the prediction."""
    matrix = features[NUMERIC_FEATURES].astype("float64").copy()
    for column in CATEGORICAL_FEATURES:
        known = categories[column]
        text = features[column].astype(object).where(features[column].notna(), None).astype(str)
        matrix[column] = pd.Categorical(
            text.where(text.isin(known), "__unseen__"), [*known, "__unseen__"]
        )
    matrix["predicted_user_score"] = np.asarray(predicted, dtype="float64")
    return matrix.reset_index(drop=True)


@dataclass
class PerformanceEstimator:
    """Expected absolute error per row, learned from out-of-fold errors."""

    regressor: lgb.LGBMRegressor
    categories: dict[str, list[str]]
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        features: pd.DataFrame,
        predicted: pd.Series | np.ndarray,
        abs_error: pd.Series | np.ndarray,
        params: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> PerformanceEstimator:
        """Fit on features, out-of-fold predictions and their absolute errors."""
        categories = {
            column: sorted(features[column].dropna().astype(str).unique().tolist())
            for column in CATEGORICAL_FEATURES
        }
        matrix = estimator_matrix(features, predicted, categories)
        regressor = lgb.LGBMRegressor(**{**DEFAULT_ESTIMATOR_PARAMS, **(params or {})})
        regressor.fit(matrix, np.asarray(abs_error, dtype="float64"))
        return cls(regressor, categories, dict(metadata or {}))

    def predict_abs_error(
        self, features: pd.DataFrame, predicted: pd.Series | np.ndarray
    ) -> np.ndarray:
        """Expected absolute error of each row (never negative)."""
        if len(features) == 0:
            return np.zeros(0)
        matrix = estimator_matrix(features, predicted, self.categories)
        return np.clip(self.regressor.predict(matrix), 0.0, None)

    def estimate_mae(self, features: pd.DataFrame, predicted: pd.Series | np.ndarray) -> float:
        """Estimated MAE of a set of rows (NaN for no rows)."""
        errors = self.predict_abs_error(features, predicted)
        return float(errors.mean()) if len(errors) else float("nan")
