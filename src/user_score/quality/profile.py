"""The data-quality profile of a file a user hands in (raw catalog, scoring day): one JSON document.

:func:`build_profile` works on the file as the pipeline already holds it: one
or more row blocks (for a scoring day, the valid and the rejected rows, so a
million-row day is neither copied nor read twice), each with ``source_row``,
the 0-based data row of the file. The contract results come from the
pipeline's quarantine (:mod:`user_score.quality.rules`). Row numbers are
the only trace of individual rows in the profile besides the most frequent
values of each column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .columns import profile_column, target_distribution
from .compare import PROFILE_VERSION, compare_profiles
from .params import QualityParams
from .rules import duplicate_keys, duplicate_rows, fingerprint, row_hashes

ROW_NUMBERS = (
    "Row numbers are 0-based data rows of the file (source_row, as in the quarantine files); "
    "the line in the file is row + 2."
)


def _finding(severity: str, topic: str, column: str | None, message: str) -> dict[str, Any]:
    return {"severity": severity, "topic": topic, "column": column, "message": message}


def _rows_text(rows: list[int], total: int) -> str:
    """``' (rows 3, 17, ...)'``: the example row numbers, '...' when there are more."""
    if not rows:
        return ""
    return f" (rows {', '.join(map(str, rows))}{', ...' if total > len(rows) else ''})"


def column_findings(column: dict[str, Any], params: QualityParams) -> list[dict[str, Any]]:
    """What is worth saying about one column profile."""
    name, rows = column["name"], column["rows"]
    found = []
    if rows and column["missing"] == rows:
        found.append(_finding("warning", "missing", name, f"'{name}': every value is missing"))
    elif column["missing"]:
        severity = (
            "warning" if column["missing_pct"] >= 100 * params.missing_rate_warning else "info"
        )
        found.append(
            _finding(
                severity,
                "missing",
                name,
                f"'{name}': {column['missing']:,} missing ({column['missing_pct']:.1f} %)",
            )
        )
    if column["distinct"] == 1 and rows > 1:
        found.append(_finding("info", "constant", name, f"'{name}': one value only"))
    if column.get("non_numeric"):
        found.append(
            _finding(
                "info",
                "not_a_number",
                name,
                f"'{name}': {column['non_numeric']:,} value(s) are not numbers"
                + _rows_text(column["non_numeric_rows"], column["non_numeric"]),
            )
        )
    outliers = column.get("outliers")
    if outliers and outliers["count"]:
        found.append(
            _finding(
                "info",
                "outliers",
                name,
                f"'{name}': {outliers['count']:,} IQR outlier(s) ({outliers['pct']:.1f} %) outside "
                f"[{outliers['low_fence']:g}, {outliers['high_fence']:g}]"
                + _rows_text(outliers["example_rows"], outliers["count"]),
            )
        )
    if column.get("unparseable"):
        found.append(
            _finding("info", "not_a_date", name, f"'{name}': {column['unparseable']:,} not a date")
        )
    if column.get("not_a_list"):
        found.append(
            _finding(
                "info",
                "not_a_list",
                name,
                f"'{name}': {column['not_a_list']:,} value(s) are not list strings",
            )
        )
    return found


def contract_findings(contract: dict[str, Any], params: QualityParams) -> list[dict[str, Any]]:
    """One finding per contract rule (and other quarantine reason) that rows failed."""
    found = []
    for rule in contract["rules"] + contract["other_reasons"]:
        if not rule["failed"]:
            continue
        severity = "warning" if rule["failed_pct"] >= 100 * params.rule_failure_warning else "info"
        what = "fail" if rule in contract["rules"] else "are quarantined as"
        found.append(
            _finding(
                severity,
                "rule",
                rule["column"],
                f"{rule['failed']:,} row(s) ({rule['failed_pct']:.1f} %) {what} '{rule['rule']}'"
                + _rows_text(rule["example_rows"], rule["failed"]),
            )
        )
    return found


def _other_findings(profile: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    if profile["rows"] == 0:
        found.append(_finding("warning", "empty", None, "the file has no data rows"))
    elif profile["rows"] == 1:
        found.append(_finding("info", "one_row", None, "one data row: distributions say little"))
    if profile["ignored_columns"]:
        found.append(
            _finding(
                "warning",
                "ignored_columns",
                None,
                f"column(s) not read by the pipeline: {', '.join(profile['ignored_columns'])}",
            )
        )
    for section in ("exact_duplicates", "duplicate_keys"):
        dup = profile["duplicates"].get(section)
        if dup and dup["rows"]:
            what = (
                "exact duplicate row(s)"
                if section == "exact_duplicates"
                else f"row(s) repeat a '{dup['column']}' value ({dup['distinct_keys']:,} values)"
            )
            found.append(
                _finding(
                    "info",
                    section,
                    dup.get("column"),
                    f"{dup['rows']:,} {what}: {dup['action']}"
                    + _rows_text(dup["example_rows"], dup["rows"]),
                )
            )
    for repair in profile["repairs"]:
        if repair["rows"]:
            found.append(
                _finding(
                    "info",
                    "repaired",
                    repair["column"],
                    f"'{repair['column']}': {repair['rows']:,} value(s) repaired: "
                    f"{repair['action']}" + _rows_text(repair["example_rows"], repair["rows"]),
                )
            )
    return found


def build_profile(
    blocks: Sequence[pd.DataFrame],
    columns: Sequence[str],
    *,
    dataset: str,
    contract: dict[str, Any],
    params: QualityParams,
    previous: dict[str, Any] | None = None,
    run_date: str | None = None,
    target: str | None = None,
    key: tuple[str, str, bool] | None = None,
    exact_duplicate_action: str = "kept",
    ignored_columns: Sequence[str] = (),
    repairs: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """Profile a file and compare it with the previous profile of the same dataset.

    Args:
        blocks: Row blocks that together are every data row of the file, each
            with ``source_row`` (0-based data row) and ``columns``.
        columns: The file's columns to profile, in file order.
        dataset: Catalog name of the file (``raw_games``, ``batch_input``).
        contract: :func:`user_score.quality.rules.rule_results` of the pipeline's quarantine.
        params: Profile settings and warning thresholds.
        previous: The previous profile of this dataset, or None (first run).
        run_date: The scoring day, if the file is one.
        target: Column whose distribution is reported (the raw catalog's ``user_score``).
        key: ``(column, action, strip)``: the identity column whose repeats are
            counted, what the pipeline does with them, and whether it compares
            values without surrounding whitespace.
        exact_duplicate_action: What the pipeline does with rows repeated exactly.
        ignored_columns: Columns present in the file that the pipeline does not read.
        repairs: ``{"column", "action", "rows", "example_rows"}`` per repaired column.

    Returns:
        The profile (JSON-ready): rows, fingerprint, per-column profiles,
        contract rules, duplicates, repairs, target, comparison, findings and
        ``status`` (``warning`` if any finding or change is a warning, else ``ok``).
    """
    columns = list(columns)
    source_rows = (
        np.concatenate([block["source_row"].to_numpy(dtype="int64") for block in blocks])
        if blocks
        else np.empty(0, dtype="int64")
    )
    hashes = row_hashes(blocks, columns)

    def stacked(name: str) -> pd.Series:
        """One column over every block (one at a time: a large day is never copied whole)."""
        return pd.concat([block[name] for block in blocks], ignore_index=True)

    profile: dict[str, Any] = {
        "profile_version": PROFILE_VERSION,
        "dataset": dataset,
        "run_date": run_date,
        "rows": len(source_rows),
        "fingerprint": fingerprint(hashes, source_rows, [*columns, *ignored_columns]),
        "file_columns": [*columns, *ignored_columns],
        "ignored_columns": list(ignored_columns),
        "row_numbers": ROW_NUMBERS,
        "columns": [profile_column(stacked(name), source_rows, params) for name in columns],
        "contract": contract,
        "duplicates": {
            "exact_duplicates": duplicate_rows(
                hashes, source_rows, params.example_rows, exact_duplicate_action
            ),
            "duplicate_keys": None
            if key is None
            else duplicate_keys(stacked(key[0]), source_rows, params.example_rows, *key[1:]),
        },
        "repairs": list(repairs),
        "target": None if target is None else target_distribution(stacked(target), params),
    }
    profile["comparison"] = compare_profiles(profile, previous, params.changes)
    findings = (
        _other_findings(profile)
        + [f for column in profile["columns"] for f in column_findings(column, params)]
        + contract_findings(contract, params)
        + [
            _finding(
                change["severity"], f"change:{change['kind']}", change["column"], change["message"]
            )
            for change in profile["comparison"]["changes"]
        ]
    )
    findings.sort(key=lambda finding: finding["severity"] != "warning")
    profile["findings"] = findings
    profile["status"] = "warning" if any(f["severity"] == "warning" for f in findings) else "ok"
    return profile
