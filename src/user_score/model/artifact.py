"""The artifact: one pickled :class:`UserScoreModel` holding everything scoring needs.

Preprocessing (:class:`~user_score.model.FeaturePreprocessor`), the fitted
components of the point prediction and their weights (the critic-score line,
LightGBM, the ridge), the novelty profile of the training games, the
intervals (residual quantile models + a conformal correction per novelty
cell) and the metadata (versions, training-data
fingerprint, parameters, metrics). The pickled format is versioned:
:data:`ARTIFACT_FORMAT`.
"""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from .conformal import NoveltyIntervals
from .critic import CriticLine
from .distinct import as_tuples, map_names
from .encoding import DEFAULT_PREPROCESSING, INPUT_FEATURES, FeaturePreprocessor
from .linear import LinearTextModel
from .novelty import NoveltyProfile

#: Version of the pickled layout of :class:`UserScoreModel` (see its docstring).
ARTIFACT_FORMAT = 3

#: The components a point prediction can be made of, and what each is fitted on:
#: ``critic`` the critic-score line (:class:`~user_score.model.CriticLine`);
#: ``lightgbm`` LightGBM on the preprocessed matrix, target user_score;
#: ``lightgbm_residual`` LightGBM on the matrix, target user_score minus the critic line;
#: ``linear`` / ``linear_titles`` the ridge without / with title words.
COMPONENTS: tuple[str, ...] = ("critic", "lightgbm", "lightgbm_residual", "linear", "linear_titles")

#: LightGBM parameters of :meth:`UserScoreModel.fit` (training tunes and overrides them).
DEFAULT_LGBM: dict[str, Any] = {
    "n_estimators": 600,
    "learning_rate": 0.02,
    "num_leaves": 8,
    "min_child_samples": 10,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "extra_trees": True,
    "random_state": 42,
    "n_jobs": 1,  # faster than 2 threads on ~1k rows; scoring passes num_threads to predict
    "verbose": -1,
}


def predict_threads() -> int:
    """Threads for LightGBM at predict time: every core this process may use.

    Training keeps ``n_jobs: 1`` (faster on ~1k rows); per-row predictions do
    not depend on the thread count.
    """
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return max(os.cpu_count() or 1, 1)


def library_versions() -> dict[str, str]:
    """Versions of the libraries the artifact depends on."""
    names = ["kedro", "lightgbm", "scikit-learn", "pandas", "numpy", "pandera"]
    versions = {name: importlib_metadata.version(name) for name in names}
    versions["python"] = platform.python_version()
    return versions


def data_fingerprint(features: pd.DataFrame, y: pd.Series) -> str:
    """SHA-256 of the training rows (features and target), order-independent."""
    frame = features[INPUT_FEATURES].copy()
    for column in ("genres", "developers"):
        frame[column] = as_tuples(frame[column]).map("|".join)
    frame["__target__"] = np.asarray(y, dtype="float64")
    row_hashes = np.sort(pd.util.hash_pandas_object(frame, index=False).to_numpy())
    return hashlib.sha256(row_hashes.tobytes()).hexdigest()


# Pickled as user_score.model.UserScoreModel: see the package's __init__.
@dataclass
class UserScoreModel:
    """One versioned artifact: preprocessing + weighted components + novelty intervals + metadata.

    The point prediction is ``clip(sum(weights[c] * component_c(features)), 0, 10)``
    over the fitted :data:`COMPONENTS` named in :attr:`weights` (e.g. the blend:
    ``{"lightgbm": 0.5, "linear": 0.5}``; the critic backbone:
    ``{"critic": 1.0, "lightgbm_residual": 0.5}``). The interval adds the offsets
    of the row's novelty cell, or its residual quantiles widened by the cell's
    correction (:class:`~user_score.model.NoveltyIntervals`).

    Public API (scoring and monitoring rely on it): :meth:`predict`,
    :meth:`predict_point`, :meth:`predict_components`, :meth:`transform`,
    :meth:`novelty_flags`, :meth:`interval_cell`, :meth:`features_hash`,
    ``preprocessor.unseen_counts``, :attr:`model_version`, :attr:`metadata`.

    Artifact format (:attr:`artifact_format`, :data:`ARTIFACT_FORMAT`): the
    pickle holds this dataclass's fields; every class is named by its public
    path ``user_score.model.<Class>``, never by the submodule that defines it.
    Format 3 (this code): intervals may carry residual quantile models
    (conformalized quantile regression, :class:`~user_score.model.ResidualQuantiles`).
    Format 2 (weighted components, fixed offsets per novelty cell) loads as it is:
    its intervals have no quantile models and keep their offsets. Format 1
    (the LightGBM/ridge blend with per-critic-score offsets, including artifacts
    pickled before the attribute existed) is upgraded on load by
    :meth:`__setstate__` and predicts exactly as before. An artifact of a newer
    format than this code knows is refused when it is loaded.
    """

    preprocessor: FeaturePreprocessor
    components: dict[str, Any]
    weights: dict[str, float]
    novelty: NoveltyProfile
    intervals: NoveltyIntervals | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Pickled layout version; artifacts pickled before the attribute existed are 1.
    artifact_format: int = ARTIFACT_FORMAT

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle: refuse a format newer than :data:`ARTIFACT_FORMAT`; upgrade format 1.

        Format 2 needs no upgrade: its intervals' missing ``quantiles`` reads as None.
        """
        artifact_format = int(state.get("artifact_format", 1))
        if artifact_format > ARTIFACT_FORMAT:
            raise ValueError(
                f"model artifact format {artifact_format} is newer than the format "
                f"{ARTIFACT_FORMAT} this code reads; score with the code version that "
                "trained the model, or retrain it with this one"
            )
        if artifact_format == 1:
            state = _upgrade_format_1(state)
        self.__dict__.update(state)
        self.artifact_format = ARTIFACT_FORMAT

    @classmethod
    def fit(
        cls,
        features: pd.DataFrame,
        y: pd.Series,
        components: dict[str, dict[str, Any]],
        weights: dict[str, float] | None = None,
        preprocessing: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> UserScoreModel:
        """Fit the preprocessor and every requested component on all rows given.

        Args:
            features: ``build_features`` output of the labelled training rows.
            y: Their user scores.
            components: Component name (:data:`COMPONENTS`) -> its parameters
                (LightGBM parameters, :class:`LinearTextModel` parameters; ``{}``
                for the critic line).
            weights: Weight of each component in the point prediction; None
                fits the components only (cross-validation combines them itself).
            preprocessing: :class:`FeaturePreprocessor` parameters.
            metadata: Extra metadata (model_version, metrics, ...).
        """
        unknown = sorted(set(components) - set(COMPONENTS))
        if unknown:
            raise ValueError(f"unknown model components {unknown}; known: {list(COMPONENTS)}")
        target = np.asarray(y, dtype="float64")
        preprocessor = FeaturePreprocessor(
            params={**DEFAULT_PREPROCESSING, **(preprocessing or {})}
        )
        matrix = preprocessor.fit_transform(features, y)
        fitted: dict[str, Any] = {}
        if "critic" in components or "lightgbm_residual" in components:
            fitted["critic"] = CriticLine().fit(features, target)
        for name in ("lightgbm", "lightgbm_residual"):
            if name in components:
                goal = target if name == "lightgbm" else target - fitted["critic"].predict(features)
                params = {**DEFAULT_LGBM, **components[name]}
                fitted[name] = lgb.LGBMRegressor(**params).fit(matrix, goal)
        for name, title_words in (("linear", False), ("linear_titles", True)):
            if name in components:
                params = {**components[name], "title_words": title_words}
                fitted[name] = LinearTextModel(params).fit(features, target)
        fitted = {name: fitted[name] for name in COMPONENTS if name in components}
        info = {
            "input_features": INPUT_FEATURES,
            "model_features": list(matrix.columns),
            "vocabularies": preprocessor.vocabularies,
            "training_rows": len(features),
            "training_data_fingerprint": data_fingerprint(features, y),
            "library_versions": library_versions(),
            "components": {
                name: (value.get_params() if hasattr(value, "get_params") else _params_of(value))
                for name, value in fitted.items()
            },
            "weights": dict(weights or {}),
            **(metadata or {}),
        }
        return cls(
            preprocessor=preprocessor,
            components=fitted,
            weights=dict(weights or {}),
            novelty=NoveltyProfile.fit(features),
            metadata=info,
        )

    def with_intervals(self, intervals: NoveltyIntervals) -> UserScoreModel:
        """This model with calibrated intervals (recorded in the metadata too)."""
        self.intervals = intervals
        methods = {
            "offsets": "Mondrian split-conformal on out-of-fold residuals of the shift "
            "protocols, per novelty cell (coarser cells where a cell has too few residuals)",
            "cqr": "conformalized quantile regression on out-of-fold residuals of the shift "
            "protocols: LightGBM 10 %/90 % quantiles of the residual from the novelty flags, "
            "critic score and prediction, plus one conformal correction per novelty cell "
            "(coarser cells where a cell has too few residuals)",
        }
        self.metadata["interval"] = {
            "level": intervals.level,
            "method": methods[intervals.method],
            "kind": intervals.method,
            "groups": list(intervals.groups),
            "cells": intervals.summary(),
        }
        return self

    @property
    def model_version(self) -> str:
        return str(self.metadata.get("model_version", "unversioned"))

    @property
    def interval_level(self) -> float:
        return self.intervals.level if self.intervals is not None else float("nan")

    def transform(self, features: pd.DataFrame) -> pd.DataFrame:
        """The exact LightGBM matrix used for prediction (for SHAP and debugging)."""
        return self.preprocessor.transform(features)

    def predict_components(
        self, features: pd.DataFrame, names: list[str] | tuple[str, ...] | None = None
    ) -> pd.DataFrame:
        """Unclipped prediction of each fitted component (``names``: the point's by default)."""
        names = list(self.weights) if names is None else list(names)
        matrix = (
            self.transform(features) if any(name.startswith("lightgbm") for name in names) else None
        )
        parts: dict[str, np.ndarray] = {}
        for name in names:
            component = self.components[name]
            if name.startswith("lightgbm"):
                parts[name] = component.predict(matrix, num_threads=predict_threads())
            else:
                parts[name] = component.predict(features)
        return pd.DataFrame(parts, index=features.index)

    def predict_point(self, features: pd.DataFrame) -> np.ndarray:
        """Point predictions clipped to the 0-10 user-score scale."""
        parts = self.predict_components(features)
        raw = np.zeros(len(features), dtype="float64")
        for name, weight in self.weights.items():
            raw += weight * parts[name].to_numpy()
        return np.clip(raw, 0.0, 10.0)

    def novelty_flags(self, features: pd.DataFrame) -> pd.DataFrame:
        """``studio``, ``franchise``, ``meta`` flags of each row relative to the training games."""
        return self.novelty.flags(features)

    def interval_cell(self, features: pd.DataFrame) -> pd.Series:
        """The novelty cell whose interval each row gets (``all`` without intervals)."""
        if self.intervals is None:
            return pd.Series("all", index=features.index, dtype=object)
        return self.intervals.cell_of(self.novelty_flags(features))

    def row_offsets(
        self, features: pd.DataFrame, point: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Lower/upper interval offsets per row around its point prediction (NaN without intervals).

        ``point``: the rows' :meth:`predict_point` if already computed.
        """
        if self.intervals is None:
            empty = np.full(len(features), np.nan)
            return empty, empty.copy()
        if point is None and self.intervals.quantiles is not None:
            point = self.predict_point(features)
        flags = self.novelty_flags(features)
        return self.intervals.offsets(flags, features["meta_score"], point, predict_threads())

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """Predictions with the calibrated interval, clipped to 0-10."""
        point = self.predict_point(features)
        low, high = self.row_offsets(features, point)
        return pd.DataFrame(
            {
                "predicted_user_score": point,
                "prediction_lower": np.clip(point + low, 0.0, 10.0),
                "prediction_upper": np.clip(point + high, 0.0, 10.0),
            },
            index=features.index,
        )

    def features_hash(self, features: pd.DataFrame) -> pd.Series:
        """Per-row hash of exactly the input features the model reads (lineage)."""
        frame = features[INPUT_FEATURES].copy()
        for column in ("genres", "developers"):
            frame[column] = pd.Series(
                map_names(frame[column], "|".join), index=frame.index, dtype=object
            )
        hashed = pd.util.hash_pandas_object(frame, index=False)
        # "{:016x}".format of each uint64, vectorised: big-endian bytes -> hex -> 16-char slices.
        hexed = hashed.to_numpy().astype(">u8").tobytes().hex()
        digits = np.frombuffer(hexed.encode("ascii"), dtype="S16").astype(str)
        return pd.Series(digits, index=hashed.index, dtype=str)


def _params_of(component: Any) -> dict[str, Any]:
    """JSON-ready parameters of a non-sklearn component (the ridge's, the critic line's)."""
    if isinstance(component, LinearTextModel):
        return dict(component.params)
    return {key: float(value) for key, value in vars(component).items()}


def _upgrade_format_1(state: dict[str, Any]) -> dict[str, Any]:
    """A format-1 artifact's state (LightGBM [+ ridge with title words], per-critic offsets)
    as format 2, predicting exactly as before."""
    blend = float(state.get("blend_weight", 0.0))
    components: dict[str, Any] = {"lightgbm": state["regressor"]}
    weights = {"lightgbm": 1.0}
    if state.get("linear") is not None and blend > 0:
        components["linear_titles"] = state["linear"]
        weights = {"lightgbm": 1.0 - blend, "linear_titles": blend}
    preprocessor: FeaturePreprocessor = state["preprocessor"]
    novelty = NoveltyProfile(
        developers=frozenset(preprocessor.vocabularies.get("developers", [])),
        franchises=frozenset(str(key) for key in preprocessor.encodings.get("franchise", {})),
    )
    low, high = state.get("interval_offsets", (float("nan"), float("nan")))
    cells = {"all": {"low": float(low), "high": float(high), "n": 0, "mae": float("nan")}}
    names = {"meta_known": "meta=present", "meta_missing": "meta=missing"}
    for group, (group_low, group_high) in (state.get("group_offsets") or {}).items():
        cells[names[group]] = {
            "low": float(group_low),
            "high": float(group_high),
            "n": 0,
            "mae": float("nan"),
        }
    return {
        "preprocessor": preprocessor,
        "components": components,
        "weights": weights,
        "novelty": novelty,
        "intervals": NoveltyIntervals(float(state.get("interval_level", 0.8)), ("meta",), cells),
        "metadata": state.get("metadata", {}),
    }
