"""Quarantine mechanics: split a table by a row contract, keeping a reason per rejected row.

A row contract (a ``*Row`` model) must only have row-level rules; a rule that
fails for the whole table (a missing column, say) is raised, not turned into
reasons.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pandera.pandas as pa

from user_score.contracts.checks import FIELD_COUNT_RULE

#: Rules about a row's shape: a row breaking one gets that reason alone (its values are
#: not in the columns the header names, so the other rules' verdicts mean nothing).
STRUCTURAL_RULES = (FIELD_COUNT_RULE,)


def row_failures(frame: pd.DataFrame, schema: type[pa.DataFrameModel]) -> pd.Series:
    """Return, per row of ``frame``, the ``'column: rule'`` reasons it breaks.

    Args:
        frame: Data to check (its index must be unique).
        schema: A row contract (all its failures must be row-level).

    Returns:
        A string series aligned with ``frame``: empty for rows that pass.
    """
    reasons = pd.Series("", index=frame.index, dtype=object)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        row_level = cases[cases["index"].notna()]
        file_level = cases[cases["index"].isna()]
        if not file_level.empty:
            raise
        # Column-level rules read "column: rule"; table-level rules are named
        # "column: rule" themselves (e.g. "platform: recognised_or_..."), and pandera
        # reports their failure once per column of the row: one label per row for them.
        checks = row_level["check"].astype(str)
        columns = row_level["column"]
        table_level = row_level["schema_context"].eq("DataFrameSchema") | columns.isna()
        labels = checks.where(table_level, columns.astype(str) + ": " + checks)
        per_row = (
            pd.DataFrame({"index": row_level["index"].to_numpy(), "label": labels.to_numpy()})
            .drop_duplicates()
            .groupby("index", sort=False)["label"]
            .agg(join_reasons)
        )
        reasons.loc[per_row.index] = per_row.to_numpy()
    return reasons


def join_reasons(labels: Iterable[str]) -> str:
    """A row's ``'; '``-joined, sorted reasons (a structural rule alone, when one is broken)."""
    items = set(labels)
    structural = [rule for rule in STRUCTURAL_RULES if rule in items]
    return "; ".join(sorted(structural or items))


def split_by_contract(
    frame: pd.DataFrame, schema: type[pa.DataFrameModel]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``frame`` into rows that pass ``schema`` and rejected rows with a reason.

    Returns:
        ``(valid, rejected)``; ``rejected`` is the original rows, unchanged,
        plus a ``reason`` column. ``len(valid) + len(rejected) == len(frame)``.
    """
    reasons = row_failures(frame, schema)
    bad = reasons != ""
    rejected = frame.loc[bad].copy()
    rejected["reason"] = reasons.loc[bad]
    return frame.loc[~bad], rejected
