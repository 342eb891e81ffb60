"""Fixtures for monitoring: a small trained model, its reference, and simulated production days.

Everything is built from the seeded demo generator (``user_score.demo_data``)
and the project's own feature code, so the tests need neither the training
nor the scoring pipeline: they build the same artefacts those pipelines save.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from kedro.io import AbstractDataset, DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from sklearn.model_selection import KFold

from tests.model_fixtures import quick_model
from user_score.demo_data import generate_games, to_batch_input, to_raw_catalog
from user_score.features import build_features, parse_raw_games
from user_score.model import INPUT_FEATURES, UserScoreModel
from user_score.params import RunDate
from user_score.pipelines.data_engineering.nodes import (
    clean_games,
    create_model_input_table,
    split_raw_games,
)
from user_score.pipelines.monitoring import create_pipeline
from user_score.pipelines.monitoring.params import MonitoringParams
from user_score.pipelines.monitoring.reference import (
    build_reference_profile,
    train_performance_estimator,
)

PARAMS_FILE = Path(__file__).resolve().parents[3] / "conf" / "base" / "parameters_monitoring.yml"
FAST_LGBM = {"n_estimators": 120, "learning_rate": 0.06}


def monitoring_params(**overrides: Any) -> MonitoringParams:
    """``params:monitoring`` from conf/base (``fail_on: none``), as Kedro hands it to the nodes."""
    params = yaml.safe_load(PARAMS_FILE.read_text())["monitoring"]
    params.update(fail_on="none")
    for key, value in overrides.items():
        if isinstance(value, dict):
            params[key] = {**params[key], **value}
        else:
            params[key] = value
    return MonitoringParams.model_validate(params)


@dataclass
class Trained:
    model_input_table: pd.DataFrame
    model: UserScoreModel
    oof_predictions: pd.DataFrame
    reference_profile: dict[str, Any]
    estimator: Any
    estimator_metrics: dict[str, Any]


#: The simulated world: training catalog and "stable" production games are
#: drawn from one generator call (same franchises, developers, genre mix), so a
#: stable period is the training population; a drifted one is drawn separately.
UNIVERSE_SEED = 20210301
N_TRAINING_GAMES = 1600
DAYS, ROWS_PER_DAY = 21, 100
DRIFT = {"meta_score_shift": 8.0, "new_platforms": ["PS5"], "new_genres": ["Battle Royale"]}


def universe(seed: int = UNIVERSE_SEED) -> pd.DataFrame:
    """Training games followed by production games, shuffled (one population)."""
    games = generate_games(N_TRAINING_GAMES + DAYS * ROWS_PER_DAY, seed)
    return games.sample(frac=1.0, random_state=0).reset_index(drop=True)


#: params:run_started_at of the reference nodes.
RUN_STARTED_AT = "2021-03-01T00:00:00Z"


def model_input_from_games(games: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The raw catalog of ``games`` through data_engineering's nodes."""
    valid, _, _ = split_raw_games(to_raw_catalog(games, seed).astype(object))
    clean, _ = clean_games(valid)
    return create_model_input_table(clean)


def train_model(table: pd.DataFrame) -> tuple[UserScoreModel, pd.DataFrame]:
    """A LightGBM UserScoreModel with 5-fold out-of-fold predictions (like training)."""
    labelled = table.loc[table["is_labelled"]].reset_index(drop=True)
    y = labelled["user_score"]
    oof = np.zeros(len(labelled))
    folds = np.zeros(len(labelled), dtype=int)
    for fold, (train, test) in enumerate(KFold(5, shuffle=True, random_state=0).split(labelled)):
        part = quick_model(labelled.iloc[train], y.iloc[train], components={"lightgbm": FAST_LGBM})
        oof[test] = part.predict_point(labelled.iloc[test])
        folds[test] = fold
    residuals = y.to_numpy() - oof
    cv = {
        "mae": float(np.abs(residuals).mean()),
        "rmse": float(np.sqrt((residuals**2).mean())),
        "r2": float(1 - (residuals**2).sum() / ((y - y.mean()) ** 2).sum()),
    }
    model = quick_model(
        labelled,
        y,
        residuals,
        components={"lightgbm": FAST_LGBM},
        metadata={"model_version": "test-model-1", "metrics": {"cv": cv}},
    )
    oof_predictions = pd.DataFrame(
        {
            "game_id": labelled["game_id"],
            "user_score": y,
            "oof_prediction": oof,
            "repeat": 0,
            "fold": folds,
        }
    )
    return model, oof_predictions


@pytest.fixture(scope="session")
def trained() -> Trained:
    return trained_on(model_input_from_games(universe().iloc[:N_TRAINING_GAMES], UNIVERSE_SEED))


# ---------------------------------------------------------------------------
# Simulated production: daily predictions, scored features, delayed labels
# ---------------------------------------------------------------------------


@dataclass
class Production:
    predictions: dict[str, pd.DataFrame]
    features: dict[str, pd.DataFrame]
    actuals: dict[str, pd.DataFrame]

    @staticmethod
    def loaders(partitions: dict[str, pd.DataFrame]) -> dict[str, Any]:
        return {key: (lambda frame=frame: frame.copy()) for key, frame in partitions.items()}


def stable_games() -> pd.DataFrame:
    """Production games from the training population (no drift)."""
    return universe().iloc[N_TRAINING_GAMES:].reset_index(drop=True)


def drifted_games(drift: dict[str, Any] | None = None) -> pd.DataFrame:
    """Production games with covariate drift (meta_score shift, a new platform and genre)."""
    return generate_games(DAYS * ROWS_PER_DAY, UNIVERSE_SEED + 1, drift=drift or DRIFT)


def simulate_production(
    model: UserScoreModel,
    games: pd.DataFrame,
    start: str = "2021-03-01",
    days: int = DAYS,
    seed: int = 7,
    label_rate: float = 1.0,
) -> Production:
    """Score ``games`` in ``days`` daily batches; labels arrive 7-14 days after scoring."""
    rng = np.random.default_rng(seed)
    # The generator lists base games before DLCs and ports: release them in random order.
    games = games.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    predictions, features, labels = {}, {}, []
    for offset, rows in enumerate(np.array_split(np.arange(len(games)), days)):
        day_games = games.iloc[rows]
        day = pd.Timestamp(start) + pd.Timedelta(days=offset)
        batch = to_batch_input(day_games, id_prefix=f"{day:%Y%m%d}")
        scored = build_features(parse_raw_games(batch))
        predicted = model.predict(scored)
        key = f"dt={day:%Y-%m-%d}"
        predictions[f"{key}/predictions"] = pd.DataFrame(
            {
                "id": batch["id"],
                "prediction_date": f"{day:%Y-%m-%d}",
                **{column: predicted[column] for column in predicted},
                "model_version": model.model_version,
                "features_hash": model.features_hash(scored),
            }
        )
        features[f"{key}/features"] = pd.concat([batch[["id"]], scored], axis=1)
        scores = day_games["user_score"].reset_index(drop=True)
        known = scores.notna().to_numpy() & (rng.random(len(scores)) < label_rate)
        delay = rng.integers(7, 15, size=len(scores))
        labels.append(
            pd.DataFrame(
                {
                    "id": batch["id"][known],
                    "event_date": [
                        f"{day + pd.Timedelta(days=int(d)):%Y-%m-%d}" for d in delay[known]
                    ],
                    "real_user_score": scores[known].map("{:.1f}".format),
                }
            )
        )
    actuals = {
        f"dt={event}/actuals": frame.reset_index(drop=True)
        for event, frame in pd.concat(labels).groupby("event_date")
    }
    return Production(predictions, features, actuals)


class KeptDataset(AbstractDataset):
    """Keeps what is saved: the runner releases a MemoryDataset after its last use,
    this one stays readable, so a test can read intermediate outputs."""

    def __init__(self) -> None:
        self.data: Any = None

    def load(self) -> Any:
        return self.data

    def save(self, data: Any) -> None:
        self.data = data

    def _describe(self) -> dict[str, Any]:
        return {}


def run_monitoring(
    production: Production,
    trained: Trained,
    run_date: str,
    params: MonitoringParams | None = None,
) -> DataCatalog:
    """Run the monitoring pipeline on an in-memory catalog; every output stays readable."""
    pipeline = create_pipeline()
    datasets = {name: KeptDataset() for name in pipeline.all_outputs()}
    datasets.update(
        {
            "predictions@partitions": MemoryDataset(Production.loaders(production.predictions)),
            "scored_features@partitions": MemoryDataset(Production.loaders(production.features)),
            "actuals": MemoryDataset(Production.loaders(production.actuals)),
            "reference_profile": MemoryDataset(trained.reference_profile),
            "performance_estimator": MemoryDataset(trained.estimator, copy_mode="assign"),
            "params:run_date": MemoryDataset(RunDate(run_date)),
            "params:monitoring": MemoryDataset(params or monitoring_params()),
        }
    )
    catalog = DataCatalog(datasets)
    SequentialRunner().run(pipeline, catalog)
    return catalog


def known_catalog_day(
    model: UserScoreModel, table: pd.DataFrame, n_rows: int, day: str, seed: int = 0
) -> Production:
    """One day re-scoring ``n_rows`` games drawn from the training population itself.

    The scored features are the model input rows (what scoring writes for
    them), so the day differs from the reference only by sampling: no new
    studio, no new franchise, every bucket known. No labels have arrived.
    """
    rows = table.sample(n=n_rows, random_state=seed).reset_index(drop=True)
    ids = pd.Series([f"known-{i}" for i in range(n_rows)], dtype=object)
    predicted = model.predict(rows)
    key = f"dt={day}"
    predictions = pd.DataFrame(
        {
            "id": ids,
            "prediction_date": day,
            **{column: predicted[column].to_numpy() for column in predicted},
            "model_version": model.model_version,
            "features_hash": model.features_hash(rows).to_numpy(),
        }
    )
    features = pd.concat([pd.DataFrame({"id": ids}), rows[INPUT_FEATURES]], axis=1)
    return Production({f"{key}/predictions": predictions}, {f"{key}/features": features}, {})


def trained_on(table: pd.DataFrame) -> Trained:
    """Model, reference and estimator trained on ``table`` as the training run does."""
    model, oof = train_model(table)
    params = monitoring_params()
    profile = build_reference_profile(table, model, params, RUN_STARTED_AT)
    estimator, metrics = train_performance_estimator(oof, table, params, RUN_STARTED_AT)
    return Trained(table, model, oof, profile, estimator, metrics)
