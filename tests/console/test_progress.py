"""Progress bars observe a loop without changing it, and draw only on a terminal."""

from __future__ import annotations

import io
import sys

from rich.console import Console

from tests.conftest import PROJECT_ROOT
from user_score.backfill import backfill
from user_score.console import progress


class Terminal(io.StringIO):
    """A stream that says it is a terminal (what a bar needs to be drawn)."""

    def isatty(self) -> bool:
        return True


def test_track_yields_every_item_with_and_without_a_terminal(monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert not progress.enabled()
    assert list(progress.track(iter(range(5)), "plain")) == [0, 1, 2, 3, 4]


def test_on_a_terminal_the_bar_is_drawn_on_standard_error(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert progress.enabled()
    assert list(progress.track(range(3), "protocol splits", total=3)) == [0, 1, 2]
    drawn = terminal.getvalue()
    assert "protocol splits" in drawn and "3/3" in drawn


def test_off_a_terminal_nothing_is_drawn():
    stream = io.StringIO()
    assert list(progress.track(range(3), "protocol splits", stream=stream)) == [0, 1, 2]
    assert stream.getvalue() == ""


def _backfill(stream: io.StringIO) -> list:
    ran = []
    results = backfill(
        PROJECT_ROOT,
        ["2021-03-01", "2021-03-02"],
        ["scoring", "monitoring"],
        console=Console(file=stream, width=120),
        runner=lambda _project, pipeline, day, _env, _params: ran.append((day, pipeline)),
    )
    assert [(r.day, r.pipeline, r.ok) for r in results] == [(*step, True) for step in ran]
    return ran


def test_a_backfill_draws_its_days_on_a_terminal():
    terminal = Terminal()
    ran = _backfill(terminal)
    assert ran == [
        ("2021-03-01", "scoring"),
        ("2021-03-01", "monitoring"),
        ("2021-03-02", "scoring"),
        ("2021-03-02", "monitoring"),
    ]
    drawn = terminal.getvalue()
    bar, _, table = drawn.partition("backfill summary")
    assert "backfill 2021-03-02 monitoring" in bar and "4/4" in bar and "\x1b[" in bar
    assert "4 runs, 0 failed" in table


def test_a_backfill_off_a_terminal_prints_its_summary_only():
    stream = io.StringIO()
    _backfill(stream)
    printed = stream.getvalue()
    assert printed.lstrip().startswith("backfill summary")  # nothing before the table
    assert "4 runs, 0 failed" in printed and "\x1b" not in printed
