"""Generate the contract tables of ``docs/data_contract.md`` from the pandera models.

Documentation tooling, not runtime code: pipelines import
:mod:`user_score.contracts`, never this module. Run it with
``python -m user_score.contracts --write`` (``make contract-docs``);
``tests/test_contracts.py`` fails when the committed document is out of step.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pandera.pandas as pa

from user_score.contracts import (
    Actuals,
    BatchInput,
    BatchInputRow,
    DriftReport,
    GamesClean,
    GamesQuarantine,
    ModelInputTable,
    MonitoredPredictions,
    MonitoringHistory,
    PerformanceReport,
    Predictions,
    RawGameRow,
    RawGames,
)
from user_score.features import FEATURE_DOCS

logger = logging.getLogger(__name__)


#: Models documented in docs/data_contract.md, in pipeline order.
DOCUMENTED_CONTRACTS: list[type[pa.DataFrameModel]] = [
    RawGames,
    RawGameRow,
    GamesQuarantine,
    GamesClean,
    ModelInputTable,
    Actuals,
    MonitoredPredictions,
    DriftReport,
    PerformanceReport,
    MonitoringHistory,
    BatchInput,
    BatchInputRow,
    Predictions,
]


def _check_label(check: pa.Check) -> str:
    label = check.name or str(check)
    stats = getattr(check, "statistics", None) or {}
    if stats and check.name in {
        "greater_than_or_equal_to",
        "less_than_or_equal_to",
        "isin",
        "str_matches",
        "str_length",
        "in_range",
    }:
        values = ", ".join(f"{k}={v}" for k, v in stats.items() if v is not None)
        label = f"{label}({values})"
    return label


GENERATED_BEGIN = "<!-- BEGIN GENERATED CONTRACTS: python -m user_score.contracts --write -->"
GENERATED_END = "<!-- END GENERATED CONTRACTS -->"
CONTRACT_DOC = Path(__file__).resolve().parents[3] / "docs" / "data_contract.md"


def render_contract_markdown() -> str:
    """Render every documented contract as Markdown tables (the generated block)."""
    lines = [GENERATED_BEGIN, ""]
    for model in DOCUMENTED_CONTRACTS:
        schema = model.to_schema()
        strict = getattr(model.Config, "strict", False)
        summary = (model.__doc__ or "").strip().splitlines()[0]
        lines += [
            f"### `{model.__name__}`",
            "",
            f"{summary} Extra columns: {'rejected' if strict else 'allowed (ignored)'}.",
            "",
            "| column | type | nullable | unique | rules | description |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for name, column in schema.columns.items():
            rules = ", ".join(_check_label(check) for check in column.checks) or "-"
            lines.append(
                f"| `{name}` | {column.dtype} | {'yes' if column.nullable else 'no'} | "
                f"{'yes' if column.unique else 'no'} | {rules} | {column.description or ''} |"
            )
        frame_checks = [_check_label(check) for check in schema.checks]
        if frame_checks:
            lines += ["", f"Table rules: {', '.join(f'`{c}`' for c in frame_checks)}."]
        lines.append("")
    lines.append(GENERATED_END)
    return "\n".join(lines)


FEATURES_BEGIN = "<!-- BEGIN FEATURE DOCS -->"
FEATURES_END = "<!-- END FEATURE DOCS -->"


def render_feature_markdown() -> str:
    """Render :data:`user_score.features.FEATURE_DOCS` as a Markdown table."""
    lines = [FEATURES_BEGIN, "| feature | meaning |", "| --- | --- |"]
    lines += [f"| `{name}` | {text} |" for name, text in FEATURE_DOCS.items()]
    lines.append(FEATURES_END)
    return "\n".join(lines)


def _splice(document: str, begin: str, end: str, block: str) -> str:
    start = document.index(begin)
    stop = document.index(end) + len(end)
    return document[:start] + block + document[stop:]


def render_contract_document(document: str) -> str:
    """Return ``document`` with its generated blocks (features, contracts) refreshed."""
    document = _splice(document, FEATURES_BEGIN, FEATURES_END, render_feature_markdown())
    return _splice(document, GENERATED_BEGIN, GENERATED_END, render_contract_markdown())


def main() -> None:
    """CLI: rewrite the generated block of docs/data_contract.md (or print it)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--write", action="store_true", help="update docs/data_contract.md")
    args = parser.parse_args()
    document = render_contract_document(CONTRACT_DOC.read_text(encoding="utf-8"))
    if args.write:
        CONTRACT_DOC.write_text(document, encoding="utf-8")
        logging.basicConfig(level=logging.INFO)
        logger.info("updated %s", CONTRACT_DOC)
    else:
        print(document)
