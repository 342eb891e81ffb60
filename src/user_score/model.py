"""The model artifact: preprocessing, regressor, interval calibrator and metadata in one object.

Training saves one :class:`UserScoreModel`; scoring loads it and calls
:meth:`UserScoreModel.predict` on :func:`user_score.features.build_features`
output and nothing else, so training and scoring can never disagree on
features (the training/inference binding idea of kedro-mlflow).

Every statistic learned from data (vocabularies, target encodings, the
interval width) lives in :class:`FeaturePreprocessor` or the model and is
fitted on the rows passed to ``fit`` only: cross-validation fits a fresh
model per fold.
"""

from __future__ import annotations

import hashlib
import platform
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from user_score.features import FEATURE_DOCS, map_unique

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
    "target_encoding_smoothing": 10.0,
    "target_encoding_folds": 5,
    "seed": 42,
}
DEFAULT_LGBM: dict[str, Any] = {
    "n_estimators": 400,
    "learning_rate": 0.03,
    "num_leaves": 15,
    "min_child_samples": 15,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "random_state": 42,
    "n_jobs": 1,  # faster than 2 threads on ~1k rows; scoring passes num_threads to predict
    "verbose": -1,
}


def _as_tuples(series: pd.Series) -> pd.Series:
    """Lists/arrays of names as hashable tuples (None -> empty tuple)."""
    return series.map(lambda names: tuple(names) if names is not None else ())


def _smoothed_means(keys: pd.Series, y: pd.Series, prior: float, smoothing: float) -> dict:
    stats = pd.DataFrame({"key": keys.to_numpy(), "y": y.to_numpy()}).groupby("key")["y"]
    total, count = stats.sum(), stats.count()
    return ((total + smoothing * prior) / (count + smoothing)).to_dict()


@dataclass
class FeaturePreprocessor:
    """Turns stateless features into the model matrix with fitted encodings.

    * ``platform``/``esrb_rating`` -> categorical codes over the training vocabulary
      (an unseen value gets the ``__unseen__`` code and is counted).
    * ``genres`` -> multi-hot over the ``top_genres`` most frequent training genres.
    * ``franchise`` and ``developers`` -> smoothed target means (developer lists
      averaged), computed out-of-fold for the training rows themselves.
    """

    params: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PREPROCESSING))
    vocabularies: dict[str, list[str]] = field(default_factory=dict)
    encodings: dict[str, dict[Any, float]] = field(default_factory=dict)
    prior: float = float("nan")

    # -- fitting -----------------------------------------------------------
    def _fit_encodings(self, features: pd.DataFrame, y: pd.Series) -> dict[str, dict]:
        smoothing = float(self.params["target_encoding_smoothing"])
        prior = float(y.mean())
        developers = _as_tuples(features["developers"]).explode().dropna()
        return {
            "franchise": _smoothed_means(features["franchise"], y, prior, smoothing),
            "developer": _smoothed_means(developers, y.loc[developers.index], prior, smoothing),
        }

    def fit(self, features: pd.DataFrame, y: pd.Series) -> FeaturePreprocessor:
        """Learn vocabularies and target encodings from these rows only."""
        y = pd.Series(np.asarray(y, dtype="float64"), index=features.index)
        self.prior = float(y.mean())
        self.vocabularies = {
            column: sorted(features[column].dropna().astype(str).unique())
            for column in CATEGORICAL_FEATURES
        }
        genre_counts = _as_tuples(features["genres"]).explode().dropna().value_counts()
        self.vocabularies["genres"] = sorted(
            genre_counts.head(int(self.params["top_genres"])).index.astype(str)
        )
        self.vocabularies["developers"] = sorted(
            _as_tuples(features["developers"]).explode().dropna().astype(str).unique()
        )
        self.encodings = self._fit_encodings(features, y)
        return self

    def fit_transform(self, features: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
        """Fit, then transform the training rows with out-of-fold target encodings."""
        self.fit(features, y)
        matrix = self.transform(features)
        y = pd.Series(np.asarray(y, dtype="float64"), index=features.index)
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
        return matrix

    # -- transforming ------------------------------------------------------
    def _target_encoded(self, features: pd.DataFrame) -> pd.DataFrame:
        franchise = features["franchise"].map(self.encodings["franchise"]).astype("float64")
        developer_means = self.encodings["developer"]

        def _developer_mean(names: tuple) -> float:
            values = [developer_means[name] for name in names if name in developer_means]
            return float(np.mean(values)) if values else np.nan

        developer = map_unique(_as_tuples(features["developers"]), _developer_mean).astype(
            "float64"
        )
        return pd.DataFrame(
            {
                "franchise_te": franchise.fillna(self.prior),
                "developer_te": developer.fillna(self.prior),
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

        rows = map_unique(_as_tuples(features["genres"]), _row)
        dense = np.vstack(rows.to_numpy()) if len(rows) else np.zeros((0, len(vocabulary)))
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
                column: pd.Categorical(
                    features[column]
                    .astype(str)
                    .where(features[column].astype(str).isin(self.vocabularies[column]), UNSEEN),
                    categories=[*self.vocabularies[column], UNSEEN],
                )
                for column in CATEGORICAL_FEATURES
            },
            index=features.index,
        )
        return pd.concat(
            [numeric, categorical, self._genre_matrix(features), self._target_encoded(features)],
            axis=1,
        )

    def unseen_counts(self, features: pd.DataFrame) -> dict[str, int]:
        """Rows per feature holding a category never seen in training."""
        counts = {
            column: int((~features[column].astype(str).isin(self.vocabularies[column])).sum())
            for column in CATEGORICAL_FEATURES
        }
        for column in ("genres", "developers"):
            known = set(self.vocabularies[column])
            flags = map_unique(
                _as_tuples(features[column]), lambda names, k=known: any(n not in k for n in names)
            )
            counts[column] = int(flags.astype(bool).sum())
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
        frame[column] = _as_tuples(frame[column]).map("|".join)
    frame["__target__"] = np.asarray(y, dtype="float64")
    row_hashes = np.sort(pd.util.hash_pandas_object(frame, index=False).to_numpy())
    return hashlib.sha256(row_hashes.tobytes()).hexdigest()


@dataclass
class UserScoreModel:
    """One versioned artifact: preprocessing + LightGBM + 80 % interval + metadata."""

    preprocessor: FeaturePreprocessor
    regressor: lgb.LGBMRegressor
    interval_offsets: tuple[float, float]
    metadata: dict[str, Any] = field(default_factory=dict)
    interval_level: float = 0.8

    @classmethod
    def fit(
        cls,
        features: pd.DataFrame,
        y: pd.Series,
        oof_residuals: np.ndarray,
        preprocessing: dict[str, Any] | None = None,
        lgbm_params: dict[str, Any] | None = None,
        interval_level: float = 0.8,
        metadata: dict[str, Any] | None = None,
    ) -> UserScoreModel:
        """Fit preprocessing and LightGBM on all rows; calibrate the interval.

        Args:
            features: ``build_features`` output of the labelled training rows.
            y: Their user scores.
            oof_residuals: ``y - prediction`` from out-of-fold predictions of the
                same model configuration (split-conformal calibration).
            preprocessing: :class:`FeaturePreprocessor` parameters.
            lgbm_params: LightGBM parameters.
            interval_level: Central coverage of the prediction interval.
            metadata: Extra metadata (model_version, metrics, ...).
        """
        preprocessor = FeaturePreprocessor(
            params={**DEFAULT_PREPROCESSING, **(preprocessing or {})}
        )
        matrix = preprocessor.fit_transform(features, y)
        regressor = lgb.LGBMRegressor(**{**DEFAULT_LGBM, **(lgbm_params or {})})
        regressor.fit(matrix, np.asarray(y, dtype="float64"))
        alpha = (1.0 - interval_level) / 2.0
        residuals = np.asarray(oof_residuals, dtype="float64")
        offsets = (float(np.quantile(residuals, alpha)), float(np.quantile(residuals, 1 - alpha)))
        info = {
            "input_features": INPUT_FEATURES,
            "model_features": list(matrix.columns),
            "vocabularies": preprocessor.vocabularies,
            "training_rows": len(features),
            "training_data_fingerprint": data_fingerprint(features, y),
            "library_versions": library_versions(),
            "lgbm_params": regressor.get_params(),
            "interval": {"level": interval_level, "offsets": list(offsets)},
            **(metadata or {}),
        }
        return cls(preprocessor, regressor, offsets, info, interval_level)

    @property
    def model_version(self) -> str:
        return str(self.metadata.get("model_version", "unversioned"))

    def transform(self, features: pd.DataFrame) -> pd.DataFrame:
        """The exact model matrix used for prediction (for SHAP and debugging)."""
        return self.preprocessor.transform(features)

    def predict_point(self, features: pd.DataFrame) -> np.ndarray:
        """Point predictions clipped to the 0-10 user-score scale."""
        raw = self.regressor.predict(self.transform(features))
        return np.clip(raw, 0.0, 10.0)

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """Predictions with the calibrated interval, clipped to 0-10."""
        point = self.predict_point(features)
        low, high = self.interval_offsets
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
            frame[column] = map_unique(_as_tuples(frame[column]), "|".join)
        hashed = pd.util.hash_pandas_object(frame, index=False)
        return hashed.map("{:016x}".format)
