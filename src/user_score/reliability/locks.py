"""Host-local run locks: one run at a time per output location on this host.

A :class:`FileRunLock` is an exclusive ``filelock`` (``fcntl.flock``) on
``<lock folder>/<dataset>.<dt=...>.<hash of the location>.lock``, held for the
whole run. The kernel releases it when the process dies, so a killed run never
leaves a stale lock. A second run is refused at once, or waits up to
``wait_s`` seconds, and is told who holds the lock (from the ``.owner`` note
the holder wrote).

The default lock folder is private to the user (``<system temp>/user_score-locks-<uid>``,
mode 0700, checked to be a real folder owned by the user), so another local
user cannot plant links in it. Lock files (``filelock``) and owner notes are
opened without following links (``O_NOFOLLOW``), the note created exclusively
(``O_EXCL``, mode 0600): a link where the note goes is replaced, never written
through.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

logger = logging.getLogger(__name__)

LOCK_DIR_ENV = "USER_SCORE_LOCK_DIR"


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class RunLockedError(RuntimeError):
    """Another run holds the lock on an output this run would write."""


class LockFolderError(RuntimeError):
    """The default lock folder is not a private folder of this user."""


def lock_directory() -> Path:
    """Lock folder: ``$USER_SCORE_LOCK_DIR``, else ``<system temp>/user_score-locks-<uid>``.

    The default is shared by every project copy and environment of this user on
    this host, and host-local.
    """
    configured = os.environ.get(LOCK_DIR_ENV)
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"user_score-locks-{os.getuid()}"


def prepare_lock_directory(lock_dir: Path) -> Path:
    """Create ``lock_dir`` (mode 0700) if missing; the default one must be the user's own.

    The default folder sits in the shared system temp folder, where another
    user could have created it first: it must be a real folder (not a link)
    owned by this user, and is made 0700 if it is more open. A folder set with
    ``$USER_SCORE_LOCK_DIR`` is the operator's choice and is used as it is.
    """
    lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.environ.get(LOCK_DIR_ENV):
        return lock_dir
    info = lock_dir.lstat()
    hint = f"Remove it, or set {LOCK_DIR_ENV} to a folder of your own."
    if not stat.S_ISDIR(info.st_mode):
        raise LockFolderError(f"The lock folder {lock_dir} is not a real folder (a link?). {hint}")
    if info.st_uid != os.getuid():
        raise LockFolderError(
            f"The lock folder {lock_dir} is owned by uid {info.st_uid}, not by you "
            f"(uid {os.getuid()}). {hint}"
        )
    if stat.S_IMODE(info.st_mode) & 0o077:
        lock_dir.chmod(0o700)
    return lock_dir


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
        lock_dir = prepare_lock_directory(lock_directory())
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
    """Write the owner note as a new file of its own: never through a link or into another file."""
    owner = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "session_id": run_params.get("session_id"),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    path = Path(str(lock_path) + ".owner")
    try:
        # A stale note, or a planted link: the link itself goes, never its target.
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    except OSError:
        logger.debug("could not write lock owner file for %s", lock_path, exc_info=True)
        return
    with os.fdopen(fd, "w", encoding="utf-8") as note:
        note.write(json.dumps(owner))


def _read_owner(lock_path: Path) -> str:
    try:
        # no link followed; a planted FIFO does not block the read
        flags = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(Path(str(lock_path) + ".owner"), flags)
    except OSError:
        return "unknown"
    with os.fdopen(fd, encoding="utf-8") as note:
        return note.read(4096)
