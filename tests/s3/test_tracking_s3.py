"""Tracking in the ``s3`` environment: run artifacts and registered versions in the bucket.

A tracked training run (``--env s3``) on a clone of the session's default S3
run (its model input table) writes the run's artifacts and the registered
model version under ``<S3 root>/mlflow/artifacts``; the tracking store stays
a local sqlite file (conf/s3/mlflow.yml).
"""

from __future__ import annotations

import pytest

from tests.conftest import run_session
from tests.s3.conftest import TINY_TRAINING_PARAMS, DefaultRun, clone_prefix, make_s3_run
from tools.local_s3 import LocalS3
from user_score.reliability.storage import clear_s3_instances

pytest.importorskip("kedro_mlflow", reason="the tracking extra is not installed")
mlflow = pytest.importorskip("mlflow")

pytestmark = [pytest.mark.s3, pytest.mark.slow]


def test_a_tracked_training_run_under_env_s3_stores_its_artifacts_in_the_bucket(
    s3_default_run: DefaultRun, s3_server: LocalS3, monkeypatch, tmp_path
):
    source = s3_default_run.s3
    s3 = make_s3_run(s3_server, monkeypatch, tmp_path)
    assert clone_prefix(source.server, source.prefix, s3.server, s3.prefix) > 20
    monkeypatch.setenv("USER_SCORE_TRACKING", "on")
    clear_s3_instances()
    run_session(s3.project, "training", TINY_TRAINING_PARAMS, env="s3")

    artifacts = {
        key: size for key, size in s3.objects().items() if key.startswith("mlflow/artifacts/")
    }
    names = {key.rsplit("/", 1)[-1] for key in artifacts}
    # the run's artifacts ...
    assert {"model_card.md", "training_metrics.json", "protocol_comparison.html"} <= names
    # ... and the registered version's three files (pickles with their checksums)
    assert {"model.pkl", "model.pkl.sha256", "reference_profile.json"} <= names
    assert {"performance_estimator.pkl", "MLmodel"} <= names
    assert all(size > 0 for size in artifacts.values())
    # nothing of it on the local disk: only the tracking store is local
    local = s3.project / "data" / "mlflow"
    assert sorted(path.name for path in local.iterdir()) == ["mlflow_s3.db"]

    client = mlflow.tracking.MlflowClient(tracking_uri=f"sqlite:///{local / 'mlflow_s3.db'}")
    (version,) = client.search_model_versions("name='user_score'")
    run = client.get_run(version.run_id)
    assert run.info.artifact_uri.startswith(f"{s3.root}/mlflow/artifacts/")
    assert run.data.tags["registered_model_version"] == str(version.version) == "1"
