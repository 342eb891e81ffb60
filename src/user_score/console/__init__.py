"""What a user sees of a run: the end-of-run summary, one-block errors, progress bars.

Everything is written through the ``user_score.console`` logger, which
``conf/logging.yml`` prints as plain lines; ``conf/logging_verbose.yml`` (the one
switch for full detail, docs/console.md) adds Kedro's per-dataset lines and,
under an error's block, the full traceback. The Kedro entry point is
``user_score.hooks.ConsoleHook``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

logger = logging.getLogger(__name__)

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


def verbose() -> bool:
    """Whether the full-detail switch is on (``user_score.console`` at DEBUG)."""
    return logger.isEnabledFor(logging.DEBUG)


def report_error(error: BaseException) -> bool:
    """Log a known error's one-block message; ``False`` if ``error`` is not a known one."""
    from user_score.console.errors import describe

    block = describe(error)
    if block is None:
        return False
    logger.error("\n".join(block.lines()))
    return True


def install_excepthook() -> None:
    """Make an uncaught known error end the process with its block (idempotent).

    Unknown errors, and every error when :func:`verbose`, still get the previous
    hook's traceback (Rich's under Kedro's default logging).
    """
    current = sys.excepthook
    previous: ExceptHook = getattr(current, "previous", current)

    def excepthook(kind: type[BaseException], error: BaseException, tb: TracebackType | None):
        if verbose() or not isinstance(error, Exception):
            previous(kind, error, tb)
            if isinstance(error, Exception):
                report_error(error)
            return
        if not report_error(error):
            previous(kind, error, tb)

    excepthook.previous = previous  # type: ignore[attr-defined]
    sys.excepthook = excepthook
