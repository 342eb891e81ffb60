"""Contract rules with their pass/fail counts, and duplicate rows, as the profile reports them.

The rule results are read from the pipeline's own quarantine (``source_row``
and ``reason``, the ``'column: rule'`` labels of
:func:`user_score.contracts.row_failures`), so the report and the quarantine
file always agree and a million-row day is not validated twice. The list of
rules comes from the pandera row contract itself: a rule no row broke is
listed with zero failures.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .columns import pct

REASON_SEPARATOR = "; "
#: Rows hashed at a time (bounds the memory hashing takes on a large day).
HASH_CHUNK_ROWS = 50_000


def contract_rules(schema: type[pa.DataFrameModel]) -> list[tuple[str, str | None]]:
    """Every row rule of ``schema`` as ``(label, column)``, labels as quarantine reasons spell them.

    Column rules read ``'column: rule'`` (``not_nullable`` for a required
    column); table rules are named ``'column: rule'`` themselves.
    """
    frame_schema = schema.to_schema()
    rules: list[tuple[str, str | None]] = []
    for name, column in frame_schema.columns.items():
        if not column.nullable:
            rules.append((f"{name}: not_nullable", name))
        if column.unique:
            rules.append((f"{name}: field_uniqueness", name))
        for check in column.checks:
            rules.append((f"{name}: {check.error or check.name}", name))
    for check in frame_schema.checks:
        label = str(check.name)
        column = label.split(":", 1)[0] if ":" in label else None
        rules.append((label, column))
    return rules


def _exploded_reasons(rejected: pd.DataFrame, table_rules: Sequence[str]) -> pd.DataFrame:
    """One row per (source_row, reason label), sorted by row.

    A table rule's failure may be labelled once per column of the frame
    (``'<any column>: <table rule>'``, how pandera reports a frame-wide
    check); such labels are folded into the rule's own name.
    """
    if rejected.empty:
        return pd.DataFrame({"source_row": pd.Series(dtype="int64"), "label": pd.Series(dtype=str)})
    labels = pd.DataFrame(
        {
            "source_row": pd.to_numeric(rejected["source_row"]).astype("int64").to_numpy(),
            "label": rejected["reason"].astype(str).str.split(REASON_SEPARATOR).to_numpy(),
        }
    ).explode("label")
    for rule in table_rules:
        labels.loc[labels["label"].str.endswith(f": {rule}"), "label"] = rule
    return labels.drop_duplicates().sort_values(["source_row", "label"], kind="stable")


def rule_results(
    schema: type[pa.DataFrameModel],
    rejected: pd.DataFrame,
    rows_checked: int,
    example_rows: int,
    not_checked: str | None = None,
) -> dict[str, Any]:
    """Pass/fail count and example row numbers of every rule of a row contract.

    Args:
        schema: The row contract (``RawGameRow``, ``BatchInputRow``).
        rejected: The pipeline's rejected rows: ``source_row`` and ``reason``.
        rows_checked: Rows the contract was applied to.
        example_rows: Row numbers listed per rule.
        not_checked: Why some rows of the file were not checked (e.g. exact duplicates).

    Returns:
        ``schema``, ``rows_checked``, ``rows_failed`` (any rule), ``rules``
        (one entry per contract rule) and ``other_reasons``: reasons in the
        quarantine that are not contract rules (e.g. a duplicate game).
    """
    table_rules = [str(check.name) for check in schema.to_schema().checks]
    labels = _exploded_reasons(rejected, table_rules)
    failed = labels.groupby("label", sort=False)["source_row"]
    counts = failed.size()
    examples = failed.agg(lambda rows: [int(r) for r in rows.head(example_rows)])
    known = contract_rules(schema)
    known_labels = {label for label, _ in known}
    contract_rows = labels.loc[labels["label"].isin(known_labels), "source_row"].nunique()

    def entry(label: str, column: str | None) -> dict[str, Any]:
        n_failed = int(counts.get(label, 0))
        return {
            "rule": label,
            "column": column,
            "failed": n_failed,
            "passed": rows_checked - n_failed,
            "failed_pct": pct(n_failed, rows_checked),
            "example_rows": examples.get(label, []),
        }

    others = [label for label in counts.index if label not in known_labels]
    return {
        "schema": schema.__name__,
        "rows_checked": int(rows_checked),
        "rows_failed": int(contract_rows),
        "rows_failed_pct": pct(contract_rows, rows_checked),
        "not_checked": not_checked,
        "rules": [entry(label, column) for label, column in known],
        "other_reasons": [entry(label, label.split(":", 1)[0]) for label in sorted(others)],
    }


def row_hashes(
    blocks: Sequence[pd.DataFrame], columns: Sequence[str], chunk_rows: int = HASH_CHUNK_ROWS
) -> np.ndarray:
    """A 64-bit hash of every row's values in ``columns`` (blocks in order, concatenated).

    Column by column, combined with a multiply-xor (equal rows hash equal, the
    order of columns matters), ``chunk_rows`` rows at a time: hashing a text
    column materialises its distinct values as Python strings, which for a
    column of unique ids would otherwise cost ~100 bytes per row at once.
    """
    parts = []
    for block in blocks:
        combined = np.full(len(block), 0x345678, dtype="uint64")
        for start in range(0, len(block), chunk_rows):
            rows = slice(start, start + chunk_rows)
            for name in columns:
                values = block[name].iloc[rows]
                column = pd.util.hash_pandas_object(values, index=False).to_numpy()
                combined[rows] = (combined[rows] * np.uint64(1_000_003)) ^ column
        parts.append(combined)
    return np.concatenate(parts) if parts else np.empty(0, dtype="uint64")


def fingerprint(hashes: np.ndarray, source_rows: np.ndarray, columns: Sequence[str]) -> str:
    """Digest of the file's content: every row in file order, and the header."""
    ordered = hashes[np.argsort(source_rows, kind="stable")]
    digest = hashlib.sha1(ordered.tobytes())
    digest.update("\x1f".join(columns).encode("utf-8"))
    return digest.hexdigest()[:16]


def duplicate_rows(
    hashes: np.ndarray, source_rows: np.ndarray, example_rows: int, action: str
) -> dict[str, Any]:
    """Rows equal in every column to an earlier row of the file."""
    order = np.argsort(source_rows, kind="stable")
    repeated = pd.Series(hashes[order]).duplicated(keep="first").to_numpy()
    rows = source_rows[order][repeated]
    return {
        "rows": int(repeated.sum()),
        "pct": pct(int(repeated.sum()), len(hashes)),
        "example_rows": [int(r) for r in rows[:example_rows]],
        "action": action,
    }


def duplicate_keys(
    key: pd.Series, source_rows: np.ndarray, example_rows: int, action: str, strip: bool = False
) -> dict[str, Any]:
    """Rows whose key (a game's link, a batch row's id) occurs more than once.

    ``strip``: compare keys without surrounding whitespace (as data_engineering
    compares links); a batch id is compared as it is (as its contract does).
    """
    normalised = key.str.strip() if strip else key
    repeated = (normalised.duplicated(keep=False) & normalised.notna()).to_numpy(dtype=bool)
    rows = np.sort(source_rows[repeated])
    return {
        "column": str(key.name),
        "rows": int(repeated.sum()),
        "distinct_keys": int(normalised[repeated].nunique()),
        "example_rows": [int(r) for r in rows[:example_rows]],
        "action": action,
    }
