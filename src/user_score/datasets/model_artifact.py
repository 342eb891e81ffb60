"""``ModelArtifactDataset``: a pickled model whose SHA-256 is recorded on save and checked on load.

kedro-datasets' ``PickleDataset`` loads whatever bytes are at its path. For
the model that scoring runs every night that is not enough: a truncated copy,
a half-synced file or a replaced file must stop scoring with an error that
names the file, not unpickle garbage (or worse, run code from a foreign
pickle). This dataset

* serialises the model once in memory, writes ``<file>.sha256`` (the
  ``sha256sum`` format: ``<hex>  <name>``) and then the model file, both
  atomically (see :mod:`user_score.reliability.atomic`); with ``versioned:
  true`` both live in the version folder, and a version whose model file was
  never completed is ignored by Kedro's "latest version" lookup;
* on load reads the bytes, compares their SHA-256 with the sidecar *before*
  unpickling, and raises :class:`ModelIntegrityError` naming the file on a
  mismatch or a missing sidecar.

A checksum stored next to the file detects corruption and accidental
replacement; it is not a signature: someone who can write the model folder can
write both files. Model files are pickles — load them only from the project's
own model store (see ``docs/reliability.md``).
"""

from __future__ import annotations

import hashlib
import importlib
import io
from typing import Any

from kedro.io.core import DatasetError, get_filepath_str
from kedro_datasets.pickle import PickleDataset

from user_score.reliability.atomic_writes import AtomicWrites

CHECKSUM_SUFFIX = ".sha256"


class ModelIntegrityError(DatasetError):
    """The model file does not match the SHA-256 recorded when it was saved."""


def sha256_hex(payload: bytes) -> str:
    """Hex SHA-256 of ``payload``."""
    return hashlib.sha256(payload).hexdigest()


class ModelArtifactDataset(AtomicWrites, PickleDataset):
    """Versionable ``PickleDataset`` with a SHA-256 sidecar written on save, verified on load.

    Example catalog entry::

        model:
          type: user_score.datasets.ModelArtifactDataset
          filepath: ${globals:root}/06_models/model.pkl
          versioned: true
    """

    def _checksum_path(self, path: str) -> str:
        return path + CHECKSUM_SUFFIX

    def _location(self, path: str) -> str:
        if self._protocol in ("file", "local") or "://" in path:
            return path
        return f"{self._protocol}://{path}"

    def save(self, data: Any) -> None:
        save_path = get_filepath_str(self._get_save_path(), self._protocol)
        buffer = io.BytesIO()
        try:
            backend = importlib.import_module(self._backend)
            backend.dump(data, buffer, **self._save_args)  # type: ignore[attr-defined]
        except Exception as exc:
            raise DatasetError(f"{data.__class__} was not serialised due to: {exc}") from exc
        payload = buffer.getvalue()
        name = save_path.rsplit("/", 1)[-1]
        # Sidecar first: a crash between the two writes leaves no model file,
        # so the incomplete version is invisible to "load the latest version".
        with self._fs.open(self._checksum_path(save_path), mode="w", encoding="ascii") as sidecar:
            sidecar.write(f"{sha256_hex(payload)}  {name}\n")
        with self._fs.open(save_path, **self._fs_open_args_save) as fs_file:
            fs_file.write(payload)
        self._invalidate_cache()

    def load(self) -> Any:
        load_path = get_filepath_str(self._get_load_path(), self._protocol)
        location = self._location(load_path)
        checksum_path = self._checksum_path(load_path)
        rule = (
            "Rule: the model file must be byte-for-byte the one training saved, next to "
            f"its '{CHECKSUM_SUFFIX}' file; retrain or restore both files from the project's "
            "model store (model files are pickles: never load one from elsewhere)."
        )
        if not self._fs.exists(checksum_path):
            raise ModelIntegrityError(
                f"Model integrity check failed for {location}: the checksum file "
                f"{self._location(checksum_path)} is missing, so the model cannot be "
                f"verified. {rule}"
            )
        with self._fs.open(checksum_path, mode="r", encoding="ascii") as sidecar:
            recorded = sidecar.read().split()[:1]
        with self._fs.open(load_path, **self._fs_open_args_load) as fs_file:
            payload = fs_file.read()
        actual = sha256_hex(payload)
        if not recorded or recorded[0].lower() != actual:
            expected = recorded[0] if recorded else "<empty checksum file>"
            raise ModelIntegrityError(
                f"Model integrity check failed for {location}: SHA-256 of the file is "
                f"{actual} ({len(payload)} bytes) but {expected} was recorded when it was "
                f"saved; the file was truncated, corrupted or replaced. {rule}"
            )
        backend = importlib.import_module(self._backend)
        return backend.load(io.BytesIO(payload), **self._load_args)  # type: ignore[attr-defined]
