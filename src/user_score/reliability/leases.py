"""Run leases on S3: one run at a time per (dataset, day), across machines.

A lease is one small JSON object next to the data it guards
(``<output location>.lease``, e.g. ``prod/predictions/dt=2021-03-01/predictions.csv.lease``)
naming its holder (host, pid, user, Kedro session), when it started, when it
was last renewed and until when it is valid. All transitions are conditional
writes (:mod:`.conditional`), so two runs never both take it, and a holder
that stops renewing fences itself off before the store considers its lease
expired:

* **acquire** -- create the object with ``If-None-Match: *``. If it exists:
  an *expired* lease (not renewed for ``ttl_s``, judged on the server's own
  clock: ``Date`` of the answer minus the object's ``LastModified``) is taken
  over with ``If-Match`` on its ETag; a lease whose holder has stopped renewing
  (silent for more than two renewal periods, plus the timestamps' resolution)
  is waited out, at most until it expires; a live lease refuses the run with
  :class:`LeaseHeldError`, naming the holder and until when the lease is valid.
* **renew** -- every ``renew_every_s``, rewrite it with ``If-Match`` on the
  ETag this run wrote. A precondition failure means another run took it over:
  the lease is lost.
* **check** (the fence) -- before every dataset save: raise
  :class:`LeaseLostError` if the lease was lost, or if no renewal has
  succeeded for ``ttl_s`` minus a safety margin (another run may consider it
  expired). So a run cut off from the store, or paused, writes nothing more.
* **release** -- delete it with ``If-Match`` when the run ends, successful or
  not. If the store cannot be reached the lease is left to expire (logged).

A process killed outright (``SIGKILL``, a lost container) cannot release: its
lease expires ``ttl_s`` after its last renewal and the next run takes it over
(waiting for that moment if it starts earlier).
"""

from __future__ import annotations

import dataclasses
import getpass
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from . import conditional
from .conditional import PreconditionFailed

logger = logging.getLogger(__name__)

LEASE_SUFFIX = ".lease"
#: Safety margin (a share of ``ttl_s``) by which a holder considers its own lease
#: expired before the store does (clock rates, request latency).
FENCE_MARGIN = 0.2
#: How many times acquire re-examines a lease that changed under it.
MAX_ACQUIRE_ROUNDS = 10
#: Resolution of S3 timestamps (``Date``, ``LastModified``): whole seconds.
CLOCK_RESOLUTION_S = 2.0


class LeaseHeldError(RuntimeError):
    """Another run holds the lease on an output this run would write."""


class LeaseLostError(RuntimeError):
    """This run no longer holds its lease (taken over, or not renewed in time): it must stop."""


@dataclasses.dataclass(frozen=True)
class LeaseSettings:
    """How long a lease lives without renewal, and how often its holder renews it."""

    ttl_s: float = 60.0
    renew_every_s: float = 20.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> LeaseSettings:
        """From the ``run_lease`` entry of ``globals.yml`` (defaults where absent)."""
        config = dict(config or {})
        settings = cls(
            ttl_s=float(config.get("ttl_s", cls.ttl_s)),
            renew_every_s=float(config.get("renew_every_s", cls.renew_every_s)),
        )
        if not 0 < settings.renew_every_s * 2 < settings.ttl_s:
            raise ValueError(
                f"run_lease: renew_every_s ({settings.renew_every_s}) must be positive and less "
                f"than half of ttl_s ({settings.ttl_s}), so a lease is renewed before it expires"
            )
        return settings


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def holder_identity(run_params: Mapping[str, Any]) -> dict[str, Any]:
    """Who is running: host, process, user, Kedro session and pipelines."""
    try:
        user = getpass.getuser()
    except Exception:
        user = str(os.getuid())
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "user": user,
        "session_id": run_params.get("session_id"),
        "pipelines": run_params.get("pipeline_names"),
    }


def _describe_holder(body: Mapping[str, Any]) -> str:
    holder = body.get("holder") or {}
    parts = [
        f"host {holder.get('host', '?')}",
        f"pid {holder.get('pid', '?')}",
        f"session {holder.get('session_id', '?')}",
    ]
    return ", ".join(parts)


class S3Lease:
    """The lease of one run on one output location (see the module documentation)."""

    def __init__(
        self,
        fs: Any,
        dataset: str,
        location: str,
        settings: LeaseSettings,
        holder: Mapping[str, Any],
    ) -> None:
        self.fs = fs
        self.dataset = dataset
        self.location = location
        self.url = location + LEASE_SUFFIX
        self.settings = settings
        self.holder = dict(holder)
        self._etag: str | None = None
        self._started: datetime | None = None
        self._renewed_mono = 0.0  # monotonic time a successful write of the lease was sent
        self._lost: str | None = None
        self._lock = threading.Lock()

    # -- the object -----------------------------------------------------------------

    def _body(self, now: datetime) -> bytes:
        started = self._started or now
        return json.dumps(
            {
                "dataset": self.dataset,
                "location": self.location,
                "holder": self.holder,
                "started": _iso(started),
                "renewed": _iso(now),
                "expires": _iso(now + timedelta(seconds=self.settings.ttl_s)),
                "ttl_s": self.settings.ttl_s,
                "renew_every_s": self.settings.renew_every_s,
            },
            indent=1,
        ).encode("utf-8")

    def _write(self, *, if_match: str | None = None, if_absent: bool = False) -> None:
        sent = time.monotonic()
        etag, server_now = conditional.put_object(
            self.fs,
            self.url,
            self._body(datetime.now(UTC)),
            if_match=if_match,
            if_absent=if_absent,
        )
        self._started = self._started or server_now
        self._etag, self._renewed_mono, self._lost = etag, sent, None

    @property
    def held(self) -> bool:
        """Whether this run holds the lease (acquired, not released, not lost)."""
        return self._etag is not None and self._lost is None

    # -- acquire --------------------------------------------------------------------

    def acquire(self) -> None:
        """Take the lease, or raise :class:`LeaseHeldError` naming its holder."""
        waited_until = time.monotonic() + self.settings.ttl_s + self.settings.renew_every_s
        for _ in range(MAX_ACQUIRE_ROUNDS):
            try:
                self._write(if_absent=True)
                logger.info("Leased '%s' at %s (%s)", self.dataset, self.location, self.url)
                return
            except PreconditionFailed:
                pass
            current = conditional.get_object(self.fs, self.url)
            if current is None:  # released in between: try again
                continue
            try:
                body = json.loads(current.content)
            except ValueError:
                body = {}
            ttl = float(body.get("ttl_s") or self.settings.ttl_s)
            renew_every = float(body.get("renew_every_s") or self.settings.renew_every_s)
            age = (current.server_time - current.last_modified).total_seconds()
            valid_until = current.last_modified + timedelta(seconds=ttl)
            if age >= ttl:
                try:
                    self._write(if_match=current.etag)
                except PreconditionFailed:
                    continue  # renewed or taken by someone else meanwhile: look again
                logger.warning(
                    "Took over the expired lease %s of '%s' (held by %s, expired %s)",
                    self.url,
                    self.dataset,
                    _describe_holder(body),
                    _iso(valid_until),
                )
                return
            remaining = ttl - age
            silent = age > 2 * renew_every + CLOCK_RESOLUTION_S
            if silent and time.monotonic() + remaining <= waited_until:
                logger.warning(
                    "The lease %s of '%s' (%s) has not been renewed for %.0f s: waiting %.0f s "
                    "for it to expire",
                    self.url,
                    self.dataset,
                    _describe_holder(body),
                    age,
                    remaining,
                )
                time.sleep(remaining + 1.0)
                continue
            raise LeaseHeldError(
                f"Refusing to run: another run is writing '{self.dataset}' at {self.location}: "
                f"lease {self.url} held by {_describe_holder(body)} since "
                f"{body.get('started', '?')}, last renewed {age:.0f} s ago, valid until "
                f"{_iso(valid_until)} (store time). Rule: one run at a time per output "
                "partition. Wait for it to finish and run again; if that run died, its lease "
                f"expires {ttl:.0f} s after its last renewal and the next run takes it over."
            )
        raise LeaseHeldError(
            f"Refusing to run: the lease {self.url} of '{self.dataset}' kept changing while "
            "this run tried to take it; another run is starting on the same output."
        )

    # -- renew, check, release -----------------------------------------------------------

    def renew(self) -> None:
        """Extend the lease (called by :class:`LeaseKeeper`); a takeover marks it lost."""
        with self._lock:
            if not self.held:
                return
            try:
                self._write(if_match=self._etag)
            except PreconditionFailed:
                self._lost = "another run took it over (it was not renewed in time)"
                logger.error("Lost the lease %s of '%s': %s", self.url, self.dataset, self._lost)
            except Exception as exc:  # the store is unreachable: try again next time
                logger.warning("Could not renew the lease %s: %s", self.url, exc)

    def check(self) -> None:
        """Raise :class:`LeaseLostError` unless the lease is surely still this run's."""
        if self._etag is None:
            return
        if self._lost is None:
            silent = time.monotonic() - self._renewed_mono
            if silent > self.settings.ttl_s * (1 - FENCE_MARGIN):
                self._lost = f"not renewed for {silent:.0f} s (ttl {self.settings.ttl_s:.0f} s)"
        if self._lost is not None:
            raise LeaseLostError(
                f"This run no longer holds the lease {self.url} of '{self.dataset}': "
                f"{self._lost}. It stops before writing more; another run may be writing "
                "this output now. Check the store, then run again."
            )

    def release(self) -> None:
        """Delete the lease if it is still this run's; if the store fails, leave it to expire."""
        with self._lock:
            etag, self._etag = self._etag, None
        if etag is None:
            return
        if self._lost is not None:  # not this run's any more: never delete the new holder's
            logger.warning("Did not release %s: %s", self.url, self._lost)
            return
        try:
            conditional.delete_object(self.fs, self.url, if_match=etag)
        except PreconditionFailed:
            logger.warning("Did not release %s: another run holds it now", self.url)
        except Exception as exc:
            valid_until = datetime.now(UTC) + timedelta(seconds=self.settings.ttl_s)
            logger.warning(
                "Could not release the lease %s (%s): it expires by itself at about %s",
                self.url,
                type(exc).__name__,
                _iso(valid_until),
            )
        else:
            logger.info("Released the lease %s", self.url)


class LeaseKeeper:
    """A daemon thread renewing a run's leases every ``renew_every_s`` until stopped."""

    def __init__(self, leases: list[S3Lease], settings: LeaseSettings) -> None:
        self._leases = leases
        self._settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._settings.renew_every_s):
            for lease in self._leases:
                lease.renew()

    def stop(self) -> None:
        """Stop renewing (waits for a renewal in progress to finish)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
