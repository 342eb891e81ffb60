"""Drift decisions calibrated on the reference itself, at today's sample size.

The configured PSI levels (0.10 / 0.25) are fixed, but PSI between two samples
of *one* distribution is not zero: it grows like ``(k - 1) * (1/n_ref +
1/n_cur)``, so 100 rows of undrifted games sit near 0.13 on a 12-bucket
feature. Here, as NannyML sets its thresholds from reference chunks, each
feature's alert levels come from the PSI it shows *without drift* at the
window's row count: ``draws`` pairs of samples (``n_reference`` rows and
``n_current`` rows) are drawn from the reference shares, their PSI computed
exactly as today's, and the warning / critical levels are the
``warning_quantile`` / ``critical_quantile`` of those values, never below the
configured PSI levels (the floor).

Two rules make the statistic itself mean what it says:

* **One-directional shares.** ``__unseen__``, ``__other__``, ``__missing__`` and
  ``__none__`` only matter when they *grow*: a day with fewer new studios, fewer
  rare genres or fewer missing critic scores than usual is not drift. Where such
  a share is below its reference share, it is set to the reference share and the
  other buckets keep their relative sizes (:func:`one_way_shares`).
* **Empty buckets never explode.** A share of zero is replaced by half an
  observation (``0.5 / n``, at least ``epsilon``), not by a tiny constant, so an
  empty bucket weighs what one missing row can weigh; a bucket empty on both
  sides adds nothing.

The reported ``psi`` is this one-directional, smoothed PSI; the classic
two-sided PSI (``epsilon`` floor) is kept beside it as ``psi_two_sided``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .drift import MISSING, NONE, OTHER, UNSEEN

#: Buckets whose share only matters when it increases.
ONE_WAY_BUCKETS = frozenset({MISSING, UNSEEN, OTHER, NONE})


def one_way_mask(buckets: Sequence[str]) -> np.ndarray:
    """True for the buckets in :data:`ONE_WAY_BUCKETS`."""
    return np.array([bucket in ONE_WAY_BUCKETS for bucket in buckets], dtype=bool)


def one_way_shares(reference: np.ndarray, current: np.ndarray, one_way: np.ndarray) -> np.ndarray:
    """Current shares with every *decrease* of a one-directional bucket undone.

    A one-way bucket below its reference share gets the reference share; the
    two-way buckets are scaled so the shares still sum to 1 (their relative
    sizes, which is what drift is about, are unchanged). Works on one share
    vector or on a ``(draws, buckets)`` matrix.
    """
    reference = np.asarray(reference, dtype="float64")
    current = np.asarray(current, dtype="float64")
    if not one_way.any():
        return current
    lowered = one_way & (current < reference)
    adjusted = np.where(lowered, reference, current)
    two_way_total = np.where(one_way, 0.0, adjusted).sum(axis=-1, keepdims=True)
    target = np.clip(1.0 - np.where(one_way, adjusted, 0.0).sum(axis=-1, keepdims=True), 0, None)
    scale = np.divide(target, two_way_total, out=np.ones_like(target), where=two_way_total > 0)
    adjusted = np.where(one_way, adjusted, adjusted * scale)
    total = adjusted.sum(axis=-1, keepdims=True)
    return np.divide(adjusted, total, out=adjusted.copy(), where=total > 0)


def smoothed_psi(
    reference: np.ndarray,
    current: np.ndarray,
    n_reference: int,
    n_current: int,
    epsilon: float,
) -> np.ndarray | float:
    """PSI where an empty bucket counts as half an observation (at least ``epsilon``).

    Buckets empty on both sides add nothing. Works on vectors or on
    ``(draws, buckets)`` matrices (one PSI per row).
    """
    reference = np.asarray(reference, dtype="float64")
    current = np.asarray(current, dtype="float64")
    both_empty = (reference <= 0) & (current <= 0)
    ref = np.maximum(reference, max(epsilon, 0.5 / max(n_reference, 1)))
    cur = np.maximum(current, max(epsilon, 0.5 / max(n_current, 1)))
    terms = np.where(both_empty, 0.0, (cur - ref) * np.log(cur / ref))
    return terms.sum(axis=-1)


def drift_psi(
    buckets: Sequence[str],
    reference: Sequence[float],
    current: Sequence[float],
    n_reference: int,
    n_current: int,
    epsilon: float,
) -> float:
    """The decision PSI of today's shares: one-directional buckets, smoothed empty buckets."""
    if n_current <= 0:
        return float("nan")
    mask = one_way_mask(buckets)
    ref = np.asarray(reference, dtype="float64")
    cur = one_way_shares(ref, np.asarray(current, dtype="float64"), mask)
    return float(smoothed_psi(ref, cur, n_reference, n_current, epsilon))


def null_psi(
    buckets: Sequence[str],
    reference: Sequence[float],
    n_reference: int,
    n_current: int,
    epsilon: float,
    draws: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """PSI values of ``draws`` undrifted samples: both sides drawn from the reference shares.

    The reference side is a sample too (``n_reference`` rows), so the spread
    includes the reference's own noise; multilabel columns are drawn as one tag
    per row, a conservative stand-in for tags that come together.
    """
    shares = np.clip(np.asarray(reference, dtype="float64"), 0, None)
    if n_current <= 0 or n_reference <= 0 or shares.sum() <= 0:
        return np.zeros(0)
    shares = shares / shares.sum()
    mask = one_way_mask(buckets)
    ref = rng.multinomial(n_reference, shares, size=draws) / n_reference
    cur = rng.multinomial(n_current, shares, size=draws) / n_current
    return np.asarray(
        smoothed_psi(ref, one_way_shares(ref, cur, mask), n_reference, n_current, epsilon)
    )


def alert_levels(
    null: np.ndarray,
    floor_warning: float,
    floor_critical: float,
    warning_quantile: float,
    critical_quantile: float,
) -> tuple[float, float]:
    """Warning and critical PSI: the null distribution's upper quantiles, floored by the config."""
    if len(null) == 0:
        return float(floor_warning), float(floor_critical)
    warning = max(float(floor_warning), float(np.quantile(null, warning_quantile)))
    critical = max(float(floor_critical), float(np.quantile(null, critical_quantile)), warning)
    return warning, critical
