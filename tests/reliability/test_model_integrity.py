"""Model integrity: SHA-256 recorded on save, verified on load; tampering stops the run."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from kedro.io import Version

from user_score.catalog import ContractDataCatalog, DatasetReadError
from user_score.datasets import ModelArtifactDataset, ModelIntegrityError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MODELS_CATALOG = PROJECT_ROOT / "conf/base/catalog_06_models.yml"


class TinyModel:
    """A stand-in for UserScoreModel (pickled by reference to this module)."""

    def __init__(self, weight: float) -> None:
        self.weight = weight

    def predict(self, value: float) -> float:
        return self.weight * value


def _versioned(folder: Path) -> ModelArtifactDataset:
    return ModelArtifactDataset(filepath=str(folder / "model.pkl"), version=Version(None, None))


def _latest_files(folder: Path) -> tuple[Path, Path]:
    version = sorted((folder / "model.pkl").iterdir())[-1]
    return version / "model.pkl", version / "model.pkl.sha256"


def test_save_records_the_sha256_in_sha256sum_format(tmp_path):
    _versioned(tmp_path).save(TinyModel(2.0))
    model_file, sidecar = _latest_files(tmp_path)
    digest, name = sidecar.read_text().split()
    assert digest == hashlib.sha256(model_file.read_bytes()).hexdigest()
    assert name == "model.pkl"
    assert _versioned(tmp_path).load().predict(3.0) == 6.0


@pytest.mark.parametrize(
    "damage",
    ["truncated", "one byte flipped", "replaced by another pickle", "checksum missing", "empty"],
)
def test_a_damaged_model_stops_loading_with_an_error_naming_the_file(damage, tmp_path):
    _versioned(tmp_path).save(TinyModel(2.0))
    model_file, sidecar = _latest_files(tmp_path)
    payload = model_file.read_bytes()
    if damage == "truncated":
        model_file.write_bytes(payload[: len(payload) // 2])
    elif damage == "one byte flipped":
        model_file.write_bytes(payload[:-3] + bytes([payload[-3] ^ 0xFF]) + payload[-2:])
    elif damage == "replaced by another pickle":
        ModelArtifactDataset(filepath=str(tmp_path / "other.pkl")).save(TinyModel(-1.0))
        model_file.write_bytes((tmp_path / "other.pkl").read_bytes())
    elif damage == "checksum missing":
        sidecar.unlink()
    elif damage == "empty":
        model_file.write_bytes(b"")

    with pytest.raises(ModelIntegrityError) as caught:
        _versioned(tmp_path).load()
    message = str(caught.value)
    assert str(model_file) in message  # names the file
    assert "integrity check failed" in message
    assert "sha256" in message.lower()


def test_the_check_happens_before_unpickling(tmp_path, monkeypatch):
    """A tampered file is never handed to pickle (which could run its code)."""
    _versioned(tmp_path).save(TinyModel(2.0))
    model_file, _ = _latest_files(tmp_path)
    model_file.write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")
    calls = []
    monkeypatch.setattr("pickle.load", lambda *a, **k: calls.append(a))
    with pytest.raises(ModelIntegrityError):
        _versioned(tmp_path).load()
    assert calls == []


def test_an_interrupted_versioned_save_is_invisible_to_load(tmp_path, monkeypatch):
    dataset = _versioned(tmp_path)
    dataset.save(TinyModel(1.0))
    # The next save dies between the checksum and the model file.
    real_open = dataset._fs.open

    def failing_open(path, mode="rb", **kwargs):
        if str(path).endswith("model.pkl") and "w" in mode:
            raise OSError("killed (injected)")
        return real_open(path, mode=mode, **kwargs)

    second = _versioned(tmp_path)
    monkeypatch.setattr(second._fs, "open", failing_open)
    with pytest.raises(Exception, match="injected"):
        second.save(TinyModel(5.0))
    monkeypatch.undo()
    assert _versioned(tmp_path).load().weight == 1.0  # the previous complete version


def test_the_catalog_model_entries_are_checksummed():
    entries = yaml.safe_load(MODELS_CATALOG.read_text())
    assert entries["model"]["type"] == "user_score.datasets.ModelArtifactDataset"
    assert entries["model"].get("versioned") is True
    pickles = [
        name for name, entry in entries.items() if "pickle" in str(entry.get("type", "")).lower()
    ]
    assert pickles == [], f"unverified pickle datasets: {pickles}"


def test_through_the_project_catalog_the_error_names_dataset_and_file(tmp_path):
    entry = dict(yaml.safe_load(MODELS_CATALOG.read_text())["model"])
    entry["filepath"] = str(tmp_path / "06_models" / "model.pkl")
    catalog = ContractDataCatalog.from_config({"model": entry})
    catalog.save("model", TinyModel(3.0))
    model_file, _ = _latest_files(tmp_path / "06_models")
    model_file.write_bytes(model_file.read_bytes()[:-10])
    fresh = ContractDataCatalog.from_config({"model": entry})
    with pytest.raises(DatasetReadError) as caught:
        fresh.load("model")
    message = str(caught.value)
    assert "'model'" in message
    assert str(model_file) in message
    assert "integrity check failed" in message
