"""One block per known error: what, which dataset and path, why, what to do.

A run that stops on one of the project's known errors (contract violation,
unreadable file, missing partition, storage access, run lock or lease, model
integrity, bad parameter, monitoring alert, a rollback the model registry cannot
serve) ends with :func:`render`'s block instead of a chain of tracebacks. The
full traceback is behind the console switch (``conf/logging_verbose.yml``:
``user_score.console`` at DEBUG).
Unknown errors keep Python's (or Rich's) traceback untouched.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from kedro.validation.exceptions import ParameterValidationError

from user_score.catalog import ContractViolationError, DatasetReadError, MissingPartitionError
from user_score.datasets.model_artifact import ModelIntegrityError
from user_score.exceptions import exception_chain as chain
from user_score.pipelines.monitoring.status import MonitoringAlert
from user_score.reliability.leases import LeaseHeldError, LeaseLostError
from user_score.reliability.locks import LockFolderError, RunLockedError
from user_score.reliability.storage import StorageAccessError
from user_score.tracking.datasets import RegistryError

#: Lines of a long "why" (e.g. a contract's failed checks) shown in the block.
MAX_WHY_LINES = 14
VERBOSE_HINT = "full traceback: KEDRO_LOGGING_CONFIG=conf/logging_verbose.yml kedro run ..."


@dataclasses.dataclass
class ErrorBlock:
    """What a user reads when a run stops on a known error."""

    what: str
    why: str
    todo: str
    dataset: str | None = None
    path: str | None = None

    def lines(self) -> list[str]:
        """The block, one string per line."""
        rule = "=" * 78
        out = [rule, f"RUN FAILED: {self.what}"]
        if self.dataset:
            out.append(f"  dataset : {self.dataset}")
        if self.path:
            out.append(f"  path    : {self.path}")
        why = self.why.strip().splitlines() or ["-"]
        if len(why) > MAX_WHY_LINES:
            why = [*why[:MAX_WHY_LINES], f"... ({len(why) - MAX_WHY_LINES} more lines)"]
        out.append(f"  why     : {why[0]}")
        out.extend(f"            {line}" for line in why[1:])
        out.append(f"  to do   : {self.todo}")
        out.append(f"  ({VERBOSE_HINT})")
        out.append(rule)
        return out


def _split_rule(message: str) -> tuple[str, str | None]:
    """``"... Rule: ..."`` -> (why, rule); the project's messages end with their rule."""
    why, sep, rule = message.partition(" Rule: ")
    return why.strip(), (f"Rule: {rule.strip()}" if sep else None)


def _dataset_and_path(errors: list[BaseException]) -> tuple[str | None, str | None]:
    """The dataset and file named by any error of the chain (outermost wins)."""
    dataset = path = None
    for error in errors:
        dataset = dataset or getattr(error, "dataset_name", None)
        path = path or getattr(error, "location", None)
    return dataset, path


_HELD = re.compile(r"writing '(?P<dataset>[^']+)' at (?P<path>\S+?)[:\s(]")
_LOST = re.compile(r"lease (?P<path>\S+) of '(?P<dataset>[^']+)'")
_MODEL = re.compile(r"failed for (?P<path>\S+?):")


def _from_message(pattern: re.Pattern[str], message: str) -> tuple[str | None, str | None]:
    match = pattern.search(message)
    if match is None:
        return None, None
    found = match.groupdict()
    return found.get("dataset"), found.get("path")


def _missing_partition(error: MissingPartitionError, _: list[BaseException]) -> ErrorBlock:
    near = ", ".join(error.nearest_days) if error.nearest_days else "none"
    return ErrorBlock(
        what=f"no '{error.dataset_name}' partition for {error.day}",
        dataset=error.dataset_name,
        path=error.location,
        why=f"the file does not exist. Nearest days that exist: {near} "
        f"({error.days_total} day(s) in {error.partition_root}).",
        todo=f"run with one of those days (--params run_date=YYYY-MM-DD), or write the "
        f"day's file first (demo: kedro run --pipelines simulation --params "
        f"run_date={error.day}).",
    )


def _contract(error: ContractViolationError, errors: list[BaseException]) -> ErrorBlock:
    text = str(error)
    first, _, rest = text.partition("\n")
    return ErrorBlock(
        what="data contract violated",
        dataset=error.dataset_name,
        path=error.location,
        why=(first.split(" (file: ")[0] + ("\n" + rest if rest else "")),
        todo="fix the file (or the step that wrote it) so it meets its contract: "
        "docs/data_contract.md lists every rule.",
    )


def _unreadable(error: DatasetReadError, errors: list[BaseException]) -> ErrorBlock:
    cause = list(chain(error))[-1]  # the root cause (e.g. pandas' EmptyDataError)
    _, rule = _split_rule(str(error))
    return ErrorBlock(
        what="a dataset could not be read",
        dataset=error.dataset_name,
        path=error.location,
        why=f"{type(cause).__name__}: {cause}",
        todo=rule or "check that the file exists and is readable in the dataset's format.",
    )


def _model_integrity(error: ModelIntegrityError, errors: list[BaseException]) -> ErrorBlock:
    dataset, path = _dataset_and_path(errors)
    why, rule = _split_rule(str(error))
    return ErrorBlock(
        what="model integrity check failed",
        dataset=dataset or "model",
        path=_from_message(_MODEL, str(error))[1] or path,
        why=why,
        todo=rule or "retrain (kedro run --pipelines training).",
    )


def _storage(error: StorageAccessError, errors: list[BaseException]) -> ErrorBlock:
    dataset, path = _dataset_and_path(errors)
    return ErrorBlock(
        what="the storage could not be accessed",
        dataset=dataset,
        path=path,
        why=str(error),
        todo="check the endpoint, the bucket and the credentials (docs/deployment.md), "
        "then run again.",
    )


def _locked(error: Exception, errors: list[BaseException]) -> ErrorBlock:
    message = str(error)
    pattern = _LOST if isinstance(error, LeaseLostError) else _HELD
    dataset, path = _from_message(pattern, message)
    why, rule = _split_rule(message)
    what = (
        "this run lost its lease"
        if isinstance(error, LeaseLostError)
        else "another run is writing the same output"
    )
    todo = rule or "wait for the other run to finish, then run again."
    return ErrorBlock(what=what, dataset=dataset, path=path, why=why, todo=todo)


def _lock_folder(error: LockFolderError, errors: list[BaseException]) -> ErrorBlock:
    return ErrorBlock(
        what="the lock folder is unsafe",
        why=str(error),
        todo="fix the folder named above (docs/reliability.md), then run again.",
    )


def _parameter(error: ParameterValidationError, errors: list[BaseException]) -> ErrorBlock:
    text = str(error).removeprefix("Parameter validation failed:").strip()
    return ErrorBlock(
        what="a parameter is not valid",
        dataset="parameters",
        path="conf/base/parameters*.yml or --params",
        why=text,
        todo="fix the value (the schemas are in src/user_score/params.py and "
        "pipelines/<name>/params.py), e.g. --params run_date=2021-03-01.",
    )


def _alert(error: MonitoringAlert, errors: list[BaseException]) -> ErrorBlock:
    report = getattr(error, "report_path", None)
    return ErrorBlock(
        what="monitoring status reached fail_on",
        dataset="monitoring_report",
        path=report,
        why=str(error).split(" The report was saved")[0],
        todo=f"read the report{f' ({report})' if report else ''} and follow the "
        "recommended action (docs/runbook.md).",
    )


def _registry(error: RegistryError, errors: list[BaseException]) -> ErrorBlock:
    return ErrorBlock(
        what="the model registry could not give the version to roll back to",
        dataset="registered_model",
        why=str(error).removeprefix("registered_model: "),
        todo=error.todo,
    )


class UnknownPipeline(ValueError):
    """Marker type: Kedro's ``ValueError`` for a pipeline name that is not registered."""


def _unknown_pipeline(error: ValueError, errors: list[BaseException]) -> ErrorBlock:
    text = str(error)
    name = re.search(r"named '([^']*)'", text)
    suggestion = text.partition("Did you mean one of these instead?")[2].split()
    return ErrorBlock(
        what=f"no pipeline named '{name.group(1) if name else '?'}'",
        why=text.partition(" It needs to be generated")[0],
        todo=(
            f"did you mean: {', '.join(suggestion)}? "
            if suggestion
            else "see the pipelines in README.md; "
        )
        + "kedro run --pipelines <name>[,<name>...]",
    )


def _as_known(error: BaseException) -> BaseException:
    """Kedro's unknown-pipeline ``ValueError`` as :class:`UnknownPipeline`; others unchanged."""
    if type(error) is ValueError and str(error).startswith("Failed to find the pipeline named"):
        known = UnknownPipeline(*error.args)
        known.__cause__ = error.__cause__
        return known
    return error


#: Known errors, most specific first: the first one found in an error's chain is reported.
KNOWN: tuple[tuple[type[BaseException], Callable[..., ErrorBlock]], ...] = (
    (MonitoringAlert, _alert),
    (UnknownPipeline, _unknown_pipeline),
    (ParameterValidationError, _parameter),
    (ContractViolationError, _contract),
    (ModelIntegrityError, _model_integrity),
    (StorageAccessError, _storage),
    (MissingPartitionError, _missing_partition),
    (RunLockedError, _locked),
    (LeaseHeldError, _locked),
    (LeaseLostError, _locked),
    (LockFolderError, _lock_folder),
    (RegistryError, _registry),
    (DatasetReadError, _unreadable),
)


def describe(error: BaseException) -> ErrorBlock | None:
    """The block for a known error anywhere in ``error``'s chain, else ``None``."""
    errors = [_as_known(candidate) for candidate in chain(error)]
    for kind, build in KNOWN:
        for candidate in errors:
            if isinstance(candidate, kind):
                return build(candidate, errors)
    return None
