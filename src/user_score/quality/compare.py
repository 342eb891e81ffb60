"""What changed since the previous profile of the same dataset, and which changes are warnings.

The previous profile is the last run's for the raw catalog and the most
recent earlier day's for a scoring day. No previous profile is the normal
first run: the comparison says so and reports no change.
"""

from __future__ import annotations

from typing import Any

from .params import ChangeThresholds

#: Bumped when the profile's layout changes; profiles of another version are not compared.
PROFILE_VERSION = 1


def _change(
    kind: str,
    column: str | None,
    severity: str,
    message: str,
    previous: Any = None,
    current: Any = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "column": column,
        "severity": severity,
        "previous": previous,
        "current": current,
        "message": message,
    }


def _rows_change(current: dict, previous: dict, limits: ChangeThresholds) -> list[dict]:
    before, now = int(previous["rows"]), int(current["rows"])
    if before == now:
        return []
    relative = (now - before) / before if before else float("inf")
    severity = "warning" if abs(relative) > limits.row_count_change else "info"
    share = f"{relative:+.0%}" if before else "from none"
    return [_change("rows", None, severity, f"rows {before:,} -> {now:,} ({share})", before, now)]


def _column_set_changes(current: dict, previous: dict) -> list[dict]:
    before, now = previous["file_columns"], current["file_columns"]
    changes = [
        _change("new_column", name, "warning", f"new column '{name}'", None, name)
        for name in now
        if name not in before
    ]
    changes += [
        _change("missing_column", name, "warning", f"column '{name}' is gone", name, None)
        for name in before
        if name not in now
    ]
    return changes


def _new_categories(name: str, now: dict, before: dict, rows: int, limit: float) -> list[dict]:
    if "categories" not in now or "categories" not in before:
        return []
    new = {value: n for value, n in now["categories"].items() if value not in before["categories"]}
    changes = []
    if new:
        share = sum(new.values()) / rows if rows else 0.0
        listed = ", ".join(f"'{value}' ({n:,})" for value, n in sorted(new.items())[:10])
        changes.append(
            _change(
                "new_categories",
                name,
                "warning" if share >= limit else "info",
                f"'{name}': {len(new)} new categor{'y' if len(new) == 1 else 'ies'} "
                f"on {share:.1%} of rows: {listed}",
                None,
                sorted(new),
            )
        )
    gone = sorted(set(before["categories"]) - set(now["categories"]))
    if gone:
        changes.append(
            _change(
                "categories_gone",
                name,
                "info",
                f"'{name}': {len(gone)} categor{'y' if len(gone) == 1 else 'ies'} no longer "
                f"present: {', '.join(repr(v) for v in gone[:10])}",
                gone,
                None,
            )
        )
    return changes


def _median_shift(name: str, now: dict, before: dict, limit: float) -> list[dict]:
    if now.get("median") is None or before.get("median") is None:
        return []
    shift = now["median"] - before["median"]
    if shift == 0:
        return []
    iqr = (before.get("q3") or 0) - (before.get("q1") or 0)
    in_iqr = abs(shift) / iqr if iqr > 0 else float("inf")
    return [
        _change(
            "median_shift",
            name,
            "warning" if in_iqr >= limit else "info",
            f"'{name}': median {before['median']:g} -> {now['median']:g} "
            + (f"({in_iqr:.2f} previous IQR)" if iqr > 0 else "(previous IQR was 0)"),
            before["median"],
            now["median"],
        )
    ]


def _column_changes(current: dict, previous: dict, limits: ChangeThresholds) -> list[dict]:
    before_columns = {column["name"]: column for column in previous["columns"]}
    changes: list[dict] = []
    for now in current["columns"]:
        name = now["name"]
        before = before_columns.get(name)
        if before is None:
            continue
        if now["kind"] != before["kind"]:
            changes.append(
                _change(
                    "kind",
                    name,
                    "warning",
                    f"'{name}' now reads as {now['kind']} (was {before['kind']})",
                    before["kind"],
                    now["kind"],
                )
            )
        jump = now["missing_pct"] - before["missing_pct"]
        if abs(jump) >= 100 * limits.missing_rate_jump and abs(jump) > 0:
            changes.append(
                _change(
                    "missing_rate",
                    name,
                    "warning" if jump > 0 else "info",
                    f"'{name}' missing {before['missing_pct']:.1f} % -> {now['missing_pct']:.1f} %",
                    before["missing_pct"],
                    now["missing_pct"],
                )
            )
        changes += _new_categories(name, now, before, current["rows"], limits.new_category_share)
        if now["kind"] == before["kind"] == "number":
            changes += _median_shift(name, now, before, limits.median_shift_iqr)
    return changes


def _rule_changes(current: dict, previous: dict, limits: ChangeThresholds) -> list[dict]:
    before = {rule["rule"]: rule for rule in previous["contract"]["rules"]}
    changes = []
    for rule in current["contract"]["rules"]:
        old_pct = before[rule["rule"]]["failed_pct"] if rule["rule"] in before else 0.0
        now_pct = rule["failed_pct"]
        if now_pct - old_pct >= 100 * limits.rule_failure_jump and now_pct > old_pct:
            severity = "warning"
        elif (now_pct > 0) != (old_pct > 0):
            severity = "info"  # failing for the first time, or no longer failing
        else:
            continue
        changes.append(
            _change(
                "rule_failures",
                rule["column"],
                severity,
                f"rule '{rule['rule']}' failed by {old_pct:.1f} % -> {now_pct:.1f} % of rows",
                old_pct,
                now_pct,
            )
        )
    return changes


def compare_profiles(
    current: dict[str, Any], previous: dict[str, Any] | None, limits: ChangeThresholds
) -> dict[str, Any]:
    """What changed from ``previous`` to ``current`` (both profiles of one dataset).

    Returns:
        ``previous`` (its run_date, rows and fingerprint, or None),
        ``same_content``, ``summary`` (one sentence) and ``changes`` (kind,
        column, severity ``warning``/``info``, previous and current value,
        message), warnings first.
    """
    if previous is None:
        return {
            "previous": None,
            "same_content": None,
            "summary": "No previous profile of this dataset: first profile, nothing to compare.",
            "changes": [],
        }
    reference = {key: previous.get(key) for key in ("run_date", "rows", "fingerprint")}
    if previous.get("profile_version") != PROFILE_VERSION:
        return {
            "previous": reference,
            "same_content": None,
            "summary": f"The previous profile has layout version {previous.get('profile_version')}"
            f" (this one {PROFILE_VERSION}): not compared.",
            "changes": [],
        }
    changes = (
        _rows_change(current, previous, limits)
        + _column_set_changes(current, previous)
        + _column_changes(current, previous, limits)
        + _rule_changes(current, previous, limits)
    )
    changes.sort(key=lambda change: change["severity"] != "warning")
    same = previous.get("fingerprint") == current["fingerprint"]
    warnings = sum(change["severity"] == "warning" for change in changes)
    when = f" ({previous['run_date']})" if previous.get("run_date") else ""
    if same:
        summary = f"Same content as the previous profile{when}."
    else:
        summary = (
            f"Compared with the previous profile{when}: {len(changes)} change(s), "
            f"{warnings} warning(s)."
        )
    return {"previous": reference, "same_content": same, "summary": summary, "changes": changes}
