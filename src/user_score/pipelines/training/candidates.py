"""The candidate models compared by the training pipeline.

Every candidate has the same two methods, ``fit(features, y, groups)`` and
``predict(features) -> {name: predictions}``, and learns everything it uses
(vocabularies, encodings, hyperparameters) from the rows passed to ``fit``
only, so the evaluation protocols fit a fresh one per training part.

Two baselines stand apart: ``mean_baseline`` (the floor, R2 = 0) and
``sklearn_gbr`` (the original project's model, for parity). Every other
candidate is a *recipe*: a weighted sum of components of the artifact
(:data:`user_score.model.COMPONENTS`), so cross-validation measures exactly the
code the deployed :class:`~user_score.model.UserScoreModel` runs. One
:class:`ComponentCandidates` fit per split serves all of them (they share the
preprocessing and the LightGBM tuning).
"""

from __future__ import annotations

import logging
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.model_selection import GroupKFold

from user_score.model import DEFAULT_LGBM, CriticLine, FeaturePreprocessor, UserScoreModel

from .params import TrainingParams

logger = logging.getLogger(__name__)

#: Candidates that are not recipes of artifact components.
BASELINES: tuple[str, ...] = ("mean_baseline", "sklearn_gbr")


def recipe(name: str, params: TrainingParams) -> dict[str, float]:
    """Component weights of candidate ``name`` (its point prediction is their weighted sum)."""
    weight = params.blend_weight
    recipes = {
        "critic_only": {"critic": 1.0},
        "linear": {"linear": 1.0},
        "lightgbm": {"lightgbm": 1.0},
        "critic_backbone": {"critic": 1.0, "lightgbm_residual": params.backbone.shrinkage},
        "lightgbm_linear_blend": {"lightgbm": 1.0 - weight, "linear": weight},
        "lightgbm_linear_blend_titles": {"lightgbm": 1.0 - weight, "linear_titles": weight},
    }
    if name not in recipes:
        raise ValueError(f"{name!r} is not a recipe of artifact components")
    return recipes[name]


class MeanBaseline:
    """Predicts the training mean (scikit-learn's ``DummyRegressor``): R2 = 0 by construction."""

    names = ("mean_baseline",)

    def __init__(self, params: TrainingParams) -> None:
        self.params = params

    def fit(self, features: pd.DataFrame, y: pd.Series, groups: pd.Series) -> MeanBaseline:
        self.model_ = DummyRegressor(strategy="mean").fit(np.zeros((len(y), 1)), y)
        return self

    def predict(self, features: pd.DataFrame) -> dict[str, np.ndarray]:
        return {"mean_baseline": self.model_.predict(np.zeros((len(features), 1)))}


class GradientBoostingParity:
    """The original project's model: scikit-learn GradientBoosting on its feature set.

    Features: meta_score (training-median imputed), release year and month,
    platform and ESRB one-hot, multi-hot of the most frequent training genres.
    """

    names = ("sklearn_gbr",)

    def __init__(self, params: TrainingParams) -> None:
        self.top_genres = params.sklearn_gbr.top_genres
        self.random_state = params.sklearn_gbr.random_state

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
        meta, year = features["meta_score"].median(), features["release_year"].median()
        self.meta_median_ = float(meta) if pd.notna(meta) else 70.0
        self.year_median_ = float(year) if pd.notna(year) else 2010.0
        genre_counts = features["genres"].explode().dropna().value_counts()
        self.vocab_ = {
            "platform": sorted(features["platform"].astype(str).unique()),
            "esrb_rating": sorted(features["esrb_rating"].astype(str).unique()),
            "genres": list(genre_counts.head(self.top_genres).index.astype(str)),
        }
        self.model_ = GradientBoostingRegressor(random_state=self.random_state)
        self.model_.fit(self._matrix(features), np.asarray(y, dtype="float64"))
        return self

    def predict(self, features: pd.DataFrame) -> dict[str, np.ndarray]:
        return {"sklearn_gbr": np.clip(self.model_.predict(self._matrix(features)), 0.0, 10.0)}


def tune_lightgbm(
    matrix: pd.DataFrame, y: pd.Series, groups: pd.Series, settings: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Pick LightGBM parameters from a small fixed grid by grouped CV with early stopping.

    Only the rows given are used (inside an evaluation protocol: the training part).

    Args:
        matrix: Preprocessed training matrix (out-of-fold target encodings).
        y: Target.
        groups: Group key (base title) so inner folds keep ports together.
        settings: ``base`` (fixed parameters) and ``tuning`` (``grid``,
            ``inner_folds``, ``max_rounds``, ``early_stopping_rounds``, ``seed``).

    Returns:
        ``(best_params, trials)``; ``best_params`` includes ``n_estimators``
        (the early-stopped round count) and ``trials`` the score of each config.
    """
    base = {**DEFAULT_LGBM, **settings["base"]}
    tuning = settings["tuning"]
    inner = GroupKFold(n_splits=tuning["inner_folds"], shuffle=True, random_state=tuning["seed"])
    folds = list(inner.split(matrix, y, groups))
    trials: list[dict[str, Any]] = []
    for config in tuning["grid"]:
        params = {**base, **config}
        params.pop("n_estimators", None)
        booster_params = {
            ("seed" if k == "random_state" else k): v for k, v in params.items() if k != "n_jobs"
        }
        booster_params.update(objective=params.get("objective", "regression"), num_threads=1)
        result = lgb.cv(
            booster_params,
            lgb.Dataset(matrix, label=np.asarray(y, dtype="float64"), free_raw_data=False),
            num_boost_round=tuning["max_rounds"],
            folds=folds,
            stratified=False,
            callbacks=[lgb.early_stopping(tuning["early_stopping_rounds"], verbose=False)],
        )
        scores = result[next(k for k in result if k.endswith("-mean"))]
        best_round = int(np.argmin(scores)) + 1
        trials.append(
            {"params": config, "inner_cv_l2": float(scores[best_round - 1]), "rounds": best_round}
        )
    best = min(trials, key=lambda trial: trial["inner_cv_l2"])
    return {**base, **best["params"], "n_estimators": best["rounds"]}, trials


def needed_components(names: list[str], params: TrainingParams) -> list[str]:
    """The artifact components the recipes of ``names`` use."""
    needed: list[str] = []
    for name in names:
        if name in BASELINES:
            continue
        needed += [part for part in recipe(name, params) if part not in needed]
    return needed


def component_params(
    components: list[str],
    features: pd.DataFrame,
    y: pd.Series,
    groups: pd.Series,
    params: TrainingParams,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Parameters of each component, LightGBM tuned on these rows only.

    Returns:
        ``(components, tuning)``: component name -> parameters for
        :meth:`UserScoreModel.fit`, and the tuning trials of each LightGBM.
    """
    specs: dict[str, dict[str, Any]] = {}
    tuning: dict[str, Any] = {}
    lightgbm = params.lightgbm.model_dump()
    matrix = None
    if any(name.startswith("lightgbm") for name in components):
        preprocessing = params.preprocessing.model_dump()
        matrix = FeaturePreprocessor(params=preprocessing).fit_transform(features, y)
    for name in components:
        if name == "lightgbm":
            specs[name], tuning[name] = tune_lightgbm(matrix, y, groups, lightgbm)
        elif name == "lightgbm_residual":
            residual = y - CriticLine().fit(features, y).predict(features)
            settings = {**lightgbm, "base": dict(lightgbm["base"])}
            if params.backbone.monotone_meta_score:
                settings["base"]["monotone_constraints"] = [
                    1 if column == "meta_score" else 0 for column in matrix.columns
                ]
            specs[name], tuning[name] = tune_lightgbm(matrix, residual, groups, settings)
        elif name in ("linear", "linear_titles"):
            specs[name] = params.linear.model_dump()
        else:
            specs[name] = {}
    return specs, tuning


def fit_components(
    names: list[str],
    features: pd.DataFrame,
    y: pd.Series,
    groups: pd.Series,
    params: TrainingParams,
    weights: dict[str, float] | None = None,
    metadata: dict[str, Any] | None = None,
) -> UserScoreModel:
    """Tune and fit, on these rows only, the components the candidates ``names`` use."""
    y = pd.Series(np.asarray(y, dtype="float64"), index=features.index)
    components = needed_components(names, params)
    specs, tuning = component_params(components, features, y, groups, params)
    return UserScoreModel.fit(
        features,
        y,
        components=specs,
        weights=weights,
        preprocessing=params.preprocessing.model_dump(),
        metadata={"tuning_trials": tuning, **(metadata or {})},
    )


class ComponentCandidates:
    """Every recipe candidate of one evaluation, from one fit of their shared components."""

    def __init__(self, params: TrainingParams, names: list[str]) -> None:
        self.params = params
        self.names = tuple(name for name in names if name not in BASELINES)

    def fit(self, features: pd.DataFrame, y: pd.Series, groups: pd.Series) -> ComponentCandidates:
        self.model_ = fit_components(list(self.names), features, y, groups, self.params)
        return self

    def predict(self, features: pd.DataFrame) -> dict[str, np.ndarray]:
        parts = self.model_.predict_components(features, names=list(self.model_.components))
        predictions = {}
        for name in self.names:
            raw = sum(
                weight * parts[part].to_numpy()
                for part, weight in recipe(name, self.params).items()
            )
            predictions[name] = np.clip(raw, 0.0, 10.0)
        return predictions


def build_candidates(names: list[str], params: TrainingParams) -> list[Any]:
    """One estimator object per kind: the two baselines, and one for every recipe."""
    candidates: list[Any] = []
    if "mean_baseline" in names:
        candidates.append(MeanBaseline(params))
    if "sklearn_gbr" in names:
        candidates.append(GradientBoostingParity(params))
    if any(name not in BASELINES for name in names):
        candidates.append(ComponentCandidates(params, names))
    return candidates
