"""The generated model card (``model_card``): this run's own numbers, in Markdown."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from user_score.metrics import format_metric as fmt
from user_score.model import NOVELTY_FLAGS

from .params import PROTOCOL_LABELS

_PROTOCOL_TEXT = {
    "grouped_kfold": "grouped repeated K-fold, groups = base title (games like the training set)",
    "random_holdout": "the original project's random 80/20 split (seed 42) and further "
    "random draws, pooled",
    "time_backtest": "one time cutoff: train before, test from it on",
    "leave_studio_out": "grouped K-fold with the studio as group: every test studio unseen",
    "rolling_backtest": "rolling time backtest: several cutoffs, the next years each",
}


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def _protocol_section(m: dict[str, Any]) -> list[str]:
    chosen = m["chosen_model"]
    protocols = m["protocols"]
    header = " | ".join(f"({PROTOCOL_LABELS[p]}) MAE / R2" for p in protocols)
    lines = [
        "## Evaluation: every candidate under every protocol",
        "",
        "Each protocol fits fresh candidates on its training part only (vocabularies, "
        "encodings and LightGBM tuning included) and predicts its test part. Metrics are "
        "pooled over the protocol's test predictions.",
        "",
    ]
    for name, result in protocols.items():
        lines.append(
            f"* ({result['label']}) `{name}`: {_PROTOCOL_TEXT[name]}; {len(result['splits'])} "
            f"split(s), {result['rows']} test predictions of {result['games']} games."
        )
    lines += ["", f"| candidate | {header} |", "| --- |" + " --- |" * len(protocols)]
    for name in next(iter(protocols.values()))["candidates"]:
        cells = " | ".join(
            f"{fmt(r['candidates'][name]['mae'])} / {fmt(r['candidates'][name]['r2'])}"
            for r in protocols.values()
        )
        lines.append(f"| {name}{' **(chosen)**' if name == chosen else ''} | {cells} |")
    grouped = protocols["grouped_kfold"]["candidates"][chosen]["by_split"]
    lines += [
        "",
        f"Protocol (a) per fold for {chosen}: R2 {fmt(grouped['r2']['mean'])} ± "
        f"{fmt(grouped['r2']['std'])}, MAE {fmt(grouped['mae']['mean'])} ± "
        f"{fmt(grouped['mae']['std'])} (fold-to-fold spread: differences of 0.01 between "
        "candidates are noise).",
        "",
    ]
    return lines


def _novelty_section(m: dict[str, Any]) -> list[str]:
    chosen = m["chosen_model"]
    protocols = m["protocols"]
    base_name = m["targets"]["beats_baseline_everywhere"]["baseline"]
    lines = [
        "## By novelty group",
        "",
        "Novelty is relative to each split's training part: `studio=unseen` (no developer "
        "of the game made a training game), `franchise=new`, `meta=missing` (no critic "
        f"score). MAE of **{chosen}** / of `{base_name}`, and the number of test predictions.",
        "",
        "| group | " + " | ".join(f"({PROTOCOL_LABELS[p]})" for p in protocols) + " |",
        "| --- |" + " --- |" * len(protocols),
    ]
    for flag in NOVELTY_FLAGS:
        values = sorted(
            {
                key
                for result in protocols.values()
                for key in result["candidates"][chosen]["by_novelty"]
                if key.startswith(f"{flag}=")
            }
        )
        for key in values:
            cells = []
            for result in protocols.values():
                ours = result["candidates"][chosen]["by_novelty"].get(key)
                theirs = result["candidates"][base_name]["by_novelty"].get(key)
                cells.append(
                    f"{fmt(ours['mae'])} / {fmt(theirs['mae'])} (n={ours['n']})" if ours else "-"
                )
            lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _interval_section(m: dict[str, Any]) -> list[str]:
    calibration = m["interval"]["calibration"]
    coverage = m["interval"]["coverage"]
    level = coverage["level"]
    lines = [
        "## Prediction intervals",
        "",
        f"{level:.0%} intervals: {calibration['method']}; cells over "
        f"{', '.join(calibration['groups'])}. Coverage is measured {coverage['method']}; "
        f"target {coverage['target']}: **{_verdict(coverage['pass'])}**"
        + (f" (outside: {', '.join(coverage['failing'])})" if coverage["failing"] else "")
        + ".",
        "",
        "What a game can expect, by the cell its interval comes from (from the calibration "
        "residuals):",
        "",
    ]
    if calibration.get("kind") == "cqr":
        lines += [
            "Each game's width comes from its own residual quantiles; the cell adds one "
            "correction. Interval and width are the cell's means over its calibration games.",
            "",
            "| cell | expected MAE | mean interval | mean width | correction | residuals |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
    else:
        lines += ["| cell | expected MAE | interval | width | residuals |", "| --- " * 5 + "|"]
    for key, cell in calibration["cells"].items():
        correction = f" {cell['correction']:+.2f} |" if "correction" in cell else ""
        lines.append(
            f"| `{key}` | {fmt(cell['mae'])} | [{cell['low']:+.2f}, {cell['high']:+.2f}] | "
            f"{cell['width']:.2f} |{correction} {cell['n']} |"
        )
    lines += [
        "",
        "Coverage and mean width under every protocol, and per novelty group (coverage / "
        "mean width, number of test predictions):",
        "",
        "| protocol | coverage | mean width | "
        + " | ".join(f"{flag}" for flag in ("studio", "franchise", "meta"))
        + " |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, summary in coverage["protocols"].items():
        if not summary.get("n"):
            lines.append(f"| ({PROTOCOL_LABELS[name]}) {name} | no test games | | | | |")
            continue
        groups = []
        for flag in NOVELTY_FLAGS:
            parts = [
                f"{key.split('=')[1]} {result['coverage']:.0%} / {result['mean_width']:.2f} "
                f"(n={result['n']})"
                for key, result in summary["by_novelty"].items()
                if key.startswith(f"{flag}=")
            ]
            groups.append(", ".join(parts))
        lines.append(
            f"| ({PROTOCOL_LABELS[name]}) {name} | {summary['coverage']:.1%} | "
            f"{summary['mean_width']:.2f} | " + " | ".join(groups) + " |"
        )
    lines += ["", *_split_spread(coverage["protocols"])]
    return [*lines, ""]


def _split_spread(protocols: dict[str, Any]) -> list[str]:
    """Per-split coverage: the sampling spread behind each protocol's pooled figure."""
    lines = []
    for name, summary in protocols.items():
        splits = summary.get("by_split", {})
        if len(splits) < 2:
            continue
        values = [split["coverage"] for split in splits.values()]
        first, result = next(iter(splits.items()))
        lines.append(
            f"* ({PROTOCOL_LABELS[name]}) per split: {min(values):.0%}-{max(values):.0%} over "
            f"{len(values)} splits; split `{first}` alone {result['coverage']:.1%} "
            f"(n={result['n']})."
        )
    return lines


def render_model_card(
    training_metrics: dict[str, Any],
    feature_drivers: pd.DataFrame,
    model_input_table: pd.DataFrame,
) -> str:
    """Markdown model card written from this run's own numbers."""
    m = training_metrics
    chosen, selection, targets = m["chosen_model"], m["selection"], m["targets"]
    labelled = int(model_input_table["is_labelled"].sum())
    beats = targets["beats_baseline_everywhere"]
    lines = [
        f"# Model card: user-score model `{m['model_version']}`",
        "",
        "Generated by the `training` pipeline from this run's own numbers.",
        "",
        "## Model and selection",
        "",
        f"* Chosen: **{chosen}**, point prediction = "
        + " + ".join(f"{w:.2f} x `{c}`" for c, w in m["weights"].items())
        + " (clipped to 0-10).",
        f"* Selection rule (`training.selection`): {selection['selection_rule']}.",
        f"* Best-scoring artifact candidate: {selection['best_scoring']}; within the "
        f"tolerance: {', '.join(selection['within_tolerance'])}.",
        f"* Beats the `{beats['baseline']}` baseline on MAE under every selection protocol: "
        f"**{'yes' if beats['pass'] else 'NO'}** ("
        + ", ".join(f"{p}: {'yes' if ok else 'no'}" for p, ok in beats["protocols"].items())
        + ").",
        "",
        "## Data",
        "",
        f"* {len(model_input_table)} games in `model_input_table`, {labelled} with a user "
        f"score (training rows: {m['training_rows']}).",
        f"* Training data fingerprint: `{m['training_data_fingerprint'][:16]}…`.",
        "",
    ]
    lines += _protocol_section(m)
    lines += _novelty_section(m)
    lines += _interval_section(m)
    original = targets["original_random_holdout"]
    lines += [
        "## Targets",
        "",
        f"* Beats `{beats['baseline']}` on MAE under every selection protocol: "
        f"{_verdict(beats['pass'])}.",
        f"* Protocol (a) fold-mean R2 >= {targets['grouped_kfold_r2']['bound']}: "
        f"{_verdict(targets['grouped_kfold_r2']['pass'])} "
        f"({fmt(targets['grouped_kfold_r2']['value'])}).",
        f"* Interval coverage {targets['interval_coverage']['target']}: "
        f"{_verdict(targets['interval_coverage']['pass'])}.",
        f"* Original project's targets on its split (b) `{original.get('split', 'holdout')}`: "
        f"MAE <= {original['mae']['bound']} "
        f"{_verdict(original['mae']['pass'])} ({fmt(original['mae']['value'])}), R2 >= "
        f"{original['r2']['bound']} {_verdict(original['r2']['pass'])} "
        f"({fmt(original['r2']['value'])}).",
        f"* Stretch target on (a): R2 >= {targets['stretch_grouped_kfold']['r2']['bound']} "
        f"{_verdict(targets['stretch_grouped_kfold']['r2']['pass'])}, MAE <= "
        f"{targets['stretch_grouped_kfold']['mae']['bound']} "
        f"{_verdict(targets['stretch_grouped_kfold']['mae']['pass'])}.",
        "",
        "## What drives the user score",
        "",
        "Mean absolute contribution to the prediction over the training games (TreeSHAP "
        "for LightGBM, exact for the ridge and the critic line, weighted like the prediction).",
        "",
        "| rank | feature | mean abs contribution | share | direction |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in feature_drivers.head(10).itertuples(index=False):
        direction = "" if np.isnan(row.direction) else f"{row.direction:+.2f}"
        lines.append(
            f"| {row.rank} | `{row.feature}` | {row.mean_abs_contribution:.3f} | "
            f"{row.share:.0%} | {direction} |"
        )
    lines += [
        "",
        "## Limitations",
        "",
        "* Small data: a few hundred labelled games; differences of 0.01 MAE between "
        "candidates are within fold noise, which is why the rule prefers the simpler model.",
        "* Every protocol re-splits one Nintendo-centred catalog. Games far from it (other "
        "publishers, other eras) can be less accurate than any figure here; the shift "
        "protocols and the novelty cells are the closest estimate, not a guarantee.",
        "* The user score depends on things not in the data (review bombing, launch "
        "problems, number of user reviews); such games are predicted near the average.",
        "* Intervals are marginal per novelty cell: they hold on average over games like "
        "the calibration residuals, not for every individual game.",
        "",
    ]
    return "\n".join(lines)
