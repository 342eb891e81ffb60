"""Project hooks: thin Kedro entry points into :mod:`user_score.reliability`.

Registered in ``settings.py``; the guarantees and their limits are described
in ``docs/reliability.md``. Atomic writes need no hook: every file-writing
catalog entry uses one of the project's atomic dataset types
(:mod:`user_score.datasets`).

* :class:`SecretRedactionHook` -- known secret values never reach a log line
  or an error message (:mod:`user_score.reliability.redaction`).
* :class:`StorageHook` -- the ``s3`` environment's storage settings and the
  start-of-run access check (:mod:`user_score.reliability.storage`).
* :class:`RunGuardHook` -- one run at a time per guarded output: file locks
  for local outputs, leases for outputs on S3 (:mod:`user_score.reliability.guards`).
* :class:`ConsoleHook` -- the end-of-run summary and one-block errors
  (:mod:`user_score.console`, docs/console.md).
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

from kedro.framework.hooks import hook_impl

from user_score.reliability import redaction, storage
from user_score.reliability.guards import RunGuard
from user_score.reliability.leases import LeaseSettings


class SecretRedactionHook:
    """Keep every known secret out of logs and errors, from the first line of a run.

    ``after_context_created`` and ``before_pipeline_run`` are pluggy wrappers:
    the code before ``yield`` runs before every other hook (whatever the
    registration order), so secrets are collected before the storage settings
    log the root, and an exception any hook raises there -- where Kedro calls no
    error hook, e.g. the S3 access check -- is redacted before it propagates.
    """

    @hook_impl(wrapper=True)
    def after_context_created(self, context: Any) -> Any:
        redaction.install_secret_filter(redaction.run_secrets(context.config_loader))
        return (yield from _redacting())

    @hook_impl(wrapper=True)
    def before_pipeline_run(self, run_params: Any, pipeline: Any, catalog: Any) -> Any:
        # Logging may have been (re)configured after the context was created.
        redaction.install_secret_filter(())
        return (yield from _redacting())

    # tryfirst: redact before other hooks (e.g. kedro-viz's run-status hook) record the error.
    @hook_impl(tryfirst=True)
    def on_node_error(self, error: Any, node: Any, catalog: Any, inputs: Any, is_async: Any):
        redaction.redact_exception(error, redaction.REDACTING_FILTER)

    @hook_impl(tryfirst=True)
    def on_pipeline_error(self, error: Any, run_params: Any, pipeline: Any, catalog: Any):
        redaction.redact_exception(error, redaction.REDACTING_FILTER)


def _redacting() -> Generator[None, Any, Any]:
    """The ``yield`` of a pluggy wrapper: redact what the wrapped hooks raise."""
    try:
        return (yield)
    except BaseException as error:
        redaction.redact_exception(error, redaction.REDACTING_FILTER)
        raise


class StorageHook:
    """Applies the environment's storage settings; checks an S3 root before the run."""

    def __init__(self) -> None:
        self.root: str | None = None

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        self.root = storage.configure_storage(context.config_loader, context.project_path)

    # tryfirst: a store that does not answer stops the run before any lock or lease is taken.
    @hook_impl(tryfirst=True)
    def before_pipeline_run(self, run_params: dict[str, Any]) -> None:
        if self.root:
            storage.check_s3_access(self.root)


class RunGuardHook:
    """Holds the run's locks and leases on its guarded outputs, from start to end.

    The guard is taken last (``trylast``), so no other hook can fail the run
    after it is held; every dataset save first checks that the run still holds
    its leases (the fence); everything is released on success and on failure.
    """

    def __init__(self) -> None:
        self._guard = RunGuard()

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        settings = context.config_loader["globals"].get("run_lease")
        self._guard = RunGuard(LeaseSettings.from_config(settings))

    @hook_impl(trylast=True)
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        self._guard.acquire(pipeline, catalog, run_params)

    @hook_impl
    def before_dataset_saved(self, dataset_name: str, data: Any, node: Any) -> None:
        self._guard.check()

    @hook_impl
    def after_pipeline_run(self, run_params: Any, run_result: Any, pipeline: Any, catalog: Any):
        self._guard.release()

    @hook_impl
    def on_pipeline_error(self, error: Any, run_params: Any, pipeline: Any, catalog: Any):
        self._guard.release()


class ConsoleHook:
    """The run as a user sees it: a summary after every run, one block per known error."""

    def __init__(self, tracking: tuple[Any, ...] = ()) -> None:
        self._summary: Any = None
        self._catalog: Any = None
        self._started = 0.0
        # the TrackingHook, if any (settings.py): its ``tracked_run()`` after the run
        self._tracking = tracking

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        from user_score import console

        console.install_excepthook()

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        from user_score.console.summary import RunSummary

        self._started, self._catalog = time.perf_counter(), catalog
        self._summary = RunSummary(
            pipelines=list(run_params.get("pipeline_names") or ["__default__"]),
            run_date=_run_date(catalog),
            env=run_params.get("env") or "local",  # settings.py: default_run_env
        )

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data: Any, node: Any) -> None:
        if self._summary is not None:
            self._summary.record(dataset_name, data, self._catalog)

    @hook_impl(trylast=True)
    def after_pipeline_run(self, run_params: Any, run_result: Any, pipeline: Any, catalog: Any):
        from user_score import console

        if self._summary is None:
            return
        self._summary.seconds = time.perf_counter() - self._started
        for tracker in self._tracking:  # called before this hook (trylast)
            self._summary.tracking = tracker.tracked_run() or self._summary.tracking
        console.logger.info("\n".join(self._summary.lines()))
        self._summary = None

    @hook_impl
    def on_pipeline_error(self, error: Any, run_params: Any, pipeline: Any, catalog: Any):
        from user_score.console.summary import attach_report_path

        attach_report_path(error, catalog)
        self._summary = None


def _run_date(catalog: Any) -> str | None:
    """The run's ``run_date`` parameter (a typed ``RunDate`` or its text), if any."""
    try:
        value = catalog.load("params:run_date")
    except Exception:
        return None
    return str(value)
