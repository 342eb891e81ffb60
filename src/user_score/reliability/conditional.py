"""Conditional writes: replace an object only if it is still the version that was read.

S3 offers compare-and-swap on one object: ``If-None-Match: *`` creates it only
if it is absent, ``If-Match: <etag>`` replaces it only if its ETag is still the
one read; otherwise the store answers ``412 PreconditionFailed`` (AWS also
``409 ConditionalRequestConflict`` when two such writes race). The primitives
here use s3fs's public ``call_s3`` (botocore's ``PutObject``/``GetObject``/
``DeleteObject`` with ``IfMatch``/``IfNoneMatch``):

* :func:`get_object`, :func:`put_object`, :func:`delete_object` -- one object,
  its ETag and the server's clock; a failed precondition raises
  :class:`PreconditionFailed`.
* :func:`update_object` -- read-modify-write without lost updates: read the
  object and its ETag, compute the new content, write it with ``If-Match``
  (``If-None-Match: *`` when it was absent), and on a conflict start again
  from a fresh read, a bounded number of times. On a local file system the
  same read-modify-write runs under an exclusive ``flock`` of the file's
  folder (one host), and the write is atomic (temp file + rename).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from fsspec.asyn import sync
from fsspec.implementations.local import LocalFileSystem

from user_score.exceptions import exception_chain as _causes

from .atomic import AtomicLocalFile

logger = logging.getLogger(__name__)

#: Error codes meaning "the object is not the version the condition named".
PRECONDITION_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})


class PreconditionFailed(Exception):
    """The object changed (or appeared, or vanished) since it was read."""


class ConcurrentUpdateError(RuntimeError):
    """An object kept changing under a read-modify-write; it was not written."""


@dataclasses.dataclass(frozen=True)
class S3Object:
    """One object as read: content, version and the clocks that matter."""

    content: bytes
    etag: str
    last_modified: datetime  # server clock: when this version was written
    server_time: datetime  # server clock: when it was read


def is_precondition_failure(exc: BaseException) -> bool:
    """True if ``exc`` (or a cause) is S3's answer to a failed ``If-Match``/``If-None-Match``."""
    for cause in _causes(exc):
        response = getattr(cause, "response", None)
        if not isinstance(response, dict):
            continue
        code = str((response.get("Error") or {}).get("Code", ""))
        status = str((response.get("ResponseMetadata") or {}).get("HTTPStatusCode", ""))
        if code in PRECONDITION_CODES or status in {"412", "409"}:
            return True
    return False


def server_time(response: dict[str, Any] | None) -> datetime:
    """The server's clock from a response's ``Date`` header (else this machine's, in UTC)."""
    headers = ((response or {}).get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    with contextlib.suppress(TypeError, ValueError, IndexError):
        if headers.get("date"):
            return parsedate_to_datetime(headers["date"]).astimezone(UTC)
    return datetime.now(UTC)


def _error_response(exc: BaseException) -> dict[str, Any] | None:
    for cause in _causes(exc):
        response = getattr(cause, "response", None)
        if isinstance(response, dict):
            return response
    return None


def _bucket_key(fs: Any, path: str) -> tuple[str, str]:
    bucket, key, _ = fs.split_path(path)
    return bucket, key


async def _read_body(body: Any) -> bytes:
    async with body as stream:
        return await stream.read()


def get_object(fs: Any, path: str) -> S3Object | None:
    """The object at ``path`` with its ETag (one request: content and ETag agree), or None."""
    bucket, key = _bucket_key(fs, path)
    try:
        response = fs.call_s3("get_object", Bucket=bucket, Key=key)
    except FileNotFoundError:
        return None
    content = sync(fs.loop, _read_body, response["Body"])
    return S3Object(
        content=content,
        etag=response["ETag"],
        last_modified=response["LastModified"].astimezone(UTC),
        server_time=server_time(response),
    )


def put_object(
    fs: Any, path: str, content: bytes, *, if_match: str | None = None, if_absent: bool = False
) -> tuple[str, datetime]:
    """Write ``content`` if the ETag is ``if_match`` (or if absent); the new ETag and server time.

    Raises :class:`PreconditionFailed` (with the server's time as ``server_time``)
    when the condition does not hold.
    """
    bucket, key = _bucket_key(fs, path)
    condition: dict[str, str] = {}
    if if_match is not None:
        condition["IfMatch"] = if_match
    elif if_absent:
        condition["IfNoneMatch"] = "*"
    try:
        response = fs.call_s3("put_object", Bucket=bucket, Key=key, Body=content, **condition)
    except (FileExistsError, OSError) as exc:
        if condition and (isinstance(exc, FileExistsError) or is_precondition_failure(exc)):
            failure = PreconditionFailed(f"{path}: {condition} does not hold")
            failure.server_time = server_time(_error_response(exc))  # type: ignore[attr-defined]
            raise failure from exc
        raise
    finally:
        fs.invalidate_cache(path)
    return response["ETag"], server_time(response)


def delete_object(fs: Any, path: str, *, if_match: str) -> None:
    """Delete the object only if its ETag is still ``if_match``.

    A store without conditional deletes (``NotImplemented``) gets a read, a
    comparison and a plain delete instead (a small window, logged at debug).
    """
    bucket, key = _bucket_key(fs, path)
    try:
        fs.call_s3("delete_object", Bucket=bucket, Key=key, IfMatch=if_match)
    except FileNotFoundError:
        return
    except OSError as exc:
        if is_precondition_failure(exc):
            raise PreconditionFailed(f"{path} changed: not deleted") from exc
        response = _error_response(exc) or {}
        if (response.get("Error") or {}).get("Code") not in {"NotImplemented", "501"}:
            raise
        logger.debug("conditional delete not supported: read, compare, delete %s", path)
        current = get_object(fs, path)
        if current is None:
            return
        if current.etag != if_match:
            raise PreconditionFailed(f"{path} changed: not deleted") from exc
        fs.call_s3("delete_object", Bucket=bucket, Key=key)
    finally:
        fs.invalidate_cache(path)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``folder`` (this host's writers of files in it take turns)."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _update_local(fs: LocalFileSystem, path: str, change: Callable[[bytes | None], bytes]) -> None:
    target = Path(fs._strip_protocol(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    with _folder_lock(target.parent):
        current = target.read_bytes() if target.exists() else None
        with AtomicLocalFile(str(target)) as handle:
            handle.write(change(current))


def update_object(
    fs: Any,
    path: str,
    change: Callable[[bytes | None], bytes],
    *,
    attempts: int = 5,
    backoff_s: float = 0.2,
) -> int:
    """Read-modify-write ``path`` without losing a concurrent update; the attempts it took.

    ``change(current)`` gets the current content (None: absent) and returns the
    new one; it may be called more than once (once per attempt) and must not
    have side effects. S3: compare-and-swap on the ETag, at most ``attempts``
    times with a jittered, growing pause; then :class:`ConcurrentUpdateError`.
    Local files: under an exclusive lock of the folder, so one attempt.
    """
    if isinstance(fs, LocalFileSystem):
        _update_local(fs, path, change)
        return 1
    for attempt in range(1, attempts + 1):
        current = get_object(fs, path)
        new = change(None if current is None else current.content)
        try:
            if current is None:
                put_object(fs, path, new, if_absent=True)
            else:
                put_object(fs, path, new, if_match=current.etag)
        except PreconditionFailed:
            logger.info(
                "%s changed while it was updated (attempt %d of %d)", path, attempt, attempts
            )
            time.sleep(backoff_s * attempt * (0.5 + random.random()))
            continue
        return attempt
    raise ConcurrentUpdateError(
        f"{path} changed under every one of {attempts} read-modify-write attempts; nothing "
        "was written. Another run is updating it at the same time: run again."
    )
