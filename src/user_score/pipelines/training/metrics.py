"""``training_metrics``: one JSON document: every candidate x protocol, the choice, intervals."""

from __future__ import annotations

from typing import Any

from user_score.model import UserScoreModel

from .params import PROTOCOL_LABELS, TrainingParams
from .protocols import holdout_split


def _check(value: float, bound: float, kind: str) -> dict[str, Any]:
    passed = value <= bound if kind == "max" else value >= bound
    return {"value": value, "bound": bound, "kind": kind, "pass": bool(passed)}


def target_checks(
    protocols: dict[str, Any],
    selection: dict[str, Any],
    coverage: dict[str, Any],
    params: TrainingParams,
) -> dict[str, Any]:
    """Every target of the project, with its value and PASS/FAIL."""
    chosen = selection["chosen_model"]
    targets = params.targets
    grouped = protocols["grouped_kfold"]["candidates"][chosen]
    # The original project's targets are judged on its own split (repeat 0 of (b)).
    original_split = holdout_split(params.protocols.random_holdout.random_state)
    splits = protocols["random_holdout"]["candidates"][chosen]["by_split"].get("per_split", {})
    holdout = splits.get(original_split, {"mae": float("nan"), "r2": float("nan")})
    return {
        "beats_baseline_everywhere": {
            "baseline": params.selection.baseline,
            "protocols": selection["scores"][chosen]["beats_baseline"],
            "pass": selection["beats_baseline_everywhere"],
        },
        "grouped_kfold_r2": _check(
            grouped["by_split"]["r2"]["mean"], targets.quality_r2_min, "min"
        ),
        "interval_coverage": {"target": coverage["target"], "pass": coverage["pass"]},
        "original_random_holdout": {
            "split": original_split,
            "mae": _check(holdout["mae"], targets.original_mae_max, "max"),
            "r2": _check(holdout["r2"], targets.original_r2_min, "min"),
        },
        "stretch_grouped_kfold": {
            "r2": _check(grouped["by_split"]["r2"]["mean"], targets.stretch_r2_min, "min"),
            "mae": _check(grouped["mae"], targets.stretch_mae_max, "max"),
        },
    }


def build_training_metrics(
    model_selection: dict[str, Any],
    interval_coverage: dict[str, Any],
    model: UserScoreModel,
    params: TrainingParams,
    **protocol_results: dict[str, Any],
) -> dict[str, Any]:
    """One JSON document: every candidate x protocol x novelty group, the choice, intervals."""
    protocols = {name: protocol_results[name] for name in PROTOCOL_LABELS}
    return {
        "model_version": model.model_version,
        "training_data_fingerprint": model.metadata["training_data_fingerprint"],
        "training_rows": model.metadata["training_rows"],
        "chosen_model": model_selection["chosen_model"],
        "weights": dict(model.weights),
        "selection": model_selection,
        "protocols": protocols,
        "interval": {
            "calibration": model.metadata["interval"],
            "coverage": interval_coverage,
        },
        "targets": target_checks(protocols, model_selection, interval_coverage, params),
        "components": model.metadata["components"],
    }
