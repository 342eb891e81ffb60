"""Project hooks: atomic writes, one run per output partition, secrets kept out of logs.

Registered in ``settings.py``. The guarantees and their limits are described
in ``docs/reliability.md``.

* :class:`AtomicWritesHook` makes every local dataset write atomic (temporary
  file in the same folder, then rename): see :mod:`user_score.datasets.atomic_fs`.
* :class:`RunLockHook` takes an exclusive lock per locked output location
  (scoring's ``predictions`` for one ``run_date``, monitoring's
  ``monitoring_history``) for the whole run, so a second run that would write
  the same outputs is refused (or waits) instead of interleaving.
* :class:`SecretRedactionHook` replaces every known secret value (credentials
  config, secret-looking environment variables) in log records and in the
  message of a failing run's exception.
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
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from kedro.framework.hooks import hook_impl
from kedro.pipeline.transcoding import TRANSCODING_SEPARATOR

from user_score.catalog import dataset_location
from user_score.datasets.atomic_fs import install_atomic_writes

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------


class AtomicWritesHook:
    """Install atomic local writes before any dataset of a session is created."""

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        install_atomic_writes()

    @hook_impl
    def before_node_run(self, node: Any, catalog: Any, inputs: Any) -> None:
        # ParallelRunner workers started with "spawn" never see after_context_created.
        install_atomic_writes()


# ---------------------------------------------------------------------------
# Run locks
# ---------------------------------------------------------------------------

#: Outputs that one run at a time may write, and how long a second run waits
#: for the lock before it is refused (0: refuse at once). A name covers every
#: transcoded form of the dataset (``predictions`` locks ``predictions@csv``).
LOCKED_OUTPUTS: dict[str, float] = {
    # One scoring run per run_date: the location contains dt=YYYY-MM-DD, so
    # runs for different dates take different locks and run side by side.
    "predictions": 0.0,
    # monitoring_history is read, upserted and rewritten by every monitoring
    # run (whatever its date): runs wait for each other instead of losing rows.
    "monitoring_history": 600.0,
}


class RunLockedError(RuntimeError):
    """Another run holds the lock on an output this run would write."""


LOCK_DIR_ENV = "USER_SCORE_LOCK_DIR"


def lock_directory() -> Path:
    """Where lock files live: ``$USER_SCORE_LOCK_DIR``, else ``<system temp>/user_score-locks``.

    The default is host-wide (every project copy and environment on this host
    shares it), but host-local: point the variable at a shared volume when
    several hosts or containers write the same store.
    """
    configured = os.environ.get(LOCK_DIR_ENV)
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "user_score-locks"


def lock_file_for(dataset_name: str, location: str, lock_dir: Path) -> Path:
    """Lock file of one output location: readable partition name + a hash of the full URL."""
    partition = re.findall(r"dt=[0-9A-Za-z_-]+", location)
    label = partition[-1] if partition else "all"
    digest = hashlib.sha1(location.encode("utf-8")).hexdigest()[:10]
    return lock_dir / f"{dataset_name}.{label}.{digest}.lock"


class RunLockHook:
    """Exclusive per-location locks on :data:`LOCKED_OUTPUTS` for the duration of a run."""

    def __init__(self) -> None:
        self._held: list[FileLock] = []

    def _targets(self, pipeline: Any, catalog: Any) -> Iterator[tuple[str, str]]:
        # A transcoded output (predictions@csv) is locked under its dataset's name.
        outputs = {
            output.split(TRANSCODING_SEPARATOR)[0]: output for output in pipeline.all_outputs()
        }
        for name in sorted(LOCKED_OUTPUTS):
            if name not in outputs:
                continue
            try:
                location = dataset_location(catalog[outputs[name]]) or name
            except Exception:
                location = name
            if "://" not in location:
                location = str(Path(location).absolute())
            yield name, location

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        lock_dir = lock_directory()
        for name, location in self._targets(pipeline, catalog):
            lock_dir.mkdir(parents=True, exist_ok=True)
            path = lock_file_for(name, location, lock_dir)
            lock = FileLock(str(path))
            timeout = LOCKED_OUTPUTS[name]
            try:
                lock.acquire(timeout=timeout, blocking=timeout > 0)
            except Timeout:
                self._release_all()
                raise RunLockedError(
                    f"Refusing to run: another run is writing '{name}' at {location} "
                    f"(lock file {path}; holder: {_read_owner(path)}). Rule: one run at a "
                    f"time per output partition. Wait for it to finish and run again; the "
                    f"lock is released automatically when that process exits, even if killed."
                ) from None
            self._held.append(lock)
            _write_owner(path, run_params)
            logger.info("Locked '%s' at %s (%s)", name, location, path)

    def _release_all(self) -> None:
        while self._held:
            lock = self._held.pop()
            Path(lock.lock_file + ".owner").unlink(missing_ok=True)
            lock.release()

    @hook_impl
    def after_pipeline_run(self, run_params: Any, run_result: Any, pipeline: Any, catalog: Any):
        self._release_all()

    @hook_impl
    def on_pipeline_error(self, error: Any, run_params: Any, pipeline: Any, catalog: Any):
        self._release_all()


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


# ---------------------------------------------------------------------------
# Secret redaction
# ---------------------------------------------------------------------------

REDACTED = "***REDACTED***"
SECRET_KEY_PATTERN = re.compile(r"secret|password|passwd|token|private|key|credential", re.I)
SECRET_ENV_PATTERN = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE_KEY|ACCESS_KEY|API_KEY", re.I)
MIN_SECRET_LENGTH = 6


def _secret_values(config: Any, parent_is_secret: bool = False) -> Iterator[str]:
    if isinstance(config, dict):
        for key, value in config.items():
            yield from _secret_values(
                value, parent_is_secret or bool(SECRET_KEY_PATTERN.search(str(key)))
            )
    elif isinstance(config, list | tuple):
        for value in config:
            yield from _secret_values(value, parent_is_secret)
    elif isinstance(config, str) and parent_is_secret and len(config) >= MIN_SECRET_LENGTH:
        yield config


def environment_secrets(environ: dict[str, str] | None = None) -> set[str]:
    """Values of environment variables whose name looks secret (AWS_SECRET_ACCESS_KEY, ...)."""
    environ = os.environ if environ is None else environ
    return {
        value
        for name, value in environ.items()
        if SECRET_ENV_PATTERN.search(name) and len(value) >= MIN_SECRET_LENGTH
    }


class SecretRedactingFilter(logging.Filter):
    """Logging filter that replaces known secret values in the formatted message."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("user_score.secret_redaction")
        self.secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        self.secrets |= {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        # Longest first, so a secret containing another is replaced whole.
        self._ordered = sorted(self.secrets, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._ordered:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._ordered:
            return True
        try:
            message = record.getMessage()
        except Exception:
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


#: The one filter instance shared by every handler (so secrets added later apply everywhere).
REDACTING_FILTER = SecretRedactingFilter()


def install_secret_filter(secrets: Iterable[str]) -> SecretRedactingFilter:
    """Add ``secrets`` to the redacting filter and attach it to every current handler."""
    REDACTING_FILTER.add(secrets)
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for item in loggers:
        for handler in getattr(item, "handlers", []):
            if REDACTING_FILTER not in handler.filters:
                handler.addFilter(REDACTING_FILTER)
    return REDACTING_FILTER


def redact_exception(error: BaseException, filter_: SecretRedactingFilter) -> None:
    """Redact secrets in an exception's string arguments (and its causes), in place."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        try:
            current.args = tuple(
                filter_.redact(arg) if isinstance(arg, str) else arg for arg in current.args
            )
        except Exception:
            logger.debug("could not redact %r", type(current), exc_info=True)
        for attribute in ("message", "filename", "filename2", "location"):
            value = getattr(current, attribute, None)
            if isinstance(value, str):
                try:
                    setattr(current, attribute, filter_.redact(value))
                except Exception:
                    logger.debug("could not redact %s.%s", type(current), attribute)
        current = current.__cause__ or current.__context__


class SecretRedactionHook:
    """Collect secret values when the context starts; keep them out of logs and errors."""

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        secrets = set(environment_secrets())
        try:
            secrets |= set(_secret_values(context.config_loader["credentials"]))
        except Exception:  # no credentials configured
            logger.debug("no credentials configuration to collect secrets from")
        install_secret_filter(secrets)

    @hook_impl
    def before_pipeline_run(self, run_params: Any, pipeline: Any, catalog: Any) -> None:
        # Logging may have been (re)configured after the context was created.
        install_secret_filter(())

    # tryfirst: redact before other hooks (e.g. kedro-viz's run-status hook) record the error.
    @hook_impl(tryfirst=True)
    def on_node_error(self, error: Any, node: Any, catalog: Any, inputs: Any, is_async: Any):
        redact_exception(error, REDACTING_FILTER)

    @hook_impl(tryfirst=True)
    def on_pipeline_error(self, error: Any, run_params: Any, pipeline: Any, catalog: Any):
        redact_exception(error, REDACTING_FILTER)
