"""The selection rule: which candidate becomes the artifact (``training.selection``).

1. Score every artifact candidate by its mean MAE over the selection protocols
   (by default (a) grouped K-fold, (d) leave-studio-out and (e) the rolling
   backtest): games like the training set, from unseen studios, from later years.
2. Eligible are the candidates that beat the baseline (the critic-score line)
   on MAE under *every* selection protocol.
3. Among the eligible, the simplest (earliest in ``training.candidates``) whose
   score is within ``tolerance`` MAE points of the best eligible score wins:
   a more complex model has to earn its cost by more than fold noise.
4. If no candidate is eligible, the best-scoring one is chosen anyway and the
   log and the model card say plainly that it does not beat the baseline.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from .params import PROTOCOL_LABELS, TrainingParams

logger = logging.getLogger(__name__)


def describe_rule(params: TrainingParams) -> str:
    """The rule in one sentence, with this run's settings (logged and in the model card)."""
    selection = params.selection
    protocols = ", ".join(f"({PROTOCOL_LABELS[p]}) {p}" for p in selection.protocols)
    return (
        f"mean MAE over {protocols}; only candidates that beat {selection.baseline} on MAE "
        f"under each of them; the simplest (order of training.candidates) within "
        f"{selection.tolerance} MAE of the best"
    )


def select_candidate(
    protocol_results: dict[str, dict[str, Any]], params: TrainingParams
) -> dict[str, Any]:
    """Apply the rule to the protocols' results; return the choice and the evidence."""
    selection = params.selection
    baseline = selection.baseline
    table: dict[str, dict[str, Any]] = {}
    for name in params.candidates:
        maes = {p: protocol_results[p]["candidates"][name]["mae"] for p in selection.protocols}
        base = {p: protocol_results[p]["candidates"][baseline]["mae"] for p in selection.protocols}
        table[name] = {
            "score": float(np.mean(list(maes.values()))),
            "mae": maes,
            "beats_baseline": {p: bool(maes[p] < base[p]) for p in selection.protocols},
            "complexity": params.complexity(name),
        }
    artifact = [name for name in params.candidates if name in selection.artifact_candidates]
    eligible = [name for name in artifact if all(table[name]["beats_baseline"].values())]
    pool = eligible or artifact
    best = min(pool, key=lambda name: table[name]["score"])
    within = [n for n in pool if table[n]["score"] <= table[best]["score"] + selection.tolerance]
    chosen = min(within, key=lambda name: table[name]["complexity"])
    best_overall = min(table, key=lambda name: table[name]["score"])
    result = {
        "chosen_model": chosen,
        "selection_rule": describe_rule(params),
        "best_scoring": best,
        "best_candidate_overall": best_overall,
        "beats_baseline_everywhere": chosen in eligible,
        "eligible": eligible,
        "within_tolerance": within,
        "scores": table,
    }
    logger.info(
        "selection: %s (score %.4f; best %s %.4f; within %.3f: %s)",
        chosen,
        table[chosen]["score"],
        best,
        table[best]["score"],
        selection.tolerance,
        within,
    )
    if not result["beats_baseline_everywhere"]:
        failing = [p for p, ok in table[chosen]["beats_baseline"].items() if not ok]
        logger.warning(
            "NO artifact candidate beats %s on MAE under every selection protocol; %s is "
            "chosen but does not beat it under %s",
            baseline,
            chosen,
            failing,
        )
    return result
