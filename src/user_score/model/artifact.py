"""The artifact: one pickled :class:`UserScoreModel` holding everything scoring needs.

Preprocessing (:class:`~user_score.model.FeaturePreprocessor`), the LightGBM
regressor, the optional ridge (:class:`~user_score.model.LinearTextModel`)
and its blend weight, the split-conformal interval offsets and the metadata
(versions, training-data fingerprint, parameters, metrics). The pickled
format is versioned: :data:`ARTIFACT_FORMAT`.
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

from .conformal import calibrate, row_offsets
from .distinct import as_tuples, map_names
from .encoding import DEFAULT_PREPROCESSING, INPUT_FEATURES, FeaturePreprocessor
from .linear import LinearTextModel

#: Version of the pickled layout of :class:`UserScoreModel` (see its docstring).
ARTIFACT_FORMAT = 1

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
    """One versioned artifact: preprocessing + LightGBM/ridge blend + 80 % interval + metadata.

    Public API (scoring and monitoring rely on it): :meth:`predict`,
    :meth:`predict_point`, :meth:`transform`, :meth:`features_hash`,
    ``preprocessor.unseen_counts``, :attr:`model_version`, :attr:`metadata`.

    Artifact format (:attr:`artifact_format`, :data:`ARTIFACT_FORMAT`): the
    pickle holds this dataclass's fields, with the fitted
    :class:`~user_score.model.FeaturePreprocessor` and
    :class:`~user_score.model.LinearTextModel`; every class is named by its
    public path ``user_score.model.<Class>``, never by the submodule that
    defines it. Format 1 is every artifact saved so far, including those
    pickled before this attribute existed (by the single-module
    ``user_score/model.py``): they load as format 1 and predict exactly as
    before. A change that older code would load wrongly, or that older
    artifacts need an upgrade for, increments :data:`ARTIFACT_FORMAT` and upgrades
    older formats in :meth:`__setstate__`; an artifact of a newer format than
    this code knows is refused when it is loaded.
    """

    preprocessor: FeaturePreprocessor
    regressor: lgb.LGBMRegressor
    interval_offsets: tuple[float, float]
    metadata: dict[str, Any] = field(default_factory=dict)
    interval_level: float = 0.8
    linear: LinearTextModel | None = None
    blend_weight: float = 0.0
    #: Mondrian conformal offsets per :func:`interval_group`; missing group -> global.
    group_offsets: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: Pickled layout version; artifacts pickled before the attribute existed are 1.
    artifact_format: int = ARTIFACT_FORMAT

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle: refuse a format newer than :data:`ARTIFACT_FORMAT`; absent -> format 1."""
        artifact_format = int(state.get("artifact_format", 1))
        if artifact_format > ARTIFACT_FORMAT:
            raise ValueError(
                f"model artifact format {artifact_format} is newer than the format "
                f"{ARTIFACT_FORMAT} this code reads; score with the code version that "
                "trained the model, or retrain it with this one"
            )
        self.__dict__.update(state)
        self.artifact_format = artifact_format

    @classmethod
    def fit(
        cls,
        features: pd.DataFrame,
        y: pd.Series,
        oof_residuals: np.ndarray | None = None,
        preprocessing: dict[str, Any] | None = None,
        lgbm_params: dict[str, Any] | None = None,
        interval_level: float = 0.8,
        metadata: dict[str, Any] | None = None,
        linear_params: dict[str, Any] | None = None,
        blend_weight: float = 0.0,
        oof_groups: np.ndarray | None = None,
    ) -> UserScoreModel:
        """Fit preprocessing, LightGBM and (if ``blend_weight > 0``) the ridge on all rows.

        Args:
            features: ``build_features`` output of the labelled training rows.
            y: Their user scores.
            oof_residuals: ``y - prediction`` from out-of-fold predictions of the
                same model configuration (split-conformal calibration); None
                for a model without an interval (inside cross-validation).
            preprocessing: :class:`FeaturePreprocessor` parameters.
            lgbm_params: LightGBM parameters.
            interval_level: Central coverage of the prediction interval.
            metadata: Extra metadata (model_version, metrics, ...).
            linear_params: :class:`LinearTextModel` parameters.
            blend_weight: Weight of the ridge in the point prediction (0 = LightGBM only).
            oof_groups: :func:`interval_group` of each residual's row; enables
                per-group (Mondrian) offsets for groups with enough residuals.
        """
        preprocessor = FeaturePreprocessor(
            params={**DEFAULT_PREPROCESSING, **(preprocessing or {})}
        )
        matrix = preprocessor.fit_transform(features, y)
        regressor = lgb.LGBMRegressor(**{**DEFAULT_LGBM, **(lgbm_params or {})})
        regressor.fit(matrix, np.asarray(y, dtype="float64"))
        linear = None
        if blend_weight > 0:
            linear = LinearTextModel(linear_params).fit(features, y)
        offsets: tuple[float, float] = (float("nan"), float("nan"))
        group_offsets: dict[str, tuple[float, float]] = {}
        if oof_residuals is not None:
            offsets, group_offsets = calibrate(oof_residuals, oof_groups, interval_level)
        info = {
            "input_features": INPUT_FEATURES,
            "model_features": list(matrix.columns),
            "vocabularies": preprocessor.vocabularies,
            "training_rows": len(features),
            "training_data_fingerprint": data_fingerprint(features, y),
            "library_versions": library_versions(),
            "lgbm_params": regressor.get_params(),
            "linear_params": linear.params if linear is not None else None,
            "blend_weight": float(blend_weight),
            "interval": {
                "level": interval_level,
                "method": "split-conformal on out-of-fold residuals, per interval group",
                "offsets": list(offsets),
                "group_offsets": {k: list(v) for k, v in group_offsets.items()},
            },
            **(metadata or {}),
        }
        return cls(
            preprocessor,
            regressor,
            offsets,
            info,
            interval_level,
            linear=linear,
            blend_weight=float(blend_weight),
            group_offsets=group_offsets,
        )

    @property
    def model_version(self) -> str:
        return str(self.metadata.get("model_version", "unversioned"))

    def transform(self, features: pd.DataFrame) -> pd.DataFrame:
        """The exact LightGBM matrix used for prediction (for SHAP and debugging)."""
        return self.preprocessor.transform(features)

    def predict_components(self, features: pd.DataFrame) -> pd.DataFrame:
        """Unclipped predictions of the parts: ``lightgbm``, ``linear`` (NaN if absent)."""
        boosted = self.regressor.predict(self.transform(features), num_threads=predict_threads())
        linear = (
            self.linear.predict(features)
            if self.linear is not None and self.blend_weight > 0
            else np.full(len(features), np.nan)
        )
        return pd.DataFrame({"lightgbm": boosted, "linear": linear}, index=features.index)

    def predict_point(self, features: pd.DataFrame) -> np.ndarray:
        """Point predictions clipped to the 0-10 user-score scale."""
        parts = self.predict_components(features)
        raw = parts["lightgbm"].to_numpy()
        if self.linear is not None and self.blend_weight > 0:
            raw = (1.0 - self.blend_weight) * raw + self.blend_weight * parts["linear"].to_numpy()
        return np.clip(raw, 0.0, 10.0)

    def row_offsets(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Lower/upper interval offsets per row (per interval group, else global)."""
        return row_offsets(features, self.interval_offsets, self.group_offsets)

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """Predictions with the calibrated interval, clipped to 0-10."""
        point = self.predict_point(features)
        low, high = self.row_offsets(features)
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
