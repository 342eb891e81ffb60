"""The case-mix baseline: the MAE expected for *these* rows, not one global CV figure.

Games without a critic score, from a new franchise or an unseen studio are
harder; a day with more of them has a higher MAE without anything having gone
wrong. The model's intervals are calibrated per novelty cell on the shift
protocols (leave-studio-out, rolling backtest), and each cell carries the MAE
of its residuals (``model.metadata["interval"]["cells"]``). The reference
profile keeps those cells and the training studios/franchises
(:func:`~.reference.novelty_reference`), so monitoring puts every scored row in
its cell exactly as ``model.interval_cell`` does and expects, for a set of
rows, the mean of their cells' MAE: a weighted average of cell MAEs by today's
shares. Without cells (an older reference) the global CV MAE is the baseline.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from user_score.model import NoveltyIntervals, NoveltyProfile


def row_cells(features: pd.DataFrame, novelty: dict[str, Any] | None) -> pd.Series:
    """Each row's interval cell (``meta=missing|franchise=new``, ..., ``all``)."""
    if novelty is None or features.empty:
        return pd.Series("all", index=features.index, dtype=object)
    profile = NoveltyProfile(frozenset(novelty["developers"]), frozenset(novelty["franchises"]))
    intervals = NoveltyIntervals(
        float(novelty["level"]), tuple(novelty["groups"]), dict(novelty["cells"])
    )
    return intervals.cell_of(profile.flags(features))


def expected_abs_error(
    cells: pd.Series, novelty: dict[str, Any] | None, fallback_mae: float | None
) -> np.ndarray:
    """Each row's expected absolute error: its cell's MAE (the global MAE where unknown)."""
    fallback = np.nan if fallback_mae is None else float(fallback_mae)
    maes = {key: cell.get("mae") for key, cell in ((novelty or {}).get("cells") or {}).items()}
    values = cells.map(maes).astype("float64").to_numpy()
    return np.where(np.isfinite(values), values, fallback)


def casemix_mae(expected: pd.Series | np.ndarray) -> float | None:
    """The MAE expected for a set of rows (mean of their expected errors); None for none."""
    values = np.asarray(expected, dtype="float64")
    values = values[np.isfinite(values)]
    return float(values.mean()) if len(values) else None


def cell_shares(cells: pd.Series) -> dict[str, float]:
    """Share of rows per cell, largest first (what the baseline is weighted by)."""
    if cells.empty:
        return {}
    return {str(k): float(v) for k, v in cells.value_counts(normalize=True).items()}


def estimator_band(metadata: dict[str, Any], n_rows: int) -> float | None:
    """Half-width of the estimated MAE's band for ``n_rows`` rows, from the estimator's own error.

    The estimator's grouped-CV check gives the mean ``|estimated - realised|``
    MAE over held-out folds of ``m`` rows (``fold_mae_of_mae_estimate``); a mean
    over ``n`` rows scatters like ``1/sqrt(n)``, so the band is that error
    times ``sqrt(m / n)`` (never narrower than at fold size).
    """
    error = metadata.get("fold_mae_of_mae_estimate")
    folds = metadata.get("folds") or []
    if error is None or not folds or n_rows <= 0:
        return None
    fold_rows = float(np.mean([fold["rows"] for fold in folds]))
    return float(error) * float(np.sqrt(max(fold_rows / n_rows, 1.0)))
