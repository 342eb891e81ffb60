"""Features -> the LightGBM matrix: vocabularies, target encodings, track record.

:class:`FeaturePreprocessor` is the fitted half of the input side: it turns
``build_features`` output (stateless features, :data:`INPUT_FEATURES`) into
the model matrix with encodings learned from the training rows only. The
time-aware track record it appends lives in :mod:`.history`; both average the
same critic-adjusted residual (:func:`critic_baseline`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from user_score.features import FEATURE_DOCS

from .distinct import as_tuples, category_codes, map_names, name_codes
from .history import (
    HISTORY_COLUMNS,
    HISTORY_KINDS,
    fit_history,
    lookup_history,
    training_history,
)

#: Columns of build_features() output the model reads (its input contract).
INPUT_FEATURES: list[str] = list(FEATURE_DOCS)
#: Columns taken into the matrix as they are (float64).
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
#: Columns coded over their training vocabulary (LightGBM categoricals).
CATEGORICAL_FEATURES: list[str] = ["platform", "esrb_rating"]
#: The category of a value never seen in training.
UNSEEN = "__unseen__"

#: :class:`FeaturePreprocessor` parameters (``training.preprocessing`` in parameters_training.yml).
DEFAULT_PREPROCESSING: dict[str, Any] = {
    "top_genres": 30,
    "target_encoding_smoothing": 5.0,
    "target_encoding_folds": 5,
    "seed": 42,
}


def critic_baseline(features: pd.DataFrame, y: pd.Series) -> pd.Series:
    """In-sample ``a + b * meta_score`` fit (mean of y where meta_score is missing).

    Used only to form residuals for the target encodings and the track record,
    on the rows being fitted.
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


# Pickled as user_score.model.FeaturePreprocessor: see the package's __init__.
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
        self.history = fit_history(features, (y - critic_baseline(features, y)).to_numpy())
        return self

    def _training_history(
        self, features: pd.DataFrame, history_rows: pd.DataFrame, residual: np.ndarray
    ) -> pd.DataFrame:
        """History of ``features`` rows from ``history_rows`` without their own base title."""
        smoothing = float(self.params["target_encoding_smoothing"])
        return training_history(features, history_rows, residual, smoothing)

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
            smoothing = float(self.params["target_encoding_smoothing"])
            parts.append(lookup_history(self.history, features, smoothing))
        return pd.concat(parts, axis=1)

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
