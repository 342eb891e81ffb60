"""The candidate models compared by the training pipeline.

Every candidate has the same two methods, ``fit(features, y, groups)`` and
``predict(features) -> {name: predictions}``, and learns everything it uses
(vocabularies, imputation values, encodings, hyperparameters) from the rows
passed to ``fit`` only, so the evaluation protocols can fit a fresh one per
training fold. One fitted LightGBM candidate reports two predictions: the
tuned LightGBM alone and its blend with the linear model (they share the
expensive tuning).
"""

from __future__ import annotations

import logging
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.model_selection import GroupKFold

from user_score.model import (
    DEFAULT_LGBM,
    DEFAULT_PREPROCESSING,
    FeaturePreprocessor,
    LinearTextModel,
    UserScoreModel,
)

logger = logging.getLogger(__name__)

#: Candidates that produce the deployable ``UserScoreModel`` artifact.
ARTIFACT_CANDIDATES: tuple[str, ...] = ("lightgbm", "lightgbm_linear_blend")
#: Every candidate name, in reporting order.
ALL_CANDIDATES: tuple[str, ...] = (
    "mean_baseline",
    "linear",
    "sklearn_gbr",
    "lightgbm",
    "lightgbm_linear_blend",
)


class MeanBaseline:
    """Predicts the training mean: the floor every model must beat (R2 = 0)."""

    names = ("mean_baseline",)

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params

    def fit(self, features: pd.DataFrame, y: pd.Series, groups: pd.Series) -> MeanBaseline:
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, features: pd.DataFrame) -> dict[str, np.ndarray]:
        return {"mean_baseline": np.full(len(features), self.mean_)}


class LinearCandidate:
    """:class:`user_score.model.LinearTextModel` on its own (ridge on words, tokens, splines)."""

    names = ("linear",)

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params

    def fit(self, features: pd.DataFrame, y: pd.Series, groups: pd.Series) -> LinearCandidate:
        self.model_ = LinearTextModel(self.params.get("linear")).fit(features, y)
        return self

    def predict(self, features: pd.DataFrame) -> dict[str, np.ndarray]:
        return {"linear": np.clip(self.model_.predict(features), 0.0, 10.0)}


class GradientBoostingParity:
    """The original project's model: scikit-learn GradientBoosting on its feature set.

    Features: meta_score (training-median imputed), release year and month,
    platform and ESRB one-hot, multi-hot of the 20 most frequent training genres.
    """

    names = ("sklearn_gbr",)

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        settings = dict(params.get("sklearn_gbr") or {})
        self.top_genres = int(settings.pop("top_genres", 20))
        self.gbr_params = settings

    def _matrix(self, features: pd.DataFrame) -> pd.DataFrame:
        columns: dict[str, Any] = {
            "meta_score": features["meta_score"].astype("float64").fillna(self.meta_median_),
            "release_year": features["release_year"].astype("float64").fillna(self.year_median_),
            "release_month": features["release_month"].astype("float64").fillna(6.0),
        }
        for column in ("platform", "esrb_rating"):
            for value in self.vocab_[column]:
                columns[f"{column}__{value}"] = (features[column].astype(str) == value).astype(
                    float
                )
        genres = features["genres"].map(lambda names: set(names) if names is not None else set())
        for genre in self.vocab_["genres"]:
            columns[f"genre__{genre}"] = genres.map(lambda names, g=genre: g in names).astype(float)
        return pd.DataFrame(columns, index=features.index)

    def fit(
        self, features: pd.DataFrame, y: pd.Series, groups: pd.Series
    ) -> GradientBoostingParity:
        self.meta_median_ = float(features["meta_score"].median())
        if np.isnan(self.meta_median_):
            self.meta_median_ = 70.0
        year = features["release_year"].median()
        self.year_median_ = float(year) if pd.notna(year) else 2010.0
        genre_counts = features["genres"].explode().dropna().value_counts()
        self.vocab_ = {
            "platform": sorted(features["platform"].astype(str).unique()),
            "esrb_rating": sorted(features["esrb_rating"].astype(str).unique()),
            "genres": list(genre_counts.head(self.top_genres).index.astype(str)),
        }
        self.model_ = GradientBoostingRegressor(**self.gbr_params)
        self.model_.fit(self._matrix(features), np.asarray(y, dtype="float64"))
        return self

    def predict(self, features: pd.DataFrame) -> dict[str, np.ndarray]:
        return {"sklearn_gbr": np.clip(self.model_.predict(self._matrix(features)), 0.0, 10.0)}


def tune_lightgbm(
    matrix: pd.DataFrame, y: pd.Series, groups: pd.Series, settings: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Pick LightGBM parameters from a small fixed grid by grouped CV with early stopping.

    Only the rows given are used (inside cross-validation: the training fold).

    Args:
        matrix: Preprocessed training matrix (out-of-fold target encodings).
        y: Target.
        groups: Group key (base title) so inner folds keep ports together.
        settings: ``lightgbm`` parameters: ``base`` (fixed parameters) and
            ``tuning`` (``grid``, ``inner_folds``, ``max_rounds``,
            ``early_stopping_rounds``, ``seed``).

    Returns:
        ``(best_params, trials)``; ``best_params`` includes ``n_estimators``
        (the early-stopped round count) and ``trials`` the score of each config.
    """
    base = {**DEFAULT_LGBM, **(settings.get("base") or {})}
    tuning = settings.get("tuning") or {}
    grid = tuning.get("grid") or [{}]
    inner = GroupKFold(
        n_splits=int(tuning.get("inner_folds", 3)),
        shuffle=True,
        random_state=int(tuning.get("seed", 0)),
    )
    folds = list(inner.split(matrix, y, groups))
    max_rounds = int(tuning.get("max_rounds", 1000))
    trials: list[dict[str, Any]] = []
    for config in grid:
        params = {**base, **config}
        params.pop("n_estimators", None)
        booster_params = {
            ("seed" if k == "random_state" else k): v
            for k, v in params.items()
            if k not in ("n_jobs", "silent")
        }
        booster_params.update(objective=params.get("objective", "regression"), num_threads=1)
        result = lgb.cv(
            booster_params,
            lgb.Dataset(matrix, label=np.asarray(y, dtype="float64"), free_raw_data=False),
            num_boost_round=max_rounds,
            folds=folds,
            stratified=False,
            callbacks=[
                lgb.early_stopping(int(tuning.get("early_stopping_rounds", 50)), verbose=False)
            ],
        )
        key = next(k for k in result if k.endswith("-mean"))
        scores = result[key]
        best_round = int(np.argmin(scores)) + 1
        trials.append(
            {"params": config, "inner_cv_l2": float(scores[best_round - 1]), "rounds": best_round}
        )
    best = min(trials, key=lambda trial: trial["inner_cv_l2"])
    return {**base, **best["params"], "n_estimators": best["rounds"]}, trials


class LightGBMCandidate:
    """Tuned LightGBM (the artifact's model) alone and blended with the linear model.

    ``fit`` builds exactly the :class:`~user_score.model.UserScoreModel` that
    the final training fits, so cross-validation measures the artifact's code.
    """

    names = ARTIFACT_CANDIDATES

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        if not 0 < float(params.get("blend_weight", 0.5)) <= 1:
            raise ValueError("training.blend_weight must be in (0, 1]")

    def fit(self, features: pd.DataFrame, y: pd.Series, groups: pd.Series) -> LightGBMCandidate:
        self.model_ = fit_user_score_model(features, y, groups, self.params)
        return self

    def predict(self, features: pd.DataFrame) -> dict[str, np.ndarray]:
        parts = self.model_.predict_components(features)
        weight = float(self.params.get("blend_weight", 0.5))
        boosted = parts["lightgbm"].to_numpy()
        blended = (1 - weight) * boosted + weight * parts["linear"].to_numpy()
        return {
            "lightgbm": np.clip(boosted, 0.0, 10.0),
            "lightgbm_linear_blend": np.clip(blended, 0.0, 10.0),
        }


def fit_user_score_model(
    features: pd.DataFrame,
    y: pd.Series,
    groups: pd.Series,
    params: dict[str, Any],
    blend_weight: float | None = None,
    oof_residuals: np.ndarray | None = None,
    oof_groups: np.ndarray | None = None,
    metadata: dict[str, Any] | None = None,
) -> UserScoreModel:
    """Tune LightGBM on these rows, then fit the full :class:`UserScoreModel`.

    Args:
        features: Training features (``build_features`` columns).
        y: Target.
        groups: Group key for the inner tuning folds.
        params: ``params:training``.
        blend_weight: Ridge weight in the point prediction; defaults to
            ``params['blend_weight']``; 0 fits LightGBM alone.
        oof_residuals, oof_groups: Interval calibration (final model only).
        metadata: Extra metadata for the artifact.
    """
    preprocessing = {**DEFAULT_PREPROCESSING, **(params.get("preprocessing") or {})}
    matrix = FeaturePreprocessor(params=preprocessing).fit_transform(features, y)
    tuned, trials = tune_lightgbm(matrix, y, groups, params.get("lightgbm") or {})
    weight = float(params.get("blend_weight", 0.5) if blend_weight is None else blend_weight)
    info = {"tuning_trials": trials, **(metadata or {})}
    return UserScoreModel.fit(
        features,
        y,
        oof_residuals=oof_residuals,
        preprocessing=preprocessing,
        lgbm_params=tuned,
        interval_level=float((params.get("interval") or {}).get("level", 0.8)),
        metadata=info,
        linear_params=params.get("linear"),
        blend_weight=weight,
        oof_groups=oof_groups,
    )


CANDIDATE_CLASSES = {
    "mean_baseline": MeanBaseline,
    "linear": LinearCandidate,
    "sklearn_gbr": GradientBoostingParity,
    "lightgbm": LightGBMCandidate,
    "lightgbm_linear_blend": LightGBMCandidate,
}


def build_candidates(names: list[str], params: dict[str, Any]) -> list[Any]:
    """One estimator object per needed class (LightGBM family shares one)."""
    unknown = [name for name in names if name not in CANDIDATE_CLASSES]
    if unknown:
        raise ValueError(
            f"training.candidates has unknown names {unknown}; known: {list(CANDIDATE_CLASSES)}"
        )
    classes: list[type] = []
    for name in names:
        cls = CANDIDATE_CLASSES[name]
        if cls not in classes:
            classes.append(cls)
    return [cls(params) for cls in classes]
