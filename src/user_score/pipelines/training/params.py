"""Typed ``params:training`` (``conf/base/parameters_training.yml``), validated by Kedro 1.7.

Every node of the pipeline that takes ``params:training`` annotates it with
:class:`TrainingParams`, so Kedro turns the YAML into this object before any
node runs and a wrong value fails the run naming the parameter
(``Parameter 'training': ... protocols.rolling_backtest.cutoffs ...``). Nothing
below repeats a default that the YAML file sets: the file is the one source of
the values, these classes are their schema.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Protocol names in reporting order, with the letter the model card uses.
PROTOCOL_LABELS: dict[str, str] = {
    "grouped_kfold": "a",
    "random_holdout": "b",
    "time_backtest": "c",
    "leave_studio_out": "d",
    "rolling_backtest": "e",
}
ProtocolName = Literal[
    "grouped_kfold", "random_holdout", "time_backtest", "leave_studio_out", "rolling_backtest"
]
CandidateName = Literal[
    "mean_baseline",
    "critic_only",
    "sklearn_gbr",
    "linear",
    "lightgbm",
    "critic_backbone",
    "lightgbm_linear_blend",
    "lightgbm_linear_blend_titles",
]


class _Strict(BaseModel):
    """Unknown keys are errors: a typo in the YAML or in ``--params`` never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class GroupedKFold(_Strict):
    """(a) grouped repeated K-fold: a group (``group_column``) never spans train and test."""

    n_splits: int = Field(ge=2)
    n_repeats: int = Field(ge=1)


class RandomHoldout(_Strict):
    """(b) the original project's random split, repeated with seeds ``random_state + r``.

    Repeat 0 is the original project's split (its targets are judged on it); the
    repeats make the novelty groups' figures more than one draw of ~150 games.
    """

    test_size: float = Field(gt=0, lt=1)
    random_state: int
    n_repeats: int = Field(ge=1)


class TimeBacktest(_Strict):
    """(c) one cutoff: train on releases before it, test on the rest."""

    cutoff_year: int


class LeaveStudioOut(_Strict):
    """(d) grouped K-fold with the studio as the group: every test game's studio is unseen."""

    n_splits: int = Field(ge=2)
    group: Literal["lead_developer", "developer_set"]


class RollingBacktest(_Strict):
    """(e) several cutoffs: train before each, test the ``horizon_years`` after it."""

    cutoffs: list[int] = Field(min_length=1)
    horizon_years: int = Field(ge=1)


class Protocols(_Strict):
    grouped_kfold: GroupedKFold
    random_holdout: RandomHoldout
    time_backtest: TimeBacktest
    leave_studio_out: LeaveStudioOut
    rolling_backtest: RollingBacktest


class Selection(_Strict):
    """How the artifact's model is chosen (written out in the model card)."""

    protocols: list[ProtocolName] = Field(min_length=1)
    tolerance: float = Field(ge=0)
    baseline: CandidateName
    artifact_candidates: list[CandidateName] = Field(min_length=1)


class IntervalQuantiles(_Strict):
    """``method: cqr``: the LightGBM quantile models of the residual (at (1 - level) / 2 and
    (1 + level) / 2), cross-fitted over ``folds`` for the calibration scores."""

    features: list[
        Literal["meta_missing", "meta_score", "franchise_new", "studio_unseen", "prediction"]
    ] = Field(min_length=1)
    folds: int = Field(ge=2)
    seed: int
    lightgbm: dict[str, Any]


class Interval(_Strict):
    """Prediction intervals: conformal on shift-protocol residuals, per novelty cell."""

    level: float = Field(gt=0, lt=1)
    method: Literal["cqr", "offsets"]
    quantiles: IntervalQuantiles
    calibration_protocols: list[ProtocolName] = Field(min_length=1)
    groups: list[Literal["meta", "franchise", "studio"]]
    min_group_residuals: int = Field(ge=1)
    coverage_tolerance: float = Field(ge=0, lt=1)
    min_report_games: int = Field(ge=1)


class Preprocessing(_Strict):
    top_genres: int = Field(ge=1)
    target_encoding_smoothing: float = Field(ge=0)
    target_encoding_folds: int = Field(ge=2)
    seed: int


class Linear(_Strict):
    alpha: float = Field(gt=0)
    spline_knots: int = Field(ge=2)
    numeric_weight: float = Field(gt=0)
    min_df: int = Field(ge=1)


class SklearnGBR(_Strict):
    top_genres: int = Field(ge=1)
    random_state: int


class Tuning(_Strict):
    inner_folds: int = Field(ge=2)
    max_rounds: int = Field(ge=1)
    early_stopping_rounds: int = Field(ge=1)
    seed: int
    grid: list[dict[str, Any]] = Field(min_length=1)


class LightGBM(_Strict):
    base: dict[str, Any]
    tuning: Tuning


class Backbone(_Strict):
    """``critic_backbone``: critic-score line + a LightGBM correction shrunk by ``shrinkage``."""

    shrinkage: float = Field(gt=0, le=1)
    monotone_meta_score: bool


class Targets(_Strict):
    quality_r2_min: float
    original_mae_max: float
    original_r2_min: float
    stretch_r2_min: float
    stretch_mae_max: float


class TrainingParams(_Strict):
    """``params:training``."""

    seed: int
    group_column: str
    candidates: list[CandidateName] = Field(min_length=1)
    protocols: Protocols
    selection: Selection
    interval: Interval
    blend_weight: float = Field(gt=0, le=1)
    preprocessing: Preprocessing
    linear: Linear
    sklearn_gbr: SklearnGBR
    lightgbm: LightGBM
    backbone: Backbone
    targets: Targets

    @model_validator(mode="after")
    def _consistent(self) -> TrainingParams:
        missing = [
            name
            for name in (self.selection.baseline, *self.selection.artifact_candidates)
            if name not in self.candidates
        ]
        if missing:
            raise ValueError(
                f"selection names candidates {missing} that are not in training.candidates"
            )
        if not set(self.selection.artifact_candidates) & set(self.candidates):
            raise ValueError("training.selection.artifact_candidates: none is evaluated")
        return self

    def complexity(self, name: str) -> int:
        """Position of ``name`` in ``candidates`` (the list is ordered simplest first)."""
        return self.candidates.index(name)
