"""The project's data catalog: Kedro's ``DataCatalog`` with errors that name the file.

Kedro 1.7 validates datasets itself (the catalog ``validator:`` key). Its
``DataValidationError`` names the dataset, column and rule; for the on-call
person the *file* matters too, so this catalog adds the dataset's location to
validation and read errors. Behaviour is otherwise unchanged.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from kedro.io import DataCatalog
from kedro.io.core import DatasetError
from kedro.validation.exceptions import CheckFailure, DataValidationError

from user_score.reliability.storage import dataset_location


class ContractViolationError(DataValidationError):
    """A dataset broke its data contract; the message names file, column and rule."""

    def __init__(self, original: DataValidationError, location: str | None) -> None:
        super().__init__(
            original.message,
            dataset_name=original.dataset_name,
            mode=original.mode,
            validator=original.validator,
            failures=[
                _name_missing_columns(failure, original.__cause__) for failure in original.failures
            ],
            error_type=original.error_type,
        )
        self.location = location

    def __str__(self) -> str:
        text = super().__str__()
        if not self.location:
            return text
        first, _, rest = text.partition("\n")
        return f"{first} (file: {self.location})" + (f"\n{rest}" if rest else "")


def _name_missing_columns(failure: CheckFailure, cause: BaseException | None) -> CheckFailure:
    """pandera reports a missing column against the schema; name every missing column.

    Kedro keeps at most 5 examples of a failure (and cuts a column label at 60
    characters): a file without its header would name only 5 of its 8 missing
    columns. The full list comes from pandera's report (the error's cause).
    """
    if failure.check != "column_in_dataframe" or not failure.failure_examples:
        return failure
    names = [str(example) for example in failure.failure_examples]
    cases = getattr(cause, "failure_cases", None)
    if cases is not None and "check" in cases:
        names = [str(name) for name in cases.loc[cases["check"] == failure.check, "failure_case"]]
    return replace(
        failure,
        column=None,
        check=f"required column is missing: {', '.join(names)}",
        failure_examples=[],
    )


class DatasetReadError(DatasetError):
    """A dataset could not be read at all (missing, empty, not the expected format)."""

    def __init__(
        self, message: str, dataset_name: str | None = None, location: str | None = None
    ) -> None:
        super().__init__(message)
        self.dataset_name = dataset_name
        self.location = location


class MissingPartitionError(DatasetReadError):
    """A daily partition (``.../dt=YYYY-MM-DD/...``) does not exist; names the nearest days."""

    def __init__(
        self,
        message: str,
        dataset_name: str,
        location: str,
        day: str,
        partition_root: str,
        days: list[str],
    ) -> None:
        super().__init__(message, dataset_name, location)
        self.day = day
        self.partition_root = partition_root
        self.days_total = len(days)
        self.nearest_days = nearest_days(day, days)


#: How many existing days a missing partition's message names.
NEAREST = 3
_PARTITION = re.compile(r"^(?P<root>.*)/dt=(?P<day>\d{4}-\d{2}-\d{2})/")


def nearest_days(day: str, days: list[str], count: int = NEAREST) -> list[str]:
    """The ``count`` days of ``days`` closest to ``day`` (ties: the earlier), in date order."""
    wanted = date.fromisoformat(day)
    known = sorted(set(days))
    closest = sorted(known, key=lambda d: (abs((date.fromisoformat(d) - wanted).days), d))
    return sorted(closest[:count])


def partition_days(fs: Any, partition_root: str) -> list[str]:
    """The ``dt=YYYY-MM-DD`` folders under ``partition_root`` (none if it cannot be listed)."""
    try:
        entries = fs.ls(partition_root, detail=False)
    except Exception:
        return []
    days = []
    for entry in entries:
        name = str(entry).rstrip("/").rsplit("/", 1)[-1]
        if name.startswith("dt="):
            try:
                days.append(date.fromisoformat(name[3:]).isoformat())
            except ValueError:
                continue
    return sorted(days)


def _missing_partition(
    exc: DatasetError, ds_name: str, location: str | None, fs: Any
) -> MissingPartitionError | None:
    """A ``MissingPartitionError`` if ``exc`` is a missing ``dt=`` file, else ``None``."""
    if location is None or fs is None:
        return None
    causes = [exc.__cause__, getattr(exc.__cause__, "__cause__", None)]
    if not any(isinstance(cause, FileNotFoundError) for cause in causes):
        return None
    match = _PARTITION.match(location)
    if match is None:
        return None
    root, day = match["root"], match["day"]
    listing_root = root.split("://", 1)[-1] if "://" in root else root
    days = partition_days(fs, listing_root)
    return MissingPartitionError(
        f"Cannot read dataset '{ds_name}' (file: {location}): no partition for {day}; "
        f"nearest days that exist: {', '.join(nearest_days(day, days)) or 'none'}.",
        ds_name,
        location,
        day,
        root,
        days,
    )


class ContractDataCatalog(DataCatalog):
    """``DataCatalog`` whose load/save errors say which file broke which rule."""

    def _location(self, ds_name: str) -> str | None:
        try:
            return dataset_location(self[ds_name])
        except Exception:
            return None

    def _dataset_fs(self, ds_name: str) -> Any:
        try:
            return getattr(self[ds_name], "_fs", None)
        except Exception:
            return None

    def load(self, ds_name: str, version: str | None = None) -> Any:
        """Load a dataset; contract and read failures name the file."""
        try:
            return super().load(ds_name, version)
        except DataValidationError as exc:
            raise ContractViolationError(exc, self._location(ds_name)) from exc
        except DatasetError as exc:
            location = self._location(ds_name)
            _raise_storage_error(exc, ds_name, location, self._dataset_fs(ds_name), "loading")
            missing = _missing_partition(exc, ds_name, location, self._dataset_fs(ds_name))
            if missing is not None:
                raise missing from exc
            cause = exc.__cause__ or exc
            raise DatasetReadError(
                f"Cannot read dataset '{ds_name}' (file: {location}): "
                f"{type(cause).__name__}: {cause}. Rule: the file must exist and be a "
                f"readable file in the dataset's format (see docs/data_contract.md).",
                ds_name,
                location,
            ) from exc

    def save(self, ds_name: str, data: Any) -> None:
        """Save a dataset; contract failures name the file that was not written."""
        try:
            super().save(ds_name, data)
        except DataValidationError as exc:
            raise ContractViolationError(exc, self._location(ds_name)) from exc
        except DatasetError as exc:
            location = self._location(ds_name)
            _raise_storage_error(exc, ds_name, location, self._dataset_fs(ds_name), "saving")
            raise


def _raise_storage_error(
    exc: DatasetError, ds_name: str, location: str | None, fs: Any, operation: str
) -> None:
    """Re-raise an S3 authentication/connection failure as a clear ``StorageAccessError``."""
    from user_score.reliability.storage import storage_error

    error = storage_error(exc, location, ds_name, fs, operation)
    if error is not None:
        raise error from exc
