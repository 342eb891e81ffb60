"""The model artifact: preprocessing, regressor, interval calibrator and metadata in one object.

Training saves one :class:`UserScoreModel`; scoring loads it and calls
:meth:`UserScoreModel.predict` on :func:`user_score.features.build_features`
output and nothing else, so training and scoring can never disagree on
features (the training/inference binding idea of kedro-mlflow).

Every statistic learned from data (vocabularies, target encodings, the
linear model's text vocabulary, the interval widths) lives in
:class:`FeaturePreprocessor`, :class:`LinearTextModel` or the model and is
fitted on the rows passed to ``fit`` only: cross-validation fits a fresh
model per fold.

The point prediction is a blend of two models that see the same input
features: LightGBM on the preprocessed matrix (interactions, non-linear
year/platform effects) and :class:`LinearTextModel`, a ridge regression on
title words, developers, genres and splines of meta_score and release year
(smooth, well-regularised franchise and studio signals). On ~800 labelled
games the blend is more accurate than either part (see docs/model_card.md).
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
from sklearn.model_selection import KFold

from user_score.features import FEATURE_DOCS

from .conformal import (
    INTERVAL_GROUP_COLUMN,
    MIN_GROUP_RESIDUALS,
    calibrate,
    conformal_offsets,
    interval_group,
    row_offsets,
)
from .distinct import as_tuples, category_codes, map_names, name_codes, unique_rows
from .linear import DEFAULT_LINEAR, LINEAR_TOKEN_SOURCES, LinearTextModel

#: Columns of build_features() output the model reads (its input contract).
INPUT_FEATURES: list[str] = list(FEATURE_DOCS)
NUMERIC_FEATURES: list[str] = [
    "meta_score",
    "meta_score_missing",
    "release_year",
    "release_month",
    "release_quarter",
    "date_tba",
    "platform_launch_year",
    "years_since_platform_launch",
    "n_genres",
    "n_developers",
    "is_first_party",
    "is_dlc",
    "is_port",
    "is_sequel",
    "has_subtitle",
    "title_length",
]
CATEGORICAL_FEATURES: list[str] = ["platform", "esrb_rating"]
UNSEEN = "__unseen__"

DEFAULT_PREPROCESSING: dict[str, Any] = {
    "top_genres": 30,
    "min_developer_games": 1,
    "target_encoding_smoothing": 5.0,
    "target_encoding_folds": 5,
    "seed": 42,
}
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


def critic_baseline(features: pd.DataFrame, y: pd.Series) -> pd.Series:
    """In-sample ``a + b * meta_score`` fit (mean of y where meta_score is missing).

    Used only to form residuals for target encodings, on the rows being fitted.
    """
    meta = features["meta_score"].astype("float64")
    known = meta.notna().to_numpy()
    values = np.asarray(y, dtype="float64")
    baseline = np.full(len(values), float(values.mean()) if len(values) else 0.0)
    if known.sum() >= 3 and np.ptp(meta.to_numpy()[known]) > 0:
        slope, intercept = np.polyfit(meta.to_numpy()[known], values[known], 1)
        baseline[known] = intercept + slope * meta.to_numpy()[known]
    if (~known).any():
        baseline[~known] = values[~known].mean()
    return pd.Series(baseline, index=features.index)


def _smoothed_means(keys: pd.Series, y: pd.Series, prior: float, smoothing: float) -> dict:
    stats = pd.DataFrame({"key": keys.to_numpy(), "y": y.to_numpy()}).groupby("key")["y"]
    total, count = stats.sum(), stats.count()
    return ((total + smoothing * prior) / (count + smoothing)).to_dict()


#: Track-record columns (:class:`FeaturePreprocessor` ``history``): per franchise
#: and per developer, the critic-adjusted residual of the key's EARLIER releases
#: (smoothed mean), how many there were, and years since the latest one.
HISTORY_KINDS: tuple[str, ...] = ("franchise", "developer")
HISTORY_COLUMNS: list[str] = [
    f"{kind}_{stat}" for kind in HISTORY_KINDS for stat in ("hist_te", "prev_n", "since_prev")
]
#: Spacing of keys in the composite ``key_code * _KEY_STRIDE + release_time`` sort key.
_KEY_STRIDE = 10_000.0


def release_time(features: pd.DataFrame) -> pd.Series:
    """Fractional release time ``year + (month - 1) / 12`` (mid-year if the month is unknown)."""
    month = features["release_month"].astype("float64").fillna(6.5)
    return features["release_year"].astype("float64") + (month - 1.0) / 12.0


def _history_pairs(features: pd.DataFrame, kind: str) -> pd.DataFrame:
    """One ``(row, key, time, base_title)`` row per franchise or per developer of a game."""
    if kind == "franchise":
        keys = features["franchise"].astype(str)
    else:
        keys = as_tuples(features["developers"]).explode().dropna().astype(str)
    positions = pd.Series(np.arange(len(features)), index=features.index)
    pairs = pd.DataFrame(
        {
            "row": positions.loc[keys.index].to_numpy(),
            "key": keys.to_numpy(),
            "time": release_time(features).loc[keys.index].to_numpy(),
            "base_title": features["base_title"].astype(str).loc[keys.index].to_numpy(),
        }
    )
    return pairs


def _history_frame(
    stats: dict[str, np.ndarray], times: np.ndarray, smoothing: float, kind: str
) -> pd.DataFrame:
    """Per-row history columns from per-(row, key) ``row, count, total, latest`` arrays.

    A game's statistics are summed over its keys (its developers); ``times``
    holds each row's own release time.
    """
    n_rows, rows = len(times), stats["row"]
    count = np.bincount(rows, weights=stats["count"], minlength=n_rows).astype("float64")
    total = np.bincount(rows, weights=stats["total"], minlength=n_rows)
    latest = np.full(n_rows, -np.inf)
    np.maximum.at(latest, rows, np.where(stats["count"] > 0, stats["latest"], -np.inf))
    known = count > 0
    with np.errstate(invalid="ignore"):
        te = np.where(known, total / (count + smoothing), np.nan)
        since = np.where(known, times - latest, np.nan)
    return pd.DataFrame(
        {f"{kind}_hist_te": te, f"{kind}_prev_n": count, f"{kind}_since_prev": since}
    )


@dataclass
class FeaturePreprocessor:
    """Turns stateless features into the model matrix with fitted encodings.

    * ``platform``/``esrb_rating`` -> categorical codes over the training vocabulary
      (an unseen value gets the ``__unseen__`` code and is counted).
    * ``genres`` -> multi-hot over the ``top_genres`` most frequent training genres.
    * ``franchise`` and ``developers`` -> smoothed means of the *critic-adjusted
      residual* ``user_score - (a + b * meta_score)`` (the user/critic gap of
      the franchise or studio; developer lists averaged; 0 = no evidence),
      computed out-of-fold for the training rows themselves. The residual
      separates "users like this franchise more than critics do" from plain
      quality, which meta_score already carries.
    * ``history``: time-aware track record of the franchise and of each
      developer (:data:`HISTORY_COLUMNS`): over the training games released
      strictly EARLIER, the smoothed mean of the same critic-adjusted residual,
      their number, and years since the latest one (a developer's games
      summed over its developers). For the training rows themselves, earlier
      games with the same ``base_title`` (their own ports) are left out, as
      grouped cross-validation and new games see them, and the residual
      means are out-of-fold like the target encodings.
    """

    params: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PREPROCESSING))
    vocabularies: dict[str, list[str]] = field(default_factory=dict)
    encodings: dict[str, dict[Any, float]] = field(default_factory=dict)
    prior: float = float("nan")
    #: Per kind: key vocabulary, key-sorted release times, cumulative residuals
    #: (None in artifacts trained before track-record features existed).
    history: dict[str, dict[str, np.ndarray]] | None = None

    # -- fitting -----------------------------------------------------------
    def _fit_encodings(self, features: pd.DataFrame, y: pd.Series) -> dict[str, dict]:
        smoothing = float(self.params["target_encoding_smoothing"])
        residual = y - critic_baseline(features, y)
        developers = as_tuples(features["developers"]).explode().dropna()
        return {
            "franchise": _smoothed_means(features["franchise"], residual, 0.0, smoothing),
            "developer": _smoothed_means(
                developers, residual.loc[developers.index], 0.0, smoothing
            ),
        }

    def fit(self, features: pd.DataFrame, y: pd.Series) -> FeaturePreprocessor:
        """Learn vocabularies and target encodings from these rows only."""
        y = pd.Series(np.asarray(y, dtype="float64"), index=features.index)
        self.prior = float(y.mean())
        self.vocabularies = {
            column: sorted(features[column].dropna().astype(str).unique())
            for column in CATEGORICAL_FEATURES
        }
        genre_counts = as_tuples(features["genres"]).explode().dropna().value_counts()
        self.vocabularies["genres"] = sorted(
            genre_counts.head(int(self.params["top_genres"])).index.astype(str)
        )
        self.vocabularies["developers"] = sorted(
            as_tuples(features["developers"]).explode().dropna().astype(str).unique()
        )
        self.encodings = self._fit_encodings(features, y)
        self.history = self._fit_history(features, y)
        return self

    def _fit_history(self, features: pd.DataFrame, y: pd.Series) -> dict[str, dict]:
        residual = (y - critic_baseline(features, y)).to_numpy()
        history = {}
        for kind in HISTORY_KINDS:
            pairs = _history_pairs(features, kind)
            pairs["residual"] = residual[pairs["row"].to_numpy()]
            pairs = pairs[pairs["time"].notna()].sort_values(["key", "time"], kind="mergesort")
            keys, codes = np.unique(pairs["key"].to_numpy(), return_inverse=True)
            history[kind] = {
                "keys": keys.astype(object),
                "starts": np.searchsorted(codes, np.arange(len(keys))),
                "sort_key": codes * _KEY_STRIDE + pairs["time"].to_numpy(),
                "times": pairs["time"].to_numpy(),
                "cumulative": np.concatenate([[0.0], np.cumsum(pairs["residual"].to_numpy())]),
            }
        return history

    def _training_history(
        self, features: pd.DataFrame, history_rows: pd.DataFrame, residual: np.ndarray
    ) -> pd.DataFrame:
        """History of ``features`` rows from ``history_rows`` without their own base title."""
        smoothing = float(self.params["target_encoding_smoothing"])
        frames = []
        for kind in HISTORY_KINDS:
            query = _history_pairs(features, kind)
            source = _history_pairs(history_rows, kind)
            source["residual"] = residual[source["row"].to_numpy()]
            joined = query.merge(source, on="key", suffixes=("", "_h"))
            joined = joined[
                (joined["time_h"] < joined["time"])
                & (joined["base_title_h"] != joined["base_title"])
            ]
            stats = {
                "row": joined["row"].to_numpy(),
                "count": np.ones(len(joined)),
                "total": joined["residual"].to_numpy(),
                "latest": joined["time_h"].to_numpy(),
            }
            frames.append(_history_frame(stats, release_time(features).to_numpy(), smoothing, kind))
        return pd.concat(frames, axis=1).set_index(features.index)

    def fit_transform(self, features: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
        """Fit, then transform the training rows with out-of-fold target encodings."""
        self.fit(features, y)
        matrix = self.transform(features)
        y = pd.Series(np.asarray(y, dtype="float64"), index=features.index)
        residual = (y - critic_baseline(features, y)).to_numpy()
        own = self._training_history(features, features, residual)
        matrix[HISTORY_COLUMNS] = own[HISTORY_COLUMNS].to_numpy()
        te_columns = [f"{kind}_hist_te" for kind in HISTORY_KINDS]
        folds = KFold(
            n_splits=int(self.params["target_encoding_folds"]),
            shuffle=True,
            random_state=int(self.params["seed"]),
        )
        for fit_idx, enc_idx in folds.split(features):
            partial = FeaturePreprocessor(params=self.params)
            partial.prior = float(y.iloc[fit_idx].mean())
            partial.encodings = partial._fit_encodings(features.iloc[fit_idx], y.iloc[fit_idx])
            encoded = partial._target_encoded(features.iloc[enc_idx])
            matrix.iloc[enc_idx, matrix.columns.get_indexer(encoded.columns)] = encoded.to_numpy()
            fit_rows, fit_y = features.iloc[fit_idx], y.iloc[fit_idx]
            fit_residual = (fit_y - critic_baseline(fit_rows, fit_y)).to_numpy()
            earlier = partial._training_history(features.iloc[enc_idx], fit_rows, fit_residual)
            matrix.iloc[enc_idx, matrix.columns.get_indexer(te_columns)] = earlier[
                te_columns
            ].to_numpy()
        return matrix

    # -- transforming ------------------------------------------------------
    def _target_encoded(self, features: pd.DataFrame) -> pd.DataFrame:
        franchise = features["franchise"].map(self.encodings["franchise"]).astype("float64")
        developer_means = self.encodings["developer"]

        def _developer_mean(names: tuple) -> float:
            values = [developer_means[name] for name in names if name in developer_means]
            return float(np.mean(values)) if values else np.nan

        developer = pd.Series(
            map_names(features["developers"], _developer_mean, dtype="float64"),
            index=features.index,
        )
        return pd.DataFrame(
            {
                "franchise_te": franchise.fillna(0.0),
                "developer_te": developer.fillna(0.0),
                "franchise_seen": franchise.notna().astype("float64"),
                "developer_seen": developer.notna().astype("float64"),
            },
            index=features.index,
        )

    def _genre_matrix(self, features: pd.DataFrame) -> pd.DataFrame:
        vocabulary = self.vocabularies["genres"]
        position = {genre: i for i, genre in enumerate(vocabulary)}

        def _row(names: tuple) -> np.ndarray:
            row = np.zeros(len(vocabulary), dtype="float32")
            for name in names:
                if name in position:
                    row[position[name]] = 1.0
            return row

        codes, uniques = name_codes(features["genres"])
        # One multi-hot row per distinct genre list, taken by row.
        dense = (
            np.vstack([_row(names) for names in uniques])[codes]
            if len(codes)
            else np.zeros((0, len(vocabulary)))
        )
        return pd.DataFrame(
            dense, index=features.index, columns=[f"genre__{g}" for g in vocabulary]
        )

    def transform(self, features: pd.DataFrame) -> pd.DataFrame:
        """Build the model matrix (numeric, categorical codes, multi-hot, encodings)."""
        missing = [column for column in INPUT_FEATURES if column not in features]
        if missing:
            raise KeyError(f"features are missing columns required by the model: {missing}")
        numeric = features[NUMERIC_FEATURES].astype("float64")
        categorical = pd.DataFrame(
            {
                column: pd.Categorical.from_codes(
                    category_codes(features[column], self.vocabularies[column]),
                    categories=[*self.vocabularies[column], UNSEEN],
                )
                for column in CATEGORICAL_FEATURES
            },
            index=features.index,
        )
        parts = [numeric, categorical, self._genre_matrix(features), self._target_encoded(features)]
        if self.history is not None:
            parts.append(self._history(features))
        return pd.concat(parts, axis=1)

    def _history(self, features: pd.DataFrame) -> pd.DataFrame:
        """Track record from the training games released before each row.

        Computed once per distinct (franchise, developers, release year, month)
        and taken by row: the track record depends on nothing else.
        """
        if len(features) == 0:
            return self._history_rows(features)
        codes, first = unique_rows(
            features["franchise"].to_numpy(dtype=object),
            name_codes(features["developers"])[0],
            features["release_year"].astype("float64").to_numpy(),
            features["release_month"].astype("float64").to_numpy(),
        )
        distinct = self._history_rows(features.iloc[first])
        return pd.DataFrame(
            distinct.to_numpy()[codes], index=features.index, columns=distinct.columns
        )

    def _history_rows(self, features: pd.DataFrame) -> pd.DataFrame:
        """Track record from the training games released before each row (vectorised)."""
        smoothing = float(self.params["target_encoding_smoothing"])
        frames = []
        for kind in HISTORY_KINDS:
            fitted = self.history[kind]
            query = _history_pairs(features, kind)
            keys = fitted["keys"]
            code = np.searchsorted(keys, query["key"].to_numpy()) if len(keys) else None
            if code is None:
                known = np.zeros(len(query), dtype=bool)
            else:
                code = np.minimum(code, len(keys) - 1)
                known = (keys[code] == query["key"].to_numpy()) & query["time"].notna().to_numpy()
            query, code = query[known], (code[known] if code is not None else code)
            start = fitted["starts"][code] if len(query) else np.zeros(0, dtype="int64")
            position = (
                np.searchsorted(
                    fitted["sort_key"], code * _KEY_STRIDE + query["time"].to_numpy(), side="left"
                )
                if len(query)
                else np.zeros(0, dtype="int64")
            )
            count = position - start
            total = fitted["cumulative"][position] - fitted["cumulative"][start]
            latest = np.where(count > 0, fitted["times"][np.maximum(position - 1, 0)], np.nan)
            stats = {
                "row": query["row"].to_numpy(),
                "count": count,
                "total": total,
                "latest": latest,
            }
            frames.append(_history_frame(stats, release_time(features).to_numpy(), smoothing, kind))
        return pd.concat(frames, axis=1).set_index(features.index)

    def unseen_counts(self, features: pd.DataFrame) -> dict[str, int]:
        """Rows per feature holding a category never seen in training."""
        counts = {
            column: int(
                (
                    category_codes(features[column], self.vocabularies[column])
                    == len(self.vocabularies[column])
                ).sum()
            )
            for column in CATEGORICAL_FEATURES
        }
        for column in ("genres", "developers"):
            known = set(self.vocabularies[column])
            flags = map_names(
                features[column], lambda names, k=known: any(n not in k for n in names), bool
            )
            counts[column] = int(flags.sum())
        return counts


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


@dataclass
class UserScoreModel:
    """One versioned artifact: preprocessing + LightGBM/ridge blend + 80 % interval + metadata.

    Public API (scoring and monitoring rely on it): :meth:`predict`,
    :meth:`predict_point`, :meth:`transform`, :meth:`features_hash`,
    ``preprocessor.unseen_counts``, :attr:`model_version`, :attr:`metadata`.
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


# Pickled artifacts name their classes by the package's path, ``user_score.model.<Class>``,
# whichever submodule defines them: artifacts pickled before the split load, and
# the layout inside the package can change without breaking artifacts.
for _pickled in (FeaturePreprocessor, LinearTextModel, UserScoreModel):
    _pickled.__module__ = __name__
del _pickled

__all__ = [
    "CATEGORICAL_FEATURES",
    "DEFAULT_LGBM",
    "DEFAULT_LINEAR",
    "DEFAULT_PREPROCESSING",
    "HISTORY_COLUMNS",
    "HISTORY_KINDS",
    "INPUT_FEATURES",
    "INTERVAL_GROUP_COLUMN",
    "LINEAR_TOKEN_SOURCES",
    "MIN_GROUP_RESIDUALS",
    "NUMERIC_FEATURES",
    "UNSEEN",
    "FeaturePreprocessor",
    "LinearTextModel",
    "UserScoreModel",
    "conformal_offsets",
    "critic_baseline",
    "data_fingerprint",
    "interval_group",
    "library_versions",
    "predict_threads",
    "release_time",
]
