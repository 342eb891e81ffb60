"""Progress bars for long loops (training's protocol splits, scoring chunks, backfill days).

A bar is drawn on a terminal only (standard error, or the stream given), and
disappears when the loop ends (``transient``), so it adds no line to a log
file, CI output or a test's captured output. Nodes stay pure: a bar only
observes the loop it wraps.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

Item = TypeVar("Item")


def enabled(stream: IO[str] | None = None) -> bool:
    """Whether a bar can be drawn: ``stream`` (default: standard error) is a terminal."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def track(
    items: Iterable[Item],
    description: str,
    total: int | None = None,
    label: Callable[[Item], str] | None = None,
    stream: IO[str] | None = None,
) -> Iterator[Item]:
    """Iterate ``items``, with a transient progress bar when ``stream`` is a terminal.

    Args:
        items: What the loop iterates; every item is yielded unchanged.
        description: The bar's text.
        total: Number of items (default: ``len(items)`` when it has one).
        label: Text added to ``description`` for the current item (e.g. its day).
        stream: Where the bar is drawn (default: standard error).
    """
    stream = sys.stderr if stream is None else stream
    if not enabled(stream):
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    # Already known to be a terminal: draw even where TERM says otherwise.
    console = Console(file=stream, force_terminal=True)
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            if label is not None:
                bar.update(task, description=f"{description} {label(item)}")
            yield item
            bar.advance(task)
