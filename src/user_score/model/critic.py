"""The critic-score line: ``user_score ~ a + b * meta_score``, the backbone every model must beat.

:class:`CriticLine` is the ``critic_only`` candidate on its own and the
backbone of ``critic_backbone`` (the line plus a shrunk LightGBM correction).
Games without a critic score get the mean user score of the training games
without one (they are a different population: DLC, ports, small releases).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Slope used when the training rows cannot fit one (fewer than 3 scored games).
_NO_SLOPE = 0.0


# Pickled as user_score.model.CriticLine: see the package's __init__.
@dataclass
class CriticLine:
    """``intercept + slope * meta_score``; ``missing_mean`` when meta_score is null."""

    intercept: float = float("nan")
    slope: float = _NO_SLOPE
    missing_mean: float = float("nan")

    def fit(self, features: pd.DataFrame, y: pd.Series | np.ndarray) -> CriticLine:
        """Least squares on the rows with a critic score; mean of the others."""
        target = np.asarray(y, dtype="float64")
        meta = features["meta_score"].astype("float64").to_numpy()
        known = ~np.isnan(meta)
        overall = float(target.mean()) if len(target) else float("nan")
        if known.sum() >= 3 and np.ptp(meta[known]) > 0:
            self.slope, self.intercept = (
                float(v) for v in np.polyfit(meta[known], target[known], 1)
            )
        else:
            self.slope, self.intercept = (
                _NO_SLOPE,
                float(target[known].mean()) if known.any() else overall,
            )
        self.missing_mean = float(target[~known].mean()) if (~known).any() else overall
        return self

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """The line for scored games, the no-score mean for the others (not clipped)."""
        meta = features["meta_score"].astype("float64").to_numpy()
        return np.where(
            np.isnan(meta), self.missing_mean, self.intercept + self.slope * np.nan_to_num(meta)
        )
