"""Prediction intervals: Mondrian split-conformal offsets per novelty cell.

Training passes out-of-fold residuals ``y - prediction`` from the *shift*
protocols (leave-studio-out, rolling backtest: games the model had not seen,
from studios or years it had not seen) together with each residual's novelty
flags (:mod:`.novelty`). :meth:`NoveltyIntervals.calibrate` turns them into
lower/upper offsets per cell of the configured flags (e.g. critic score present
or missing x franchise known or new), falling back to coarser cells (critic
score only, then all games) where a cell has too few residuals. Each scored row
gets the offsets of the finest calibrated cell it falls in, so a game from a new
franchise without a critic score gets the wider interval such games need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .novelty import novelty_cell


def conformal_offsets(residuals: np.ndarray, level: float) -> tuple[float, float]:
    """Split-conformal lower/upper residual quantiles for a central ``level`` interval.

    Uses the finite-sample corrected ranks ``ceil((n + 1) * q) / n`` so the
    guarantee holds for exchangeable rows.
    """
    values = np.sort(np.asarray(residuals, dtype="float64"))
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return (float("nan"), float("nan"))
    n = len(values)
    alpha = (1.0 - level) / 2.0
    upper_rank = min(n, int(np.ceil((n + 1) * (1.0 - alpha))))
    lower_rank = max(1, int(np.floor((n + 1) * alpha)))
    return (float(values[lower_rank - 1]), float(values[upper_rank - 1]))


# Pickled as user_score.model.NoveltyIntervals: see the package's __init__.
@dataclass
class NoveltyIntervals:
    """Interval offsets per novelty cell, with coarser cells as fallbacks.

    ``cells`` maps a cell key (``meta=missing|franchise=new``, ``meta=missing``,
    ``all``) to its calibration: ``low``/``high`` offsets, the number of
    residuals ``n`` and their mean absolute value ``mae`` (the accuracy games of
    that cell can expect, which monitoring uses as its case-mix baseline).
    """

    level: float
    groups: tuple[str, ...]
    cells: dict[str, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def calibrate(
        cls,
        residuals: np.ndarray,
        flags: pd.DataFrame,
        groups: list[str] | tuple[str, ...],
        level: float,
        min_residuals: int,
    ) -> NoveltyIntervals:
        """Offsets for every cell (at every coarseness) holding ``min_residuals`` residuals.

        The coarsest cell, ``all``, is always calibrated, so every row gets an interval.
        """
        residuals = np.asarray(residuals, dtype="float64")
        groups = tuple(groups)
        cells: dict[str, dict[str, float]] = {}
        for depth in range(len(groups), -1, -1):
            keys = novelty_cell(flags, groups[:depth]).to_numpy()
            for key in pd.unique(keys):
                chosen = residuals[keys == key]
                if depth and len(chosen) < min_residuals:
                    continue
                low, high = conformal_offsets(chosen, level)
                cells[str(key)] = {
                    "low": low,
                    "high": high,
                    "n": len(chosen),
                    "mae": float(np.mean(np.abs(chosen))) if len(chosen) else float("nan"),
                }
        return cls(level=float(level), groups=groups, cells=cells)

    def cell_of(self, flags: pd.DataFrame) -> pd.Series:
        """The finest calibrated cell of each row (the one its interval comes from)."""
        chosen = pd.Series("all", index=flags.index, dtype=object)
        for depth in range(1, len(self.groups) + 1):
            keys = novelty_cell(flags, self.groups[:depth])
            chosen = chosen.where(~keys.isin(self.cells.keys()), keys)
        return chosen

    def row_offsets(self, flags: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Lower/upper offsets of each row's cell."""
        cells = self.cell_of(flags)
        low = cells.map({key: cell["low"] for key, cell in self.cells.items()})
        high = cells.map({key: cell["high"] for key, cell in self.cells.items()})
        return low.to_numpy(dtype="float64"), high.to_numpy(dtype="float64")

    def summary(self) -> dict[str, dict[str, float]]:
        """Every calibrated cell with its offsets, width, residual count and MAE (JSON-ready)."""
        return {
            key: {**cell, "width": cell["high"] - cell["low"]} for key, cell in self.cells.items()
        }
