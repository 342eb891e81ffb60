"""``kedro`` start-up hook (entry point ``kedro.init``): drop MLflow's import-time warning.

With the ``tracking`` extra installed, ``kedro`` imports kedro-mlflow (its CLI
plugin, the project's settings) before any node runs, and MLflow warns (a
UserWarning on every command, ~7 lines on the console) that kedro-mlflow's model
class has no type hints: a warning about a plugin's code a user can do nothing
about. MLflow raises it under its own ``simplefilter("once")``, so a
``warnings`` filter cannot drop it; Kedro routes Python warnings to the
``py.warnings`` logger, where a logging filter can. Kedro runs ``kedro.init``
entry points first, before it reads the project or loads plugins.
"""

from __future__ import annotations

import logging

#: Text of MLflow's warning (after its colour code).
TYPE_HINTS_WARNING = "Add type hints to the `predict` method"


def _not_type_hints_warning(record: logging.LogRecord) -> bool:
    return TYPE_HINTS_WARNING not in record.getMessage()


def quiet_mlflow_type_hint_warning() -> None:
    """Drop MLflow's warning about ``PythonModel`` classes without type hints (idempotent)."""
    warnings_logger = logging.getLogger("py.warnings")
    if _not_type_hints_warning not in warnings_logger.filters:
        warnings_logger.addFilter(_not_type_hints_warning)
