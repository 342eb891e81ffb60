"""The profile as a table (one row per column, for kedro-viz) and as a self-contained HTML page.

The page has inline CSS and no script or external resource: it opens
offline from the data folder, an S3 console or an e-mail attachment.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

STATUS_COLOURS = {"ok": "#2e7d32", "warning": "#c77700"}
TABLE_COLUMNS = [
    "column",
    "kind",
    "missing",
    "missing_pct",
    "distinct",
    "range",
    "top_values",
    "outliers",
    "rules_failed",
    "warnings",
]


def _range(column: dict[str, Any]) -> str:
    if column["kind"] in ("number", "date") and column.get("min") is not None:
        return f"{column['min']} - {column['max']}"
    if "min_length" in column:
        return f"{column['min_length']}-{column['max_length']} chars"
    if column["kind"] == "list":
        return f"{column['mean_items']} items on average"
    return ""


def _top(values: list[dict[str, Any]], limit: int = 3) -> str:
    return "; ".join(f"{item['value']} ({item['count']:,})" for item in values[:limit])


def columns_table(profile: dict[str, Any]) -> pd.DataFrame:
    """One row per column of the file: kind, missing, distinct, range, top values, problems."""
    failed: dict[str, int] = {}
    for rule in profile["contract"]["rules"]:
        if rule["column"]:
            failed[rule["column"]] = failed.get(rule["column"], 0) + rule["failed"]
    warned: dict[str, int] = {}
    for finding in profile["findings"]:
        if finding["severity"] == "warning" and finding["column"]:
            warned[finding["column"]] = warned.get(finding["column"], 0) + 1
    rows = []
    for column in profile["columns"]:
        name = column["name"]
        outliers = column.get("outliers")
        rows.append(
            {
                "column": name,
                "kind": column["kind"],
                "missing": column["missing"],
                "missing_pct": column["missing_pct"],
                "distinct": column["distinct"],
                "range": _range(column),
                "top_values": _top(column.get("top_items") or column["top_values"]),
                "outliers": outliers["count"] if outliers else None,
                "rules_failed": failed.get(name, 0),
                "warnings": warned.get(name, 0),
            }
        )
    for name in profile["ignored_columns"]:
        rows.append({"column": name, "kind": "ignored (not read)", "warnings": 1})
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    for name in ("missing", "distinct", "outliers", "rules_failed", "warnings"):
        table[name] = table[name].astype("Int64")
    return table


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p class='muted'>none</p>"
    shown = frame.astype(object).where(frame.notna(), "")  # nullable integers print <NA>
    return shown.to_html(index=False, escape=True, border=0, classes="grid")


def _findings(findings: list[dict[str, Any]]) -> str:
    if not findings:
        return "<p>Nothing to report.</p>"
    items = "".join(
        f"<li class='{_esc(f['severity'])}'><b>{_esc(f['severity'])}</b> {_esc(f['message'])}</li>"
        for f in findings
    )
    return f"<ul class='findings'>{items}</ul>"


def _rules(contract: dict[str, Any]) -> str:
    frame = pd.DataFrame(contract["rules"] + contract["other_reasons"])
    if not frame.empty:
        frame["example_rows"] = frame["example_rows"].map(lambda rows: ", ".join(map(str, rows)))
        frame = frame[["rule", "failed", "passed", "failed_pct", "example_rows"]]
    intro = (
        f"<p>Row contract <code>{_esc(contract['schema'])}</code> on "
        f"{contract['rows_checked']:,} rows: {contract['rows_failed']:,} "
        f"({contract['rows_failed_pct']:.1f} %) fail at least one rule and are quarantined."
    )
    if contract.get("not_checked"):
        intro += f" {_esc(contract['not_checked'])}"
    return intro + "</p>" + _table(frame)


def _duplicates_and_repairs(profile: dict[str, Any]) -> str:
    rows = []
    for label, dup in (
        ("exact duplicate rows", profile["duplicates"]["exact_duplicates"]),
        ("repeated key", profile["duplicates"]["duplicate_keys"]),
    ):
        if dup is not None:
            what = label if "column" not in dup else f"{label} '{dup['column']}'"
            rows.append(
                {
                    "what": what,
                    "rows": dup["rows"],
                    "action": dup["action"],
                    "example_rows": ", ".join(map(str, dup["example_rows"])),
                }
            )
    for repair in profile["repairs"]:
        rows.append(
            {
                "what": f"repaired '{repair['column']}'",
                "rows": repair["rows"],
                "action": repair["action"],
                "example_rows": ", ".join(map(str, repair["example_rows"])),
            }
        )
    return _table(pd.DataFrame(rows))


def _target(target: dict[str, Any] | None) -> str:
    if target is None:
        return "<p class='muted'>No target column: a scoring day is what the model predicts.</p>"
    text = (
        f"<p><code>{_esc(target['column'])}</code>: {target['labelled']:,} of "
        f"{target['rows']:,} rows labelled ({target['labelled_pct']:.1f} %)"
    )
    if not target["histogram"]:
        return text + f"; {_esc(target.get('note', ''))}</p>"
    text += (
        f"; min {target['min']}, Q1 {target['q1']}, median {target['median']}, Q3 "
        f"{target['q3']}, max {target['max']}, mean {target['mean']}, std {target['std']}.</p>"
    )
    peak = max(b["count"] for b in target["histogram"]) or 1
    bars = "".join(
        f"<tr><td>{b['low']:g} - {b['high']:g}</td><td class='num'>{b['count']:,}</td>"
        f"<td><div class='bar' style='width:{300 * b['count'] / peak:.0f}px'></div></td></tr>"
        for b in target["histogram"]
    )
    return text + f"<table class='hist'>{bars}</table>"


def _comparison(comparison: dict[str, Any]) -> str:
    text = f"<p>{_esc(comparison['summary'])}</p>"
    if comparison["changes"]:
        frame = pd.DataFrame(comparison["changes"])[["severity", "kind", "column", "message"]]
        text += _table(frame)
    return text


CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.5em} h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
.badge{color:#fff;padding:.15em .6em;border-radius:.3em;font-weight:bold}
table.grid{border-collapse:collapse;font-size:.88em} table.grid td,table.grid th{
border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
table.grid th{background:#f3f3f3} .muted{color:#777}
ul.findings li.warning b{color:#c77700} ul.findings li.info b{color:#607d8b}
table.hist td{padding:0 .5em;font-size:.88em} td.num{text-align:right}
.bar{background:#1565c0;height:.9em}
"""


def render_html(profile: dict[str, Any], title: str) -> str:
    """The profile as one self-contained HTML page (inline CSS, no script, no external link)."""
    status = profile["status"]
    day = f" for {profile['run_date']}" if profile.get("run_date") else ""
    counts = {
        severity: sum(f["severity"] == severity for f in profile["findings"])
        for severity in ("warning", "info")
    }
    table = columns_table(profile)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_esc(title)}{_esc(day)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_esc(title)}{_esc(day)} "
        f"<span class='badge' style='background:{STATUS_COLOURS[status]}'>{_esc(status)}</span>"
        "</h1>",
        f"<p>Dataset <code>{_esc(profile['dataset'])}</code>: {profile['rows']:,} rows, "
        f"{len(profile['file_columns'])} columns, fingerprint "
        f"<code>{_esc(profile['fingerprint'])}</code>. {counts['warning']} warning(s), "
        f"{counts['info']} note(s).</p>",
        "<h2>Findings</h2>",
        _findings(profile["findings"]),
        "<h2>Compared with the previous run</h2>",
        _comparison(profile["comparison"]),
        "<h2>Columns</h2>",
        _table(table),
        "<h2>Contract rules</h2>",
        _rules(profile["contract"]),
        "<h2>Duplicates and repaired values</h2>",
        _duplicates_and_repairs(profile),
        "<h2>Target</h2>",
        _target(profile["target"]),
        f"<p class='muted'>{_esc(profile['row_numbers'])}</p>",
        "</body></html>",
    ]
    return "\n".join(parts)
