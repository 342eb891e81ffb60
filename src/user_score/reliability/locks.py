"""Host-local run locks: one run at a time per output location on this host.

A :class:`FileRunLock` is an exclusive ``filelock`` (``fcntl.flock``) on
``<lock folder>/<dataset>.<dt=...>.<hash of the location>.lock``, held for the
whole run. The kernel releases it when the process dies, so a killed run never
leaves a stale lock. A second run is refused at once, or waits up to
``wait_s`` seconds, and is told who holds the lock (from the ``.owner`` note
the holder wrote).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

logger = logging.getLogger(__name__)

LOCK_DIR_ENV = "USER_SCORE_LOCK_DIR"


class RunLockedError(RuntimeError):
    """Another run holds the lock on an output this run would write."""


def lock_directory() -> Path:
    """Where lock files live: ``$USER_SCORE_LOCK_DIR``, else ``<system temp>/user_score-locks``.

    The default is host-wide (every project copy and environment on this host
    shares it), but host-local.
    """
    configured = os.environ.get(LOCK_DIR_ENV)
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "user_score-locks"


def lock_file_for(dataset_name: str, location: str, lock_dir: Path) -> Path:
    """Lock file of one output location: readable partition name + a hash of the full URL."""
    partition = re.findall(r"dt=[0-9A-Za-z_-]+", location)
    label = partition[-1] if partition else "all"
    digest = hashlib.sha1(location.encode("utf-8")).hexdigest()[:10]
    return lock_dir / f"{dataset_name}.{label}.{digest}.lock"


class FileRunLock:
    """An exclusive lock on one output location of this host, for the duration of a run."""

    def __init__(self, dataset: str, location: str, wait_s: float) -> None:
        self.dataset = dataset
        self.location = location
        self.wait_s = wait_s
        self.path: Path | None = None
        self._lock: FileLock | None = None

    def acquire(self, run_params: dict[str, Any]) -> None:
        """Take the lock (waiting up to ``wait_s``), or raise :class:`RunLockedError`."""
        lock_dir = lock_directory()
        lock_dir.mkdir(parents=True, exist_ok=True)
        path = lock_file_for(self.dataset, self.location, lock_dir)
        lock = FileLock(str(path))
        try:
            lock.acquire(timeout=self.wait_s, blocking=self.wait_s > 0)
        except Timeout:
            raise RunLockedError(
                f"Refusing to run: another run is writing '{self.dataset}' at {self.location} "
                f"(lock file {path}; holder: {_read_owner(path)}). Rule: one run at a "
                f"time per output partition. Wait for it to finish and run again; the "
                f"lock is released automatically when that process exits, even if killed."
            ) from None
        self.path, self._lock = path, lock
        _write_owner(path, run_params)
        logger.info("Locked '%s' at %s (%s)", self.dataset, self.location, path)

    def release(self) -> None:
        """Release the lock and remove the owner note (idempotent)."""
        if self._lock is None or self.path is None:
            return
        Path(str(self.path) + ".owner").unlink(missing_ok=True)
        self._lock.release()
        self._lock = None


def _write_owner(lock_path: Path, run_params: dict[str, Any]) -> None:
    owner = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "session_id": run_params.get("session_id"),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    try:
        Path(str(lock_path) + ".owner").write_text(json.dumps(owner), encoding="utf-8")
    except OSError:
        logger.debug("could not write lock owner file for %s", lock_path, exc_info=True)


def _read_owner(lock_path: Path) -> str:
    try:
        return Path(str(lock_path) + ".owner").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
