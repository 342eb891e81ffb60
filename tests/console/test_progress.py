"""Progress bars observe a loop without changing it, and draw only on a terminal."""

from __future__ import annotations

import io
import sys

from user_score.console import progress


def test_track_yields_every_item_with_and_without_a_terminal(monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert not progress.enabled()
    assert list(progress.track(iter(range(5)), "plain")) == [0, 1, 2, 3, 4]


def test_on_a_terminal_every_item_passes_through_the_bar(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert progress.enabled()
    assert list(progress.track(range(3), "bar", total=3)) == [0, 1, 2]
