"""What a run records: flattened parameters and the numeric leaves of ``training_metrics``.

Pure functions (no MLflow import): MLflow keeps one value per parameter key
(at most 6,000 characters) and one float per metric key and step.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

#: Characters MLflow accepts in a parameter or metric name.
_INVALID = re.compile(r"[^\w./\- ]")


def key(*parts: Any) -> str:
    """One MLflow key from path parts, invalid characters replaced by ``_``."""
    return _INVALID.sub("_", ".".join(str(part) for part in parts))


def _plain(value: Any) -> Any:
    """A pydantic model (Kedro's validated parameters) as plain data."""
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else value


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted.key, leaf)`` for every leaf of nested dicts, lists and pydantic models.

    A list of scalars stays one value (``[2010, 2012]``); a list holding dicts
    or lists is indexed (``grid.0.num_leaves``).
    """
    value = _plain(value)
    if isinstance(value, Mapping):
        if not value:
            yield prefix, "{}"
        for name, item in value.items():
            yield from flatten(item, key(prefix, name) if prefix else key(name))
    elif isinstance(value, list | tuple) and any(
        isinstance(_plain(item), Mapping | list | tuple) for item in value
    ):
        for index, item in enumerate(value):
            yield from flatten(item, key(prefix, index))
    else:
        yield prefix, value


def flat_params(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A node's ``params:*`` inputs as ``{"params:<dotted.key>": leaf}`` (other inputs dropped)."""
    flat: dict[str, Any] = {}
    for name, value in inputs.items():
        if name.startswith("params:"):
            flat.update({f"params:{k}": v for k, v in flatten(value, name[len("params:") :])})
    return flat


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def numeric_leaves(value: Any, prefix: str) -> dict[str, float]:
    """Every finite number (booleans as 0/1) under ``value``, keyed by its dotted path."""
    leaves = {}
    for name, leaf in flatten(value, prefix):
        number = _number(leaf)
        if number is not None:
            leaves[name] = number
    return leaves


def training_metric_values(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The metrics of one training run, from its ``training_metrics`` document.

    ``<protocol>.<candidate>.<metric>`` for every candidate under every protocol
    (split-level lists left out), ``chosen.<protocol>.<metric>`` for the chosen
    model, and the interval coverage and target checks (``pass`` as 0/1).
    """
    values: dict[str, float] = {}
    chosen = metrics.get("chosen_model")
    for protocol, result in (metrics.get("protocols") or {}).items():
        for candidate, scores in (result.get("candidates") or {}).items():
            leaves = numeric_leaves(scores, key(protocol, candidate))
            values.update(leaves)
            if candidate == chosen:
                prefix = key(protocol, candidate)
                values.update(
                    {key("chosen", protocol) + name[len(prefix) :]: v for name, v in leaves.items()}
                )
    values.update(numeric_leaves(metrics.get("interval", {}).get("coverage", {}), "interval"))
    values.update(numeric_leaves(metrics.get("targets", {}), "targets"))
    return values
