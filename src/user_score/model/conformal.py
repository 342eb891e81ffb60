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

With :class:`ResidualQuantiles` (artifact format 3, ``training.interval.method:
cqr``) the interval is *conformalized quantile regression* (Romano et al., 2019):
two small LightGBM models predict the 10 % and 90 % quantiles of the residual
from the row's novelty flags, critic score and point prediction, so the width
follows how hard the row is; each cell then adds one conformal correction
(calibrated on cross-fitted quantiles, never on the rows a model was fitted on),
which restores the promised coverage per cell. Without it (format-2 artifacts,
``method: offsets``) each cell has fixed offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from .distinct import unique_rows
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


def conformal_rank(scores: np.ndarray, level: float) -> float:
    """The ``ceil((n + 1) * level)``-th smallest conformity score (capped at the largest)."""
    values = np.sort(np.asarray(scores, dtype="float64"))
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return float("nan")
    rank = min(len(values), int(np.ceil((len(values) + 1) * level)))
    return float(values[rank - 1])


#: Inputs of the residual quantile models: novelty flags as 0/1, critic score, point prediction.
QUANTILE_FEATURES: tuple[str, ...] = (
    "meta_missing",
    "meta_score",
    "franchise_new",
    "studio_unseen",
    "prediction",
)


def quantile_inputs(
    flags: pd.DataFrame, meta_score: pd.Series | np.ndarray, prediction: np.ndarray
) -> np.ndarray:
    """The :data:`QUANTILE_FEATURES` matrix (critic score NaN where missing: LightGBM routes it)."""
    return np.column_stack(
        [
            (flags["meta"].to_numpy() == "missing").astype("float64"),
            pd.Series(meta_score).to_numpy(dtype="float64", na_value=np.nan),
            (flags["franchise"].to_numpy() == "new").astype("float64"),
            (flags["studio"].to_numpy() == "unseen").astype("float64"),
            np.asarray(prediction, dtype="float64"),
        ]
    )


# Pickled as user_score.model.ResidualQuantiles: see the package's __init__.
@dataclass
class ResidualQuantiles:
    """Two LightGBM quantile models of the residual ``y - prediction`` (lower, upper)."""

    alpha: float
    params: dict[str, Any]
    #: The :data:`QUANTILE_FEATURES` the models read (a subset, in that order).
    features: tuple[str, ...] = QUANTILE_FEATURES
    low: Any = None
    high: Any = None

    def __post_init__(self) -> None:
        unknown = sorted(set(self.features) - set(QUANTILE_FEATURES))
        if unknown:
            raise ValueError(f"unknown quantile features {unknown}; known: {QUANTILE_FEATURES}")
        self.features = tuple(name for name in QUANTILE_FEATURES if name in self.features)

    def _model(self, quantile: float) -> lgb.LGBMRegressor:
        return lgb.LGBMRegressor(objective="quantile", alpha=quantile, **self.params)

    def _columns(self, inputs: np.ndarray) -> np.ndarray:
        return inputs[:, [QUANTILE_FEATURES.index(name) for name in self.features]]

    def fit(self, inputs: np.ndarray, residuals: np.ndarray) -> ResidualQuantiles:
        """Fit both quantile models on all rows given (``inputs``: :func:`quantile_inputs`)."""
        self.low = self._model(self.alpha).fit(self._columns(inputs), residuals)
        self.high = self._model(1.0 - self.alpha).fit(self._columns(inputs), residuals)
        return self

    def predict(self, inputs: np.ndarray, num_threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper residual quantile of each row."""
        if len(inputs) == 0:
            return np.empty(0), np.empty(0)
        columns = self._columns(inputs)
        return (
            self.low.predict(columns, num_threads=num_threads),
            self.high.predict(columns, num_threads=num_threads),
        )

    def cross_fitted(
        self, inputs: np.ndarray, residuals: np.ndarray, folds: int, seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Out-of-fold quantiles: each row's from models fitted without it (for calibration)."""
        low, high = np.zeros(len(residuals)), np.zeros(len(residuals))
        splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
        for train, test in splitter.split(inputs):
            part = ResidualQuantiles(self.alpha, self.params, self.features)
            part.fit(inputs[train], residuals[train])
            low[test], high[test] = part.predict(inputs[test])
        return low, high


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
    #: Conformalized quantile regression (format 3); None: fixed offsets per cell.
    quantiles: ResidualQuantiles | None = None

    @classmethod
    def calibrate(
        cls,
        residuals: np.ndarray,
        flags: pd.DataFrame,
        groups: list[str] | tuple[str, ...],
        level: float,
        min_residuals: int,
        quantiles: ResidualQuantiles | None = None,
        inputs: np.ndarray | None = None,
        folds: int = 5,
        seed: int = 0,
    ) -> NoveltyIntervals:
        """Offsets (or CQR corrections) for every cell, at every coarseness, of ``min_residuals``.

        The coarsest cell, ``all``, is always calibrated, so every row gets an interval.
        With ``quantiles`` (unfitted) and their ``inputs`` (:func:`quantile_inputs`),
        each cell's correction is the conformal quantile of the scores (``r - q_high``
        for a residual above the point, ``q_low - r`` below it) of cross-fitted
        (``folds``) quantiles; the
        quantile models are then fitted on every residual. A cell's ``low``/``high``
        are then its calibration rows' mean offsets (what the model card shows).
        """
        residuals = np.asarray(residuals, dtype="float64")
        groups = tuple(groups)
        if quantiles is not None:
            if inputs is None:
                raise ValueError("conformalized quantile intervals need the quantile inputs")
            q_low, q_high = quantiles.cross_fitted(inputs, residuals, folds, seed)
            # The smallest correction c that puts r inside [min(q_low - c, 0), max(q_high + c, 0)]
            # (row_offsets' interval, which always holds the point): r - q_high above the
            # point, q_low - r below it.
            scores = np.where(residuals >= 0, residuals - q_high, q_low - residuals)
            quantiles.fit(inputs, residuals)
        cells: dict[str, dict[str, float]] = {}
        for depth in range(len(groups), -1, -1):
            keys = novelty_cell(flags, groups[:depth]).to_numpy()
            for key in pd.unique(keys):
                rows = keys == key
                chosen = residuals[rows]
                if depth and len(chosen) < min_residuals:
                    continue
                if quantiles is None:
                    low, high = conformal_offsets(chosen, level)
                    cell = {"low": low, "high": high}
                else:
                    correction = conformal_rank(scores[rows], level)
                    cell = {  # the mean offsets as row_offsets gives them (point inside)
                        "correction": correction,
                        "low": float(np.mean(np.minimum(q_low[rows] - correction, 0.0))),
                        "high": float(np.mean(np.maximum(q_high[rows] + correction, 0.0))),
                    }
                cells[str(key)] = {
                    **cell,
                    "n": len(chosen),
                    "mae": float(np.mean(np.abs(chosen))) if len(chosen) else float("nan"),
                }
        return cls(level=float(level), groups=groups, cells=cells, quantiles=quantiles)

    @property
    def method(self) -> str:
        """``cqr`` (conformalized quantile regression) or ``offsets`` (fixed per cell)."""
        return "offsets" if self.quantiles is None else "cqr"

    def _finest_cells(self, flags: pd.DataFrame) -> pd.Series:
        chosen = pd.Series("all", index=flags.index, dtype=object)
        for depth in range(1, len(self.groups) + 1):
            keys = novelty_cell(flags, self.groups[:depth])
            chosen = chosen.where(~keys.isin(self.cells.keys()), keys)
        return chosen

    def _cell_codes(self, flags: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """A code per row and the cell of each code: the cell is chosen once per distinct
        combination of the rows' flags (a handful), not once per row."""
        if not self.groups:
            return np.zeros(len(flags), dtype=np.intp), np.array(["all"], dtype=object)
        codes, first = unique_rows(*(flags[name].to_numpy(dtype=object) for name in self.groups))
        return codes, self._finest_cells(flags.iloc[first]).to_numpy(dtype=object)

    def cell_of(self, flags: pd.DataFrame) -> pd.Series:
        """The finest calibrated cell of each row (the one its interval comes from)."""
        codes, cells = self._cell_codes(flags)
        return pd.Series(cells[codes], index=flags.index, dtype=object)

    def _per_row(self, flags: pd.DataFrame, *values: str) -> list[np.ndarray]:
        """Each row's cell's ``values`` (``low``, ``high``, ``correction``; NaN if none)."""
        codes, cells = self._cell_codes(flags)
        return [
            np.asarray([self.cells.get(key, {}).get(value, np.nan) for key in cells], "float64")[
                codes
            ]
            for value in values
        ]

    def row_offsets(
        self, flags: pd.DataFrame, inputs: np.ndarray | None = None, num_threads: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """Lower/upper offsets of each row: its cell's, or its quantiles -/+ its cell's correction.

        ``inputs`` (:func:`quantile_inputs` of the same rows) are required with quantiles;
        their offsets are then clamped so that ``low <= 0 <= high``.
        """
        if self.quantiles is None:
            low, high = self._per_row(flags, "low", "high")
            return low, high
        if inputs is None:
            raise ValueError("these intervals need each row's critic score and prediction")
        q_low, q_high = self.quantiles.predict(inputs, num_threads)
        (correction,) = self._per_row(flags, "correction")
        low, high = q_low - correction, q_high + correction
        # The interval always holds the point prediction (the scoring contract's rule), even
        # where the quantile models expect the residual to have one sign.
        return np.minimum(low, 0.0), np.maximum(high, 0.0)

    def offsets(
        self,
        flags: pd.DataFrame,
        meta_score: pd.Series | np.ndarray,
        prediction: np.ndarray,
        num_threads: int = 1,
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`row_offsets` from the rows' critic score and point prediction (the quantile
        inputs are built only when these intervals have quantile models)."""
        if self.quantiles is None:
            return self.row_offsets(flags)
        inputs = quantile_inputs(flags, meta_score, prediction)
        return self.row_offsets(flags, inputs, num_threads)

    def summary(self) -> dict[str, dict[str, float]]:
        """Every calibrated cell with its offsets, width, residual count and MAE (JSON-ready)."""
        return {
            key: {**cell, "width": cell["high"] - cell["low"]} for key, cell in self.cells.items()
        }
