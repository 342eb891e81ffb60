"""Atomic S3 writes for the project's datasets: an object is published complete or not at all.

An S3 object appears only when its upload completes, so a *kill* never leaves
a partial object. But s3fs completes the upload in ``close()``, which a
dataset's ``with`` block calls even when the serialiser raised half-way: plain
s3fs would publish the partial content. :class:`AtomicS3FileSystem` opens
plain writes as :class:`AtomicS3File` with ``autocommit=False`` (a multipart
upload), completes the upload on a clean exit and aborts it on an exception
or when the handle is dropped unclosed.

The class is used only by the project's datasets (through
:func:`user_score.reliability.atomic_writes.atomic_filesystem`); nothing is
registered with fsspec, so other ``s3://`` users in the process keep s3fs.

Every request of this file system is bounded by the botocore configuration
of the run (``s3_fs_args.config_kwargs`` in ``conf/s3/globals.yml``: connect
and read timeouts, ``retries.total_max_attempts`` in botocore's standard mode):

* its ``retries`` is 1: s3fs does not repeat a request that botocore already
  retried;
* its client sends request bodies at once, without ``Expect: 100-continue``:
  aiohttp waits for the ``100 Continue`` answer with no timeout at all, so an
  upload to a server that accepts connections and never answers would hang
  forever (measured: a ``PutObject`` through a stalled proxy never returned,
  a ``GetObject`` failed after the read timeout; without the header both fail
  after ``attempts x read_timeout``). Only this file system's own client is
  changed (botocore's per-client event handlers), not botocore's defaults.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

from botocore.handlers import add_expect_header
from s3fs import S3FileSystem
from s3fs.core import S3File

from .atomic import AtomicTextFile, is_plain_write

logger = logging.getLogger(__name__)

_TEXT_ARGS = ("encoding", "errors", "newline")


class AtomicS3File(S3File):
    """S3 write handle: upload parts as usual, complete only if nothing failed."""

    _abort = False

    def discard(self) -> None:
        """Abandon the write: abort the multipart upload; the previous object stays."""
        self._abort = True
        self.close()

    def close(self) -> None:
        """Upload what is buffered and complete the upload, unless the write was aborted."""
        if self.closed:
            return
        if self._abort:
            with suppress(Exception):
                S3File.discard(self)  # abort the multipart upload
            self.closed = True
            return
        try:
            super().close()  # uploads the remaining parts; autocommit=False: no commit
            self.commit()
        except BaseException:
            with suppress(Exception):
                S3File.discard(self)
            raise

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is not None:
            self._abort = True
        self.close()

    def __del__(self) -> None:
        # Never publish an object nobody closed: an unclosed handle is an aborted write.
        with suppress(Exception):
            if not self.closed:
                self.discard()


class AtomicS3FileSystem(S3FileSystem):
    """``S3FileSystem`` whose plain write-mode ``open`` publishes only complete objects.

    Other modes, compressed writes and writes inside an fsspec transaction keep
    s3fs's behaviour.
    """

    atomic_writes = True
    retries = 1  # botocore's standard retries are the one retry layer (see the module doc)

    async def set_session(self, refresh: bool = False, kwargs: Any = None) -> Any:
        """s3fs's client, made to send request bodies without ``Expect: 100-continue``."""
        client = await super().set_session(refresh=refresh, kwargs=kwargs or {})
        client.meta.events.unregister("before-call.s3", add_expect_header)
        return client

    def open(
        self,
        path: str,
        mode: str = "rb",
        block_size: Any = None,
        cache_options: Any = None,
        compression: Any = None,
        **kwargs: Any,
    ) -> Any:
        if not is_plain_write(self, mode, compression, kwargs):
            return super().open(
                path,
                mode=mode,
                block_size=block_size,
                cache_options=cache_options,
                compression=compression,
                **kwargs,
            )
        text_kwargs = {name: kwargs.pop(name) for name in _TEXT_ARGS if name in kwargs}
        handle = self._atomic_handle(self._strip_protocol(path), block_size, **kwargs)
        if "b" in mode:
            return handle
        return AtomicTextFile(handle, **text_kwargs)

    def _atomic_handle(self, path: str, block_size: Any, **kwargs: Any) -> AtomicS3File:
        """An :class:`AtomicS3File` with the options s3fs's own ``_open`` would give it."""
        kwargs.pop("autocommit", None)
        acl = (
            kwargs.pop("acl", False)
            or self.s3_additional_kwargs.get("ACL", False)
            or self.s3_additional_kwargs.get("acl", False)
        )
        requester_pays = kwargs.pop("requester_pays", None)
        return AtomicS3File(
            self,
            path,
            "wb",
            block_size=block_size or self.default_block_size,
            acl=acl,
            s3_additional_kwargs={**self.s3_additional_kwargs, **kwargs},
            autocommit=False,
            requester_pays=self.requester_pays if requester_pays is None else requester_pays,
        )
