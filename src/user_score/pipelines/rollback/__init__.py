"""``rollback``: make a registered model version the one scoring and monitoring use.

``kedro run --pipelines rollback --params rollback.version=N`` (needs the
``tracking`` extra; docs/runbook.md).
"""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
